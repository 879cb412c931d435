//! Atomic file writes (write a temporary file beside the target, then rename it), and
//! the app's data folder.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The platform's data folder for LSTMuse, which holds trained models
/// ([`default_models_dir`]) and fetched corpora
/// ([`crate::corpus::fetch::default_corpus_dir`]): `~/.local/share/lstmuse` on Linux,
/// `~/Library/Application Support/lstmuse` on macOS, `%APPDATA%\lstmuse\data` on
/// Windows. `None` when the platform has no home folder.
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "lstmuse").map(|d| d.data_dir().to_path_buf())
}

/// Where the app puts the models it trains: the `models` folder of [`data_dir`].
pub fn default_models_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("models"))
}

/// Writes `bytes` to `path` atomically: a crash never leaves a half-written file,
/// and a previous file at `path` stays intact until the new one is complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
