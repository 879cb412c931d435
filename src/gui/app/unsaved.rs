//! Asking before work is thrown away: quitting, a new melody, opening a file, a tune from
//! the dataset, a recording or a recovered melody in place of one with unsaved changes
//! first ask "Save / Don't save / Cancel"; quitting during training asks too.

use super::{LstmuseApp, PathBuf, Purpose, Tab, egui};

/// What replaces (or closes) the document once the user has decided about its changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Discard {
    /// Quit the app.
    Quit,
    /// Start a new, empty melody.
    New,
    /// Show the Open dialog.
    OpenDialog,
    /// Open this file (a melody document, or a melody as the seed).
    Open(PathBuf),
    /// Make this dataset row the seed.
    DatasetSeed(usize),
    /// Record a new seed from the MIDI keyboard.
    Record,
    /// Jam: the dialogue becomes the melody.
    Jam,
    /// Recover the autosaved melody offered at this place.
    Recover(usize),
}

impl Discard {
    /// "before quitting?".
    fn before(&self) -> &'static str {
        match self {
            Discard::Quit => "quitting",
            Discard::New => "starting a new melody",
            Discard::OpenDialog | Discard::Open(_) => "opening another melody",
            Discard::DatasetSeed(_) => "using the tune as the seed",
            Discard::Record => "recording a new seed",
            Discard::Jam => "jamming (the dialogue becomes the melody)",
            Discard::Recover(_) => "recovering the autosaved melody",
        }
    }
}

/// The prompt's answer.
enum Answer {
    Save,
    DontSave,
    Cancel,
}

impl LstmuseApp {
    /// Does `action` now, or, when the document has unsaved changes, asks first.
    pub fn guard(&mut self, action: Discard) {
        if self.has_unsaved_changes() {
            self.unsaved = Some(action);
        } else {
            self.run_discard(action);
        }
    }

    /// The action waiting for the user's answer, while the prompt is shown.
    pub fn unsaved_prompt(&self) -> Option<&Discard> {
        self.unsaved.as_ref()
    }

    /// True once the app has decided to close (the window closes next).
    pub fn is_quitting(&self) -> bool {
        self.quitting
    }

    /// Does what the user asked for, the changes saved or let go.
    pub(super) fn run_discard(&mut self, action: Discard) {
        match action {
            Discard::Quit => self.quit_now(),
            Discard::New => {
                self.stop_playback();
                self.editor.replace(super::Document::default());
                self.generation.clear();
                self.start_untitled();
                self.info("New empty melody");
            }
            Discard::OpenDialog => self.open_dialog(Purpose::Open),
            Discard::Open(path) => self.open_path(path),
            Discard::DatasetSeed(i) => {
                if let Some(m) = self.dataset.melody(i) {
                    let title = m.title.clone().unwrap_or_else(|| "a tune".into());
                    self.set_seed(&m, &format!("the dataset ({title})"));
                    self.start_untitled();
                    self.tab = Tab::Compose;
                }
            }
            Discard::Record => self.midi_command(super::Command::RecordSeed),
            Discard::Jam => self.toggle_jam(),
            Discard::Recover(i) => self.recover(i),
        }
    }

    /// Saves, then does `action`; without a file, asks for one first and does `action`
    /// once it is written. When the save fails, nothing else happens.
    fn save_then(&mut self, action: Discard) {
        match self.file.path.clone() {
            Some(path) => {
                if self.save_to(&path) {
                    self.run_discard(action);
                }
            }
            None => {
                self.after_save = Some(action);
                self.open_dialog(Purpose::SaveDocument);
            }
        }
    }

    /// The Save as dialog closed with `path`: save there, then do what waited for it.
    pub(super) fn saved_as(&mut self, path: &std::path::Path) {
        let then = self.after_save.take();
        if self.save_to(path)
            && let Some(action) = then
        {
            self.run_discard(action);
        }
    }

    /// The Save as dialog was cancelled: what waited for it does not happen.
    pub(super) fn save_as_cancelled(&mut self) {
        self.after_save = None;
    }

    /// Quit (the menu, Ctrl+Q, or the window's close button): asks about unsaved
    /// changes, then about a training run, then closes.
    pub(super) fn request_quit(&mut self) {
        self.guard(Discard::Quit);
    }

    /// Closes, unless training runs: then asks whether to stop it first.
    fn quit_now(&mut self) {
        if self.training.is_running() {
            self.confirm_quit = true;
        } else {
            self.close_window();
        }
    }

    /// Lets the window close, and closes it.
    fn close_window(&mut self) {
        self.allow_close = true;
        self.quitting = true;
        self.egui_ctx
            .send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// The window's close button: held back while there is something to ask.
    pub(super) fn handle_close_request(&mut self, ctx: &egui::Context) {
        let asked = ctx.input(|i| i.viewport().close_requested());
        if asked && !self.allow_close && (self.has_unsaved_changes() || self.training.is_running())
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.request_quit();
        }
    }

    /// The "Save / Don't save / Cancel" prompt, while an action waits for it.
    pub(super) fn unsaved_window(&mut self, ctx: &egui::Context) {
        let Some(action) = self.unsaved.clone() else {
            return;
        };
        let mut answer = None;
        egui::Window::new("Unsaved changes")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(format!(
                    "Save the changes to {} before {}?",
                    self.document_name(),
                    action.before()
                ));
                ui.label("Without saving, the changes are lost.");
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        answer = Some(Answer::Save);
                    }
                    if ui.button("Don't save").clicked() {
                        answer = Some(Answer::DontSave);
                    }
                    if ui.button("Cancel").clicked() {
                        answer = Some(Answer::Cancel);
                    }
                });
            });
        if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            answer = Some(Answer::Cancel);
        }
        let Some(answer) = answer else {
            return;
        };
        self.unsaved = None;
        match answer {
            Answer::Save => self.save_then(action),
            Answer::DontSave => self.run_discard(action),
            Answer::Cancel => {}
        }
    }

    /// The question asked when quitting during training.
    pub(super) fn training_quit_window(&mut self, ctx: &egui::Context) {
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
                        self.stop_training_and_wait();
                        self.confirm_quit = false;
                        self.close_window();
                    }
                    if ui.button("Keep training").clicked() {
                        self.confirm_quit = false;
                    }
                });
            });
    }
}
