//! Loading corpora in the background (and fetching Essen), and turning tunes into table rows.

use super::{
    Arc, CorpusEntry, DatasetBrowser, GuiError, Jobs, Path, PathBuf, PreprocessConfig, TuneRow,
    corpus,
};
use crate::corpus::fetch::FetchReport;
use rayon::prelude::*;

/// What the dataset's background jobs report.
pub enum DatasetMsg {
    /// A corpus was read (or not).
    Loaded {
        /// The corpus folder or file.
        path: PathBuf,
        /// Its tunes and per-file errors, or why it could not be read.
        loaded: Result<Loaded, GuiError>,
    },
    /// What the Essen download is doing now.
    FetchProgress(String),
    /// The Essen download finished (or failed).
    Fetched {
        /// The folder it went to.
        dir: PathBuf,
        /// What was fetched, or why not.
        result: crate::error::Result<FetchReport>,
    },
}

/// What the app does after a dataset message: report, and add a fetched corpus.
pub enum DatasetOutcome {
    /// Nothing.
    None,
    /// The Essen collection arrived in this folder: add it as a corpus.
    Fetched {
        /// The folder.
        dir: PathBuf,
        /// For the status bar.
        message: String,
    },
    /// The Essen download failed: the status bar's error.
    FetchFailed(String),
}

impl DatasetBrowser {
    /// Starts loading a corpus folder or file in the background.
    pub fn load<P: From<DatasetMsg> + Send + 'static>(
        &mut self,
        jobs: &mut Jobs<P>,
        path: PathBuf,
    ) {
        if self.corpora.iter().any(|c| c.path == path) {
            self.remove(&path);
        }
        let progress = Arc::new(corpus::LoadProgress::default());
        self.corpora.push(CorpusEntry {
            path: path.clone(),
            loading: true,
            files: 0,
            tunes: 0,
            failed: 0,
            progress: progress.clone(),
        });
        jobs.spawn_panel("corpus", move || {
            let loaded = load_rows(&path, &progress);
            DatasetMsg::Loaded { path, loaded }
        });
    }

    /// Applies a message from a dataset job.
    pub fn apply(&mut self, msg: DatasetMsg) -> DatasetOutcome {
        match msg {
            DatasetMsg::Loaded { path, loaded } => {
                self.loaded(&path, loaded);
                DatasetOutcome::None
            }
            DatasetMsg::FetchProgress(text) => {
                self.fetching = Some(text);
                DatasetOutcome::None
            }
            DatasetMsg::Fetched { dir, result } => {
                self.fetching = None;
                match result {
                    Ok(r) => DatasetOutcome::Fetched {
                        dir,
                        message: format!(
                            "Fetched the Essen collection: {} files, {} tunes",
                            r.files, r.tunes
                        ),
                    },
                    Err(e) => {
                        let mut msg = format!("Could not fetch the Essen collection: {e}");
                        if msg.contains("pip") {
                            msg.push_str(
                                ". Install pip first (Debian/Ubuntu: sudo apt install python3-pip), then try again.",
                            );
                        }
                        self.errors.push((PathBuf::new(), msg.clone()));
                        DatasetOutcome::FetchFailed(msg)
                    }
                }
            }
        }
    }

    fn loaded(&mut self, path: &Path, loaded: Result<Loaded, GuiError>) {
        let Some(entry) = self.corpora.iter_mut().find(|c| c.path == path) else {
            return;
        };
        entry.loading = false;
        match loaded {
            Ok(l) => {
                entry.files = l.files;
                entry.tunes = l.rows.len() + l.errors.len();
                entry.failed = l.errors.len();
                self.rows.extend(l.rows);
                self.errors
                    .extend(l.errors.into_iter().map(|e| (path.to_path_buf(), e)));
            }
            Err(e) => {
                entry.failed = 1;
                self.errors.push((path.to_path_buf(), format!("{e:#}")));
            }
        }
        self.refresh_stats();
    }

    /// Starts downloading the Essen collection (music21's ABC files) with pip.
    pub fn fetch<P: From<DatasetMsg> + Send + 'static>(&mut self, jobs: &mut Jobs<P>) {
        let Some(dir) = crate::corpus::fetch::default_corpus_dir().map(|d| d.join("essen")) else {
            self.errors.push((
                PathBuf::new(),
                "no data folder for the Essen collection on this system".into(),
            ));
            return;
        };
        self.fetching = Some("starting pip…".into());
        let reporter = jobs.reporter();
        jobs.spawn_panel("fetch", move || {
            let mut progress = |text: &str| {
                reporter.panel(DatasetMsg::FetchProgress(text.to_string()));
            };
            let result = crate::corpus::fetch::fetch_essen(&dir, &mut progress);
            DatasetMsg::Fetched { dir, result }
        });
    }
}

/// A corpus's tunes and per-file errors.
pub struct Loaded {
    files: usize,
    rows: Vec<TuneRow>,
    errors: Vec<String>,
}

fn load_rows(path: &Path, progress: &corpus::LoadProgress) -> Result<Loaded, GuiError> {
    let c = corpus::load_with_progress(path, progress).map_err(|error| GuiError::Corpus {
        path: path.to_path_buf(),
        error: Box::new(error),
    })?;
    let config = PreprocessConfig::default();
    let rows = c
        .melodies
        .into_par_iter()
        .map(|m| {
            let file_path = m.source.path.clone().unwrap_or_default();
            let rel = file_path.strip_prefix(path).unwrap_or(&file_path);
            let mut file = if rel.as_os_str().is_empty() {
                file_path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into())
            } else {
                rel.display().to_string()
            };
            if let Some(t) = m.source.tune {
                file.push_str(&format!(" #{t}"));
            }
            let title = m
                .title
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| file.clone());
            let key = m.key_or_estimate();
            let meter = m.meter;
            let bar = m.meter.unwrap_or_default().bar_length().to_f64();
            let bars = (m.duration().to_f64() / bar.max(0.25)) as f32;
            let (excluded, song) = match corpus::encode_song(&m, &config) {
                Ok(s) => (None, Some(Arc::new(s))),
                Err(e) => (Some(e), None),
            };
            TuneRow {
                corpus: path.to_path_buf(),
                title,
                file,
                key,
                meter,
                bars,
                excluded,
                melody: Arc::new(m),
                song,
            }
        })
        .collect();
    Ok(Loaded {
        files: c.files,
        rows,
        errors: c.errors.iter().map(ToString::to_string).collect(),
    })
}
