//! Damaged model folders: NaN weights, flipped bytes and weights whose output overflows are
//! clear errors (exit 1) naming the file, in `generate` and `eval`; never an empty melody
//! or a `null` score. A folder from before checksums still loads, with a note.

use crate::common::{self, Damage, damaged_model};
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend;
use std::path::Path;

/// `generate` and `eval` on `dir`: both exit 1 with one error line naming `names`, and
/// `generate` writes no file.
fn both_refuse(dir: &Path, names: &[&str]) {
    let out = dir.join("out.mid");
    let corpus = common::fixture("kern");
    let runs = [
        vec![
            "generate",
            "--model",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        vec![
            "eval",
            "--model",
            dir.to_str().unwrap(),
            "--corpus",
            corpus.to_str().unwrap(),
            "--json",
        ],
    ];
    for args in runs {
        let o = common::lstmuse(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}{stdout}");
        let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(error.len(), 1, "{args:?}: {stderr}");
        for name in names {
            assert!(error[0].contains(name), "{args:?}: {name} not in {stderr}");
        }
        assert!(!stdout.contains("null"), "{args:?}: {stdout}");
        assert!(
            !out.exists(),
            "{args:?} wrote a melody from damaged weights"
        );
    }
}

#[test]
fn nan_weights_and_flipped_bytes_fail_their_checksum() {
    for damage in [Damage::NanWeights, Damage::FlippedBytes] {
        let dir = damaged_model(damage);
        let weights = dir.path().join("model.bpk");
        let e = ModelArtifact::load(dir.path(), &backend::cpu().device)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SHA-256") && e.contains(&weights.display().to_string()),
            "{e}"
        );
        both_refuse(dir.path(), &[&weights.display().to_string(), "damaged"]);
    }
}

#[test]
fn nan_weights_without_a_checksum_are_refused_as_not_finite() {
    let dir = damaged_model(Damage::NanWeightsUnchecked);
    let weights = dir.path().join("model.bpk");
    let e = ModelArtifact::load(dir.path(), &backend::cpu().device)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not finite") && e.contains(&weights.display().to_string()),
        "{e}"
    );
    both_refuse(
        dir.path(),
        &[&weights.display().to_string(), "NaN or infinity"],
    );
}

#[test]
fn an_output_that_overflows_is_an_error_naming_the_model() {
    let dir = damaged_model(Damage::OverflowingOutput);
    // Its weights are finite and match their checksum: it loads.
    let a = ModelArtifact::load(dir.path(), &backend::cpu().device).unwrap();
    assert!(a.card.weights_sha256.is_some());
    both_refuse(
        dir.path(),
        &[
            &dir.path().display().to_string(),
            "not a finite number",
            "model.bpk",
        ],
    );
}

#[test]
fn a_folder_from_before_checksums_loads_with_a_note() {
    let dir = common::fixture("models/lookback-v1");
    let a = ModelArtifact::load(&dir, &backend::cpu().device).unwrap();
    let note = a.unverified_note().unwrap();
    assert!(
        note.contains("card.json") && note.contains("no checksum"),
        "{note}"
    );
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("x.mid");
    let o = common::lstmuse(&[
        "generate",
        "--model",
        dir.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("note:") && stderr.contains("no checksum"),
        "{stderr}"
    );
    // The bundled model records one, and it matches.
    let bundled = lstmuse::default_model_dir().unwrap();
    let a = ModelArtifact::load(&bundled, &backend::cpu().device).unwrap();
    assert_eq!(a.unverified_note(), None);
    let bytes = std::fs::read(bundled.join("model.bpk")).unwrap();
    assert_eq!(
        a.card.weights_sha256,
        Some(lstmuse::sha256::hex_digest(&bytes))
    );
}
