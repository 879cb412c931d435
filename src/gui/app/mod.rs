//! The app: its parts and the frame layout; `messages` applies what background jobs report,
//! `actions` runs commands, `panels` draws the bars, `layout` the panels and tabs; `file`
//! saves and opens the melody document, `unsaved` asks before work is thrown away,
//! `recover` autosaves and offers recovery; `welcome` and `about` are its two windows of
//! its own.

mod about;
mod actions;
mod file;
mod layout;
mod messages;
pub mod midi;
mod panels;
mod recover;
mod unsaved;
mod welcome;

pub use unsaved::Discard;

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
use super::recovery::{Autosave, Orphan};
use super::settings::{SETTINGS_KEY, SamplerSettings, Settings};
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
    /// Where to autosave and look for melodies to recover (`None`: no autosave; the
    /// command line passes [`super::recovery::default_dir`]).
    pub recovery_dir: Option<PathBuf>,
    /// Said in the status bar at start (the settings file could not be read).
    pub notice: Option<String>,
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
            recovery_dir: None,
            notice: None,
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
    /// The figures of the last jam's answers.
    jam_log: midi::jam::JamLog,
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
    /// The app has decided to close.
    quitting: bool,
    ready_check: Option<Instant>,
    roll_id: Option<egui::Id>,
    persist: bool,
    /// Sends viewport commands (title, close) from outside a frame's `ui`.
    egui_ctx: egui::Context,
    /// The document's file and whether it has unsaved changes.
    file: file::DocumentState,
    /// What waits for the "Save / Don't save / Cancel" prompt.
    unsaved: Option<Discard>,
    /// What waits for the Save as dialog.
    after_save: Option<Discard>,
    /// This app's autosave (off in tests unless asked for).
    autosave: Option<Autosave>,
    /// The last autosave failure said in the status bar.
    autosave_error: Option<String>,
    /// Melodies autosaved by apps that did not quit cleanly, offered for recovery.
    recovery: Vec<Orphan>,
}

impl LstmuseApp {
    /// Builds the app: restores settings, starts loading the model, opens the sound device,
    /// starts autosaving and offers melodies left by apps that did not quit cleanly.
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> LstmuseApp {
        let mut settings: Settings = if options.restore {
            cc.storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default()
        } else {
            Settings::default()
        };
        settings.welcome_dismissed |= !options.welcome;
        let models_dir = options
            .models_dir
            .clone()
            .or_else(crate::fsutil::default_models_dir)
            .unwrap_or_else(|| PathBuf::from("models"));
        let mut app = LstmuseApp {
            editor: Editor::default(),
            generation: Generation::default(),
            jam_log: midi::jam::JamLog::default(),
            model: None,
            audio: Playback::open(options.audio),
            soundfont: SoundFontSource::default(),
            midi: midi::devices::MidiDevices::new({
                let ctx = cc.egui_ctx.clone();
                crate::midi_io::MidiInbox::new().with_waker(move || ctx.request_repaint())
            }),
            status: Status::default(),
            dialog: None,
            tab: Tab::Compose,
            training: TrainingPanel::new(models_dir),
            dataset: DatasetBrowser::default(),
            frame_ms: VecDeque::new(),
            confirm_quit: false,
            allow_close: false,
            quitting: false,
            ready_check: options.ready_check,
            roll_id: None,
            persist: options.restore && options.ready_check.is_none(),
            jobs: Jobs::new(cc.egui_ctx.clone()),
            settings,
            egui_ctx: cc.egui_ctx.clone(),
            file: file::DocumentState {
                saved: Some((0, 0)),
                ..Default::default()
            },
            unsaved: None,
            after_save: None,
            autosave: None,
            autosave_error: None,
            recovery: Vec::new(),
        };
        app.start(options);
        app
    }

    /// What the app starts: the notice, the model, MIDI ports, corpora, the SoundFont, the
    /// seed, autosave and recovery.
    fn start(&mut self, options: AppOptions) {
        if let Some(notice) = options.notice {
            self.error(notice);
        }
        let model_dir = options
            .model_dir
            .or_else(|| {
                self.settings
                    .model_dir
                    .clone()
                    .filter(|d| ModelArtifact::is_model_folder(d))
            })
            .or_else(crate::default_model_dir);
        match model_dir {
            Some(dir) => self.jobs.load_model(dir),
            None => self
                .error("No model found: train one in the Training tab, or set LSTMUSE_MODEL_DIR."),
        }
        self.open_midi_ports();
        for c in self.settings.corpora.clone() {
            self.dataset.load(&mut self.jobs, c);
        }
        if let Some(font) = self.settings.transport.soundfont.path.clone() {
            self.soundfont.load(&mut self.jobs, font, false);
        }
        if let Some(seed) = options.seed_file {
            self.open_path(seed);
        }
        if let Some(dir) = options.recovery_dir.filter(|_| self.ready_check.is_none()) {
            self.start_recovery(&dir);
        }
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

    /// The undo history (its size is bounded).
    pub fn history(&self) -> &super::document::History {
        self.editor.history()
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

    /// The phrases of the melody kept last (empty when it has no form).
    pub fn phrases(&self) -> &[crate::gui::piano_roll::PhraseMark] {
        self.editor.phrases()
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
}

impl eframe::App for LstmuseApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.process_messages();
        self.handle_close_request(&ctx);
        self.handle_dropped_files(&ctx);
        self.computer_keyboard_frame(&ctx);
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
        self.recovery_window(&ctx);
        self.unsaved_window(&ctx);
        self.training_quit_window(&ctx);
        self.welcome_window(&ctx);
        self.about_window(&ctx);
        self.finish_ready_check(&ctx);
        self.autosave_tick(&ctx);
        self.update_title(&ctx);
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
        // A clean quit: the autosave goes, there is nothing to recover.
        self.finish_autosave();
        self.stop_training_and_wait();
        self.audio.stop();
        self.midi.stop_input();
        // Its thread releases every sounding note before it ends.
        self.midi.close_output();
    }
}
