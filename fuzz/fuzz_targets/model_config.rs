//! Model folder loader: `config.json` and `vocab.json` validation. The input is the
//! config, a NUL byte, then the vocabulary; both are written into a model folder that has
//! no weights, and `ModelArtifact::load` must refuse it with an error (a config that passes
//! every check still fails on the missing `model.bpk`), without panicking or allocating
//! what the config asks for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend;
use std::sync::OnceLock;

fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let (config, vocab) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let dir = folder().path();
    std::fs::write(dir.join("config.json"), config).expect("write config.json");
    std::fs::write(dir.join("vocab.json"), vocab).expect("write vocab.json");
    let device = backend::cpu().device;
    assert!(ModelArtifact::load(dir, &device).is_err());
});
