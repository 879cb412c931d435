//! An installed binary finds the model its package put beside it, wherever it was moved.

use crate::common;
use std::path::Path;
use std::process::Command;

/// Copies the built binary to `bin/` under `root` and a model folder to `model_at`
/// (relative to `root`), as a package would lay them out.
fn install(root: &Path, model_at: &str) -> std::path::PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join(
        Path::new(env!("CARGO_BIN_EXE_lstmuse"))
            .file_name()
            .unwrap(),
    );
    std::fs::copy(env!("CARGO_BIN_EXE_lstmuse"), &exe).unwrap();
    let model = root.join(model_at);
    std::fs::create_dir_all(&model).unwrap();
    let fixture = common::fixture("models/lookback-v1");
    for f in ["card.json", "config.json", "model.bpk", "vocab.json"] {
        std::fs::copy(fixture.join(f), model.join(f)).unwrap();
    }
    exe
}

/// The moved binary, run from an unrelated folder without `--model` or
/// `LSTMUSE_MODEL_DIR`, generates with the model beside it: the fixture model's own
/// melodies, not the source tree's bundled model's.
#[test]
fn a_moved_binary_finds_the_model_its_package_put_beside_it() {
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture("models/lookback-v1/expected-generate.json"))
            .unwrap(),
    )
    .unwrap();
    // The Windows zip's layout (beside the exe) and the .deb's and tarball's (share/lstmuse).
    for model_at in [
        "bin/models/essen-german",
        "share/lstmuse/models/essen-german",
    ] {
        let root = tempfile::tempdir().unwrap();
        let exe = install(root.path(), model_at);
        let elsewhere = tempfile::tempdir().unwrap();
        let out = elsewhere.path().join("out.mid");
        let run = Command::new(&exe)
            .current_dir(elsewhere.path())
            .env_remove("LSTMUSE_MODEL_DIR")
            .args(["generate", "--variations", "2", "--json"])
            .args(["--meter", "3/4", "--bars", "4", "--seed", "3"])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{model_at}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let notes = |v: &serde_json::Value| -> Vec<serde_json::Value> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|g| g["notes"].clone())
                .collect()
        };
        assert_eq!(notes(&got), notes(&want), "{model_at}");
    }
}
