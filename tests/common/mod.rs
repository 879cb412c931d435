//! Shared test helpers: where the shared corpora are, and skipping when they are absent.

#![allow(dead_code)]

use lstmuse::{Melody, Pitch, Ratio};
use std::path::PathBuf;

/// `../shared/corpus/<name>` beside the repository, or `None` (with a SKIP line) if absent.
pub fn shared_corpus(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not found (the shared corpora are not beside this checkout)",
            p.display()
        );
        None
    }
}

/// A fixture file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Pitch and duration of every note and rest, ties merged.
pub fn notes(m: &Melody) -> Vec<(Option<Pitch>, Ratio)> {
    m.notes.iter().map(|n| (n.pitch, n.duration)).collect()
}
