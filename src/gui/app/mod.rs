//! The app: its state and the frame layout; `actions` runs commands, `panels` draws the bars.

mod actions;
mod panels;

use super::command::{Command, ExportKind};
use super::dataset::{DatasetAction, DatasetBrowser};
use super::document::{Document, History, Origin, RollNote};
use super::error::GuiError;
use super::file_dialog::{self, DialogAction, PathDialog, Purpose};
use super::generate_panel::{self, PanelState, Variation};
use super::jobs::{GenerateRequest, Jobs, ModelInfo, Msg, done};
use super::piano_roll::{LaneMode, PianoRoll, RollEdit};
use super::settings::Settings;
use super::training_panel::{TrainingAction, TrainingPanel};
use super::transport::Audio;
use crate::formats::{self, Format, ReadOptions};
use crate::model::artifact::ModelArtifact;
use crate::music::Melody;
use crate::synth::{RenderConfig, Voice};
use eframe::egui::{self, Color32, RichText};
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Key for the settings in eframe's storage.
const SETTINGS_KEY: &str = "lstmuse-settings";

/// How the app starts.
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// Model folder to load (default: the remembered one, else the bundled model).
    pub model_dir: Option<PathBuf>,
    /// Open the sound device (off for tests and benchmarks).
    pub audio: bool,
    /// A melody file to open as the seed.
    pub seed_file: Option<PathBuf>,
    /// Read remembered settings from eframe's storage.
    pub restore: bool,
    /// Where trained models go (default: the user's data folder).
    pub models_dir: Option<PathBuf>,
    /// Start-up check: print the time since this instant once the model is loaded and
    /// drawn, then close.
    pub ready_check: Option<Instant>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            model_dir: None,
            audio: true,
            seed_file: None,
            restore: true,
            models_dir: None,
            ready_check: None,
        }
    }
}

/// The central area's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// Piano roll and generation.
    Compose,
    /// Training a model.
    Training,
}

/// The status bar's message.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// Text.
    pub text: String,
    /// Shown in red.
    pub is_error: bool,
}

/// The LSTMuse desktop app.
pub struct LstmuseApp {
    /// Remembered settings.
    pub settings: Settings,
    /// The melody being edited.
    pub doc: Document,
    /// Undo and redo.
    pub history: History,
    /// Selected note ids.
    pub selection: BTreeSet<u64>,
    /// The edit cursor (for "regenerate from here"), in steps.
    pub cursor: Option<u32>,
    /// Whole bars dragged on the ruler, `(start, end)` in steps (for "Fill selection").
    pub bar_range: Option<(u32, u32)>,
    /// The last generated variations.
    pub variations: Vec<Variation>,
    /// The variation shown in the roll.
    pub selected_variation: Option<usize>,
    /// The loaded model.
    pub model: Option<ModelInfo>,
    /// Background jobs.
    pub jobs: Jobs,
    /// Sound output.
    pub audio: Audio,
    /// Status bar.
    pub status: Status,
    /// An open path dialog.
    pub dialog: Option<PathDialog>,
    /// Current tab.
    pub tab: Tab,
    /// Dataset browser.
    pub dataset: DatasetBrowser,
    /// Training panel.
    pub training: TrainingPanel,
    /// Where trained models go.
    pub models_dir: PathBuf,
    generating: bool,
    model_loading: bool,
    frame_ms: VecDeque<f32>,
    confirm_quit: bool,
    allow_close: bool,
    ready_check: Option<Instant>,
    roll_id: Option<egui::Id>,
    persist: bool,
    /// Milliseconds the last generation took.
    pub last_generation_ms: f64,
}

impl LstmuseApp {
    /// Builds the app: restores settings, starts loading the model, opens the sound device.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> LstmuseApp {
        let settings: Settings = if options.restore {
            cc.storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default()
        } else {
            Settings::default()
        };
        let ctx = cc.egui_ctx.clone();
        let mut jobs = Jobs::new(ctx.clone());
        let model_dir = options
            .model_dir
            .clone()
            .or_else(|| {
                settings
                    .model_dir
                    .clone()
                    .filter(|d| ModelArtifact::is_model_folder(d))
            })
            .or_else(crate::default_model_dir);
        let mut status = Status::default();
        let model_loading = match model_dir {
            Some(dir) => {
                jobs.load_model(dir);
                true
            }
            None => {
                status = Status {
                    text:
                        "No model found: train one in the Training tab, or set LSTMUSE_MODEL_DIR."
                            .into(),
                    is_error: true,
                };
                false
            }
        };
        let models_dir = options
            .models_dir
            .clone()
            .or_else(crate::fsutil::default_models_dir)
            .unwrap_or_else(|| PathBuf::from("models"));
        let dataset = DatasetBrowser::default();
        let mut app = LstmuseApp {
            doc: Document::default(),
            history: History::default(),
            selection: BTreeSet::new(),
            cursor: None,
            bar_range: None,
            variations: Vec::new(),
            selected_variation: None,
            model: None,
            audio: Audio::open(options.audio),
            status,
            dialog: None,
            tab: Tab::Compose,
            training: TrainingPanel::default(),
            dataset,
            models_dir,
            generating: false,
            model_loading,
            frame_ms: VecDeque::new(),
            confirm_quit: false,
            allow_close: false,
            ready_check: options.ready_check,
            roll_id: None,
            persist: options.restore && options.ready_check.is_none(),
            last_generation_ms: 0.0,
            jobs,
            settings,
        };
        app.training.refresh_models(&app.models_dir);
        let corpora = app.settings.corpora.clone();
        for c in corpora {
            app.dataset.load(&mut app.jobs, c);
        }
        if let Some(seed) = options.seed_file {
            app.open_path(seed);
        }
        app
    }

    /// True when no background job is running (tests wait for this).
    pub fn is_idle(&self) -> bool {
        self.jobs.pending == 0 && !self.training.is_running()
    }

    /// Sets the status bar message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Status {
            text: text.into(),
            is_error: false,
        };
    }

    /// Shows an error in the status bar.
    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Status {
            text: text.into(),
            is_error: true,
        };
    }

    /// The notes of the variation being auditioned (not yet kept).
    pub fn ghost_notes(&self) -> &[RollNote] {
        match self.selected_variation.and_then(|i| self.variations.get(i)) {
            Some(v) if !v.kept => &v.notes,
            _ => &[],
        }
    }

    /// The selection's steps when "Loop selection" is on and notes are selected.
    pub fn loop_range(&self) -> Option<(u32, u32)> {
        if self.settings.transport.loop_selection {
            self.doc.span(&self.selection)
        } else {
            None
        }
    }

    /// What is shown and heard: the document plus the auditioned variation.
    pub fn shown_document(&self) -> Document {
        let mut doc = self.doc.clone();
        if let Some(v) = self.selected_variation.and_then(|i| self.variations.get(i))
            && !v.kept
            && let Some((s, e)) = v.replace_span
        {
            doc.clear_span(s, e);
        }
        for n in self.ghost_notes() {
            doc.push(
                n.start,
                n.len,
                n.pitch,
                Origin::Generated,
                n.confidence.clone(),
            );
        }
        doc
    }

    /// The melody to play or export, with the transport's tempo.
    pub fn shown_melody(&self) -> Melody {
        let mut m = self.shown_document().to_melody();
        m.tempo_qpm = Some(self.settings.transport.bpm);
        m
    }

    fn process_messages(&mut self) {
        for msg in self.jobs.poll() {
            match msg {
                Msg::ModelLoaded(Ok(info)) => {
                    self.model_loading = false;
                    if self.status.text.is_empty() || self.model.is_some() {
                        self.info(format!("Loaded model {} ({})", info.name, info.shape));
                    }
                    self.settings.model_dir = Some(info.dir.clone());
                    self.model = Some(info);
                }
                Msg::ModelLoaded(Err(e)) => {
                    self.model_loading = false;
                    self.error(format!("{e:#}"));
                }
                Msg::Generated {
                    request,
                    result,
                    millis,
                } => {
                    self.generating = false;
                    self.last_generation_ms = millis;
                    match result {
                        Ok(melodies) => {
                            self.variations = melodies
                                .iter()
                                .map(|g| {
                                    let mut v = Variation::from_generated(
                                        g,
                                        request.anchor,
                                        request.replace_from,
                                    );
                                    v.replace_span = request.fill;
                                    v
                                })
                                .collect();
                            self.selected_variation = Some(0);
                            self.settings.roll.request_fit();
                            self.info(format!(
                                "Generated {} variation{}: click one to audition it, Keep to add it",
                                self.variations.len(),
                                if self.variations.len() == 1 { "" } else { "s" },
                            ));
                        }
                        Err(e) => self.error(format!("Generation failed: {e:#}")),
                    }
                }
                Msg::Apply(f) => f(self),
            }
        }
    }

    /// The mean UI frame time over the last frames, in ms.
    pub fn mean_frame_ms(&self) -> f32 {
        if self.frame_ms.is_empty() {
            0.0
        } else {
            self.frame_ms.iter().sum::<f32>() / self.frame_ms.len() as f32
        }
    }
}

impl eframe::App for LstmuseApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.process_messages();
        self.handle_dropped_files(&ctx);
        self.handle_shortcuts(&ctx);
        if self.audio.playing.is_some() && !self.audio.is_playing() {
            self.audio.playing = None;
        }

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::bottom("transport").show(ui, |ui| self.transport_bar(ui));
        if self.settings.show_dataset {
            let r = egui::Panel::left("dataset")
                .resizable(true)
                .default_size(380.0)
                .show(ui, |ui| self.dataset.show(ui));
            self.dataset.panel_rect = Some(r.response.rect);
            for action in r.inner {
                self.dataset_action(action);
            }
        } else {
            self.dataset.panel_rect = None;
        }
        if self.tab == Tab::Compose {
            egui::Panel::right("generate")
                .resizable(true)
                .default_size(330.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("generate-scroll")
                        .show(ui, |ui| {
                            let key_name = self
                                .doc
                                .key
                                .map_or_else(|| "C major".into(), |k| k.to_string());
                            let can_fill = self.fill_span().is_some();
                            let commands = generate_panel::show(
                                ui,
                                PanelState {
                                    can_fill,
                                    settings: &mut self.settings.sampler,
                                    variations: &self.variations,
                                    selected: self.selected_variation,
                                    model_ready: self.model.is_some(),
                                    busy: self.generating,
                                    has_seed: self.doc.has_seed(),
                                    cursor: self.cursor,
                                    key_name,
                                },
                            );
                            for c in commands {
                                self.execute(&ctx, c);
                            }
                        });
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.tab, Tab::Compose, "Compose");
                ui.selectable_value(&mut self.tab, Tab::Training, "Training");
                if !self.settings.show_dataset && ui.button("Show dataset").clicked() {
                    self.settings.show_dataset = true;
                }
            });
            ui.separator();
            match self.tab {
                Tab::Compose => self.compose_area(ui),
                Tab::Training => {
                    let actions =
                        self.training
                            .show(ui, &mut self.settings.training, &self.dataset);
                    for a in actions {
                        self.training_action(a);
                    }
                }
            }
        });
        self.show_dialog(&ctx);
        self.quit_confirmation(&ctx);

        if let Some(t0) = self.ready_check
            && !self.model_loading
        {
            match &self.model {
                Some(m) => println!(
                    "ready in {:.0} ms: model {} on {}",
                    t0.elapsed().as_secs_f64() * 1e3,
                    m.name,
                    m.backend
                ),
                None => println!("no model loaded: {}", self.status.text),
            }
            self.ready_check = None;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if self.audio.is_playing() || self.training.is_running() || self.model_loading {
            ctx.request_repaint();
        }
        let ms = started.elapsed().as_secs_f32() * 1e3;
        self.frame_ms.push_back(ms);
        if self.frame_ms.len() > 120 {
            self.frame_ms.pop_front();
        }
        if self.settings.show_frame_time {
            let mean = self.mean_frame_ms();
            let max = self.frame_ms.iter().copied().fold(0.0, f32::max);
            egui::Area::new(egui::Id::unique("frame-time"))
                .anchor(egui::Align2::RIGHT_TOP, [-8.0, 28.0])
                .show(&ctx, |ui| {
                    ui.label(
                        RichText::new(format!(
                            "UI {mean:.2} ms (max {max:.2}) · {} notes · last generation {:.0} ms",
                            self.doc.notes.len(),
                            self.last_generation_ms
                        ))
                        .monospace()
                        .background_color(Color32::from_black_alpha(160)),
                    );
                });
            ctx.request_repaint();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if !self.persist {
            return;
        }
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.training.stop();
        self.training.wait_for_stop();
        self.audio.stop();
    }
}
