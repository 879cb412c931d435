//! The About window (Help ▸ About LSTMuse): the name, the version, the model, where files live.

use super::{LstmuseApp, egui};
use crate::gui::icon;

/// Where egui keeps whether the About window is open.
fn about_id() -> egui::Id {
    egui::Id::unique("about-window-open")
}

/// The version line: "LSTMuse 0.1.0".
pub fn version_line() -> String {
    format!("LSTMuse {}", env!("CARGO_PKG_VERSION"))
}

impl LstmuseApp {
    /// Opens the About window.
    pub fn show_about(&mut self, ctx: &egui::Context) {
        ctx.data_mut(|d| d.insert_temp(about_id(), true));
    }

    /// The About window, while it is open.
    pub(super) fn about_window(&mut self, ctx: &egui::Context) {
        let mut open = ctx.data(|d| d.get_temp::<bool>(about_id()).unwrap_or(false));
        if !open {
            return;
        }
        egui::Window::new("About LSTMuse")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                ui.horizontal(|ui| {
                    if let Some(t) = icon::icon_texture(ctx) {
                        ui.add(egui::Image::new(&t).fit_to_exact_size([64.0, 64.0].into()));
                    }
                    ui.vertical(|ui| {
                        ui.heading(version_line());
                        ui.label(env!("CARGO_PKG_DESCRIPTION"));
                        ui.label(format!("License: {}", env!("CARGO_PKG_LICENSE")));
                    });
                });
                ui.separator();
                self.about_paths_ui(ui);
                ui.separator();
                ui.label(
                    "The bundled model was trained on the Essen Folksong Collection \
                     (H. Schaffrath, ed. D. Huron, CCARH 1995), whose terms allow \
                     non-commercial research and personal use.",
                );
            });
        ctx.data_mut(|d| d.insert_temp(about_id(), open));
    }

    /// The model in use, and the folders where the app keeps its files.
    fn about_paths_ui(&self, ui: &mut egui::Ui) {
        egui::Grid::new("about-paths")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label("Model");
                match &self.model {
                    Some(m) => ui.label(format!("{} ({})", m.name, m.dir.display())),
                    None => ui.label("none loaded"),
                };
                ui.end_row();
                ui.label("Your models");
                ui.label(self.models_dir().display().to_string());
                ui.end_row();
                ui.label("Settings");
                match eframe::storage_dir("lstmuse") {
                    Some(d) => ui.label(d.display().to_string()),
                    None => ui.label("not kept (no home folder)"),
                };
                ui.end_row();
            });
    }
}
