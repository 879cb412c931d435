//! Where the bundled model is found: an override, where the package put it, the current folder, or the source tree.

use crate::model::artifact::ModelArtifact;
use std::path::{Path, PathBuf};

/// The bundled model's folder, under a `models` folder wherever it is installed.
const BUNDLED: &str = "essen-german";

/// The bundled default model: `$LSTMUSE_MODEL_DIR`; else where a package installed it
/// for this executable ([`installed_model_dirs`]); else `models/essen-german` in the current
/// folder; else in the source tree the binary was built from.
pub fn default_model_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok();
    let installed = exe.as_deref().map(installed_model_dirs).unwrap_or_default();
    let candidates = std::env::var_os("LSTMUSE_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(installed)
        .chain([
            Path::new("models").join(BUNDLED),
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("models")
                .join(BUNDLED),
        ]);
    candidates
        .into_iter()
        .find(|p| ModelArtifact::is_model_folder(p))
}

/// Where the packages put the bundled model for the executable at `exe`, in the order
/// they are searched:
/// - `models/essen-german` beside it (the Windows zip and installer);
/// - `../share/lstmuse/models/essen-german` (the `.deb`: `/usr/bin` and `/usr/share/lstmuse`;
///   the Linux tarball, whose `bin` and `share` folders mirror it);
/// - `../Resources/models/essen-german` (the macOS bundle: `Contents/MacOS` and
///   `Contents/Resources`).
pub fn installed_model_dirs(exe: &Path) -> Vec<PathBuf> {
    let Some(bin) = exe.parent() else {
        return Vec::new();
    };
    let mut dirs = vec![bin.join("models").join(BUNDLED)];
    if let Some(prefix) = bin.parent() {
        dirs.push(
            prefix
                .join("share")
                .join("lstmuse")
                .join("models")
                .join(BUNDLED),
        );
        dirs.push(prefix.join("Resources").join("models").join(BUNDLED));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::installed_model_dirs;
    use std::path::{Path, PathBuf};

    #[test]
    fn a_package_layout_is_searched_beside_and_above_the_executable() {
        let dirs = installed_model_dirs(Path::new("/usr/bin/lstmuse"));
        assert_eq!(
            dirs,
            [
                "/usr/bin/models/essen-german",
                "/usr/share/lstmuse/models/essen-german",
                "/usr/Resources/models/essen-german",
            ]
            .map(PathBuf::from)
        );
        let mac = installed_model_dirs(Path::new(
            "/Applications/LSTMuse.app/Contents/MacOS/lstmuse",
        ));
        assert_eq!(
            mac[2],
            Path::new("/Applications/LSTMuse.app/Contents/Resources/models/essen-german")
        );
    }

    #[test]
    fn an_executable_at_the_root_looks_only_beside_itself() {
        assert_eq!(
            installed_model_dirs(Path::new("/lstmuse")),
            [PathBuf::from("/models/essen-german")]
        );
        assert!(installed_model_dirs(Path::new("")).is_empty());
    }
}
