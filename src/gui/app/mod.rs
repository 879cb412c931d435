//! The app: its parts and the frame layout; `messages` applies what background jobs report,
//! `actions` runs commands, `panels` draws the bars; `welcome` and `about` are its two
//! windows of its own.

mod about;
mod actions;
mod messages;
pub mod midi;
mod panels;
mod welcome;

use super::command::{Command, ExportKind};
use super::dataset::{DatasetAction, DatasetBrowser, DatasetOutcome};
use super::document::{Document, Origin, RollNote};
use super::editor::{Editor, HistoryStep, RollOverlay};
use super::error::GuiError;
use super::file_dialog::{self, DialogAction, PathDialog, Purpose};
use super::generate_panel::{self, GenerateContext, Generation, Variation};
use super::jobs::{GenerateRequest, Jobs, ModelInfo, Msg};
use super::piano_roll::{LaneMode, RollEdit, RollView};
use super::playback::Playback;
use super::settings::{SamplerSettings, Settings};
use super::soundfont::{self, SoundFontMsg, SoundFontOutcome, SoundFontSource, VoiceAction};
use super::training_panel::{TrainingAction, TrainingPanel, TrainingSettings};
use crate::formats::{self, Format, ReadOptions};
use crate::model::artifact::ModelArtifact;
use crate::music::Melody;
use crate::sampling::Placement;
use crate::synth::RenderConfig;
use eframe::egui::{self, Color32, RichText};
use messages::PanelMsg;
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
    /// Show the first start's welcome until it is dismissed (off for tests and benchmarks).
    pub welcome: bool,
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
            welcome: true,
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
    text: String,
    is_error: bool,
}

impl Status {
    /// Its text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when it is shown in red.
    pub fn is_error(&self) -> bool {
        self.is_error
    }
}

/// The LSTMuse desktop app: its parts, each owning its state.
pub struct LstmuseApp {
    /// Remembered settings; each panel gets its own section.
    settings: Settings,
    /// The melody being edited, with selection, cursor and undo.
    editor: Editor,
    /// The generate panel: the last variations.
    generation: Generation,
    /// The loaded model.
    model: Option<ModelInfo>,
    /// Background jobs, and what the model thread is doing.
    jobs: Jobs<PanelMsg>,
    /// Sound output.
    audio: Playback,
    /// The SoundFont voice source: the loaded font, and one loading.
    soundfont: SoundFontSource,
    /// MIDI ports, recording and step input.
    midi: midi::devices::MidiDevices,
    status: Status,
    dialog: Option<PathDialog>,
    tab: Tab,
    dataset: DatasetBrowser,
    training: TrainingPanel,
    frame_ms: VecDeque<f32>,
    confirm_quit: bool,
    allow_close: bool,
    ready_check: Option<Instant>,
    roll_id: Option<egui::Id>,
    persist: bool,
}

impl LstmuseApp {
    /// Builds the app: restores settings, starts loading the model, opens the sound device.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> LstmuseApp {
        let mut settings: Settings = if options.restore {
            cc.storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default()
        } else {
            Settings::default()
        };
        settings.welcome_dismissed |= !options.welcome;
        let mut jobs = Jobs::new(cc.egui_ctx.clone());
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
        match model_dir {
            Some(dir) => jobs.load_model(dir),
            None => {
                status = Status {
                    text:
                        "No model found: train one in the Training tab, or set LSTMUSE_MODEL_DIR."
                            .into(),
                    is_error: true,
                };
            }
        }
        let models_dir = options
            .models_dir
            .clone()
            .or_else(crate::fsutil::default_models_dir)
            .unwrap_or_else(|| PathBuf::from("models"));
        let mut app = LstmuseApp {
            editor: Editor::default(),
            generation: Generation::default(),
            model: None,
            audio: Playback::open(options.audio),
            soundfont: SoundFontSource::default(),
            midi: midi::devices::MidiDevices::new({
                let ctx = cc.egui_ctx.clone();
                crate::midi_io::MidiInbox::new().with_waker(move || ctx.request_repaint())
            }),
            status,
            dialog: None,
            tab: Tab::Compose,
            training: TrainingPanel::new(models_dir),
            dataset: DatasetBrowser::default(),
            frame_ms: VecDeque::new(),
            confirm_quit: false,
            allow_close: false,
            ready_check: options.ready_check,
            roll_id: None,
            persist: options.restore && options.ready_check.is_none(),
            jobs,
            settings,
        };
        app.open_midi_ports();
        for c in app.settings.corpora.clone() {
            app.dataset.load(&mut app.jobs, c);
        }
        if let Some(font) = app.settings.transport.soundfont.path.clone() {
            app.soundfont.load(&mut app.jobs, font, false);
        }
        if let Some(seed) = options.seed_file {
            app.open_path(seed);
        }
        app
    }

    /// True when no background job is running (tests wait for this).
    pub fn is_idle(&self) -> bool {
        self.jobs.pending() == 0 && !self.training.is_running()
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

    /// The status bar's message.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The remembered settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The generate panel's controls.
    pub fn sampler_settings_mut(&mut self) -> &mut SamplerSettings {
        &mut self.settings.sampler
    }

    /// The transport bar's tempo, voice (or SoundFont program) and volume.
    pub fn transport_settings_mut(&mut self) -> &mut super::settings::TransportSettings {
        &mut self.settings.transport
    }

    /// The SoundFont voice source.
    pub fn soundfont(&self) -> &SoundFontSource {
        &self.soundfont
    }

    /// Loads a SoundFont in the background; once loaded, it is the playing voice.
    pub fn load_soundfont(&mut self, path: PathBuf) {
        self.info(format!("Loading SoundFont {}…", path.display()));
        self.soundfont.load(&mut self.jobs, path, true);
    }

    /// The training panel's controls.
    pub fn training_settings_mut(&mut self) -> &mut TrainingSettings {
        &mut self.settings.training
    }

    /// The roll's zoom and scroll.
    pub fn roll_view_mut(&mut self) -> &mut RollView {
        &mut self.settings.roll
    }

    /// The melody being edited.
    pub fn doc(&self) -> &Document {
        self.editor.doc()
    }

    /// Replaces the melody without recording it for undo (benchmarks).
    pub fn set_document(&mut self, doc: Document) {
        self.editor.set_document(doc);
    }

    /// Selected note ids.
    pub fn selection(&self) -> &BTreeSet<u64> {
        self.editor.selection()
    }

    /// Selects these notes.
    pub fn set_selection(&mut self, selection: BTreeSet<u64>) {
        self.editor.set_selection(selection);
    }

    /// The edit cursor (for "regenerate from here"), in steps.
    pub fn cursor(&self) -> Option<u32> {
        self.editor.cursor()
    }

    /// Whole bars dragged on the ruler, `(start, end)` in steps.
    pub fn bar_range(&self) -> Option<(u32, u32)> {
        self.editor.bar_range()
    }

    /// Sets the bars chosen on the ruler.
    pub fn set_bar_range(&mut self, range: Option<(u32, u32)>) {
        self.editor.set_bar_range(range);
    }

    /// The last generated variations.
    pub fn variations(&self) -> &[Variation] {
        self.generation.variations()
    }

    /// The loaded model.
    pub fn model(&self) -> Option<&ModelInfo> {
        self.model.as_ref()
    }

    /// The current tab.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Switches tabs.
    pub fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    /// The dataset browser.
    pub fn dataset(&self) -> &DatasetBrowser {
        &self.dataset
    }

    /// The dataset browser, for its search and sort.
    pub fn dataset_mut(&mut self) -> &mut DatasetBrowser {
        &mut self.dataset
    }

    /// The training panel.
    pub fn training(&self) -> &TrainingPanel {
        &self.training
    }

    /// Where trained models go.
    pub fn models_dir(&self) -> &Path {
        self.training.models_dir()
    }

    /// Moves a playhead without a sound device (benchmarks), in steps.
    pub fn simulate_playhead(&mut self, step: Option<f32>) {
        self.audio.simulated = step;
    }

    /// Stops training and waits for its thread to end.
    pub fn stop_training_and_wait(&mut self) {
        self.training.stop();
        self.training.wait_for_stop();
    }

    /// The notes of the variation being auditioned (not yet kept).
    pub fn ghost_notes(&self) -> &[RollNote] {
        self.generation.ghost_notes()
    }

    /// The selection's steps when "Loop selection" is on and notes are selected.
    pub fn loop_range(&self) -> Option<(u32, u32)> {
        if self.settings.transport.loop_selection {
            self.editor.doc().span(self.editor.selection())
        } else {
            None
        }
    }

    /// What is shown and heard: the document plus the auditioned variation.
    pub fn shown_document(&self) -> Document {
        let doc = self.editor.doc();
        let auditioned = self.generation.auditioned();
        let mut doc = auditioned
            .and_then(|v| v.beneath(doc))
            .unwrap_or_else(|| doc.clone());
        for n in self.ghost_notes() {
            doc.push(RollNote {
                origin: Origin::Generated,
                ..n.clone()
            });
        }
        doc
    }

    /// The melody to play or export, with the transport's tempo.
    pub fn shown_melody(&self) -> Melody {
        let mut m = self.shown_document().to_melody();
        m.tempo_qpm = Some(self.settings.transport.bpm);
        m
    }

    /// The mean UI frame time over the last frames, in ms.
    pub fn mean_frame_ms(&self) -> f32 {
        if self.frame_ms.is_empty() {
            0.0
        } else {
            self.frame_ms.iter().sum::<f32>() / self.frame_ms.len() as f32
        }
    }

    /// The dataset browser as a side panel; files dropped on it become corpora.
    fn dataset_panel(&mut self, ui: &mut egui::Ui) {
        if !self.settings.show_dataset {
            self.dataset.panel_rect = None;
            return;
        }
        let r = egui::Panel::left("dataset")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| self.dataset.show(ui));
        self.dataset.panel_rect = Some(r.response.rect);
        for action in r.inner {
            self.dataset_action(action);
        }
    }

    /// The generate panel, beside the roll.
    fn generate_panel(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let cx = GenerateContext {
            model_ready: self.model.is_some(),
            busy: self.jobs.is_generating(),
            has_seed: self.editor.doc().has_seed(),
            has_cursor: self.editor.cursor().is_some(),
            can_fill: self.editor.fill_span().is_some(),
            melody_meter: (!self.editor.doc().notes.is_empty()).then_some(self.editor.doc().meter),
            key_name: self
                .editor
                .doc()
                .key
                .map_or_else(|| "C major".into(), |k| k.to_string()),
        };
        let commands = egui::Panel::right("generate")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("generate-scroll")
                    .show(ui, |ui| {
                        generate_panel::generate_ui(
                            ui,
                            &mut self.settings.sampler,
                            &self.generation,
                            &cx,
                        )
                    })
                    .inner
            })
            .inner;
        for c in commands {
            self.execute(&ctx, c);
        }
    }

    /// The tabs, and the compose or training area under them.
    fn central_panel(&mut self, ui: &mut egui::Ui) {
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
    }

    /// The start-up check: once the model is loaded (or failed), print the time and close.
    fn finish_ready_check(&mut self, ctx: &egui::Context) {
        let Some(t0) = self.ready_check else {
            return;
        };
        if self.jobs.is_loading_model() {
            return;
        }
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

    /// Records the frame's time and, when asked, shows the figures in a corner.
    fn frame_time(&mut self, ctx: &egui::Context, started: Instant) {
        let ms = started.elapsed().as_secs_f32() * 1e3;
        self.frame_ms.push_back(ms);
        if self.frame_ms.len() > 120 {
            self.frame_ms.pop_front();
        }
        if !self.settings.show_frame_time {
            return;
        }
        let mean = self.mean_frame_ms();
        let max = self.frame_ms.iter().copied().fold(0.0, f32::max);
        egui::Area::new(egui::Id::unique("frame-time"))
            .anchor(egui::Align2::RIGHT_TOP, [-8.0, 28.0])
            .show(ctx, |ui| {
                ui.label(
                    RichText::new(format!(
                        "UI {mean:.2} ms (max {max:.2}) · {} notes · last generation {:.0} ms",
                        self.editor.doc().notes.len(),
                        self.generation.last_millis()
                    ))
                    .monospace()
                    .background_color(Color32::from_black_alpha(160)),
                );
            });
        ctx.request_repaint();
    }
}

impl eframe::App for LstmuseApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.process_messages();
        self.handle_dropped_files(&ctx);
        self.handle_shortcuts(&ctx);
        self.midi_frame(&ctx);
        if self.audio.playing.is_some() && !self.audio.is_playing() {
            self.audio.playing = None;
        }

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::bottom("transport").show(ui, |ui| self.transport_bar(ui));
        self.dataset_panel(ui);
        if self.tab == Tab::Compose {
            self.generate_panel(ui);
        }
        self.central_panel(ui);
        self.show_dialog(&ctx);
        self.welcome_window(&ctx);
        self.about_window(&ctx);
        self.quit_confirmation(&ctx);
        self.finish_ready_check(&ctx);
        if self.is_playing() || self.training.is_running() || self.jobs.is_loading_model() {
            ctx.request_repaint();
        }
        self.frame_time(&ctx, started);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if !self.persist {
            return;
        }
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.stop_training_and_wait();
        self.audio.stop();
        self.midi.stop_input();
        // Its thread releases every sounding note before it ends.
        self.midi.close_output();
    }
}
