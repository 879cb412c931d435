//! The generate panel: sampler controls, the Generate button, and the variation cards.
//! [`variation`] holds one generated melody placed in the document; `controls` draws the
//! sampler's settings, `card` one variation.

mod card;
mod controls;
pub mod variation;

use super::command::Command;
use super::document::RollNote;
use super::jobs::GenerateRequest;
use super::settings::SamplerSettings;
use crate::sampling::Generated;
use eframe::egui::{self, RichText, vec2};

pub use controls::random_seed;
pub use variation::Variation;

/// The panel's state: the last variations and the one shown in the roll.
#[derive(Default)]
pub struct Generation {
    variations: Vec<Variation>,
    selected: Option<usize>,
    last_millis: f64,
    /// Counts the changes to the variations (new ones, kept ones), which a saved
    /// document holds.
    revision: u64,
}

impl Generation {
    /// Changes with every new set of variations and every one kept.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Shows the variations of an opened document, with `selected` auditioned.
    pub fn restore(&mut self, variations: Vec<Variation>, selected: Option<usize>) {
        self.selected = selected.filter(|&i| i < variations.len());
        self.variations = variations;
        self.revision += 1;
    }

    /// The last generated variations.
    pub fn variations(&self) -> &[Variation] {
        &self.variations
    }

    /// The variation shown in the roll.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Milliseconds the last generation took.
    pub fn last_millis(&self) -> f64 {
        self.last_millis
    }

    /// Forgets the variations.
    pub fn clear(&mut self) {
        if !self.variations.is_empty() {
            self.revision += 1;
        }
        self.variations.clear();
        self.selected = None;
    }

    /// Shows variation `i` in the roll; returns it, or `None` if there is no such one.
    pub fn select(&mut self, i: usize) -> Option<&Variation> {
        let v = self.variations.get(i)?;
        self.selected = Some(i);
        Some(v)
    }

    /// Marks variation `i` as kept and shows none.
    pub fn mark_kept(&mut self, i: usize) {
        if let Some(v) = self.variations.get_mut(i) {
            v.kept = true;
            self.revision += 1;
        }
        self.selected = None;
    }

    /// The variation being auditioned (shown, not yet kept).
    pub fn auditioned(&self) -> Option<&Variation> {
        self.selected
            .and_then(|i| self.variations.get(i))
            .filter(|v| !v.kept)
    }

    /// The notes of the variation being auditioned.
    pub fn ghost_notes(&self) -> &[RollNote] {
        self.auditioned().map_or(&[], |v| &v.notes)
    }

    /// Takes in a finished generation: on success its melodies become the variations
    /// (the first one shown) and their number is returned.
    pub fn receive(
        &mut self,
        request: &GenerateRequest,
        result: &[Generated],
        millis: f64,
    ) -> usize {
        self.last_millis = millis;
        self.variations = result
            .iter()
            .map(|g| Variation::from_generated(g, request))
            .collect();
        self.selected = Some(0);
        self.revision += 1;
        self.variations.len()
    }

    /// Notes a failed generation's time.
    pub fn failed(&mut self, millis: f64) {
        self.last_millis = millis;
    }
}

/// What the panel needs to know about the rest of the app.
pub struct GenerateContext {
    /// A model is loaded.
    pub model_ready: bool,
    /// A generation is running.
    pub busy: bool,
    /// The document has a seed.
    pub has_seed: bool,
    /// The cursor is set (for "regenerate from here").
    pub has_cursor: bool,
    /// Notes are selected, or a bar range on the ruler (for "Fill selection").
    pub can_fill: bool,
    /// Key name of the melody, for the scale lock label.
    pub key_name: String,
    /// The meter of the melody in the roll, when it has notes (it wins over the panel's).
    pub melody_meter: Option<crate::music::Meter>,
}

/// Draws the panel; returns the commands clicked.
pub fn generate_ui(
    ui: &mut egui::Ui,
    settings: &mut SamplerSettings,
    generation: &Generation,
    cx: &GenerateContext,
) -> Vec<Command> {
    let mut commands = Vec::new();
    ui.heading("Generation");
    ui.label(if cx.has_seed {
        "Continues the seed (orange notes)."
    } else {
        "No seed: the model starts from scratch. Drop a melody file on the roll, or select notes and use them as the seed."
    });
    ui.add_space(4.0);
    egui::Grid::new("sampler-grid")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| controls::sampler_grid_ui(ui, settings, cx));
    ui.add_space(6.0);
    buttons_ui(ui, cx, &mut commands);
    if !generation.variations.is_empty() {
        ui.separator();
        ui.label(RichText::new("Variations").strong());
        egui::ScrollArea::vertical()
            .id_salt("variations")
            .show(ui, |ui| {
                for (i, v) in generation.variations.iter().enumerate() {
                    let selected = generation.selected == Some(i);
                    card::variation_card(ui, i, v, selected, &mut commands);
                }
            });
    }
    commands
}

/// Generate, Regenerate from here, and Fill selection.
fn buttons_ui(ui: &mut egui::Ui, cx: &GenerateContext, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let why = if !cx.model_ready {
            Some("The model is still loading")
        } else if cx.busy {
            Some("Generating…")
        } else {
            None
        };
        let b = ui
            .add_enabled(
                why.is_none(),
                egui::Button::new(RichText::new(Command::Generate.label()).strong())
                    .min_size(vec2(100.0, 28.0)),
            )
            .on_hover_text(Command::Generate.tooltip_with_shortcut(ui.ctx()));
        if let Some(w) = why {
            b.clone().on_disabled_hover_text(w);
        }
        if b.clicked() {
            commands.push(Command::Generate);
        }
        if cx.busy {
            ui.spinner();
        }
        let regen = ui
            .add_enabled(
                why.is_none() && cx.has_cursor,
                egui::Button::new(Command::RegenerateFromHere.label()),
            )
            .on_hover_text(Command::RegenerateFromHere.tooltip())
            .on_disabled_hover_text("Click the bar ruler above the roll to set the cursor");
        if regen.clicked() {
            commands.push(Command::RegenerateFromHere);
        }
    });
    let fill = ui
        .add_enabled(
            cx.model_ready && !cx.busy && cx.can_fill,
            egui::Button::new(Command::FillSelection.label()),
        )
        .on_hover_text(Command::FillSelection.tooltip_with_shortcut(ui.ctx()))
        .on_disabled_hover_text("Select notes, or drag over bars on the ruler above the roll");
    if fill.clicked() {
        commands.push(Command::FillSelection);
    }
}
