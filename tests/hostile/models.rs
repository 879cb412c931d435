//! Hostile model folders and checkpoints: a crafted `config.json` is a clear error naming
//! the file and the field before anything is allocated, a crafted `checkpoint.json` can
//! neither delete nor change anything outside its own model folder's `checkpoints/`, and a
//! killed training run leaves its neighbours untouched.

use crate::common;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::{TrainOptions, train};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

/// The hostile fixtures: `tests/fixtures/models/hostile/<name>`.
fn hostile(name: &str) -> PathBuf {
    common::fixture("models/hostile").join(name)
}

/// Every file under `dir` (relative path → bytes), to compare a folder before and after.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Copies every file of `from` (recursively) into `to`.
fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in snapshot(from) {
        let path = to.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// The bundled pre-structure model with `config.json` replaced by a crafted one.
fn crafted_model(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&common::fixture("models/pre-structure"), dir.path());
    std::fs::copy(hostile(config), dir.path().join("config.json")).unwrap();
    dir
}

#[test]
fn crafted_configs_are_refused_naming_the_file_and_the_field() {
    let device = backend::cpu().device;
    let cases = [
        ("dropout-one.config.json", "model.dropout"),
        ("dropout-negative.config.json", "model.dropout"),
        ("layers-zero.config.json", "model.layers"),
        ("layers-many.config.json", "model.layers"),
        ("hidden-zero.config.json", "model.hidden_size"),
        ("hidden-huge.config.json", "model.hidden_size"),
        ("embedding-huge.config.json", "model.embedding_size"),
        ("parameters-over.config.json", "model parameters"),
        ("vocab-mismatch.config.json", "model.vocab_size"),
    ];
    for (file, field) in cases {
        let dir = crafted_model(file);
        let e = ModelArtifact::load(dir.path(), &device)
            .unwrap_err()
            .to_string();
        assert!(e.contains(field), "{file}: {e}");
        assert!(e.contains("config.json"), "{file}: {e}");
    }
}

/// The CLI under a 4 GB address-space limit: a hidden size of 10⁹ (608 GB of weights) is
/// a one-line error, not an allocation failure.
#[cfg(target_os = "linux")]
#[test]
fn a_huge_model_is_refused_within_the_memory_limit() {
    let dir = crafted_model("hidden-huge.config.json");
    let out = dir.path().join("out.mid");
    let script = "ulimit -v 4000000; exec \"$0\" generate --model \"$1\" --out \"$2\" --bars 1";
    let o = Command::new("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_lstmuse")])
        .arg(dir.path())
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("model.hidden_size"), "{stderr}");
    assert!(stderr.contains("config.json"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Trains `epochs` epochs into `dir` (or resumes there).
fn run(dir: &Path, epochs: usize, resume: bool) -> lstmuse::Result<()> {
    let data = common::kern_training_data();
    let mut options = TrainOptions::new(dir, BackendChoice::Cpu).unwrap();
    options.resume = resume;
    train(
        &common::tiny_kern_config(&data, epochs),
        &data,
        &options,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .map(drop)
}

/// A change to a checkpoint's JSON.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

/// Rewrites fields of `dir/checkpoint.json`.
fn craft_checkpoint(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("checkpoint.json");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut state);
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
}

#[test]
fn a_checkpoint_naming_its_own_folder_deletes_nothing() {
    // `dir: "."` with an optimizer state beside the weights: the checkpoint loads, and the
    // run used to end its first epoch with `remove_dir_all` on the whole model folder.
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    run(&model, 1, false).unwrap();
    std::fs::copy(
        model.join("checkpoints/epoch-0001/optimizer.bpk"),
        model.join("optimizer.bpk"),
    )
    .unwrap();
    craft_checkpoint(&model, |s| s["dir"] = ".".into());
    let before = snapshot(&model);
    let e = run(&model, 3, true).unwrap_err().to_string();
    assert!(e.contains("checkpoint.json") && e.contains("dir"), "{e}");
    assert_eq!(snapshot(&model), before, "the model folder changed");
}

#[test]
fn a_checkpoint_in_another_model_folder_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (mine, other) = (tmp.path().join("mine"), tmp.path().join("other"));
    run(&mine, 1, false).unwrap();
    run(&other, 1, false).unwrap();
    let crafted = [
        "../other/checkpoints/epoch-0001",
        "checkpoints/../../other/checkpoints/epoch-0001",
        &other.join("checkpoints/epoch-0001").display().to_string(),
        "checkpoints/epoch-0001/..",
        "checkpoints\\epoch-0001",
    ];
    let others = snapshot(&other);
    for dir in crafted {
        craft_checkpoint(&mine, |s| s["dir"] = dir.into());
        let before = snapshot(&mine);
        let e = run(&mine, 3, true).unwrap_err().to_string();
        assert!(e.contains("checkpoint.json"), "{dir}: {e}");
        assert_eq!(snapshot(&other), others, "{dir}: the other model changed");
        assert_eq!(snapshot(&mine), before, "{dir}: this model changed");
    }
}

#[test]
fn crafted_epoch_counters_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    run(&model, 2, false).unwrap();
    let max = usize::MAX;
    let cases: [(&str, Edit); 4] = [
        ("epoch", Box::new(move |s| s["epoch"] = max.into())),
        (
            "epoch",
            Box::new(move |s| {
                s["epoch"] = max.into();
                s["dir"] = format!("checkpoints/epoch-{max:04}").into();
            }),
        ),
        (
            "best_epoch",
            Box::new(move |s| s["best_epoch"] = max.into()),
        ),
        ("epoch", Box::new(|s| s["epoch"] = 0.into())),
    ];
    let original = std::fs::read(model.join("checkpoint.json")).unwrap();
    for (field, edit) in cases {
        std::fs::write(model.join("checkpoint.json"), &original).unwrap();
        craft_checkpoint(&model, edit);
        let before = snapshot(&model);
        let e = run(&model, 4, true).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("checkpoint.json"), "{e}");
        assert_eq!(snapshot(&model), before);
    }
    // Asking for fewer epochs than the checkpoint holds says so instead of doing nothing.
    std::fs::write(model.join("checkpoint.json"), &original).unwrap();
    let e = run(&model, 1, true).unwrap_err().to_string();
    assert!(e.contains("epoch 2") && e.contains("1 epochs"), "{e}");
    // The genuine checkpoint still resumes.
    run(&model, 3, true).unwrap();
}

/// `lstmuse train` killed with SIGKILL mid-run: the model folder loads, a resume finishes
/// the run, and nothing outside the folder's own files changes (a neighbouring model
/// folder and a file of the user's inside this one stay byte for byte).
#[test]
fn kill_9_changes_nothing_outside_the_model_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let neighbour = tmp.path().join("neighbour");
    copy_dir(&common::fixture("models/pre-structure"), &neighbour);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "my notes").unwrap();
    let neighbours = snapshot(&neighbour);
    let corpus = common::fixture("kern");
    let train_args = |resume: bool| {
        let mut a = vec!["train", "--corpus", corpus.to_str().unwrap()];
        a.extend(["--out", out.to_str().unwrap(), "--epochs", "60"]);
        a.extend(["--hidden", "8", "--batch", "2", "--seq-len", "8"]);
        a.extend(["--patience", "0", "--backend", "cpu", "--json"]);
        if resume {
            a.push("--resume");
        }
        a
    };
    let exe = env!("CARGO_BIN_EXE_lstmuse");
    let epoch_now = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("checkpoint.json")).unwrap()).unwrap()
    };
    for (round, wait_ms) in [150u64, 330].into_iter().enumerate() {
        common::kill_after_first_checkpoint(&train_args(round > 0), &out, wait_ms);
        ModelArtifact::load(&out, &backend::cpu().device).unwrap();
        assert!(
            epoch_now()["epoch"].as_u64().unwrap() < 60,
            "killed too late"
        );
    }
    let o = Command::new(exe).args(train_args(true)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(epoch_now()["epoch"], 60);
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"my notes");
    assert_eq!(
        snapshot(&neighbour),
        neighbours,
        "the neighbouring model changed"
    );
    let checkpoints: Vec<_> = std::fs::read_dir(out.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(checkpoints, ["epoch-0060"], "older checkpoints are removed");
}

/// The arguments of a small `lstmuse train` run into `out`.
fn small_run(corpus: &Path, out: &Path, epochs: &str, resume: bool) -> Vec<String> {
    let mut a: Vec<String> = ["train", "--corpus", corpus.to_str().unwrap()]
        .iter()
        .map(ToString::to_string)
        .collect();
    let out = out.to_str().unwrap();
    for flag in [
        "--out",
        out,
        "--epochs",
        epochs,
        "--hidden",
        "8",
        "--batch",
        "2",
        "--seq-len",
        "8",
        "--patience",
        "0",
        "--backend",
        "cpu",
    ] {
        a.push(flag.into());
    }
    if resume {
        a.push("--resume".into());
    }
    a
}

/// Two `lstmuse train --out same/`: the second is refused at once (exit 1) naming the folder
/// and the first process, and the first finishes with its model intact. The first runs 100
/// epochs (about 3 s in release, 14 s with the test profile's unoptimised Burn), far longer
/// than the second takes to start and be refused.
#[test]
fn a_second_writer_of_a_model_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("same");
    let corpus = common::fixture("kern");
    let exe = env!("CARGO_BIN_EXE_lstmuse");
    let mut first = Command::new(exe)
        .args(small_run(&corpus, &out, "100", false))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first holds the lock.
    let t = std::time::Instant::now();
    while lstmuse::folder_lock::FolderLock::holder(&out).is_none() {
        assert!(
            t.elapsed().as_secs() < 60,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = Command::new(exe)
        .args(small_run(&corpus, &out, "40", false))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&out.display().to_string()), "{stderr}");
    assert!(
        stderr.contains(&format!("process {} (lstmuse train", first.id())),
        "{stderr}"
    );
    assert!(first.wait().unwrap().success(), "the first run failed");
    ModelArtifact::load(&out, &backend::cpu().device).unwrap();
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!(state["epoch"], 100);
    assert_eq!(lstmuse::folder_lock::FolderLock::holder(&out), None);
}

/// A run killed with `kill -9` leaves its lock behind: the next run sees the holder is gone,
/// takes the folder over (and says whose lock it was) and finishes.
#[test]
fn a_lock_left_by_a_killed_run_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    let corpus = common::fixture("kern");
    let killed =
        common::kill_after_first_checkpoint(&small_run(&corpus, &out, "60", false), &out, 50);
    let lock = std::fs::read_to_string(out.join(lstmuse::folder_lock::LOCK_FILE)).unwrap();
    assert!(
        lock.contains(&format!("\"pid\":{killed}")),
        "the lock names the killed run: {lock}"
    );
    assert_eq!(lstmuse::folder_lock::FolderLock::holder(&out), None);
    let o = common::lstmuse(
        &small_run(&corpus, &out, "60", true)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "took over the lock that process {killed} (lstmuse train"
        )),
        "{stderr}"
    );
    ModelArtifact::load(&out, &backend::cpu().device).unwrap();
}
