//! Corpora: load every melody under a folder in parallel, keep per-file errors, encode, count.

use crate::corpus::encoding::{Symbol, Vocabulary, symbols_to_string};
use crate::corpus::preprocess::{Exclusion, PreprocessConfig, prepare};
use crate::corpus::structure::SongStructure;
use crate::error::{Error, Result};
use crate::formats::{Format, ReadOptions, TuneResult, read_tunes};
use crate::fsutil::write_atomic;
use crate::music::{Melody, Source};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Everything read from a folder: the melodies that loaded and the errors of the rest.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The root that was scanned.
    pub root: PathBuf,
    /// Melody files found (all formats).
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
/// Hidden folders are skipped.
pub fn find_files(root: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if meta.is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && !hidden {
                stack.push(path);
            } else if kind.is_file() && Format::from_path(&path).is_some() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads every melody under `root` in parallel. One bad file never stops the load:
/// its error is kept in [`Corpus::errors`]. A missing folder, or one without any melody
/// file, is an error.
pub fn load(root: &Path) -> Result<Corpus> {
    let files = find_files(root)?;
    if files.is_empty() {
        return Err(Error::Invalid(format!(
            "no melody files (.krn, .abc, .mid, .musicxml, .xml, .mxl) under {}",
            root.display()
        )));
    }
    let read = |path: &Path| read_tunes(path, &ReadOptions::default());
    let per_file: Vec<Vec<Result<Melody>>> =
        files.par_iter().map(|path| read_one(path, read)).collect();
    let mut corpus = Corpus {
        root: root.to_path_buf(),
        files: files.len(),
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

/// Filters, transposes and encodes every melody (in parallel), and builds the vocabulary.
pub fn encode(melodies: &[Melody], config: &PreprocessConfig) -> EncodedCorpus {
    let results: Vec<_> = melodies.par_iter().map(|m| prepare(m, config)).collect();
    let mut songs = Vec::new();
    let mut excluded = Vec::new();
    for (m, r) in melodies.iter().zip(results) {
        match r {
            Ok(symbols) => songs.push(EncodedSong {
                symbols,
                structure: SongStructure::new(m.meter, m.pickup),
                source: m.source.clone(),
            }),
            Err(e) => excluded.push((m.source.clone(), e)),
        }
    }
    let vocabulary = Vocabulary::from_songs(songs.iter().map(|s| s.symbols.as_slice()));
    EncodedCorpus {
        songs,
        excluded,
        vocabulary,
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

    #[test]
    fn empty_or_missing_folders_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("no melody files"), "{e}");
        let e = load(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
    }
}
