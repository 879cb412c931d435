//! The app: its state, the layout of panels, and what each `Command` does.

use super::command::{Command, ExportKind};
use super::dataset::{DatasetAction, DatasetBrowser};
use super::document::{Document, History, Origin, RollNote};
use super::file_dialog::{self, DialogAction, PathDialog, Purpose};
use super::generate_panel::{self, PanelState, Variation};
use super::jobs::{GenerateRequest, Jobs, ModelInfo, Msg, done};
use super::piano_roll::{LaneMode, PianoRoll, RollEdit};
use super::settings::Settings;
use super::training_panel::{TrainingAction, TrainingPanel};
use super::transport::Audio;
use crate::formats::{self, Format, ReadOptions};
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
                    .filter(|d| d.join("config.json").is_file())
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
            .or_else(|| {
                directories::ProjectDirs::from("", "", "lstmuse")
                    .map(|d| d.data_dir().join("models"))
            })
            .unwrap_or_else(|| PathBuf::from("models"));
        let dataset = DatasetBrowser::default();
        let mut app = LstmuseApp {
            doc: Document::default(),
            history: History::default(),
            selection: BTreeSet::new(),
            cursor: None,
            variations: Vec::new(),
            selected_variation: None,
            model: None,
            audio: Audio::open(options.audio),
            status,
            dialog: None,
            tab: Tab::Compose,
            training: TrainingPanel::new(&settings.training),
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

    /// What is shown and heard: the document plus the auditioned variation.
    pub fn shown_document(&self) -> Document {
        let mut doc = self.doc.clone();
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

    fn edit(&mut self, change: impl FnOnce(&mut Document, &mut BTreeSet<u64>)) {
        let before = self.doc.clone();
        change(&mut self.doc, &mut self.selection);
        if self.doc != before {
            self.history.record(before);
        }
    }

    /// Applies a roll edit undoably.
    pub fn apply_roll_edit(&mut self, edit: RollEdit) {
        self.edit(|doc, sel| match edit {
            RollEdit::Add { start, len, pitch } => {
                let id = doc.push(start, len, pitch, Origin::User, Vec::new());
                sel.clear();
                sel.insert(id);
            }
            RollEdit::Move {
                ids,
                steps,
                semitones,
            } => {
                for n in doc.notes.iter_mut().filter(|n| ids.contains(&n.id)) {
                    n.start = (i64::from(n.start) + i64::from(steps)).max(0) as u32;
                    n.pitch = (i32::from(n.pitch) + semitones).clamp(0, 127) as u8;
                    n.confidence.clear();
                    if n.origin == Origin::Generated {
                        n.origin = Origin::User;
                    }
                }
                doc.sort();
            }
            RollEdit::Resize { id, len } => {
                if let Some(n) = doc.notes.iter_mut().find(|n| n.id == id) {
                    n.len = len.max(1);
                    if n.origin == Origin::Generated {
                        n.origin = Origin::User;
                        n.confidence.clear();
                    }
                }
            }
        });
    }

    /// Replaces the document with `melody` as the seed (undoable).
    pub fn set_seed(&mut self, melody: &Melody, from: &str) {
        let (doc, quantized) = Document::from_melody(melody, Origin::Seed);
        let before = std::mem::replace(&mut self.doc, doc);
        self.history.record(before);
        self.selection.clear();
        self.variations.clear();
        self.selected_variation = None;
        self.cursor = None;
        self.settings.roll.request_fit();
        let key = self
            .doc
            .key
            .map_or_else(|| "unknown key".into(), |k| k.to_string());
        let mut msg = format!(
            "Seed: {} ({} notes, {}, {}) from {from}",
            if self.doc.title.is_empty() {
                "untitled"
            } else {
                &self.doc.title
            },
            self.doc.notes.len(),
            self.doc.meter,
            key
        );
        if quantized {
            msg.push_str(". Some durations were rounded to the 16th grid.");
        }
        self.info(msg);
    }

    /// Reads a melody file in the background and makes it the seed.
    pub fn open_path(&mut self, path: PathBuf) {
        let p = path.clone();
        self.jobs.spawn("open", move || {
            let result = formats::read_melody(&p, &ReadOptions::default());
            done(move |app| match result {
                Ok(m) => {
                    app.settings.add_recent(p.clone());
                    let name = p
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into());
                    app.set_seed(&m, &name);
                }
                Err(e) => app.error(format!("Could not open {}: {e}", p.display())),
            })
        });
    }

    /// Writes the shown melody to `path` in `kind`'s format (atomically).
    pub fn export_to(&mut self, path: &Path, kind: ExportKind) -> Result<(), String> {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            return Err("there are no notes to export".into());
        }
        let result = match kind {
            ExportKind::Wav => {
                let config = self.render_config();
                let rendered = crate::synth::render(&melody, &config);
                crate::synth::write_wav(&rendered, path).map_err(|e| e.to_string())
            }
            _ => {
                let format = match kind {
                    ExportKind::Midi => Format::Midi,
                    ExportKind::MusicXml => Format::MusicXml,
                    ExportKind::Abc => Format::Abc,
                    _ => Format::Kern,
                };
                formats::to_bytes(&melody, format)
                    .and_then(|bytes| crate::fsutil::write_atomic(path, &bytes))
                    .map_err(|e| e.to_string())
            }
        };
        match &result {
            Ok(()) => {
                self.settings.export_dir = path.parent().map(Path::to_path_buf);
                self.info(format!("Exported {}", path.display()));
            }
            Err(e) => self.error(format!("Export to {} failed: {e}", path.display())),
        }
        result
    }

    fn render_config(&self) -> RenderConfig {
        let t = &self.settings.transport;
        RenderConfig {
            bpm: Some(t.bpm),
            voice: t.voice,
            volume: t.volume,
            ..RenderConfig::default()
        }
    }

    /// The primer for Generate: the seed notes (or nothing), and where the result goes.
    fn generate_request(&self) -> GenerateRequest {
        let config = self.settings.sampler.to_config(self.doc.key);
        match self.doc.seed_span() {
            Some((start, end)) => GenerateRequest {
                primer: self
                    .doc
                    .to_melody_range(start, Some(end), |n| n.origin == Origin::Seed),
                config,
                anchor: end,
                replace_from: None,
            },
            None => {
                let mut primer = Melody::new();
                primer.meter = Some(self.doc.meter);
                primer.key = self.doc.key;
                let end = self.doc.end();
                let bar = self.doc.steps_per_bar();
                GenerateRequest {
                    primer,
                    config,
                    anchor: end.div_ceil(bar) * bar,
                    replace_from: None,
                }
            }
        }
    }

    /// Runs a command.
    pub fn execute(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::Open => self.open_dialog(Purpose::OpenSeed),
            Command::Export(kind) => self.open_dialog(Purpose::Export(kind)),
            Command::Copy(kind) => {
                let format = if kind == ExportKind::Abc {
                    Format::Abc
                } else {
                    Format::Kern
                };
                match formats::to_bytes(&self.shown_melody(), format) {
                    Ok(bytes) => {
                        ctx.copy_text(String::from_utf8_lossy(&bytes).into_owned());
                        self.info(format!("Copied the melody as {} text", kind.label()));
                    }
                    Err(e) => self.error(format!("Could not write {}: {e}", kind.label())),
                }
            }
            Command::New => {
                let before = std::mem::take(&mut self.doc);
                self.history.record(before);
                self.selection.clear();
                self.variations.clear();
                self.selected_variation = None;
                self.info("New empty melody");
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Command::Undo => match self.history.undo(self.doc.clone()) {
                Some(d) => {
                    self.doc = d;
                    self.selection.retain(|id| self.doc.note(*id).is_some());
                }
                None => self.info("Nothing to undo"),
            },
            Command::Redo => match self.history.redo(self.doc.clone()) {
                Some(d) => {
                    self.doc = d;
                    self.selection.retain(|id| self.doc.note(*id).is_some());
                }
                None => self.info("Nothing to redo"),
            },
            Command::Delete => {
                let sel = std::mem::take(&mut self.selection);
                self.edit(|doc, _| doc.remove(&sel));
            }
            Command::SelectAll => {
                self.selection = self.doc.notes.iter().map(|n| n.id).collect();
            }
            Command::UseAsSeed => {
                if self.selection.is_empty() {
                    self.error("Select the notes to use as the seed first");
                } else {
                    let sel = self.selection.clone();
                    self.edit(|doc, _| {
                        for n in &mut doc.notes {
                            if sel.contains(&n.id) {
                                n.origin = Origin::Seed;
                            } else if n.origin == Origin::Seed {
                                n.origin = Origin::User;
                            }
                        }
                    });
                    self.info(format!("{} notes are the seed now", sel.len()));
                }
            }
            Command::Transpose(by) => {
                let ids: Vec<u64> = self.selection.iter().copied().collect();
                if !ids.is_empty() {
                    self.apply_roll_edit(RollEdit::Move {
                        ids,
                        steps: 0,
                        semitones: by,
                    });
                }
            }
            Command::Nudge(by) => {
                let ids: Vec<u64> = self.selection.iter().copied().collect();
                if !ids.is_empty() {
                    self.apply_roll_edit(RollEdit::Move {
                        ids,
                        steps: by,
                        semitones: 0,
                    });
                }
            }
            Command::Generate => {
                if self.model.is_none() || self.generating {
                    return;
                }
                let request = self.generate_request();
                self.generating = true;
                self.info("Generating…");
                self.jobs.generate(request);
            }
            Command::RegenerateFromHere => {
                let Some(cursor) = self.cursor else {
                    self.error(
                        "Click the bar ruler above the roll to set where to regenerate from",
                    );
                    return;
                };
                if self.model.is_none() || self.generating {
                    return;
                }
                let start = self
                    .doc
                    .seed_span()
                    .map_or_else(
                        || self.doc.notes.iter().map(|n| n.start).min().unwrap_or(0),
                        |s| s.0,
                    )
                    .min(cursor);
                let mut request = self.generate_request();
                request.primer = self.doc.to_melody_range(start, Some(cursor), |_| true);
                request.anchor = cursor;
                request.replace_from = Some(cursor);
                self.generating = true;
                self.info("Generating from the cursor…");
                self.jobs.generate(request);
            }
            Command::Keep(i) => self.keep(i),
            Command::Audition(i) => {
                if i < self.variations.len() {
                    self.selected_variation = Some(i);
                    if !self.variations[i].kept {
                        self.settings.roll.request_fit();
                    }
                    if self.audio.available() {
                        self.audio.stop();
                        self.play();
                    }
                }
            }
            Command::PlayStop => {
                if self.audio.is_playing() {
                    self.audio.stop();
                } else {
                    self.play();
                }
            }
            Command::Fit => self.settings.roll.request_fit(),
            Command::ZoomIn | Command::ZoomOut => {
                let f = if command == Command::ZoomIn {
                    1.25
                } else {
                    0.8
                };
                if let Some(g) = self.settings.roll.grid {
                    self.settings.roll.zoom_x(f, g, g.left());
                }
            }
        }
    }

    fn play(&mut self) {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            self.info("Nothing to play yet");
            return;
        }
        let loop_steps = if self.settings.transport.loop_selection {
            let sel: Vec<&RollNote> = self
                .doc
                .notes
                .iter()
                .filter(|n| self.selection.contains(&n.id))
                .collect();
            let a = sel.iter().map(|n| n.start).min();
            let b = sel.iter().map(|n| n.end()).max();
            a.zip(b)
        } else {
            None
        };
        let config = self.render_config();
        if let Err(e) = self.audio.play(&melody, &config, loop_steps) {
            self.error(format!("Cannot play: {e}"));
        }
    }

    /// Keeps variation `i`: after the seed, in place of the selection, or from the cursor.
    pub fn keep(&mut self, i: usize) {
        let Some(v) = self.variations.get(i).cloned() else {
            return;
        };
        let selection = self.selection.clone();
        self.edit(|doc, sel| {
            let (at, notes_shift) = if let Some(from) = v.replace_from {
                doc.notes.retain(|n| n.start < from);
                for n in &mut doc.notes {
                    n.len = n.len.min(from - n.start).max(1);
                }
                (from, 0i64)
            } else if !selection.is_empty() {
                let chosen: Vec<&RollNote> = doc
                    .notes
                    .iter()
                    .filter(|n| selection.contains(&n.id))
                    .collect();
                let s = chosen.iter().map(|n| n.start).min().unwrap_or(v.anchor);
                let e = chosen.iter().map(|n| n.end()).max().unwrap_or(s);
                doc.remove(&selection);
                doc.shift_from(e, i64::from(v.steps) - i64::from(e - s));
                (s, 0)
            } else {
                doc.shift_from(v.anchor, i64::from(v.steps));
                (v.anchor, 0)
            };
            sel.clear();
            for n in &v.notes {
                let start = (i64::from(n.start) - i64::from(v.anchor) + i64::from(at) + notes_shift)
                    .max(0) as u32;
                let id = doc.push(
                    start,
                    n.len,
                    n.pitch,
                    Origin::Generated,
                    n.confidence.clone(),
                );
                sel.insert(id);
            }
        });
        if let Some(v) = self.variations.get_mut(i) {
            v.kept = true;
        }
        self.selected_variation = None;
        self.selection.clear();
        self.info(format!("Kept variation {}", i + 1));
    }

    fn open_dialog(&mut self, purpose: Purpose) {
        let start = match purpose {
            Purpose::Export(kind) => {
                let dir = self
                    .settings
                    .export_dir
                    .clone()
                    .or_else(|| {
                        directories::UserDirs::new()
                            .and_then(|u| u.audio_dir().map(Path::to_path_buf))
                    })
                    .or_else(|| std::env::current_dir().ok())
                    .unwrap_or_default();
                dir.join(file_dialog::default_file_name(&self.doc.title, kind))
                    .display()
                    .to_string()
            }
            Purpose::OpenSeed => self
                .settings
                .recent_files
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            Purpose::AddCorpus => String::new(),
        };
        self.dialog = Some(PathDialog::new(purpose, start));
    }

    fn accept_dialog(&mut self, purpose: Purpose, path: PathBuf) {
        match purpose {
            Purpose::OpenSeed => self.open_path(path),
            Purpose::Export(kind) => {
                let _ = self.export_to(&path, kind);
            }
            Purpose::AddCorpus => self.add_corpus(path),
        }
    }

    /// Adds a corpus folder or file to the dataset browser and remembers it.
    pub fn add_corpus(&mut self, path: PathBuf) {
        if !self.settings.corpora.contains(&path) {
            self.settings.corpora.push(path.clone());
        }
        self.settings.show_dataset = true;
        self.dataset.load(&mut self.jobs, path);
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
                    self.error(e);
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
                                    Variation::from_generated(
                                        g,
                                        request.anchor,
                                        request.replace_from,
                                    )
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
                        Err(e) => self.error(format!("Generation failed: {e}")),
                    }
                }
                Msg::Apply(f) => f(self),
            }
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let (dropped, pointer) =
            ctx.input(|i| (i.raw.dropped_files.clone(), i.pointer.latest_pos()));
        if dropped.is_empty() {
            return;
        }
        let over_dataset =
            pointer.is_some_and(|p| self.dataset.panel_rect.is_some_and(|r| r.contains(p)));
        for f in dropped {
            let path = f.path().to_path_buf();
            if path.is_dir() || over_dataset {
                self.add_corpus(path);
            } else if Format::from_path(&path).is_some() {
                self.open_path(path);
            } else {
                self.error(format!(
                    "{} is not a melody file (.krn, .abc, .mid, .musicxml, .mxl)",
                    path.display()
                ));
            }
        }
    }

    fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        if self.dialog.is_some() {
            return;
        }
        let focus = ctx.memory(|m| m.focused());
        // Bare keys (Space, arrows, Delete) belong to a focused text field, slider or button.
        let text_focus = ctx.text_edit_focused();
        let typing = text_focus || (focus.is_some() && focus != self.roll_id);
        let mut fired = Vec::new();
        ctx.input_mut(|i| {
            for c in Command::WITH_SHORTCUTS {
                let editing_key = matches!(c, Command::SelectAll | Command::Undo | Command::Redo);
                if (typing && c.is_bare_key()) || (text_focus && editing_key) {
                    continue;
                }
                if let Some(s) = c.shortcut()
                    && i.consume_shortcut(&s)
                {
                    fired.push(c);
                }
            }
            if !typing && i.consume_key(egui::Modifiers::NONE, egui::Key::Backspace) {
                fired.push(Command::Delete);
            }
        });
        for c in fired {
            if self.tab == Tab::Training
                && !matches!(c, Command::Quit | Command::Open | Command::PlayStop)
            {
                continue;
            }
            self.execute(ctx, c);
        }
    }

    fn menu_item(&mut self, ui: &mut egui::Ui, label: &str, command: Command, enabled: bool) {
        let mut button = egui::Button::new(label);
        if let Some(s) = command.shortcut() {
            button = button.shortcut_text(ui.ctx().format_shortcut(&s));
        }
        if ui.add_enabled(enabled, button).clicked() {
            let ctx = ui.ctx().clone();
            self.execute(&ctx, command);
            ui.close();
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                self.menu_item(ui, "New", Command::New, true);
                self.menu_item(ui, "Open seed…", Command::Open, true);
                let recent = self.settings.recent_files.clone();
                ui.menu_button("Open recent", |ui| {
                    if recent.is_empty() {
                        ui.label("No recent files");
                    }
                    for p in recent {
                        if ui.button(p.display().to_string()).clicked() {
                            self.open_path(p);
                            ui.close();
                        }
                    }
                });
                ui.separator();
                for kind in [
                    ExportKind::Midi,
                    ExportKind::MusicXml,
                    ExportKind::Wav,
                    ExportKind::Abc,
                    ExportKind::Kern,
                ] {
                    self.menu_item(
                        ui,
                        &format!("Export {}…", kind.label()),
                        Command::Export(kind),
                        true,
                    );
                }
                self.menu_item(ui, "Copy as ABC text", Command::Copy(ExportKind::Abc), true);
                self.menu_item(
                    ui,
                    "Copy as kern text",
                    Command::Copy(ExportKind::Kern),
                    true,
                );
                ui.separator();
                self.menu_item(ui, "Quit", Command::Quit, true);
            });
            ui.menu_button("Edit", |ui| {
                let can_undo = self.history.can_undo();
                let can_redo = self.history.can_redo();
                let has_sel = !self.selection.is_empty();
                self.menu_item(ui, "Undo", Command::Undo, can_undo);
                self.menu_item(ui, "Redo", Command::Redo, can_redo);
                ui.separator();
                self.menu_item(ui, "Select all", Command::SelectAll, true);
                self.menu_item(ui, "Delete", Command::Delete, has_sel);
                self.menu_item(ui, "Use selection as seed", Command::UseAsSeed, has_sel);
                self.menu_item(ui, "Transpose up", Command::Transpose(1), has_sel);
                self.menu_item(ui, "Transpose down", Command::Transpose(-1), has_sel);
                self.menu_item(ui, "Octave up", Command::Transpose(12), has_sel);
                self.menu_item(ui, "Octave down", Command::Transpose(-12), has_sel);
            });
            ui.menu_button("Melody", |ui| {
                let ready = self.model.is_some() && !self.generating;
                self.menu_item(ui, "Generate", Command::Generate, ready);
                let regen = ready && self.cursor.is_some();
                self.menu_item(
                    ui,
                    "Regenerate from here",
                    Command::RegenerateFromHere,
                    regen,
                );
            });
            ui.menu_button("Playback", |ui| {
                let ok = self.audio.available();
                self.menu_item(ui, "Play / Stop", Command::PlayStop, ok);
                ui.checkbox(
                    &mut self.settings.transport.loop_selection,
                    "Loop the selection",
                );
                ui.checkbox(&mut self.settings.roll.follow, "Follow the playhead");
            });
            ui.menu_button("View", |ui| {
                self.menu_item(ui, "Fit the melody", Command::Fit, true);
                self.menu_item(ui, "Zoom in", Command::ZoomIn, true);
                self.menu_item(ui, "Zoom out", Command::ZoomOut, true);
                ui.separator();
                ui.checkbox(&mut self.settings.show_dataset, "Dataset browser");
                ui.radio_value(
                    &mut self.settings.roll.lane,
                    LaneMode::Probability,
                    "Lane: probability",
                );
                ui.radio_value(
                    &mut self.settings.roll.lane,
                    LaneMode::Entropy,
                    "Lane: entropy",
                );
                ui.checkbox(&mut self.settings.show_frame_time, "Frame time");
            });
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match &self.model {
                Some(m) => {
                    ui.label(format!("Model: {} ({})", m.name, m.shape))
                        .on_hover_text(model_tooltip(m));
                    ui.separator();
                    let icon = if m.is_gpu { "GPU" } else { "CPU" };
                    ui.label(format!("{icon}: {}", m.backend));
                }
                None if self.model_loading => {
                    ui.spinner();
                    ui.label("Loading the model…");
                }
                None => {
                    ui.label("No model");
                }
            }
            ui.separator();
            if self.jobs.pending > 0 {
                ui.spinner();
            }
            let colour = if self.status.is_error {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().text_color()
            };
            ui.label(RichText::new(&self.status.text).color(colour));
        });
    }

    fn transport_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            let playing = self.audio.is_playing();
            let label = if playing { "⏹ Stop" } else { "▶ Play" };
            let b = ui.add_enabled(self.audio.available(), egui::Button::new(label));
            let b = match &self.audio.unavailable {
                Some(why) => b.on_disabled_hover_text(why.as_str()),
                None => b.on_hover_text("Space"),
            };
            if b.clicked() {
                self.execute(&ctx, Command::PlayStop);
            }
            ui.checkbox(
                &mut self.settings.transport.loop_selection,
                "Loop selection",
            );
            ui.separator();
            ui.label("Tempo");
            ui.add(
                egui::DragValue::new(&mut self.settings.transport.bpm)
                    .range(30.0..=300.0)
                    .suffix(" BPM"),
            )
            .accessible_name("Tempo");
            ui.label("Voice");
            egui::ComboBox::from_id_salt("voice")
                .selected_text(self.settings.transport.voice.label())
                .show_ui(ui, |ui| {
                    for v in Voice::ALL {
                        ui.selectable_value(&mut self.settings.transport.voice, v, v.label());
                    }
                })
                .response
                .accessible_name("Voice");
            ui.label("Volume");
            ui.add(
                egui::Slider::new(&mut self.settings.transport.volume, 0.0..=1.0).show_value(false),
            )
            .accessible_name("Volume");
            ui.separator();
            ui.checkbox(&mut self.settings.roll.follow, "Follow");
            if ui
                .button("Fit")
                .on_hover_text("Show the whole melody (Ctrl+0)")
                .clicked()
            {
                self.execute(&ctx, Command::Fit);
            }
            let seed_btn = ui
                .add_enabled(!self.selection.is_empty(), egui::Button::new("Use as seed"))
                .on_hover_text("Make the selected notes the seed")
                .on_disabled_hover_text("Select notes in the roll first");
            if seed_btn.clicked() {
                self.execute(&ctx, Command::UseAsSeed);
            }
        });
    }

    fn compose_area(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let ghost: Vec<RollNote> = self.ghost_notes().to_vec();
        let playhead = self.audio.playhead();
        let loop_range = if self.settings.transport.loop_selection && !self.selection.is_empty() {
            let sel = self
                .doc
                .notes
                .iter()
                .filter(|n| self.selection.contains(&n.id));
            let a = sel.clone().map(|n| n.start).min();
            let b = sel.map(RollNote::end).max();
            a.zip(b)
        } else {
            None
        };
        let out = PianoRoll::new(&self.doc, &mut self.settings.roll)
            .editable(&mut self.selection)
            .ghost(&ghost)
            .playhead(playhead)
            .cursor(self.cursor)
            .loop_range(loop_range)
            .show(ui);
        self.roll_id = Some(out.response.id);
        if out.response.clicked() || out.response.drag_started() {
            out.response.request_focus();
        }
        // Arrow keys transpose and nudge notes instead of moving focus to other widgets.
        ui.memory_mut(|m| {
            m.set_focus_lock_filter(
                out.response.id,
                egui::EventFilter {
                    tab: false,
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    ..Default::default()
                },
            )
        });
        for e in out.edits {
            self.apply_roll_edit(e);
        }
        if let Some(step) = out.ruler_click {
            self.cursor = Some(step);
        }
        if let Some(payload) = out
            .response
            .dnd_release_payload::<super::dataset::TunePayload>()
            && let Some(m) = self.dataset.melody(payload.0)
        {
            let title = m.title.clone().unwrap_or_else(|| "a tune".into());
            self.set_seed(&m, &format!("the dataset ({title})"));
        }
        let hover = out.hover_step;
        out.response.context_menu(|ui| {
            if ui.button("Regenerate from here").clicked() {
                self.cursor = hover.or(self.cursor);
                self.execute(&ctx, Command::RegenerateFromHere);
                ui.close();
            }
            if ui
                .add_enabled(
                    !self.selection.is_empty(),
                    egui::Button::new("Use selection as seed"),
                )
                .clicked()
            {
                self.execute(&ctx, Command::UseAsSeed);
                ui.close();
            }
            if ui
                .add_enabled(!self.selection.is_empty(), egui::Button::new("Delete"))
                .clicked()
            {
                self.execute(&ctx, Command::Delete);
                ui.close();
            }
        });
    }

    /// The mean UI frame time over the last frames, in ms.
    pub fn mean_frame_ms(&self) -> f32 {
        if self.frame_ms.is_empty() {
            0.0
        } else {
            self.frame_ms.iter().sum::<f32>() / self.frame_ms.len() as f32
        }
    }

    fn show_dialog(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        match dialog.show(ctx) {
            DialogAction::None => {}
            DialogAction::Cancel => self.dialog = None,
            DialogAction::Accept(path) => {
                let purpose = dialog.purpose;
                self.dialog = None;
                self.accept_dialog(purpose, path);
            }
            DialogAction::Browse => {
                dialog.browsing = true;
                let purpose = dialog.purpose;
                let start = file_dialog::expand_home(&dialog.path);
                self.jobs.spawn("file-dialog", move || {
                    let chosen = file_dialog::browse(purpose, &start);
                    done(move |app| {
                        if let Some(d) = app.dialog.as_mut() {
                            d.browsing = false;
                            match chosen {
                                Some(p) => d.path = p.display().to_string(),
                                None => {
                                    d.note = Some(
                                        "No file was chosen (or no system dialog is available here): type the path above.".into(),
                                    )
                                }
                            }
                        }
                    })
                });
            }
        }
    }

    fn quit_confirmation(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested())
            && self.training.is_running()
            && !self.allow_close
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_quit = true;
        }
        if !self.confirm_quit {
            return;
        }
        egui::Window::new("Training is running")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("Quit now? Training stops after the current batch; the last checkpoint is kept and Resume continues it.");
                ui.horizontal(|ui| {
                    if ui.button("Stop training and quit").clicked() {
                        self.training.stop();
                        self.training.wait_for_stop();
                        self.allow_close = true;
                        self.confirm_quit = false;
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                    if ui.button("Keep training").clicked() {
                        self.confirm_quit = false;
                    }
                });
            });
    }
}

fn model_tooltip(m: &ModelInfo) -> String {
    let c = &m.card;
    let mut s = format!(
        "{}\ntrained on {} ({} songs), {} epochs, best epoch {}\nvalidation loss {:.3} nats/step",
        m.dir.display(),
        c.corpus,
        c.train_songs,
        c.epochs,
        c.best_epoch,
        c.valid_loss
    );
    for h in &c.held_out {
        s.push_str(&format!(
            "\nheld-out {}: {:.3} nats/step, {:.2} bits/onset",
            h.corpus, h.nll_per_step, h.bits_per_note
        ));
    }
    s
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
                self.dataset_action(&ctx, action);
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
                            let commands = generate_panel::show(
                                ui,
                                PanelState {
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
        self.settings.training = self.training.settings_snapshot(&self.settings.training);
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.training.stop();
        self.training.wait_for_stop();
        self.audio.stop();
    }
}

impl LstmuseApp {
    fn dataset_action(&mut self, ctx: &egui::Context, action: DatasetAction) {
        match action {
            DatasetAction::AddCorpus => self.open_dialog(Purpose::AddCorpus),
            DatasetAction::Remove(path) => {
                self.settings.corpora.retain(|p| p != &path);
                self.dataset.remove(&path);
            }
            DatasetAction::Fetch => self.dataset.fetch(&mut self.jobs),
            DatasetAction::UseAsSeed(i) => {
                if let Some(m) = self.dataset.melody(i) {
                    self.set_seed(&m, "the dataset");
                    self.tab = Tab::Compose;
                }
            }
            DatasetAction::Play(i) => {
                if let Some(mut m) = self.dataset.melody(i) {
                    m.tempo_qpm = Some(self.settings.transport.bpm);
                    let config = self.render_config();
                    if let Err(e) = self.audio.play(&m, &config, None) {
                        self.error(format!("Cannot play: {e}"));
                    }
                }
            }
            DatasetAction::Preview(i) => {
                if self.audio.available() {
                    self.audio.stop();
                    self.dataset_action(ctx, DatasetAction::Play(i));
                }
            }
            DatasetAction::Stop => self.execute(ctx, Command::PlayStop),
            DatasetAction::TrainOn(rows) => {
                let n = self.training.set_training_set(&self.dataset, &rows);
                self.tab = Tab::Training;
                self.info(format!("Training set: {n} songs"));
            }
        }
    }

    fn training_action(&mut self, action: TrainingAction) {
        match action {
            TrainingAction::Start { resume } => {
                let out = self
                    .models_dir
                    .join(self.settings.training.model_name.trim());
                if let Err(e) = self.training.start(
                    &self.settings.training,
                    &self.dataset,
                    out,
                    resume,
                    &self.jobs,
                ) {
                    self.error(e);
                }
            }
            TrainingAction::Stop => self.training.stop(),
            TrainingAction::UseModel(dir) => {
                self.model_loading = true;
                self.jobs.load_model(dir);
                self.tab = Tab::Compose;
            }
            TrainingAction::Samples(dir) => {
                self.model_loading = true;
                self.jobs.load_model(dir);
                self.tab = Tab::Compose;
                self.settings.sampler.variations = self.settings.sampler.variations.max(4);
                self.pending_generate_after_load();
            }
            TrainingAction::Refresh => self.training.refresh_models(&self.models_dir),
        }
    }

    fn pending_generate_after_load(&mut self) {
        // Queued behind the model load on the same thread, so it uses the new model.
        let request = self.generate_request();
        self.generating = true;
        self.jobs.generate(request);
    }
}
