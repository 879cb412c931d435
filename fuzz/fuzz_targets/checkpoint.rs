//! `checkpoint.json` on `train --resume`: the input is written as the checkpoint of a
//! model folder that holds no checkpoint weights, and `train` with `resume` must refuse it
//! with an error (a state that passes every check still fails on the missing weights),
//! never panic, train, or touch a path the JSON names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::corpus::encoding::parse_symbols;
use lstmuse::model::MelodyLstmConfig;
use lstmuse::model::backend::BackendChoice;
use lstmuse::model::training::{TrainOptions, TrainingConfig, TrainingData, train};
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

struct Setup {
    dir: tempfile::TempDir,
    data: TrainingData,
    config: TrainingConfig,
    options: TrainOptions,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let songs: Vec<_> = ["60 _ 62 _ 64 _ r _ 65 _ _ _", "67 _ 65 64 _ 62 60 _ _ _"]
            .iter()
            .map(|s| parse_symbols(s).expect("symbols"))
            .collect();
        let data = TrainingData::from_songs(&songs, "fuzz");
        let config = TrainingConfig::new(
            MelodyLstmConfig::new(data.vocab.len())
                .with_hidden_size(4)
                .with_dropout(0.0),
        )
        .with_epochs(8)
        .with_batch_size(2)
        .with_seq_len(8)
        .with_valid_fraction(0.5);
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut options = TrainOptions::new(dir.path(), BackendChoice::Cpu).expect("cpu");
        options.resume = true;
        Setup {
            dir,
            data,
            config,
            options,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    std::fs::write(s.dir.path().join("checkpoint.json"), data).expect("write checkpoint.json");
    let result = train(
        &s.config,
        &s.data,
        &s.options,
        &mut |_| {},
        &AtomicBool::new(false),
    );
    assert!(result.is_err());
});
