//! Model folder loader: the weights file. The input is `model.bpk` in a folder holding the
//! small `lookback-v1` fixture model's `config.json` and `vocab.json` and no card (so no
//! checksum stops it early). `ModelArtifact::load` must return: an error naming the file,
//! or a model whose weights are all finite and which generates a bar or says why not,
//! without panicking or allocating what the bytes ask for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::{HostLstm, ModelRef, backend};
use lstmuse::sampling::{Length, SamplerConfig};
use std::sync::OnceLock;

const CONFIG: &[u8] = include_bytes!("../../tests/fixtures/models/lookback-v1/config.json");
const VOCAB: &[u8] = include_bytes!("../../tests/fixtures/models/lookback-v1/vocab.json");

fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("config.json"), CONFIG).expect("write config.json");
        std::fs::write(dir.path().join("vocab.json"), VOCAB).expect("write vocab.json");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder().path();
    std::fs::write(dir.join("model.bpk"), data).expect("write model.bpk");
    let device = backend::cpu().device;
    match ModelArtifact::load(dir, &device) {
        Err(e) => assert!(e.to_string().contains("model.bpk"), "{e}"),
        Ok(a) => {
            let host = HostLstm::new(&a.model).expect("a loaded model copies to the host");
            assert_eq!(host.first_non_finite(), None);
            let config = SamplerConfig {
                length: Length::Bars(1),
                ..SamplerConfig::default()
            };
            let primer = lstmuse::Melody::new();
            let _ = lstmuse::sampling::generate(ModelRef::new(&a, &device), &primer, &config);
        }
    }
});
