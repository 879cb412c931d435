//! Atomic file writes (write a temporary file beside the target, then rename it), the
//! app's data folder, and the dates files are stamped with.

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

/// The current time as RFC 3339 UTC (seconds precision), without a date crate.
pub fn now_rfc3339() -> String {
    rfc3339(unix_now())
}

/// Seconds since 1970 (UTC), now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A time in seconds since 1970 as RFC 3339 UTC: `2026-05-01T12:03:04Z`.
pub fn rfc3339(unix_secs: u64) -> String {
    let secs = i64::try_from(unix_secs).unwrap_or(i64::MAX / 2);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
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

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_777_636_984), "2026-05-01T12:03:04Z");
    }
}
