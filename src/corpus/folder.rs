//! Corpora: load every melody under a folder in parallel, keep per-file errors, encode, count.

use crate::corpus::encoding::{Symbol, Vocabulary, symbols_to_string};
use crate::corpus::preprocess::{Exclusion, PreprocessConfig, prepare};
use crate::corpus::structure::SongStructure;
use crate::error::{Error, Result};
use crate::formats::{Format, ReadOptions, TuneResult, read_tunes};
use crate::fsutil::write_atomic;
use crate::music::{Melody, Source};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Everything read from a folder: the melodies that loaded and the errors of the rest.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The root that was scanned.
    pub root: PathBuf,
    /// Melody files found (all formats), with the folders and links that could not be
    /// read (each also has an error row).
    pub files: usize,
    /// Tunes found: one per file, or one per `X:` tune for ABC; files that could not be
    /// read at all count as one.
    pub tunes: usize,
    /// The melodies that loaded, in file order, each with its `source`.
    pub melodies: Vec<Melody>,
    /// Why each failed file or tune failed (path, tune and line inside).
    pub errors: Vec<Error>,
}

/// Lists melody files under `root` (or `root` itself if it is a file), sorted by path.
/// Hidden folders are skipped; symbolic links to files and folders are followed.
/// A folder below `root` that cannot be listed is skipped ([`load`] reports it).
pub fn find_files(root: &Path) -> Result<Vec<PathBuf>> {
    Ok(scan(root)?.files)
}

/// What a scan of a folder found: melody files, and the entries it could not read.
struct Scan {
    files: Vec<PathBuf>,
    errors: Vec<Error>,
}

/// Walks `root`: only `root` itself failing is an error for the whole scan; a folder
/// below it that cannot be listed (too long a path, no permission) or a broken link
/// named like a melody file becomes one error and the walk goes on.
fn scan(root: &Path) -> Result<Scan> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    let mut found = Scan {
        files: Vec::new(),
        errors: Vec::new(),
    };
    if meta.is_file() {
        found.files.push(root.to_path_buf());
        return Ok(found);
    }
    let mut visited: HashSet<PathBuf> = root.canonicalize().into_iter().collect();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if dir == root => return Err(Error::io(&dir, e)),
            Err(e) => {
                found.errors.push(Error::io(&dir, e));
                continue;
            }
        };
        for entry in entries {
            match entry {
                Ok(entry) => found.entry(&entry, &mut stack, &mut visited),
                Err(e) => found.errors.push(Error::io(&dir, e)),
            }
        }
    }
    found.files.sort();
    Ok(found)
}

impl Scan {
    /// Sorts one directory entry: a folder to walk, a melody file, or neither.
    fn entry(
        &mut self,
        entry: &std::fs::DirEntry,
        stack: &mut Vec<PathBuf>,
        visited: &mut HashSet<PathBuf>,
    ) {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(kind) = entry.file_type() else {
            return;
        };
        let melody_file = Format::from_path(&path).is_some();
        if kind.is_dir() {
            if !hidden {
                // A folder reached again through a link is walked once.
                if let Ok(real) = path.canonicalize() {
                    visited.insert(real);
                }
                stack.push(path);
            }
        } else if kind.is_file() {
            if melody_file {
                self.files.push(path);
            }
        } else if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(target) if target.is_file() && melody_file => self.files.push(path),
                Ok(target) if target.is_dir() && !hidden => {
                    // Follow a linked folder unless it was seen (a loop of links).
                    if path.canonicalize().is_ok_and(|real| visited.insert(real)) {
                        stack.push(path);
                    }
                }
                Ok(_) => {}
                Err(e) if melody_file => self.errors.push(Error::io(&path, e)),
                Err(_) => {}
            }
        }
    }
}

/// How far a load has come, for a progress bar on another thread: the melody files found
/// (once the folder is listed) and how many of them have been read.
#[derive(Debug, Default)]
pub struct LoadProgress {
    /// Melody files found; 0 while the folder is still being listed.
    pub found: AtomicUsize,
    /// Files read so far.
    pub read: AtomicUsize,
}

/// Loads every melody under `root` in parallel. One bad file never stops the load:
/// its error is kept in [`Corpus::errors`], and so is a folder below `root` that cannot
/// be listed. A missing folder, or one without any melody file, is an error.
pub fn load(root: &Path) -> Result<Corpus> {
    load_with_progress(root, &LoadProgress::default())
}

/// [`load`], counting the files in `progress` as they are read.
pub fn load_with_progress(root: &Path, progress: &LoadProgress) -> Result<Corpus> {
    let Scan { files, errors } = scan(root)?;
    progress.found.store(files.len(), Ordering::Relaxed);
    if files.is_empty() && errors.is_empty() {
        return Err(Error::Invalid(format!(
            "no melody files (.krn, .abc, .mid, .musicxml, .xml, .mxl) under {}",
            root.display()
        )));
    }
    let read = |path: &Path| read_tunes(path, &ReadOptions::default());
    let per_file: Vec<Vec<Result<Melody>>> = files
        .par_iter()
        .map(|path| {
            let tunes = read_one(path, read);
            progress.read.fetch_add(1, Ordering::Relaxed);
            tunes
        })
        .collect();
    let mut corpus = Corpus {
        root: root.to_path_buf(),
        files: files.len() + errors.len(),
        tunes: errors.len(),
        errors,
        ..Corpus::default()
    };
    for results in per_file {
        for r in results {
            corpus.tunes += 1;
            match r {
                Ok(m) => corpus.melodies.push(m),
                Err(e) => corpus.errors.push(e),
            }
        }
    }
    Ok(corpus)
}

/// The tunes of one file. A reader bug that panics on some input becomes that file's
/// error row: the rest of the corpus still loads.
fn read_one(path: &Path, reader: impl Fn(&Path) -> Result<Vec<TuneResult>>) -> Vec<Result<Melody>> {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader(path)));
    match read {
        Ok(Ok(tunes)) => tunes.into_iter().map(|t| t.melody).collect(),
        Ok(Err(e)) => vec![Err(e)],
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            let message =
                format!("the reader failed on this file (a bug; please report it): {what}");
            vec![Err(Error::parse(None, message).in_file(path))]
        }
    }
}

/// One song of the training set: its symbols (no delimiter) and where it came from.
#[derive(Clone, Debug)]
pub struct EncodedSong {
    /// The encoded song.
    pub symbols: Vec<Symbol>,
    /// Its meter and pickup (the features live beside the symbols, not inside them).
    pub structure: SongStructure,
    /// The file and tune.
    pub source: Source,
}

/// The training set made from a corpus by the preprocessing.
#[derive(Clone, Debug)]
pub struct EncodedCorpus {
    /// Songs kept by the filter, in corpus order.
    pub songs: Vec<EncodedSong>,
    /// Songs left out, with the reason.
    pub excluded: Vec<(Source, Exclusion)>,
    /// The vocabulary of the kept songs (with `/`, `r`, `_`).
    pub vocabulary: Vocabulary,
}

impl EncodedCorpus {
    /// A training set of already encoded songs (a selection of a corpus), with the
    /// vocabulary built from them.
    pub fn from_songs(songs: Vec<EncodedSong>) -> EncodedCorpus {
        let vocabulary = Vocabulary::from_songs(songs.iter().map(|s| s.symbols.as_slice()));
        EncodedCorpus {
            songs,
            excluded: Vec::new(),
            vocabulary,
        }
    }

    /// Total symbols over all songs, without delimiters.
    pub fn symbol_count(&self) -> usize {
        self.songs.iter().map(|s| s.symbols.len()).sum()
    }

    /// Writes `songs.txt` (one song per line), `sources.txt` (file and ABC tune of each
    /// line) and `vocab.json` into `dir`, each atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut songs = String::new();
        let mut sources = String::new();
        for s in &self.songs {
            songs.push_str(&symbols_to_string(&s.symbols));
            songs.push('\n');
            sources.push_str(&source_label(&s.source));
            sources.push('\n');
        }
        write_atomic(&dir.join("songs.txt"), songs.as_bytes())?;
        write_atomic(&dir.join("sources.txt"), sources.as_bytes())?;
        self.vocabulary
            .save(&dir.join(crate::corpus::encoding::VOCAB_FILE))
    }
}

/// `path` or `path<TAB>X:n` for a song's source.
pub fn source_label(source: &Source) -> String {
    let path = source
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    match source.tune {
        Some(n) => format!("{path}\tX:{n}"),
        None => path,
    }
}

/// One melody through the preprocessing: filtered, transposed and encoded with its meter
/// and pickup, or why it is left out.
pub fn encode_song(melody: &Melody, config: &PreprocessConfig) -> Result<EncodedSong, Exclusion> {
    prepare(melody, config).map(|symbols| EncodedSong {
        symbols,
        structure: SongStructure::new(melody.meter, melody.pickup),
        source: melody.source.clone(),
    })
}

/// Filters, transposes and encodes every melody (in parallel, each by [`encode_song`]), and
/// builds the vocabulary.
pub fn encode(melodies: &[Melody], config: &PreprocessConfig) -> EncodedCorpus {
    let results: Vec<_> = melodies
        .par_iter()
        .map(|m| encode_song(m, config))
        .collect();
    let mut songs = Vec::new();
    let mut excluded = Vec::new();
    for (m, r) in melodies.iter().zip(results) {
        match r {
            Ok(song) => songs.push(song),
            Err(e) => excluded.push((m.source.clone(), e)),
        }
    }
    EncodedCorpus {
        excluded,
        ..EncodedCorpus::from_songs(songs)
    }
}

/// Figures for `lstmuse corpus stats`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CorpusStats {
    /// Melody files found.
    pub files: usize,
    /// Tunes found (ABC counts each tune).
    pub tunes: usize,
    /// Tunes that loaded.
    pub loaded: usize,
    /// Tunes or files that failed.
    pub failed: usize,
    /// Songs kept by the duration filter.
    pub kept: usize,
    /// Symbols over the kept songs, without delimiters.
    pub symbols: usize,
    /// Vocabulary size, with `/`, `r` and `_`.
    pub vocab_size: usize,
    /// Seconds taken to load and encode.
    pub seconds: f64,
}

/// Counts of a loaded and encoded corpus.
pub fn stats(corpus: &Corpus, encoded: &EncodedCorpus, seconds: f64) -> CorpusStats {
    CorpusStats {
        files: corpus.files,
        tunes: corpus.tunes,
        loaded: corpus.melodies.len(),
        failed: corpus.errors.len(),
        kept: encoded.songs.len(),
        symbols: encoded.symbol_count(),
        vocab_size: encoded.vocabulary.len(),
        seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_do_not_stop_the_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.krn"), "**kern\n*M2/4\n*C:\n4c\n4d\n*-\n").unwrap();
        std::fs::write(dir.path().join("b.krn"), "junk").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/c.krn"), "**kern\n12c\n4e\n*-\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let c = load(dir.path()).unwrap();
        assert_eq!(
            (c.files, c.tunes, c.melodies.len(), c.errors.len()),
            (3, 3, 2, 1)
        );
        assert!(c.errors[0].to_string().contains("b.krn"), "{}", c.errors[0]);
        let e = encode(&c.melodies, &PreprocessConfig::default());
        assert_eq!(e.songs.len(), 1);
        assert_eq!(e.excluded.len(), 1);
        let out = dir.path().join("out");
        e.write(&out).unwrap();
        let songs = std::fs::read_to_string(out.join("songs.txt")).unwrap();
        assert_eq!(songs, "60 _ _ _ 62 _ _ _\n");
    }

    #[test]
    fn a_reader_panic_becomes_that_files_error_row() {
        let path = Path::new("tunes/odd.krn");
        let rows = read_one(path, |_| panic!("index out of bounds"));
        assert_eq!(rows.len(), 1);
        let e = rows[0].as_ref().unwrap_err().to_string();
        assert!(
            e.contains("odd.krn") && e.contains("index out of bounds"),
            "{e}"
        );
        assert!(read_one(path, |_| Ok(Vec::new())).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_and_folders_are_read() {
        let store = tempfile::tempdir().unwrap();
        std::fs::write(store.path().join("a.krn"), "**kern\n4c\n4d\n*-\n").unwrap();
        std::fs::create_dir(store.path().join("more")).unwrap();
        std::fs::write(store.path().join("more/b.krn"), "**kern\n4e\n*-\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let link = |from: &str, to: &str| {
            std::os::unix::fs::symlink(store.path().join(from), dir.path().join(to)).unwrap();
        };
        link("a.krn", "a.krn");
        link("more", "more");
        link("missing.krn", "broken.krn");
        // A link back to the folder itself is not walked forever.
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let c = load(dir.path()).unwrap();
        assert_eq!((c.melodies.len(), c.errors.len()), (2, 1), "{:?}", c.errors);
        assert!(
            c.errors[0].to_string().contains("broken.krn"),
            "{}",
            c.errors[0]
        );
    }

    #[test]
    fn a_folder_whose_path_is_too_long_is_one_error_row() {
        // Nest folders until the absolute path passes PATH_MAX (4096 on Linux): the
        // deepest cannot be listed by its path. Created step by step with relative paths.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.krn"), "**kern\n4c\n*-\n").unwrap();
        let name = "d".repeat(200);
        let script = format!(
            "cd '{}' && for i in $(seq 25); do mkdir {name} && cd -P {name} || exit 1; done && \
             printf '**kern\\n4c\\n*-\\n' > deep.krn",
            dir.path().display()
        );
        let made = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIP: could not build a deep folder here");
            return;
        }
        let c = load(dir.path()).unwrap();
        assert_eq!(c.melodies.len(), 1);
        assert!(!c.errors.is_empty());
        let e = c.errors[0].to_string();
        assert!(e.contains(&name), "{e}");
    }

    #[test]
    fn empty_or_missing_folders_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("no melody files"), "{e}");
        let e = load(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
    }
}
