//! A full disk while training: the checkpoint (or the model) that cannot be written is an
//! error naming the file; the previous checkpoint and model stay intact and loadable, and
//! no partial file is left.

use crate::common::{self, Tmpfs};
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::{TrainOptions, train};
use std::sync::atomic::AtomicBool;

#[test]
fn training_on_a_full_disk_keeps_the_last_checkpoint() {
    let Some(disk) = Tmpfs::mount(4096) else {
        return;
    };
    let out = disk.path().join("m");
    let data = common::kern_training_data();
    let run = |epochs: usize, resume: bool| {
        let mut options = TrainOptions::new(&out, BackendChoice::Cpu).unwrap();
        options.resume = resume;
        train(
            &common::tiny_kern_config(&data, epochs),
            &data,
            &options,
            &mut |_| {},
            &AtomicBool::new(false),
        )
    };
    run(1, false).unwrap();
    let checkpoint = std::fs::read(out.join("checkpoint.json")).unwrap();
    let card = std::fs::read(out.join("card.json")).unwrap();
    disk.fill();
    let e = run(3, true).unwrap_err().to_string();
    assert!(e.contains("No space left"), "{e}");
    assert!(
        e.contains(&out.display().to_string()),
        "the error names the file: {e}"
    );
    assert_eq!(
        std::fs::read(out.join("checkpoint.json")).unwrap(),
        checkpoint
    );
    ModelArtifact::load(&out, &backend::cpu().device).unwrap();
    assert_eq!(disk.partial_files(), Vec::<std::path::PathBuf>::new());
    let checkpoints: Vec<_> = std::fs::read_dir(out.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        checkpoints,
        ["epoch-0001"],
        "no half-written checkpoint is left"
    );
    // Room again: the run resumes from the kept checkpoint.
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    run(3, true).unwrap();
    assert_ne!(std::fs::read(out.join("card.json")).unwrap(), card);
}
