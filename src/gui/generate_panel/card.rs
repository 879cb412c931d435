//! One variation's card: its thumbnail, summary, the critic's reasons, Audition and Keep,
//! and a "New" button per phrase of a form.

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
                    if !v.critique.is_empty() {
                        ui.add(egui::Label::new(RichText::new(&v.critique).small().weak()).wrap());
                    }
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
                    if v.phrases.iter().any(|m| m.end > v.anchor) {
                        phrases_ui(ui, i, v, commands);
                    }
                });
                if thumb.clicked() {
                    commands.push(Command::Audition(i));
                }
            });
        });
}

/// "New A", "New B"…: one small button per phrase, to write that phrase again.
fn phrases_ui(ui: &mut egui::Ui, i: usize, v: &Variation, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.small("New:");
        // Phrases of the seed stay the composer's: only those the variation wrote.
        for (j, m) in v
            .phrases
            .iter()
            .enumerate()
            .filter(|(_, m)| m.end > v.anchor)
        {
            let button = egui::Button::new(RichText::new(&m.letter).small());
            if ui
                .add(button)
                .on_hover_text(format!(
                    "Keep this variation and write its phrase {} ({}) again",
                    j + 1,
                    m.letter
                ))
                .clicked()
            {
                commands.push(Command::NewPhrase(i, j));
            }
        }
    });
}
