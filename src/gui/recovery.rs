//! Autosave and crash recovery: each running app writes its unsaved melody, a few seconds
//! after an edit and on its own thread, to its own folder under the recovery folder; a
//! clean quit removes that folder. At start-up, a folder whose app is no longer running
//! (killed, crashed, the power cut) is offered for recovery.
//!
//! Each app's folder (`recovery/<pid>-<start time>/`) holds `document.lstmuse` and the
//! folder's writer lock ([`FolderLock`]), held for the app's whole run. The kernel releases
//! the lock when the process dies, so a free lock means an orphan; the app that offers an
//! orphan holds its lock meanwhile, so two starting apps never offer the same one, and no
//! app ever writes another's file.

use super::document_file::DocumentFile;
use crate::error::{Error, Result};
use crate::folder_lock::FolderLock;
use crate::fsutil::{rfc3339, unix_now, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

/// Seconds between two autosaves at most (an edit waits until this long after the last).
pub const AUTOSAVE_SECS: u64 = 3;
/// Orphans older than this many days are removed at start-up without being offered.
pub const MAX_AGE_DAYS: u64 = 30;
/// The autosaved document in an app's folder.
pub const DOCUMENT: &str = "document.lstmuse";
/// The `format` field of a recovery file.
pub const FORMAT: &str = "lstmuse-recovery";

/// The recovery folder: `recovery` in the app's data folder.
pub fn default_dir() -> Option<PathBuf> {
    crate::fsutil::data_dir().map(|d| d.join("recovery"))
}

/// What an autosave writes: the document, when, and the file it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecoveryFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// When it was written, in seconds since 1970 (UTC).
    pub autosaved_at: u64,
    /// The `.lstmuse` file the melody was saved as or opened from, if any.
    #[serde(default)]
    pub document_path: Option<PathBuf>,
    /// The melody with everything a saved document holds.
    pub document: DocumentFile,
}

impl RecoveryFile {
    /// A recovery file of `document`, written now.
    pub fn new(document: DocumentFile, document_path: Option<PathBuf>) -> RecoveryFile {
        RecoveryFile {
            format: FORMAT.into(),
            autosaved_at: unix_now(),
            document_path,
            document,
        }
    }

    /// Reads one, checking the document inside as an opened one is checked.
    pub fn read(path: &Path) -> Result<RecoveryFile> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let bad = |m: String| Error::parse(None, m).in_file(path);
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(bad("not an LSTMuse recovery file".into()));
        }
        let document = value.get("document").cloned().unwrap_or_default();
        let document = serde_json::to_vec(&document).map_err(|e| bad(e.to_string()))?;
        let document = DocumentFile::from_bytes(&document).map_err(|e| e.in_file(path))?;
        let autosaved_at = value
            .get("autosaved_at")
            .and_then(serde_json::Value::as_u64);
        let document_path = value
            .get("document_path")
            .and_then(|p| p.as_str())
            .map(PathBuf::from);
        Ok(RecoveryFile {
            format: FORMAT.into(),
            autosaved_at: autosaved_at.unwrap_or(0),
            document_path,
            document,
        })
    }

    /// "“song.lstmuse”, 41 notes, 4 variations, autosaved 3 minutes ago (2026-05-01
    /// 12:03:04 UTC)".
    pub fn summary(&self) -> String {
        let name = self
            .document_path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(
                || "an untitled melody".into(),
                |n| format!("“{}”", n.to_string_lossy()),
            );
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let when = rfc3339(self.autosaved_at)
            .replacen('T', " ", 1)
            .replace('Z', " UTC");
        format!(
            "{name}, {}, {}: autosaved {} ({when})",
            count(self.document.melody.notes.len(), "note"),
            count(self.document.variations.len(), "variation"),
            ago(unix_now().saturating_sub(self.autosaved_at)),
        )
    }
}

/// "3 minutes ago".
fn ago(secs: u64) -> String {
    let (n, unit) = match secs {
        0..60 => (secs, "second"),
        60..3600 => (secs / 60, "minute"),
        3600..86_400 => (secs / 3600, "hour"),
        _ => (secs / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// A job for the autosave thread.
enum Job {
    /// Write this.
    Write(Box<RecoveryFile>),
    /// Nothing is unsaved: remove the file.
    Clear,
}

/// What the autosave thread did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The melody was written, at this time.
    Written(u64),
    /// The file was removed (nothing unsaved).
    Cleared,
    /// Writing failed: why, naming the file.
    Failed(String),
}

/// This app's autosave: its folder (locked for the app's life) and the thread that writes.
pub struct Autosave {
    folder: PathBuf,
    lock: Option<FolderLock>,
    jobs: Option<Sender<Job>>,
    outcomes: Receiver<Outcome>,
    thread: Option<std::thread::JoinHandle<()>>,
    last_write: Option<Instant>,
    /// The state last sent to the thread, and whether it was written (or cleared).
    sent: Option<((u64, u64), bool)>,
}

impl Autosave {
    /// Creates this app's folder under `root` and starts the writing thread; `wake` is
    /// called after each write so the app reads the outcome.
    pub fn start(root: &Path, wake: impl Fn() + Send + 'static) -> Result<Autosave> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let folder = root.join(format!("{}-{nanos}", std::process::id()));
        let lock = FolderLock::acquire(&folder, "the LSTMuse app (autosave)")?;
        let (jobs, rx) = channel::<Job>();
        let (tx, outcomes) = channel();
        let file = folder.join(DOCUMENT);
        let thread = std::thread::Builder::new()
            .name("lstmuse-autosave".into())
            .spawn(move || writer(&rx, &tx, &file, &wake))
            .map_err(|e| Error::io(&folder, e))?;
        Ok(Autosave {
            folder,
            lock: Some(lock),
            jobs: Some(jobs),
            outcomes,
            thread: Some(thread),
            last_write: None,
            sent: None,
        })
    }

    /// The file this app autosaves to.
    pub fn path(&self) -> PathBuf {
        self.folder.join(DOCUMENT)
    }

    /// Whether the melody in `state` has been sent to the thread already: written when
    /// it is `unsaved`, cleared when not.
    pub fn is_current(&self, state: (u64, u64), unsaved: bool) -> bool {
        self.sent == Some((state, unsaved))
    }

    /// How long until the next write may start (zero when it may start now).
    pub fn wait(&self) -> Duration {
        let every = Duration::from_secs(AUTOSAVE_SECS);
        self.last_write
            .map_or(Duration::ZERO, |t| every.saturating_sub(t.elapsed()))
    }

    /// Writes `file` (the melody in `state`) on the thread.
    pub fn write(&mut self, file: RecoveryFile, state: (u64, u64)) {
        self.last_write = Some(Instant::now());
        self.sent = Some((state, true));
        self.send(Job::Write(Box::new(file)));
    }

    /// Nothing is unsaved in `state`: removes the file on the thread.
    pub fn clear(&mut self, state: (u64, u64)) {
        self.sent = Some((state, false));
        self.send(Job::Clear);
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// What the thread did since the last call.
    pub fn poll(&self) -> Vec<Outcome> {
        self.outcomes.try_iter().collect()
    }

    /// A clean quit: waits for the thread, then removes this app's folder (the document
    /// first, then the lock, which Windows does not let go while it is open).
    pub fn finish(mut self) {
        self.stop();
        let _ = std::fs::remove_file(self.path());
        self.lock = None;
        let _ = std::fs::remove_dir_all(&self.folder);
    }

    fn stop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Autosave {
    fn drop(&mut self) {
        // Not a clean quit (a panic unwinding): the file stays for the next start.
        self.stop();
    }
}

/// The autosave thread: writes the newest job, skipping older ones still queued.
fn writer(rx: &Receiver<Job>, tx: &Sender<Outcome>, file: &Path, wake: &dyn Fn()) {
    while let Ok(first) = rx.recv() {
        let job = rx.try_iter().last().unwrap_or(first);
        let outcome = match job {
            Job::Write(r) => match serde_json::to_vec(&r) {
                Ok(bytes) => match write_atomic(file, &bytes) {
                    Ok(()) => Outcome::Written(r.autosaved_at),
                    Err(e) => Outcome::Failed(format!("{e}")),
                },
                Err(e) => Outcome::Failed(format!("{e} ({})", file.display())),
            },
            Job::Clear => match std::fs::remove_file(file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Outcome::Failed(format!("{e} ({})", file.display()))
                }
                _ => Outcome::Cleared,
            },
        };
        if tx.send(outcome).is_err() {
            break;
        }
        wake();
    }
}

/// An autosave left by an app that is no longer running; held (locked) while it is offered.
pub struct Orphan {
    /// Its folder.
    pub folder: PathBuf,
    /// What it holds, or why it cannot be read.
    pub file: std::result::Result<RecoveryFile, String>,
    /// Held while it is offered.
    lock: FolderLock,
}

impl Orphan {
    /// One line for the recovery window.
    pub fn summary(&self) -> String {
        match &self.file {
            Ok(f) => f.summary(),
            Err(e) => format!("cannot be read: {e}"),
        }
    }

    /// Removes it (recovered, or not wanted): the document, then the lock and the folder.
    pub fn discard(self) -> Result<()> {
        let document = self.folder.join(DOCUMENT);
        match std::fs::remove_file(&document) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(&document, e));
            }
            _ => {}
        }
        let Orphan { folder, lock, .. } = self;
        drop(lock);
        std::fs::remove_dir_all(&folder).map_err(|e| Error::io(&folder, e))
    }
}

/// The orphans under `root`, newest first, each locked by this app until it is recovered,
/// discarded or dropped. Orphans older than [`MAX_AGE_DAYS`], and folders without a
/// document (an app killed before its first autosave), are removed on the way.
pub fn orphans(root: &Path) -> Vec<Orphan> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let max_age = Duration::from_secs(MAX_AGE_DAYS * 86_400);
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let folder = entry.path();
        let is_folder = std::fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir());
        if !is_folder {
            continue;
        }
        // Refused while its app runs, or while another app offers it.
        let Ok(lock) = FolderLock::acquire(&folder, "the LSTMuse app (recovery)") else {
            continue;
        };
        let document = folder.join(DOCUMENT);
        let age = std::fs::metadata(&document)
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().unwrap_or_default());
        match age {
            Ok(age) if age <= max_age => {
                let file = RecoveryFile::read(&document).map_err(|e| e.to_string());
                found.push(Orphan { folder, file, lock });
            }
            // Too old, or nothing was autosaved: nothing to offer.
            _ => {
                let _ = std::fs::remove_dir_all(&folder);
            }
        }
    }
    let when = |o: &Orphan| o.file.as_ref().map_or(0, |f| f.autosaved_at);
    found.sort_by_key(|o| std::cmp::Reverse(when(o)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::document::{Document, Origin, RollNote};
    use crate::gui::document_file::DocumentParts;
    use crate::gui::settings::SamplerSettings;

    fn file(pitch: u8) -> RecoveryFile {
        let mut doc = Document::default();
        doc.push(RollNote::new(0, 4, pitch, Origin::User));
        let document = DocumentFile::new(&DocumentParts {
            doc: &doc,
            phrases: &[],
            variations: &[],
            auditioned: None,
            sampler: &SamplerSettings::default(),
            tempo_bpm: 100.0,
            model: None,
        });
        RecoveryFile::new(document, None)
    }

    fn wait_for(a: &Autosave, want: &Outcome) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if a.poll().contains(want) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("no {want:?}");
    }

    #[test]
    fn two_apps_write_their_own_files_and_offer_nothing_while_running() {
        let root = tempfile::tempdir().unwrap();
        let mut a = Autosave::start(root.path(), || {}).unwrap();
        let mut b = Autosave::start(root.path(), || {}).unwrap();
        assert_ne!(a.path(), b.path());
        let (fa, fb) = (file(60), file(72));
        a.write(fa.clone(), (1, 0));
        b.write(fb.clone(), (1, 0));
        wait_for(&a, &Outcome::Written(fa.autosaved_at));
        wait_for(&b, &Outcome::Written(fb.autosaved_at));
        assert_eq!(RecoveryFile::read(&a.path()).unwrap(), fa);
        assert_eq!(RecoveryFile::read(&b.path()).unwrap(), fb);
        assert!(orphans(root.path()).is_empty(), "both are running");
        // b quits cleanly: nothing of it is left; a is left behind as if killed.
        b.finish();
        let a_path = a.path();
        drop(a);
        let found = orphans(root.path());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file.as_ref().unwrap(), &fa);
        assert!(
            found[0]
                .summary()
                .contains("1 note, 0 variations: autosaved"),
            "{}",
            found[0].summary()
        );
        // While one app offers it, another does not.
        assert!(orphans(root.path()).is_empty());
        found.into_iter().for_each(|o| o.discard().unwrap());
        assert!(!a_path.exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn clearing_removes_the_file_and_old_orphans_go() {
        let root = tempfile::tempdir().unwrap();
        let mut a = Autosave::start(root.path(), || {}).unwrap();
        a.write(file(60), (1, 0));
        a.clear((2, 0));
        wait_for(&a, &Outcome::Cleared);
        assert!(!a.path().exists());
        assert!(a.is_current((2, 0), false));
        assert!(!a.is_current((2, 0), true));
        // An orphan autosaved 31 days ago is removed without being offered.
        let old = root.path().join("1-1");
        std::fs::create_dir_all(&old).unwrap();
        let doc = old.join(DOCUMENT);
        std::fs::write(&doc, serde_json::to_vec(&file(60)).unwrap()).unwrap();
        let month = std::time::SystemTime::now() - Duration::from_secs(31 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(&doc)
            .unwrap()
            .set_modified(month)
            .unwrap();
        assert!(orphans(root.path()).is_empty());
        assert!(!old.exists());
        a.finish();
    }

    #[test]
    fn ages_read_as_words() {
        assert_eq!(ago(1), "1 second ago");
        assert_eq!(ago(150), "2 minutes ago");
        assert_eq!(ago(7200), "2 hours ago");
        assert_eq!(ago(200_000), "2 days ago");
    }
}
