//! What each `Command` does: edits, generation, keeping variations, files and jobs.

use super::super::document_file::{self, DocumentFile, EXTENSION};
use super::{
    Command, DatasetAction, Discard, Document, ExportKind, Format, GenerateRequest, GuiError,
    HistoryStep, LstmuseApp, Melody, Msg, Origin, Path, PathBuf, PathDialog, Placement, Purpose,
    ReadOptions, RenderConfig, RollEdit, Tab, TrainingAction, egui, file_dialog, formats,
};
use crate::sampling::{SamplerConfig, Upbeat};

impl LstmuseApp {
    /// Applies a roll edit undoably.
    pub fn apply_roll_edit(&mut self, edit: RollEdit) {
        self.editor.apply_roll_edit(edit);
    }

    /// Replaces the document with `melody` as the seed (undoable).
    pub fn set_seed(&mut self, melody: &Melody, from: &str) {
        let (doc, quantized) = Document::from_melody(melody, Origin::Seed);
        self.editor.replace(doc);
        self.generation.clear();
        self.editor.set_cursor(None);
        self.settings.roll.request_fit();
        let doc = self.editor.doc();
        let key = doc
            .key
            .map_or_else(|| "unknown key".into(), |k| k.to_string());
        let mut msg = format!(
            "Seed: {} ({} notes, {}, {}) from {from}",
            if doc.title.is_empty() {
                "untitled"
            } else {
                &doc.title
            },
            doc.notes.len(),
            doc.meter,
            key
        );
        if quantized {
            msg.push_str(". Some durations were rounded to the 16th grid.");
        }
        // What the reader had to change (e.g. unpitched notes read as rests).
        for warning in &melody.source.warnings {
            msg.push_str(". ");
            msg.push_str(warning);
        }
        self.info(msg);
    }

    /// Reads a file in the background: a melody document (`.lstmuse`) becomes the
    /// document, any other melody file the seed of a new untitled one. Asks nothing: see
    /// [`LstmuseApp::guard`] for opening over unsaved changes.
    pub fn open_path(&mut self, path: PathBuf) {
        self.open_path_with(path, ReadOptions::default());
    }

    /// Opens a melody document, or reads a melody file as the seed with `options` (the
    /// part and voice chosen in the open dialog).
    pub fn open_path_with(&mut self, path: PathBuf, options: ReadOptions) {
        if document_file::is_document(&path) {
            self.jobs.spawn("open", move || {
                let result = DocumentFile::read(&path).map(Box::new);
                Msg::DocumentOpened { path, result }
            });
            return;
        }
        self.jobs.spawn("open", move || {
            let result = formats::read_melody(&path, &options);
            Msg::Opened { path, result }
        });
    }

    /// Exports the shown melody to `path` and says how it went in the status bar (where an
    /// export error is handled: shown once); true when the file was written.
    pub fn export_to(&mut self, path: &Path, kind: ExportKind) -> bool {
        match self.write_export(path, kind) {
            Ok(()) => {
                self.settings.export_dir = path.parent().map(Path::to_path_buf);
                self.info(format!("Exported {}", path.display()));
                true
            }
            Err(e) => {
                self.error(format!("Export to {} failed: {e:#}", path.display()));
                false
            }
        }
    }

    /// Writes the shown melody to `path` in `kind`'s format (atomically).
    fn write_export(&self, path: &Path, kind: ExportKind) -> Result<(), GuiError> {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            return Err(GuiError::NothingToExport);
        }
        match kind {
            ExportKind::Wav => {
                let config = self.render_config();
                let rendered = crate::synth::try_render(&melody, &config)?;
                crate::synth::write_wav(&rendered, path).map_err(GuiError::from)
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
                    .map_err(GuiError::from)
            }
        }
    }

    /// How Play and WAV export render: the transport's tempo, volume and voice (the
    /// SoundFont when it is chosen and loaded).
    pub fn render_config(&self) -> RenderConfig {
        let t = &self.settings.transport;
        RenderConfig {
            bpm: Some(t.bpm),
            voice: t.voice,
            volume: t.volume,
            soundfont: self.soundfont.voice(&t.soundfont),
            ..RenderConfig::default()
        }
    }

    /// The primer for Generate: the seed notes (or nothing), and where the result goes.
    pub(super) fn generate_request(&self) -> GenerateRequest {
        let doc = self.editor.doc();
        let config = self.settings.sampler.to_config(doc.key);
        match doc.seed_span() {
            Some((start, end)) => GenerateRequest {
                melody: doc.to_melody_range(start, Some(end), |n| n.origin == Origin::Seed),
                config,
                origin: start,
                placement: Placement::After,
                form: self.settings.sampler.form_request(),
            },
            None => {
                let mut primer = Melody::new();
                // From scratch: the Generate panel's meter; with notes, the document's.
                primer.meter = Some(if doc.notes.is_empty() {
                    self.settings.sampler.meter
                } else {
                    doc.meter
                });
                primer.key = doc.key;
                let end = doc.end();
                let bar = doc.steps_per_bar();
                // A melody from nothing may begin with a pickup, which the empty document
                // takes on Keep; after other notes it starts on a bar line.
                let upbeat = if doc.notes.is_empty() {
                    Upbeat::Drawn
                } else {
                    Upbeat::None
                };
                GenerateRequest {
                    melody: primer,
                    config: SamplerConfig { upbeat, ..config },
                    origin: end.div_ceil(bar) * bar,
                    placement: Placement::After,
                    form: self.settings.sampler.form_request(),
                }
            }
        }
    }

    /// Runs a command.
    pub fn execute(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::Open => self.guard(Discard::OpenDialog),
            Command::Save => {
                self.save();
            }
            Command::SaveAs => self.open_dialog(Purpose::SaveDocument),
            Command::Export(kind) => self.open_dialog(Purpose::Export(kind)),
            Command::Copy(kind) => self.copy_as_text(ctx, kind),
            Command::New => self.guard(Discard::New),
            Command::Quit => self.request_quit(),
            Command::Undo => self.step_history(HistoryStep::Undo),
            Command::Redo => self.step_history(HistoryStep::Redo),
            Command::Delete => self.editor.delete_selection(),
            Command::SelectAll => self.editor.select_all(),
            Command::UseAsSeed => self.use_selection_as_seed(),
            Command::Transpose(semitones) => self.editor.move_selection(0, semitones),
            Command::Nudge(steps) => self.editor.move_selection(steps, 0),
            Command::Generate => self.generate(),
            Command::FillSelection => self.fill_selection(),
            Command::RegenerateFromHere => self.regenerate_from_cursor(),
            Command::Keep(i) => self.keep(i),
            Command::Audition(i) => self.audition(i),
            Command::NewPhrase(i, j) => self.new_phrase(i, j),
            Command::PlayStop => {
                if self.is_jamming() {
                    self.stop_jam();
                } else if self.is_recording() {
                    self.midi_command(Command::RecordSeed);
                } else if self.is_playing() {
                    self.stop_playback();
                } else {
                    self.play();
                }
            }
            Command::LoadSoundFont => self.open_dialog(Purpose::LoadSoundFont),
            Command::RecordSeed if !self.is_recording() => self.guard(Discard::Record),
            Command::ComputerKeyboard => self.toggle_computer_keyboard(),
            Command::Jam if self.is_jamming() => self.stop_jam(),
            Command::Jam => self.guard(Discard::Jam),
            Command::RecordSeed
            | Command::StepInput
            | Command::StepLength(_)
            | Command::StepDot
            | Command::StepRest => self.midi_command(command),
            Command::Fit => self.settings.roll.request_fit(),
            Command::TallerRows => self.zoom(Zoom::Rows, 1.25),
            Command::ShorterRows => self.zoom(Zoom::Rows, 0.8),
            Command::ZoomIn => self.zoom(Zoom::Time, 1.25),
            Command::ZoomOut => self.zoom(Zoom::Time, 0.8),
        }
    }

    /// Copies the shown melody to the clipboard as ABC or kern text.
    fn copy_as_text(&mut self, ctx: &egui::Context, kind: ExportKind) {
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

    /// Undo or redo.
    fn step_history(&mut self, step: HistoryStep) {
        if !self.editor.step_history(step) {
            self.info(match step {
                HistoryStep::Undo => "Nothing to undo",
                HistoryStep::Redo => "Nothing to redo",
            });
        }
    }

    fn use_selection_as_seed(&mut self) {
        if self.editor.selection().is_empty() {
            self.error("Select the notes to use as the seed first");
        } else {
            let n = self.editor.selection_to_seed();
            self.info(format!("{n} notes are the seed now"));
        }
    }

    /// Zooms the roll about the grid's left edge (time) or its middle (rows).
    fn zoom(&mut self, zoom: Zoom, factor: f32) {
        let view = &mut self.settings.roll;
        let Some(g) = view.grid else {
            return;
        };
        match zoom {
            Zoom::Time => view.zoom_x(factor, g, g.left()),
            Zoom::Rows => view.zoom_y(factor, g, g.center().y),
        }
    }

    /// True when a model is loaded and no generation is running.
    pub(super) fn can_generate(&self) -> bool {
        self.model.is_some() && !self.jobs.is_generating()
    }

    /// Sends `request` to the model thread and says so in the status bar.
    fn start_generation(&mut self, request: GenerateRequest, message: &str) {
        self.info(message);
        self.jobs.generate(request);
    }

    fn generate(&mut self) {
        if !self.can_generate() {
            return;
        }
        let request = self.generate_request();
        // Bar lines and exports follow the meter the melody is written in.
        self.editor
            .start_empty_in(request.melody.meter.unwrap_or_default());
        self.start_generation(request, "Generating…");
    }

    fn regenerate_from_cursor(&mut self) {
        let Some(cursor) = self.editor.cursor() else {
            self.error("Click the bar ruler above the roll to set where to regenerate from");
            return;
        };
        if !self.can_generate() {
            return;
        }
        let doc = self.editor.doc();
        let start = doc
            .seed_span()
            .map_or_else(
                || doc.notes.iter().map(|n| n.start).min().unwrap_or(0),
                |s| s.0,
            )
            .min(cursor);
        let request = GenerateRequest {
            melody: doc.to_melody_range(start, Some(cursor), |_| true),
            origin: start,
            placement: Placement::From((cursor - start) as usize),
            ..self.generate_request()
        };
        self.start_generation(request, "Generating from the cursor…");
    }

    fn audition(&mut self, i: usize) {
        let Some(v) = self.generation.select(i) else {
            return;
        };
        if !v.kept {
            self.settings.roll.request_fit();
        }
        if self.audio.available() || self.midi.output().is_some() {
            self.stop_playback();
            self.play();
        }
    }

    pub(super) fn play(&mut self) {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            self.info("Nothing to play yet");
            return;
        }
        let loop_steps = self.loop_range();
        if self.play_midi(&melody, loop_steps) {
            return;
        }
        let config = self.render_config();
        if let Err(e) = self.audio.play(&melody, &config, loop_steps) {
            self.error(format!("Cannot play: {e:#}"));
        }
    }

    /// The steps "Fill selection" rewrites: the selected notes' span, else the bar range
    /// dragged on the ruler.
    pub fn fill_span(&self) -> Option<(u32, u32)> {
        self.editor.fill_span()
    }

    /// Starts "Fill selection": new notes for exactly the selected span, conditioned on
    /// the whole document before and after it.
    fn fill_selection(&mut self) {
        let Some((start, end)) = self.fill_span() else {
            self.error(
                "Select the notes to rewrite, or drag over bars on the ruler above the roll",
            );
            return;
        };
        if !self.can_generate() {
            return;
        }
        let doc = self.editor.doc();
        let request = GenerateRequest {
            melody: doc.to_melody_range(0, Some(end.max(doc.end())), |_| true),
            origin: 0,
            placement: Placement::Span(start as usize, end as usize),
            ..self.generate_request()
        };
        self.start_generation(request, "Filling the selection…");
    }

    /// "New B": keeps variation `i` (unless it is kept already) and fills its phrase `j`
    /// again, conditioned on the whole melody around it.
    fn new_phrase(&mut self, i: usize, j: usize) {
        let Some(v) = self.generation.variations().get(i) else {
            return;
        };
        if j >= v.phrases.len() || !self.can_generate() {
            return;
        }
        // Keep it first unless the melody still holds it as kept (not undone, not moved).
        let doc = self.editor.doc();
        let holds = v.kept
            && self.editor.phrases() == v.phrases.as_slice()
            && v.notes.iter().all(|n| {
                doc.notes
                    .iter()
                    .any(|d| (d.start, d.len, d.pitch) == (n.start, n.len, n.pitch))
            });
        if !holds {
            self.keep(i);
        }
        let Some(m) = self.editor.phrases().get(j).cloned() else {
            return;
        };
        self.editor.clear_selection();
        self.editor.set_bar_range(Some((m.start, m.end)));
        self.editor.set_cursor(Some(m.start));
        self.fill_selection();
    }

    /// Keeps variation `i`: after the seed, in place of the selection, in its fill span,
    /// or from the cursor.
    pub fn keep(&mut self, i: usize) {
        let Some(v) = self.generation.variations().get(i).cloned() else {
            return;
        };
        self.editor.keep(&v);
        self.generation.mark_kept(i);
        self.editor.clear_selection();
        self.info(format!("Kept variation {}", i + 1));
    }

    pub(super) fn open_dialog(&mut self, purpose: Purpose) {
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
                dir.join(file_dialog::default_file_name(
                    &self.editor.doc().title,
                    kind.extension(),
                ))
                .display()
                .to_string()
            }
            Purpose::SaveDocument => self.save_as_start(),
            Purpose::Open => self
                .settings
                .recent_files
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            Purpose::AddCorpus => String::new(),
            Purpose::LoadSoundFont => self
                .settings
                .transport
                .soundfont
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        };
        self.dialog = Some(PathDialog::new(purpose, start));
    }

    /// Where Save as starts: the document's file, else a name from its title in the
    /// folder of the last document (or the documents folder).
    fn save_as_start(&self) -> String {
        if let Some(p) = &self.file.path {
            return p.display().to_string();
        }
        let dir = self
            .settings
            .recent_files
            .iter()
            .find(|p| document_file::is_document(p))
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .or_else(|| {
                directories::UserDirs::new().and_then(|u| u.document_dir().map(Path::to_path_buf))
            })
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let name = file_dialog::default_file_name(&self.editor.doc().title, EXTENSION);
        dir.join(name).display().to_string()
    }

    pub(super) fn accept_dialog(&mut self, purpose: Purpose, path: PathBuf, options: ReadOptions) {
        match purpose {
            Purpose::Open => self.open_path_with(path, options),
            Purpose::SaveDocument => self.saved_as(&path),
            Purpose::Export(kind) => {
                self.export_to(&path, kind);
            }
            Purpose::AddCorpus => self.add_corpus(path),
            Purpose::LoadSoundFont => self.load_soundfont(path),
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

    pub(super) fn dataset_action(&mut self, action: DatasetAction) {
        match action {
            DatasetAction::AddCorpus => self.open_dialog(Purpose::AddCorpus),
            DatasetAction::Remove(path) => {
                self.settings.corpora.retain(|p| p != &path);
                self.dataset.remove(&path);
            }
            DatasetAction::Fetch => self.dataset.fetch(&mut self.jobs),
            DatasetAction::UseAsSeed(i) => self.guard(Discard::DatasetSeed(i)),
            DatasetAction::Play(i) => {
                if let Some(mut m) = self.dataset.melody(i) {
                    m.tempo_qpm = Some(self.settings.transport.bpm);
                    let config = self.render_config();
                    if let Err(e) = self.audio.play(&m, &config, None) {
                        self.error(format!("Cannot play: {e:#}"));
                    }
                }
            }
            DatasetAction::Preview(i) => {
                if self.audio.available() {
                    self.audio.stop();
                    self.dataset_action(DatasetAction::Play(i));
                }
            }
            DatasetAction::Stop => self.audio.stop(),
            DatasetAction::TrainOn(rows) => {
                let n = self.training.set_training_set(&self.dataset, &rows);
                self.tab = Tab::Training;
                self.info(format!("Training set: {n} songs"));
            }
        }
    }

    pub(super) fn training_action(&mut self, action: TrainingAction) {
        match action {
            TrainingAction::Start { resume } => {
                if let Err(e) = self.start_training(resume) {
                    self.error(format!("{e:#}"));
                }
            }
            TrainingAction::Stop => self.training.stop(),
            TrainingAction::UseModel(dir) => {
                self.use_model(dir);
                self.tab = Tab::Compose;
            }
            TrainingAction::Samples(dir) => {
                self.jobs.load_model(dir);
                self.tab = Tab::Compose;
                self.settings.sampler.variations = self.settings.sampler.variations.max(4);
                // Queued behind the model load on the same thread, so it uses the new model.
                let request = self.generate_request();
                self.jobs.generate(request);
            }
            TrainingAction::Refresh => self.training.refresh_models(),
        }
    }

    /// Loads the model folder `dir` in the background; it replaces the loaded model once it
    /// has loaded and passed its checks, and when it fails the loaded model stays.
    pub fn use_model(&mut self, dir: PathBuf) {
        self.jobs.load_model(dir);
    }

    /// Starts (or resumes) training with the panel's settings, into the models folder.
    pub fn start_training(&mut self, resume: bool) -> Result<(), GuiError> {
        self.training
            .start(&self.settings.training, &self.dataset, resume, &self.jobs)
    }
}

/// Which way the roll zooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zoom {
    /// Pixels per step.
    Time,
    /// Pixels per semitone.
    Rows,
}
