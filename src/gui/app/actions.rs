//! What each `Command` does: edits, generation, keeping variations, files and jobs.

use super::*;

impl LstmuseApp {
    /// Runs `change` on the document and records it for undo when it changed anything.
    pub(super) fn edit(&mut self, change: impl FnOnce(&mut Document, &mut BTreeSet<u64>)) {
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
    pub fn export_to(&mut self, path: &Path, kind: ExportKind) -> Result<(), GuiError> {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            return Err(GuiError::NothingToExport);
        }
        let result = match kind {
            ExportKind::Wav => {
                let config = self.render_config();
                let rendered = crate::synth::render(&melody, &config);
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
        };
        match &result {
            Ok(()) => {
                self.settings.export_dir = path.parent().map(Path::to_path_buf);
                self.info(format!("Exported {}", path.display()));
            }
            Err(e) => self.error(format!("Export to {} failed: {e:#}", path.display())),
        }
        result
    }

    pub(super) fn render_config(&self) -> RenderConfig {
        let t = &self.settings.transport;
        RenderConfig {
            bpm: Some(t.bpm),
            voice: t.voice,
            volume: t.volume,
            ..RenderConfig::default()
        }
    }

    /// The primer for Generate: the seed notes (or nothing), and where the result goes.
    pub(super) fn generate_request(&self) -> GenerateRequest {
        let config = self.settings.sampler.to_config(self.doc.key);
        match self.doc.seed_span() {
            Some((start, end)) => GenerateRequest {
                primer: self
                    .doc
                    .to_melody_range(start, Some(end), |n| n.origin == Origin::Seed),
                config,
                anchor: end,
                replace_from: None,
                fill: None,
            },
            None => {
                let mut primer = Melody::new();
                // From scratch: the Generate panel's meter; with notes, the document's.
                primer.meter = Some(if self.doc.notes.is_empty() {
                    self.settings.sampler.meter
                } else {
                    self.doc.meter
                });
                primer.key = self.doc.key;
                let end = self.doc.end();
                let bar = self.doc.steps_per_bar();
                GenerateRequest {
                    primer,
                    config,
                    anchor: end.div_ceil(bar) * bar,
                    replace_from: None,
                    fill: None,
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
                if self.doc.notes.is_empty() {
                    // Bar lines and exports follow the meter the melody is written in.
                    self.doc.meter = request.primer.meter.unwrap_or_default();
                    self.doc.pickup = 0;
                }
                self.generating = true;
                self.info("Generating…");
                self.jobs.generate(request);
            }
            Command::FillSelection => self.fill_selection(),
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
                request.fill = None;
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
            Command::TallerRows | Command::ShorterRows => {
                let f = if command == Command::TallerRows {
                    1.25
                } else {
                    0.8
                };
                if let Some(g) = self.settings.roll.grid {
                    self.settings.roll.zoom_y(f, g, g.center().y);
                }
            }
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

    pub(super) fn play(&mut self) {
        let melody = self.shown_melody();
        if melody.sounding().next().is_none() {
            self.info("Nothing to play yet");
            return;
        }
        let loop_steps = self.loop_range();
        let config = self.render_config();
        if let Err(e) = self.audio.play(&melody, &config, loop_steps) {
            self.error(format!("Cannot play: {e:#}"));
        }
    }

    /// The steps "Fill selection" rewrites: the selected notes' span, else the bar range
    /// dragged on the ruler.
    pub fn fill_span(&self) -> Option<(u32, u32)> {
        self.doc.span(&self.selection).or(self.bar_range)
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
        if self.model.is_none() || self.generating {
            return;
        }
        let mut request = self.generate_request();
        request.primer = self
            .doc
            .to_melody_range(0, Some(end.max(self.doc.end())), |_| true);
        request.anchor = start;
        request.replace_from = None;
        request.fill = Some((start, end));
        self.generating = true;
        self.info("Filling the selection…");
        self.jobs.generate(request);
    }

    /// Keeps variation `i`: after the seed, in place of the selection, in its fill span,
    /// or from the cursor.
    pub fn keep(&mut self, i: usize) {
        let Some(v) = self.variations.get(i).cloned() else {
            return;
        };
        let selection = self.selection.clone();
        self.edit(|doc, sel| {
            let (at, notes_shift) = if let Some((s, e)) = v.replace_span {
                doc.clear_span(s, e);
                (s, 0i64)
            } else if let Some(from) = v.replace_from {
                doc.notes.retain(|n| n.start < from);
                for n in &mut doc.notes {
                    n.len = n.len.min(from - n.start).max(1);
                }
                (from, 0i64)
            } else if let Some((s, e)) = doc.span(&selection) {
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

    pub(super) fn accept_dialog(&mut self, purpose: Purpose, path: PathBuf) {
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

    pub(super) fn dataset_action(&mut self, action: DatasetAction) {
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
                    self.error(format!("{e:#}"));
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

    pub(super) fn pending_generate_after_load(&mut self) {
        // Queued behind the model load on the same thread, so it uses the new model.
        let request = self.generate_request();
        self.generating = true;
        self.jobs.generate(request);
    }
}
