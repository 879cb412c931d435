//! The first start's welcome: drop a melody, or press Generate; remembered once dismissed.

use super::{Command, LstmuseApp, egui};

/// What the welcome's buttons do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WelcomeChoice {
    Generate,
    Open,
    Close,
}

impl LstmuseApp {
    /// True while the welcome is shown (until the user dismisses it once).
    pub fn welcome_shown(&self) -> bool {
        !self.settings.welcome_dismissed
    }

    /// Shows the welcome again (Help ▸ Welcome).
    pub(super) fn show_welcome(&mut self) {
        self.settings.welcome_dismissed = false;
    }

    /// The welcome window, centred over the roll, until one of its buttons or its close
    /// box dismisses it.
    pub(super) fn welcome_window(&mut self, ctx: &egui::Context) {
        if self.settings.welcome_dismissed {
            return;
        }
        let can_generate = self.can_generate();
        let mut open = true;
        let mut choice = None;
        egui::Window::new("Welcome to LSTMuse")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.set_max_width(380.0);
                ui.label(
                    "LSTMuse writes folk melodies with a neural network that runs on this \
                     computer. Two ways to begin:",
                );
                ui.add_space(6.0);
                ui.label(
                    "• Drop a melody on this window (.krn, .abc, .mid, .musicxml, .mxl), \
                     and LSTMuse continues it.",
                );
                ui.label("• Or press Generate, and it writes one from scratch.");
                ui.add_space(6.0);
                ui.label(
                    "Click a variation to hear it, Keep the one you like, then export it \
                     (File > Export) for MuseScore or your DAW.",
                );
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(can_generate, egui::Button::new("Generate a melody"))
                        .on_disabled_hover_text("The model is still loading")
                        .clicked()
                    {
                        choice = Some(WelcomeChoice::Generate);
                    }
                    if ui.button("Open a melody…").clicked() {
                        choice = Some(WelcomeChoice::Open);
                    }
                    if ui.button("Close").clicked() {
                        choice = Some(WelcomeChoice::Close);
                    }
                });
            });
        if !open {
            choice = Some(WelcomeChoice::Close);
        }
        let Some(choice) = choice else {
            return;
        };
        self.settings.welcome_dismissed = true;
        match choice {
            WelcomeChoice::Generate => self.execute(ctx, Command::Generate),
            WelcomeChoice::Open => self.execute(ctx, Command::Open),
            WelcomeChoice::Close => {}
        }
    }
}
