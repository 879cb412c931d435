//! One writer per folder: an operating-system file lock on `.lstmuse-lock` inside it, with
//! the holding process written in the file so a refused writer can say who holds it.
//!
//! The lock is the kernel's (`flock` on Linux and macOS, `LockFileEx` on Windows): it goes
//! with the process, so a writer killed with `kill -9` leaves a file whose lock the next
//! writer simply takes, and sees from the old contents that it took one over.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file inside a locked folder.
pub const LOCK_FILE: &str = ".lstmuse-lock";

/// The process that holds (or held) a lock.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// What it is doing: "lstmuse train", "the LSTMuse app (training)", ….
    pub what: String,
    /// When it took the lock (UTC, RFC 3339).
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "process {} ({}, since {})",
            self.pid, self.what, self.since
        )
    }
}

/// A held lock on a folder; dropping it releases the lock and empties the file.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
    dir: PathBuf,
    took_over: Option<Holder>,
}

impl FolderLock {
    /// Takes the lock on `dir` (creating the folder) for `what` this process is doing, or
    /// refuses with an error naming the folder and the process that holds it.
    pub fn acquire(dir: &Path, what: &str) -> Result<FolderLock> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file).unwrap_or_default();
                return Err(Error::Invalid(format!(
                    "{} is being written by another {holder}: wait until it has finished, \
                     or stop it (lock file {})",
                    dir.display(),
                    path.display()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // A holder still named in the file died without releasing it: a stale lock.
        let took_over = read_holder(&mut file);
        let me = Holder {
            pid: std::process::id(),
            what: what.to_owned(),
            since: crate::fsutil::now_rfc3339(),
        };
        let text = serde_json::to_vec(&me).map_err(|e| Error::Internal(e.to_string()))?;
        // The lock is held whatever the file says: a holder that cannot be written (a full
        // disk) only leaves a refused writer without a name, and the write that needs the
        // room reports the full disk itself.
        let _ = write_holder(&mut file, &text);
        Ok(FolderLock {
            file,
            dir: dir.to_path_buf(),
            took_over,
        })
    }

    /// The folder it locks.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The process whose stale lock (it was killed or crashed) this one took over.
    pub fn took_over(&self) -> Option<&Holder> {
        self.took_over.as_ref()
    }

    /// The process writing `dir` now, if one holds its lock (this process included, when
    /// it holds the lock through another `FolderLock`).
    pub fn holder(dir: &Path) -> Option<Holder> {
        let mut file = File::options()
            .read(true)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(TryLockError::WouldBlock) => Some(read_holder(&mut file).unwrap_or_default()),
            Err(TryLockError::Error(_)) => None,
        }
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // An empty file says nobody holds it; the lock itself goes with the handle.
        let _ = self.file.set_len(0);
    }
}

/// The holder written in a lock file, if it names one.
fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Replaces the lock file's contents.
fn write_holder(file: &mut File, text: &[u8]) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(text)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_and_a_released_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), "training").unwrap();
        assert!(first.took_over().is_none());
        let holder = FolderLock::holder(dir.path()).unwrap();
        assert_eq!(holder.pid, std::process::id());
        let e = FolderLock::acquire(dir.path(), "training")
            .unwrap_err()
            .to_string();
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        assert!(
            e.contains(&format!("process {}", std::process::id())),
            "{e}"
        );
        drop(first);
        assert_eq!(FolderLock::holder(dir.path()), None);
        let again = FolderLock::acquire(dir.path(), "training").unwrap();
        assert!(again.took_over().is_none(), "a released lock is not stale");
    }

    #[test]
    fn a_lock_file_naming_a_dead_holder_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Holder {
            pid: 4_000_000,
            what: "lstmuse train".into(),
            since: "2026-01-01T00:00:00Z".into(),
        };
        std::fs::write(
            dir.path().join(LOCK_FILE),
            serde_json::to_vec(&dead).unwrap(),
        )
        .unwrap();
        assert_eq!(FolderLock::holder(dir.path()), None, "nobody holds it");
        let lock = FolderLock::acquire(dir.path(), "training").unwrap();
        assert_eq!(lock.took_over(), Some(&dead));
    }
}
