//! The fused CPU training path against Burn's composed ops on erk: the same loss curve
//! over 50 optimizer steps from the same start (needs ../shared/corpus; SKIP otherwise).

use crate::common;
use lstmuse::corpus;
use lstmuse::corpus::TrainingData;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::model::backend::BackendChoice;
use lstmuse::model::{Engine, TrainOptions, TrainingConfig, TrainingEvent, train};
use std::sync::atomic::{AtomicBool, Ordering};

const STEPS: usize = 50;

/// The first `STEPS` batch losses of a run with `engine`.
fn losses(config: &TrainingConfig, data: &TrainingData, engine: Engine) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let mut options = TrainOptions::new(dir.path(), BackendChoice::Cpu).unwrap();
    options.engine = engine;
    let stop = AtomicBool::new(false);
    let mut out = Vec::new();
    train(
        config,
        data,
        &options,
        &mut |e| {
            if let TrainingEvent::Batch { loss, .. } = e {
                out.push(*loss);
                if out.len() == STEPS {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        },
        &stop,
    )
    .unwrap();
    assert_eq!(out.len(), STEPS, "the epoch has at least {STEPS} batches");
    out
}

#[test]
fn fused_and_composed_loss_curves_match_on_erk() {
    let Some(dir) = common::shared_corpus("essen-erk-krn") else {
        return;
    };
    let loaded = corpus::load(&dir).unwrap();
    let encoded = corpus::encode(&loaded.melodies, &PreprocessConfig::default());
    let songs = corpus::EncodedCorpus::from_songs(encoded.songs[..600].to_vec());
    let data = TrainingData::from_encoded(&songs, "erk (600 songs)");
    let mut config = TrainingConfig::recommended(data.vocab.len())
        .with_batch_size(8)
        .with_epochs(1);
    config.model.hidden_size = 48;
    config.model.dropout = 0.0;
    let fused = losses(&config, &data, Engine::Fused);
    let composed = losses(&config, &data, Engine::Composed);
    for (i, (a, b)) in fused.iter().zip(&composed).enumerate() {
        assert!(
            (a - b).abs() < 2e-3 * b,
            "step {}: fused {a} vs composed {b}",
            i + 1
        );
    }
    assert!(
        fused[STEPS - 1] < 0.7 * fused[0],
        "the loss falls: {fused:?}"
    );
    // With dropout the masks differ (each path draws its own), so the curves agree in
    // level: the mean of the last ten steps within 3 %.
    config.model.dropout = 0.35;
    let tail = |v: Vec<f64>| v[STEPS - 10..].iter().sum::<f64>() / 10.0;
    let (f, c) = (
        tail(losses(&config, &data, Engine::Fused)),
        tail(losses(&config, &data, Engine::Composed)),
    );
    assert!(
        (f - c).abs() < 0.03 * c,
        "last ten steps: fused {f} vs composed {c}"
    );
}
