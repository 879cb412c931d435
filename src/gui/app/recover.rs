//! Autosave and recovery in the app: the unsaved melody is written to the recovery folder
//! a few seconds after each change, off the UI thread; melodies autosaved by apps that did
//! not quit cleanly are offered at start-up.

use super::super::recovery::{Autosave, Orphan, Outcome, RecoveryFile, orphans};
use super::unsaved::Discard;
use super::{LstmuseApp, Path, PathBuf, egui};

impl LstmuseApp {
    /// Starts autosaving into `dir` and offers the melodies left there by apps that did
    /// not quit cleanly.
    pub(super) fn start_recovery(&mut self, dir: &Path) {
        self.recovery = orphans(dir);
        let ctx = self.egui_ctx.clone();
        match Autosave::start(dir, move || ctx.request_repaint()) {
            Ok(a) => self.autosave = Some(a),
            Err(e) => self.error(format!("Autosave is off: {e}")),
        }
    }

    /// The file this app autosaves to (none when autosave is off).
    pub fn autosave_path(&self) -> Option<PathBuf> {
        self.autosave.as_ref().map(Autosave::path)
    }

    /// The autosaved melodies offered for recovery, one line each.
    pub fn recovery_offers(&self) -> Vec<String> {
        self.recovery.iter().map(Orphan::summary).collect()
    }

    /// Takes in what the autosave thread did, and writes (or clears) the recovery file
    /// when the document changed and the last write is long enough ago.
    pub(super) fn autosave_tick(&mut self, ctx: &egui::Context) {
        let Some(a) = &self.autosave else {
            return;
        };
        let mut failed = None;
        for outcome in a.poll() {
            match outcome {
                Outcome::Failed(why) => failed = Some(why),
                Outcome::Written(_) | Outcome::Cleared => self.autosave_error = None,
            }
        }
        if let Some(why) = failed
            && self.autosave_error.as_ref() != Some(&why)
        {
            self.error(format!("Autosave failed: {why}"));
            self.autosave_error = Some(why);
        }
        let mark = self.document_mark();
        let unsaved = self.has_unsaved_changes();
        let Some(a) = &mut self.autosave else {
            return;
        };
        if a.is_current(mark, unsaved) {
            return;
        }
        if !unsaved {
            a.clear(mark);
            return;
        }
        let wait = a.wait();
        if !wait.is_zero() {
            ctx.request_repaint_after(wait);
            return;
        }
        let file = RecoveryFile::new(self.document_file(), self.file.path.clone());
        if let Some(a) = &mut self.autosave {
            a.write(file, mark);
        }
    }

    /// Recovers the offered melody `i`: it becomes the document, unsaved, and its
    /// autosave is removed (this app autosaves it anew).
    pub(super) fn recover(&mut self, i: usize) {
        if i >= self.recovery.len() {
            return;
        }
        let orphan = self.recovery.remove(i);
        let file = match &orphan.file {
            Ok(f) => f.clone(),
            Err(e) => {
                self.error(format!("Cannot recover it: {e}"));
                self.recovery.insert(i, orphan);
                return;
            }
        };
        self.apply_document(file.document_path.clone(), &file.document, false);
        if let Err(e) = orphan.discard() {
            self.error(format!(
                "Recovered, but its autosave could not be removed: {e}"
            ));
            return;
        }
        self.info(format!("Recovered {}. Save it to keep it", file.summary()));
    }

    /// The window offering autosaved melodies, while there are any.
    pub(super) fn recovery_window(&mut self, ctx: &egui::Context) {
        if self.recovery.is_empty() || self.unsaved.is_some() {
            return;
        }
        let offers = self.recovery_offers();
        let mut chosen = None;
        let mut later = false;
        egui::Window::new("Recover unsaved work")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("LSTMuse did not quit cleanly last time. These melodies were autosaved:");
                for (i, offer) in offers.iter().enumerate() {
                    ui.separator();
                    ui.label(offer);
                    ui.horizontal(|ui| {
                        if ui.button("Recover").clicked() {
                            chosen = Some((i, true));
                        }
                        if ui.button("Discard").clicked() {
                            chosen = Some((i, false));
                        }
                    });
                }
                ui.separator();
                later = ui
                    .button("Decide later")
                    .on_hover_text("Keep them: they are offered again at the next start")
                    .clicked();
            });
        match chosen {
            Some((i, true)) => self.guard(Discard::Recover(i)),
            Some((i, false)) => {
                let orphan = self.recovery.remove(i);
                if let Err(e) = orphan.discard() {
                    self.error(format!("Could not discard it: {e}"));
                }
            }
            None if later => self.recovery.clear(),
            None => {}
        }
    }

    /// A clean quit: nothing is left to recover.
    pub(super) fn finish_autosave(&mut self) {
        if let Some(a) = self.autosave.take() {
            a.finish();
        }
    }
}
