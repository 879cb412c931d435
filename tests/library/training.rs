//! Training end to end on the CPU: the loss falls, save → load is exact, stop and resume
//! give the same model as an uninterrupted run, and a killed checkpoint write is harmless.

use crate::common;
use burn::module::Module;
use burn::tensor::{Int, Tensor, TensorData};
use lstmuse::model::MelodyLstmConfig;
use lstmuse::model::artifact::{ModelArtifact, weights_from_bytes};
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::{TrainOptions, TrainingConfig, TrainingEvent, train};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

fn options(dir: &Path) -> TrainOptions {
    TrainOptions::new(dir, BackendChoice::Cpu).unwrap()
}

fn logits(a: &ModelArtifact) -> Vec<f32> {
    let device = backend::cpu().device;
    let x =
        Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 3, 4, 2, 5, 1], [1, 6]), &device);
    a.model
        .forward(x, None)
        .into_data()
        .convert::<f32>()
        .try_to_vec()
        .unwrap()
}

/// Logits of the model in a checkpoint (the file bytes also hold random parameter ids).
fn checkpoint_logits(config: &TrainingConfig, dir: &Path, epoch: usize) -> Vec<f32> {
    let path = dir.join(format!("checkpoints/epoch-{epoch:04}/model.bpk"));
    let device = backend::cpu().device;
    let model = weights_from_bytes(config, std::fs::read(&path).unwrap(), &path, &device).unwrap();
    let x =
        Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 3, 4, 2, 5, 1], [1, 6]), &device);
    model
        .valid()
        .forward(x, None)
        .into_data()
        .convert::<f32>()
        .try_to_vec()
        .unwrap()
}

#[test]
fn loss_falls_and_save_load_is_exact() {
    let data = common::kern_training_data();
    let dir = tempfile::tempdir().unwrap();
    let config = common::tiny_kern_config(&data, 8);
    let mut epochs = Vec::new();
    let summary = train(
        &config,
        &data,
        &options(dir.path()),
        &mut |e| {
            if let TrainingEvent::Epoch { stats, .. } = e {
                epochs.push(stats.train_loss);
            }
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(epochs.len(), 8);
    assert!(epochs[7] < epochs[0] * 0.8, "loss did not fall: {epochs:?}");
    assert!(summary.best_epoch >= 1);
    let device = backend::cpu().device;
    let a = ModelArtifact::load(dir.path(), &device).unwrap();
    let b = ModelArtifact::load(dir.path(), &device).unwrap();
    assert_eq!(logits(&a), logits(&b));
    assert_eq!(a.card.best_epoch, summary.best_epoch);
    assert_eq!(a.vocab, data.vocab);
    // Saving again and reloading gives the same logits.
    let again = tempfile::tempdir().unwrap();
    a.save(again.path()).unwrap();
    let c = ModelArtifact::load(again.path(), &device).unwrap();
    assert_eq!(logits(&a), logits(&c));
}

#[test]
fn stop_then_resume_equals_an_uninterrupted_run() {
    let data = common::kern_training_data();
    let config = common::tiny_kern_config(&data, 4);
    let whole = tempfile::tempdir().unwrap();
    train(
        &config,
        &data,
        &options(whole.path()),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();

    let parts = tempfile::tempdir().unwrap();
    let stop = AtomicBool::new(false);
    let summary = train(
        &config,
        &data,
        &options(parts.path()),
        &mut |e| {
            if let TrainingEvent::Batch {
                epoch: 3, batch: 1, ..
            } = e
            {
                stop.store(true, Ordering::Relaxed);
            }
        },
        &stop,
    )
    .unwrap();
    assert!(summary.stopped);
    assert_eq!(
        summary.history.len(),
        2,
        "the partial epoch 3 is not recorded"
    );
    // The model folder stays loadable after a stop.
    ModelArtifact::load(parts.path(), &backend::cpu().device).unwrap();

    let mut resume = options(parts.path());
    resume.resume = true;
    let resumed = train(
        &config,
        &data,
        &resume,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(resumed.history.len(), 4);
    let a = checkpoint_logits(&config, whole.path(), 4);
    let b = checkpoint_logits(&config, parts.path(), 4);
    assert!(
        a == b,
        "resumed run differs: {:?} vs {:?}",
        &a[..4],
        &b[..4]
    );
}

#[test]
fn impossible_settings_are_clear_errors() {
    let data = common::kern_training_data();
    let dir = tempfile::tempdir().unwrap();
    let bad = common::tiny_kern_config(&data, 2).with_learning_rate(-1.0);
    let e = train(
        &bad,
        &data,
        &options(dir.path()),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(e.to_string().contains("learning rate"), "{e}");
    let wrong_vocab = TrainingConfig::new(MelodyLstmConfig::new(3));
    assert!(
        train(
            &wrong_vocab,
            &data,
            &options(dir.path()),
            &mut |_| {},
            &AtomicBool::new(false)
        )
        .is_err()
    );
}

#[test]
fn missing_or_corrupt_model_files_are_named() {
    let data = common::kern_training_data();
    let dir = tempfile::tempdir().unwrap();
    train(
        &common::tiny_kern_config(&data, 1),
        &data,
        &options(dir.path()),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let device = backend::cpu().device;
    for (file, content) in [
        ("model.bpk", &b"garbage"[..]),
        ("config.json", b"{"),
        ("vocab.json", b"[]"),
    ] {
        let copy = tempfile::tempdir().unwrap();
        for f in ["model.bpk", "config.json", "vocab.json", "card.json"] {
            std::fs::copy(dir.path().join(f), copy.path().join(f)).unwrap();
        }
        std::fs::write(copy.path().join(file), content).unwrap();
        let e = ModelArtifact::load(copy.path(), &device)
            .unwrap_err()
            .to_string();
        assert!(e.contains(file), "{file}: {e}");
        std::fs::remove_file(copy.path().join(file)).unwrap();
        let e = ModelArtifact::load(copy.path(), &device)
            .unwrap_err()
            .to_string();
        assert!(e.contains(file), "{file} missing: {e}");
    }
}

#[test]
fn kill_during_training_leaves_a_loadable_checkpoint() {
    // Train in a child process and kill -9 it at several moments; after each kill the
    // model folder loads and `--resume` finishes the run.
    let corpus = common::fixture("kern");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let args = |resume: bool| {
        let mut a = vec![
            "train".to_string(),
            "--corpus".into(),
            corpus.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--epochs".into(),
            "30".into(),
            "--hidden".into(),
            "32".into(),
            "--batch".into(),
            "2".into(),
            "--seq-len".into(),
            "8".into(),
            "--patience".into(),
            "0".into(),
            "--backend".into(),
            "cpu".into(),
            "--json".into(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let exe = env!("CARGO_BIN_EXE_lstmuse");
    for (round, wait_ms) in [400u64, 250, 600].into_iter().enumerate() {
        let resume = round > 0 && out.join("checkpoint.json").exists();
        common::kill_after_first_checkpoint(&args(resume), &out, wait_ms);
        ModelArtifact::load(&out, &backend::cpu().device).unwrap();
    }
    let status = std::process::Command::new(exe)
        .args(args(true))
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!(state["epoch"], 30);
}
