//! The menu bar, status bar, transport bar, roll area and dialogs, and their input.

use super::super::document_file;
use super::{
    Command, DialogAction, Discard, ExportKind, Format, LaneMode, LstmuseApp, ModelInfo, Msg,
    RichText, RollOverlay, Tab, VoiceAction, egui, file_dialog, soundfont,
};

impl LstmuseApp {
    pub(super) fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let (dropped, pointer) =
            ctx.input(|i| (i.raw.dropped_files.clone(), i.pointer.latest_pos()));
        if dropped.is_empty() {
            return;
        }
        let over_dataset =
            pointer.is_some_and(|p| self.dataset.panel_rect.is_some_and(|r| r.contains(p)));
        for f in dropped {
            let path = f.path().to_path_buf();
            let is_soundfont = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("sf2"));
            if path.is_dir() || over_dataset {
                self.add_corpus(path);
            } else if is_soundfont {
                self.load_soundfont(path);
            } else if Format::from_path(&path).is_some() || document_file::is_document(&path) {
                self.guard(Discard::Open(path));
            } else {
                self.error(format!(
                    "{} is not a melody document (.lstmuse), a melody file (.krn, .abc, .mid, .musicxml, .mxl) or a SoundFont (.sf2)",
                    path.display()
                ));
            }
        }
    }

    pub(super) fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        let asking = self.unsaved.is_some() || self.confirm_quit || !self.recovery.is_empty();
        if self.dialog.is_some() || asking {
            return;
        }
        let focus = ctx.memory(|m| m.focused());
        // Bare keys (Space, arrows, Delete) belong to a focused text field, slider or button.
        let text_focus = ctx.text_edit_focused();
        let typing = text_focus || (focus.is_some() && focus != self.roll_id);
        let piano = self.computer_keyboard_on();
        let mut fired = Vec::new();
        ctx.input_mut(|i| {
            for c in Command::with_shortcuts() {
                let editing_key = matches!(c, Command::SelectAll | Command::Undo | Command::Redo);
                if (typing && c.is_bare_key())
                    || (text_focus && editing_key)
                    || (piano && super::midi::keys::suspended_by_piano(c))
                {
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
            let everywhere = matches!(
                c,
                Command::Quit | Command::Open | Command::Save | Command::SaveAs | Command::PlayStop
            );
            if self.tab == Tab::Training && !everywhere {
                continue;
            }
            self.execute(ctx, c);
        }
    }

    pub(super) fn menu_item(&mut self, ui: &mut egui::Ui, command: Command, enabled: bool) {
        let mut button = egui::Button::new(command.label());
        if let Some(s) = command.shortcut() {
            button = button.shortcut_text(ui.ctx().format_shortcut(&s));
        }
        if ui
            .add_enabled(enabled, button)
            .on_hover_text(command.tooltip())
            .clicked()
        {
            let ctx = ui.ctx().clone();
            self.execute(&ctx, command);
            ui.close();
        }
    }

    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu(ui));
            ui.menu_button("Edit", |ui| {
                let can_undo = self.editor.history().can_undo();
                let can_redo = self.editor.history().can_redo();
                let has_sel = !self.editor.selection().is_empty();
                self.menu_item(ui, Command::Undo, can_undo);
                self.menu_item(ui, Command::Redo, can_redo);
                ui.separator();
                self.menu_item(ui, Command::SelectAll, true);
                self.menu_item(ui, Command::Delete, has_sel);
                self.menu_item(ui, Command::UseAsSeed, has_sel);
                for by in [1, -1, 12, -12] {
                    self.menu_item(ui, Command::Transpose(by), has_sel);
                }
            });
            ui.menu_button("Melody", |ui| {
                let ready = self.can_generate();
                self.menu_item(ui, Command::Generate, ready);
                let regen = ready && self.editor.cursor().is_some();
                self.menu_item(ui, Command::RegenerateFromHere, regen);
            });
            ui.menu_button("Playback", |ui| {
                let ok = self.can_play();
                self.menu_item(ui, Command::PlayStop, ok);
                ui.checkbox(
                    &mut self.settings.transport.loop_selection,
                    "Loop the selection",
                );
                ui.checkbox(&mut self.settings.roll.follow, "Follow the playhead");
                ui.separator();
                self.menu_item(ui, Command::LoadSoundFont, true);
                self.midi_menu(ui);
            });
            ui.menu_button("View", |ui| self.view_menu(ui));
            ui.menu_button("Help", |ui| {
                if ui.button("Welcome").clicked() {
                    self.show_welcome();
                    ui.close();
                }
                if ui.button("About LSTMuse").clicked() {
                    self.show_about(ui.ctx());
                    ui.close();
                }
            });
        });
    }

    fn file_menu(&mut self, ui: &mut egui::Ui) {
        self.menu_item(ui, Command::New, true);
        self.menu_item(ui, Command::Open, true);
        let recent = self.settings.recent_files.clone();
        ui.menu_button("Open recent", |ui| {
            if recent.is_empty() {
                ui.label("No recent files");
            }
            for p in recent {
                if ui.button(p.display().to_string()).clicked() {
                    self.guard(Discard::Open(p));
                    ui.close();
                }
            }
        });
        ui.separator();
        self.menu_item(ui, Command::Save, true);
        self.menu_item(ui, Command::SaveAs, true);
        ui.separator();
        for kind in [
            ExportKind::Midi,
            ExportKind::MusicXml,
            ExportKind::Wav,
            ExportKind::Abc,
            ExportKind::Kern,
        ] {
            self.menu_item(ui, Command::Export(kind), true);
        }
        self.menu_item(ui, Command::Copy(ExportKind::Abc), true);
        self.menu_item(ui, Command::Copy(ExportKind::Kern), true);
        ui.separator();
        self.menu_item(ui, Command::Quit, true);
    }

    fn view_menu(&mut self, ui: &mut egui::Ui) {
        self.menu_item(ui, Command::Fit, true);
        self.menu_item(ui, Command::ZoomIn, true);
        self.menu_item(ui, Command::ZoomOut, true);
        self.menu_item(ui, Command::TallerRows, true);
        self.menu_item(ui, Command::ShorterRows, true);
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
    }

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match &self.model {
                Some(m) => {
                    ui.label(format!("Model: {} ({})", m.name, m.shape))
                        .on_hover_text(model_tooltip(m));
                    ui.separator();
                    let icon = if m.is_gpu { "GPU" } else { "CPU" };
                    ui.label(format!("{icon}: {}", m.backend));
                }
                None if self.jobs.is_loading_model() => {
                    ui.spinner();
                    ui.label("Loading the model…");
                }
                None => {
                    ui.label("No model");
                }
            }
            ui.separator();
            if self.jobs.pending() > 0 {
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

    pub(super) fn transport_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            let playing = self.is_playing();
            let label = if playing { "⏹ Stop" } else { "▶ Play" };
            let b = ui.add_enabled(self.can_play(), egui::Button::new(label));
            let b = match (&self.audio.unavailable, self.midi.output()) {
                (_, Some(out)) => b.on_hover_text(format!(
                    "{} to MIDI port {}",
                    Command::PlayStop.tooltip_with_shortcut(&ctx),
                    out.name()
                )),
                (Some(why), None) => b.on_disabled_hover_text(why.as_str()),
                (None, None) => b.on_hover_text(Command::PlayStop.tooltip_with_shortcut(&ctx)),
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
            let voice = soundfont::voice_ui(ui, &mut self.settings.transport, &self.soundfont);
            if voice == Some(VoiceAction::LoadSoundFont) {
                self.execute(&ctx, Command::LoadSoundFont);
            }
            ui.label("Volume");
            ui.add(
                egui::Slider::new(&mut self.settings.transport.volume, 0.0..=1.0).show_value(false),
            )
            .accessible_name("Volume");
            ui.separator();
            ui.checkbox(&mut self.settings.roll.follow, "Follow");
            if ui
                .button("Fit")
                .on_hover_text(Command::Fit.tooltip_with_shortcut(&ctx))
                .clicked()
            {
                self.execute(&ctx, Command::Fit);
            }
            let seed_btn = ui
                .add_enabled(
                    !self.editor.selection().is_empty(),
                    egui::Button::new("Use as seed"),
                )
                .on_hover_text(Command::UseAsSeed.tooltip())
                .on_disabled_hover_text("Select notes in the roll first");
            if seed_btn.clicked() {
                self.execute(&ctx, Command::UseAsSeed);
            }
            self.midi_transport_ui(ui);
        });
    }

    pub(super) fn compose_area(&mut self, ui: &mut egui::Ui) {
        let preview = self.recording_preview();
        let auditioned = self.generation.auditioned().cloned();
        let overlay = RollOverlay {
            auditioned: auditioned.as_ref(),
            playhead: self.playhead(),
            loop_range: self.loop_range(),
            preview: preview.as_ref(),
        };
        let out = self.editor.roll_ui(ui, &mut self.settings.roll, overlay);
        if let Some(step) = out.ruler_click
            && self.is_playing()
        {
            self.seek(step);
        }
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
        if let Some(payload) = out
            .response
            .dnd_release_payload::<crate::gui::dataset::TunePayload>()
        {
            self.guard(Discard::DatasetSeed(payload.0));
        }
        let hover = out.hover_step;
        out.response
            .context_menu(|ui| self.roll_context_menu(ui, hover));
    }

    /// The roll's right-click menu; `hover` is the step under the pointer.
    fn roll_context_menu(&mut self, ui: &mut egui::Ui, hover: Option<u32>) {
        let ctx = ui.ctx().clone();
        let has_sel = !self.editor.selection().is_empty();
        let items = [
            (
                Command::FillSelection,
                self.fill_span().is_some() && self.model.is_some(),
            ),
            (Command::RegenerateFromHere, true),
            (Command::UseAsSeed, has_sel),
            (Command::Delete, has_sel),
        ];
        for (command, enabled) in items {
            if ui
                .add_enabled(enabled, egui::Button::new(command.label()))
                .clicked()
            {
                if command == Command::RegenerateFromHere {
                    let cursor = hover.or(self.editor.cursor());
                    self.editor.set_cursor(cursor);
                }
                self.execute(&ctx, command);
                ui.close();
            }
        }
    }

    pub(super) fn show_dialog(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        match dialog.show(ctx) {
            DialogAction::None => {}
            DialogAction::Cancel => {
                self.dialog = None;
                self.save_as_cancelled();
            }
            DialogAction::Accept(path) => {
                let purpose = dialog.purpose;
                let options = dialog.read_options();
                self.dialog = None;
                self.accept_dialog(purpose, path, options);
            }
            DialogAction::Browse => {
                dialog.browsing = true;
                let purpose = dialog.purpose;
                let start = file_dialog::expand_home(&dialog.path);
                self.jobs.spawn("file-dialog", move || {
                    Msg::Browsed(file_dialog::browse(purpose, &start))
                });
            }
        }
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
