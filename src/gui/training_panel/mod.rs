//! The training panel: hyperparameters, Start/Stop/Resume, a live loss plot, and the model list.

use super::dataset::DatasetBrowser;
use super::error::GuiError;
use super::jobs::{Jobs, Reporter};
use crate::corpus::TrainingData;
use crate::corpus::folder::{EncodedCorpus, EncodedSong};
use crate::folder_lock::{FolderLock, Holder};
use crate::model::artifact::{CARD_FILE, ModelArtifact, ModelCard, WEIGHTS_FILE};
use crate::model::backend::BackendChoice;
use crate::model::training;
use crate::model::{TrainOptions, TrainingConfig, TrainingEvent};
use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

mod view;

/// The hyperparameters and choices of the panel (persisted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingSettings {
    /// Maximum epochs.
    pub epochs: usize,
    /// Windows per batch.
    pub batch_size: usize,
    /// Steps per window.
    pub seq_len: usize,
    /// Hidden units per layer.
    pub hidden: usize,
    /// LSTM layers.
    pub layers: usize,
    /// Dropout.
    pub dropout: f64,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Fraction of songs for validation.
    pub valid_fraction: f64,
    /// Early-stopping patience in epochs (0 = never).
    pub patience: usize,
    /// CPU, GPU or automatic.
    pub backend: BackendChoice,
    /// Folder name of the new model.
    pub model_name: String,
    /// Plot the loss on a log scale.
    pub log_scale: bool,
}

impl Default for TrainingSettings {
    /// The recommended settings ([`TrainingConfig::recommended`]).
    fn default() -> Self {
        let r = TrainingConfig::recommended(0);
        TrainingSettings {
            epochs: r.epochs,
            batch_size: r.batch_size,
            seq_len: r.seq_len,
            hidden: r.model.hidden_size,
            layers: r.model.layers,
            dropout: r.model.dropout,
            learning_rate: r.learning_rate,
            valid_fraction: r.valid_fraction,
            patience: r.patience,
            backend: BackendChoice::Auto,
            model_name: "my-model".into(),
            log_scale: false,
        }
    }
}

impl TrainingSettings {
    /// The library's training configuration for a vocabulary size: the recommended one
    /// with the panel's settings.
    pub fn to_config(&self, vocab_size: usize) -> TrainingConfig {
        let mut config = TrainingConfig::recommended(vocab_size);
        config.model.hidden_size = self.hidden;
        config.model.layers = self.layers;
        config.model.dropout = self.dropout;
        config.epochs = self.epochs;
        config.batch_size = self.batch_size;
        config.seq_len = self.seq_len;
        config.learning_rate = self.learning_rate;
        config.valid_fraction = self.valid_fraction;
        config.patience = self.patience;
        config
    }
}

/// A model folder in the list.
#[derive(Clone, Debug)]
pub struct ModelEntry {
    /// Its folder.
    pub dir: PathBuf,
    /// Its card, if readable.
    pub card: Option<ModelCard>,
}

/// What the panel asks the app to do.
pub enum TrainingAction {
    /// Start (or resume) training.
    Start {
        /// Continue the last checkpoint.
        resume: bool,
    },
    /// Stop after the current batch.
    Stop,
    /// Make this model the active one.
    UseModel(PathBuf),
    /// Make it active and generate a few samples.
    Samples(PathBuf),
    /// Re-read the model list.
    Refresh,
}

/// What the training thread reports.
pub enum TrainingMsg {
    /// A training event.
    Event(TrainingEvent),
    /// Training failed with this message.
    Failed(String),
    /// The training thread panicked.
    Crashed,
    /// The thread ended.
    Finished {
        /// The run's folder.
        out_dir: PathBuf,
        /// It ended without error.
        ok: bool,
        /// It was stopped by the user.
        stopped: bool,
    },
}

/// What a run needs on its thread.
struct Run {
    config: TrainingConfig,
    data: TrainingData,
    out_dir: PathBuf,
    backend: BackendChoice,
    resume: bool,
    stop: Arc<AtomicBool>,
}

impl Run {
    /// Trains and reports every event, then how it ended.
    fn go<P: From<TrainingMsg>>(self, reporter: &Reporter<P>) {
        let send = |m: TrainingMsg| reporter.panel(m);
        let mut on_event = |e: &TrainingEvent| send(TrainingMsg::Event(e.clone()));
        // Opening a GPU device can take a while: do it here, not on the UI thread.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut options = TrainOptions::new(&self.out_dir, self.backend)?;
            options.resume = self.resume;
            options.writer = "the LSTMuse app (Training tab)".into();
            training::train(
                &self.config,
                &self.data,
                &options,
                &mut on_event,
                &self.stop,
            )
        }));
        let (ok, stopped) = match &result {
            Ok(Ok(summary)) => (true, summary.stopped),
            Ok(Err(e)) => {
                send(TrainingMsg::Failed(e.to_string()));
                (false, false)
            }
            Err(_) => {
                send(TrainingMsg::Crashed);
                (false, false)
            }
        };
        send(TrainingMsg::Finished {
            out_dir: self.out_dir,
            ok,
            stopped,
        });
    }
}

/// A run's live figures.
#[derive(Clone, Debug, Default)]
pub struct RunFigures {
    /// (fractional epoch, batch loss).
    pub batch_loss: Vec<[f64; 2]>,
    /// (epoch, train loss).
    pub train_loss: Vec<[f64; 2]>,
    /// (epoch, validation loss).
    pub valid_loss: Vec<[f64; 2]>,
    /// Last validation accuracy.
    pub accuracy: Option<f64>,
    /// Time steps per second.
    pub steps_per_sec: f64,
    /// Seconds left.
    pub eta_secs: f64,
    /// Current epoch and the last one.
    pub epoch: usize,
    /// Last epoch.
    pub epochs: usize,
    /// Fraction of the current epoch done.
    pub epoch_progress: f32,
    /// Best epoch so far.
    pub best_epoch: Option<usize>,
    /// The device.
    pub backend: String,
    /// Songs used (train, validation).
    pub songs: (usize, usize),
}

/// The panel's state.
#[derive(Default)]
pub struct TrainingPanel {
    /// A training set chosen in the dataset browser (None: all usable tunes).
    pub training_set: Option<(String, Vec<EncodedSong>)>,
    /// Live figures of the current or last run.
    pub figures: RunFigures,
    /// The last run's folder, once it has finished or stopped.
    pub finished: Option<(PathBuf, bool)>,
    /// The last error.
    pub error: Option<String>,
    /// Known models: complete folders that nobody is writing.
    pub models: Vec<ModelEntry>,
    /// Model folders being written now (by a training run here or elsewhere), with the
    /// process writing each; left out of `models` until it is done.
    pub being_written: Vec<(PathBuf, Holder)>,
    /// Folder of the running or last run.
    pub out_dir: Option<PathBuf>,
    /// Where trained models go.
    models_dir: PathBuf,
    stop_flag: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    running: bool,
}

impl TrainingPanel {
    /// A panel whose models go to `models_dir` (and are listed from there).
    pub fn new(models_dir: PathBuf) -> TrainingPanel {
        let mut panel = TrainingPanel {
            models_dir,
            ..TrainingPanel::default()
        };
        panel.refresh_models();
        panel
    }

    /// Where trained models go.
    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    /// True while a run is going.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Uses the included tunes among `rows` (all when empty) as the training set.
    pub fn set_training_set(&mut self, dataset: &DatasetBrowser, rows: &[usize]) -> usize {
        let songs = dataset.training_songs(rows);
        let n = songs.len();
        let name = if rows.is_empty() {
            corpus_name(dataset)
        } else {
            format!("{} selected tunes", rows.len())
        };
        self.training_set = Some((name, songs));
        n
    }

    /// Lists the models in the models folder and beside the bundled default model: every
    /// complete model folder whose writer lock is free (a folder being trained into is
    /// listed apart, with the process writing it).
    pub fn refresh_models(&mut self) {
        self.being_written.clear();
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut roots = vec![self.models_dir.clone()];
        if let Some(parent) =
            crate::default_model_dir().and_then(|d| d.parent().map(Path::to_path_buf))
        {
            roots.push(parent);
        }
        for root in roots {
            if let Ok(entries) = std::fs::read_dir(&root) {
                for e in entries.flatten() {
                    let p = e.path();
                    if !ModelArtifact::is_model_folder(&p) || dirs.contains(&p) {
                        continue;
                    }
                    match FolderLock::holder(&p) {
                        Some(holder) => self.being_written.push((p, holder)),
                        None if ModelArtifact::is_complete_folder(&p) => dirs.push(p),
                        None => {}
                    }
                }
            }
        }
        dirs.sort();
        self.models = dirs
            .into_iter()
            .map(|dir| {
                let card = std::fs::read_to_string(dir.join(CARD_FILE))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok());
                ModelEntry { dir, card }
            })
            .collect();
    }

    /// Starts training on the chosen set (or every usable tune) in a background thread,
    /// into the models folder under the settings' model name.
    pub fn start<P: From<TrainingMsg> + Send + 'static>(
        &mut self,
        settings: &TrainingSettings,
        dataset: &DatasetBrowser,
        resume: bool,
        jobs: &Jobs<P>,
    ) -> Result<(), GuiError> {
        if self.running {
            return Err(GuiError::TrainingRunning);
        }
        if settings.model_name.trim().is_empty() || settings.model_name.contains(['/', '\\']) {
            return Err(GuiError::BadModelName);
        }
        let (name, songs) = match &self.training_set {
            Some((n, s)) => (n.clone(), s.clone()),
            None => (corpus_name(dataset), dataset.training_songs(&[])),
        };
        if songs.len() < 2 {
            return Err(GuiError::TooFewSongs(songs.len()));
        }
        let data = TrainingData::from_encoded(&EncodedCorpus::from_songs(songs), name);
        let config = settings.to_config(data.vocab.len());
        config.validate()?;
        let out_dir = self.models_dir.join(settings.model_name.trim());
        if !resume {
            self.figures = RunFigures::default();
        }
        self.finished = None;
        self.error = None;
        self.out_dir = Some(out_dir.clone());
        self.stop_flag = Arc::new(AtomicBool::new(false));
        let run = Run {
            config,
            data,
            out_dir,
            backend: settings.backend,
            resume,
            stop: self.stop_flag.clone(),
        };
        let reporter = jobs.reporter();
        self.running = true;
        let handle = std::thread::Builder::new()
            .name("lstmuse-train".into())
            .spawn(move || run.go(&reporter))
            .map_err(|error| GuiError::Thread {
                name: "training",
                error,
            })?;
        self.thread = Some(handle);
        Ok(())
    }

    /// Applies a message from the training thread; the model list is re-read when it ends.
    pub fn apply(&mut self, msg: TrainingMsg) {
        match msg {
            TrainingMsg::Event(e) => self.on_event(&e),
            TrainingMsg::Failed(message) => self.error = Some(message),
            TrainingMsg::Crashed => {
                self.error = Some("internal error: training crashed".into());
            }
            TrainingMsg::Finished {
                out_dir,
                ok,
                stopped,
            } => {
                self.thread_done(out_dir, ok, stopped);
                self.refresh_models();
            }
        }
    }

    fn thread_done(&mut self, out_dir: PathBuf, ok: bool, stopped: bool) {
        self.running = false;
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
        if ok && out_dir.join(WEIGHTS_FILE).is_file() {
            self.finished = Some((out_dir, stopped));
        }
    }

    /// Asks the run to stop after the current batch.
    pub fn stop(&self) {
        self.stop_flag.store(true, Ordering::SeqCst);
    }

    /// Waits for a stopping run to end (on quit).
    pub fn wait_for_stop(&mut self) {
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
        self.running = false;
    }

    /// Takes in one training event.
    pub fn on_event(&mut self, e: &TrainingEvent) {
        let f = &mut self.figures;
        match e {
            TrainingEvent::Started {
                train_songs,
                valid_songs,
                start_epoch,
                epochs,
                backend,
                ..
            } => {
                f.epoch = *start_epoch;
                f.epochs = *epochs;
                f.backend = backend.clone();
                f.songs = (*train_songs, *valid_songs);
            }
            TrainingEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
                steps_per_sec,
                eta_secs,
            } => {
                let x = (*epoch as f64 - 1.0) + *batch as f64 / (*batches).max(1) as f64;
                f.batch_loss.push([x, *loss]);
                f.epoch = *epoch;
                f.epoch_progress = *batch as f32 / (*batches).max(1) as f32;
                f.steps_per_sec = *steps_per_sec;
                f.eta_secs = *eta_secs;
            }
            TrainingEvent::Epoch {
                stats,
                best,
                eta_secs,
            } => {
                let x = stats.epoch as f64;
                f.train_loss.push([x, stats.train_loss]);
                f.valid_loss.push([x, stats.valid_loss]);
                f.accuracy = Some(stats.valid_accuracy);
                f.eta_secs = *eta_secs;
                if *best {
                    f.best_epoch = Some(stats.epoch);
                }
            }
            TrainingEvent::Checkpoint { .. } => {}
            TrainingEvent::Finished { best_epoch, .. } => {
                f.best_epoch = Some(*best_epoch);
                f.eta_secs = 0.0;
            }
        }
    }
}

fn corpus_name(dataset: &DatasetBrowser) -> String {
    dataset
        .corpora
        .iter()
        .map(|c| c.path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_settings_train_the_recommended_model() {
        let config = TrainingSettings::default().to_config(40);
        let json = |c: &TrainingConfig| serde_json::to_string(c).unwrap_or_default();
        assert_eq!(json(&config), json(&TrainingConfig::recommended(40)));
    }

    /// The model list leaves out a folder missing a file and a folder being written
    /// (listed apart with its writer), and lists the latter once its lock is released.
    #[test]
    fn the_model_list_never_shows_a_half_written_model() {
        let tmp = tempfile::tempdir().unwrap();
        let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/essen-german");
        let copy = |name: &str, files: &[&str]| {
            let dir = tmp.path().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            for f in files {
                std::fs::copy(bundled.join(f), dir.join(f)).unwrap();
            }
            dir
        };
        let all = ["config.json", "vocab.json", "model.bpk", "card.json"];
        let done = copy("done", &all);
        let half = copy("half", &["config.json", "vocab.json"]);
        let busy = copy("busy", &all);
        let lock = crate::folder_lock::FolderLock::acquire(&busy, "lstmuse train").unwrap();
        let mut panel = TrainingPanel::new(tmp.path().to_path_buf());
        let listed = |p: &TrainingPanel, dir: &Path| p.models.iter().any(|m| m.dir == dir);
        assert!(listed(&panel, &done));
        assert!(!listed(&panel, &half), "a folder missing its weights");
        assert!(!listed(&panel, &busy), "a folder being written");
        assert_eq!(panel.being_written.len(), 1);
        assert_eq!(panel.being_written[0].0, busy);
        assert_eq!(panel.being_written[0].1.pid, std::process::id());
        drop(lock);
        panel.refresh_models();
        assert!(listed(&panel, &busy) && !listed(&panel, &half));
        assert!(panel.being_written.is_empty());
    }
}
