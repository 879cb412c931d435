//! Where the bundled model is found: an override, the current folder, beside the executable, or the source tree.

use crate::model::artifact::ModelArtifact;
use std::path::{Path, PathBuf};

/// The bundled default model: `$LSTMUSE_MODEL_DIR`, else `models/essen-german` in the
/// current folder, beside the executable, or in the source tree it was built from.
pub fn default_model_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("LSTMUSE_MODEL_DIR").map(PathBuf::from),
        Some(PathBuf::from("models/essen-german")),
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|p| p.join("models/essen-german"))),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/essen-german")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| ModelArtifact::is_model_folder(p))
}
