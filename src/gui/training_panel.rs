//! The training panel: hyperparameters, Start/Stop/Resume, a live loss plot, and the model list.

use super::dataset::DatasetBrowser;
use super::jobs::{Jobs, Msg};
use crate::artifact::ModelCard;
use crate::backend::BackendChoice;
use crate::encoding::Symbol;
use crate::model::MelodyLstmConfig;
use crate::training::{self, TrainOptions, TrainingConfig, TrainingData, TrainingEvent};
use eframe::egui::{self, Color32, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

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
    fn default() -> Self {
        TrainingSettings {
            epochs: 30,
            batch_size: 32,
            seq_len: 64,
            hidden: 256,
            layers: 1,
            dropout: 0.3,
            learning_rate: 3e-3,
            valid_fraction: 0.1,
            patience: 5,
            backend: BackendChoice::Auto,
            model_name: "my-model".into(),
            log_scale: false,
        }
    }
}

impl TrainingSettings {
    /// The library's training configuration for a vocabulary size.
    pub fn to_config(&self, vocab_size: usize) -> TrainingConfig {
        let model = MelodyLstmConfig::new(vocab_size)
            .with_hidden_size(self.hidden)
            .with_layers(self.layers)
            .with_dropout(self.dropout);
        TrainingConfig::new(model)
            .with_epochs(self.epochs)
            .with_batch_size(self.batch_size)
            .with_seq_len(self.seq_len)
            .with_learning_rate(self.learning_rate)
            .with_valid_fraction(self.valid_fraction)
            .with_patience(self.patience)
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
    pub training_set: Option<(String, Vec<Vec<Symbol>>)>,
    /// Live figures of the current or last run.
    pub figures: RunFigures,
    /// The last run's folder, once it has finished or stopped.
    pub finished: Option<(PathBuf, bool)>,
    /// The last error.
    pub error: Option<String>,
    /// Known models.
    pub models: Vec<ModelEntry>,
    /// Folder of the running or last run.
    pub out_dir: Option<PathBuf>,
    stop_flag: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    running: bool,
}

impl TrainingPanel {
    /// A panel; settings are read on each use.
    pub fn new(_settings: &TrainingSettings) -> TrainingPanel {
        TrainingPanel::default()
    }

    /// True while a run is going.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// The settings to persist.
    pub fn settings_snapshot(&self, s: &TrainingSettings) -> TrainingSettings {
        s.clone()
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

    /// Lists models in `models_dir` and beside the bundled default model.
    pub fn refresh_models(&mut self, models_dir: &Path) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut roots = vec![models_dir.to_path_buf()];
        if let Some(parent) =
            crate::default_model_dir().and_then(|d| d.parent().map(Path::to_path_buf))
        {
            roots.push(parent);
        }
        for root in roots {
            if let Ok(entries) = std::fs::read_dir(&root) {
                for e in entries.flatten() {
                    let p = e.path();
                    if p.join("config.json").is_file() && !dirs.contains(&p) {
                        dirs.push(p);
                    }
                }
            }
        }
        dirs.sort();
        self.models = dirs
            .into_iter()
            .map(|dir| {
                let card = std::fs::read_to_string(dir.join("card.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok());
                ModelEntry { dir, card }
            })
            .collect();
    }

    /// Starts training on the chosen set (or every usable tune) in a background thread.
    pub fn start(
        &mut self,
        settings: &TrainingSettings,
        dataset: &DatasetBrowser,
        out_dir: PathBuf,
        resume: bool,
        jobs: &Jobs,
    ) -> Result<(), String> {
        if self.running {
            return Err("training is already running".into());
        }
        if settings.model_name.trim().is_empty() || settings.model_name.contains(['/', '\\']) {
            return Err("give the model a folder name without slashes".into());
        }
        let (name, songs) = match &self.training_set {
            Some((n, s)) => (n.clone(), s.clone()),
            None => (corpus_name(dataset), dataset.training_songs(&[])),
        };
        if songs.len() < 2 {
            return Err(format!(
                "the training set has {} usable songs: add a corpus in the dataset browser (at least 2 songs)",
                songs.len()
            ));
        }
        let data = TrainingData::from_songs(&songs, name);
        let config = settings.to_config(data.vocab.len());
        config.validate().map_err(|e| e.to_string())?;
        let mut options =
            TrainOptions::new(&out_dir, settings.backend).map_err(|e| e.to_string())?;
        options.resume = resume;
        if !resume {
            self.figures = RunFigures::default();
        }
        self.finished = None;
        self.error = None;
        self.out_dir = Some(out_dir.clone());
        self.stop_flag = Arc::new(AtomicBool::new(false));
        let stop = self.stop_flag.clone();
        let (tx, ctx) = jobs.sender();
        self.running = true;
        let handle = std::thread::Builder::new()
            .name("lstmuse-train".into())
            .spawn(move || {
                let send = |m: Msg| {
                    let _ = tx.send(m);
                    ctx.request_repaint();
                };
                let mut on_event = |e: &TrainingEvent| {
                    let e = e.clone();
                    send(Msg::Apply(Box::new(move |app| app.training.on_event(&e))));
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    training::train(&config, &data, &options, &mut on_event, &stop)
                }));
                let (ok, stopped) = match &result {
                    Ok(Ok(summary)) => (true, summary.stopped),
                    Ok(Err(_)) => (false, false),
                    Err(_) => {
                        send(Msg::Apply(Box::new(|app| {
                            app.training.error = Some("internal error: training crashed".into());
                        })));
                        (false, false)
                    }
                };
                send(Msg::Apply(Box::new(move |app| {
                    app.training.thread_done(out_dir, ok, stopped);
                    let models_dir = app.models_dir.clone();
                    app.training.refresh_models(&models_dir);
                })));
            })
            .map_err(|e| format!("could not start the training thread: {e}"))?;
        self.thread = Some(handle);
        Ok(())
    }

    fn thread_done(&mut self, out_dir: PathBuf, ok: bool, stopped: bool) {
        self.running = false;
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
        if ok && out_dir.join("model.bpk").is_file() {
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
            TrainingEvent::Error { message } => self.error = Some(message.clone()),
        }
    }

    /// Draws the panel.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        settings: &mut TrainingSettings,
        dataset: &DatasetBrowser,
    ) -> Vec<TrainingAction> {
        let mut actions = Vec::new();
        egui::Panel::left("training-settings")
            .resizable(false)
            .default_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("train-settings")
                    .show(ui, |ui| {
                        self.settings_ui(ui, settings, dataset, &mut actions);
                        ui.separator();
                        self.models_ui(ui, &mut actions);
                    });
            });
        egui::CentralPanel::default().show(ui, |ui| self.progress_ui(ui, settings, &mut actions));
        actions
    }

    fn settings_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &mut TrainingSettings,
        dataset: &DatasetBrowser,
        actions: &mut Vec<TrainingAction>,
    ) {
        ui.heading("Train a model");
        let set = match &self.training_set {
            Some((name, songs)) => format!("Training set: {name} ({} songs)", songs.len()),
            None => format!(
                "Training set: every usable tune in the dataset ({})",
                dataset.rows.iter().filter(|r| r.excluded.is_none()).count()
            ),
        };
        ui.label(set);
        if self.training_set.is_some() && ui.small_button("Use every usable tune").clicked() {
            self.training_set = None;
        }
        let running = self.running;
        ui.add_enabled_ui(!running, |ui| {
            egui::Grid::new("train-grid").num_columns(2).show(ui, |ui| {
                ui.label("Model name");
                ui.text_edit_singleline(&mut s.model_name)
                    .accessible_name("Model name");
                ui.end_row();
                ui.label("Epochs");
                ui.add(egui::DragValue::new(&mut s.epochs).range(1..=500)).accessible_name("Epochs");
                ui.end_row();
                ui.label("Batch size");
                ui.add(egui::DragValue::new(&mut s.batch_size).range(1..=1024)).accessible_name("Batch size");
                ui.end_row();
                ui.label("Sequence length");
                ui.add(egui::DragValue::new(&mut s.seq_len).range(4..=1024)).accessible_name("Sequence length");
                ui.end_row();
                ui.label("Hidden units");
                ui.add(egui::DragValue::new(&mut s.hidden).range(4..=2048)).accessible_name("Hidden units");
                ui.end_row();
                ui.label("Layers");
                ui.add(egui::DragValue::new(&mut s.layers).range(1..=4)).accessible_name("Layers");
                ui.end_row();
                ui.label("Dropout");
                ui.add(egui::DragValue::new(&mut s.dropout).range(0.0..=0.9).speed(0.01)).accessible_name("Dropout");
                ui.end_row();
                ui.label("Learning rate");
                ui.add(
                    egui::DragValue::new(&mut s.learning_rate)
                        .range(1e-5..=0.1)
                        .speed(1e-4)
                        .max_decimals(5),
                )
                .accessible_name("Learning rate");
                ui.end_row();
                ui.label("Validation split");
                ui.add(egui::DragValue::new(&mut s.valid_fraction).range(0.01..=0.5).speed(0.01)).accessible_name("Validation split");
                ui.end_row();
                ui.label("Patience");
                ui.add(egui::DragValue::new(&mut s.patience).range(0..=100)).accessible_name("Patience")
                    .on_hover_text("Stop when validation loss has not improved for this many epochs (0 = never)");
                ui.end_row();
                ui.label("Backend");
                egui::ComboBox::from_id_salt("backend")
                    .selected_text(match s.backend {
                        BackendChoice::Auto => "Auto",
                        BackendChoice::Wgpu => "GPU (wgpu)",
                        BackendChoice::Cpu => "CPU",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut s.backend, BackendChoice::Auto, "Auto");
                        ui.selectable_value(&mut s.backend, BackendChoice::Wgpu, "GPU (wgpu)");
                        ui.selectable_value(&mut s.backend, BackendChoice::Cpu, "CPU");
                    })
                    .response
                    .accessible_name("Backend");
                ui.end_row();
            });
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Start"))
                .clicked()
            {
                actions.push(TrainingAction::Start { resume: false });
            }
            if ui.add_enabled(running, egui::Button::new("Stop")).clicked() {
                actions.push(TrainingAction::Stop);
            }
            if ui
                .add_enabled(!running, egui::Button::new("Resume"))
                .on_hover_text("Continue the named model's last checkpoint with the same settings")
                .clicked()
            {
                actions.push(TrainingAction::Start { resume: true });
            }
        });
    }

    fn models_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<TrainingAction>) {
        ui.horizontal(|ui| {
            ui.heading("Models");
            if ui
                .small_button("Refresh")
                .on_hover_text("Refresh")
                .clicked()
            {
                actions.push(TrainingAction::Refresh);
            }
        });
        for m in &self.models {
            let name = m
                .dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(&name).strong())
                    .on_hover_text(m.dir.display().to_string());
                if let Some(c) = &m.card {
                    ui.small(format!(
                        "{} · {} songs · {} epochs (best {}) · valid {:.3}",
                        c.corpus, c.train_songs, c.epochs, c.best_epoch, c.valid_loss
                    ));
                    for h in &c.held_out {
                        ui.small(format!(
                            "held-out {}: {:.3} nats/step",
                            h.corpus, h.nll_per_step
                        ));
                    }
                }
                if ui.button(format!("Use {name}")).clicked() {
                    actions.push(TrainingAction::UseModel(m.dir.clone()));
                }
            });
        }
    }

    fn progress_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &mut TrainingSettings,
        actions: &mut Vec<TrainingAction>,
    ) {
        let f = &self.figures;
        ui.horizontal(|ui| {
            if self.running {
                ui.spinner();
            }
            if f.epochs > 0 {
                ui.label(format!("Epoch {} of {}", f.epoch, f.epochs));
                ui.add(
                    egui::ProgressBar::new(f.epoch_progress)
                        .desired_width(160.0)
                        .show_percentage(),
                );
                ui.label(format!("{:.0} steps/s", f.steps_per_sec));
                if self.running {
                    ui.label(format!("ETA {}", fmt_secs(f.eta_secs)));
                }
                if let Some(a) = f.accuracy {
                    ui.label(format!("accuracy {:.1}%", a * 100.0));
                }
                if let Some(b) = f.best_epoch {
                    ui.label(format!("best epoch {b}"));
                }
            } else {
                ui.label("Choose a training set in the dataset browser (or train on every usable tune), then Start.");
            }
            ui.checkbox(&mut s.log_scale, "Log scale");
        });
        if !f.backend.is_empty() {
            ui.small(format!(
                "{} training songs, {} validation songs, on {}",
                f.songs.0, f.songs.1, f.backend
            ));
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some((dir, stopped)) = self.finished.clone() {
            ui.horizontal(|ui| {
                ui.label(if stopped {
                    "Stopped. The best epoch so far is saved."
                } else {
                    "Finished."
                });
                if ui.button("Use this model").clicked() {
                    actions.push(TrainingAction::UseModel(dir.clone()));
                }
                if ui.button("Use it and generate samples").clicked() {
                    actions.push(TrainingAction::Samples(dir.clone()));
                }
            });
        }
        let log = s.log_scale;
        let tf = |p: &[f64; 2]| [p[0], if log { p[1].max(1e-6).log10() } else { p[1] }];
        let batch: Vec<[f64; 2]> = f.batch_loss.iter().map(tf).collect();
        let train: Vec<[f64; 2]> = f.train_loss.iter().map(tf).collect();
        let valid: Vec<[f64; 2]> = f.valid_loss.iter().map(tf).collect();
        let best = f.best_epoch;
        Plot::new("loss-plot")
            .legend(Legend::default())
            .x_axis_label("epoch")
            .y_axis_label(if log {
                "loss (log10)"
            } else {
                "loss (nats/step)"
            })
            .y_axis_formatter(move |m, _| {
                if log {
                    format!("{:.3}", 10f64.powf(m.value))
                } else {
                    format!("{:.2}", m.value)
                }
            })
            .show(ui, |p| {
                p.line(
                    Line::new("batch loss", PlotPoints::from(batch))
                        .color(Color32::from_gray(120))
                        .width(1.0),
                );
                p.line(
                    Line::new("train loss", PlotPoints::from(train))
                        .color(Color32::from_rgb(48, 170, 205))
                        .width(3.0),
                );
                p.line(
                    Line::new("validation loss", PlotPoints::from(valid))
                        .color(Color32::from_rgb(232, 160, 48))
                        .width(3.0),
                );
                if let Some(b) = best {
                    p.vline(
                        VLine::new("best epoch", b as f64)
                            .color(Color32::from_rgb(120, 200, 120))
                            .width(1.5),
                    );
                }
            });
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

fn fmt_secs(s: f64) -> String {
    let s = s.max(0.0) as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m {:02}s", s / 60, s % 60)
    }
}
