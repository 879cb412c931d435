//! One variation's card: its thumbnail, summary, Audition and Keep.

use super::Variation;
use crate::gui::command::Command;
use crate::gui::piano_roll::{self, GENERATED_COLOUR, SELECTED_COLOUR};
use eframe::egui::{self, RichText, vec2};

pub(super) fn variation_card(
    ui: &mut egui::Ui,
    i: usize,
    v: &Variation,
    selected: bool,
    commands: &mut Vec<Command>,
) {
    let stroke = if selected {
        egui::Stroke::new(2.0, SELECTED_COLOUR)
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    egui::Frame::group(ui.style())
        .stroke(stroke)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                let thumb =
                    piano_roll::thumbnail(ui, &v.notes, vec2(110.0, 40.0), GENERATED_COLOUR);
                let thumb = thumb.on_hover_text(Command::Audition(i).label());
                ui.vertical(|ui| {
                    let title = if v.kept {
                        format!("Variation {} (kept)", i + 1)
                    } else {
                        format!("Variation {}", i + 1)
                    };
                    ui.label(RichText::new(title).strong());
                    ui.small(v.summary());
                    ui.horizontal(|ui| {
                        if ui
                            .button(format!("{} {}", Command::Audition(i).label(), i + 1))
                            .on_hover_text(Command::Audition(i).tooltip())
                            .clicked()
                        {
                            commands.push(Command::Audition(i));
                        }
                        if ui
                            .button(format!("{} {}", Command::Keep(i).label(), i + 1))
                            .on_hover_text(Command::Keep(i).tooltip())
                            .clicked()
                        {
                            commands.push(Command::Keep(i));
                        }
                    });
                });
                if thumb.clicked() {
                    commands.push(Command::Audition(i));
                }
            });
        });
}
