//! The generate panel: sampler controls, the Generate button, and the variation cards.

use super::command::Command;
use super::document::{Origin, RollNote};
use super::jobs::GenerateRequest;
use super::piano_roll::{self, GENERATED_COLOUR, SELECTED_COLOUR};
use super::settings::SamplerSettings;
use crate::music::Pitch;
use crate::sampling::Generated;
use eframe::egui::{self, RichText, Slider, vec2};

/// One generated continuation, placed in the document's steps.
#[derive(Clone, Debug)]
pub struct Variation {
    /// Its notes (origin `Generated`, with confidence), in document steps.
    pub notes: Vec<RollNote>,
    /// Where it begins.
    pub anchor: u32,
    /// Its length in steps (including trailing rests).
    pub steps: u32,
    /// Replace the document from this step on Keep ("regenerate from here").
    pub replace_from: Option<u32>,
    /// A fill: Keep replaces exactly these steps `(start, end)` and nothing else.
    pub replace_span: Option<(u32, u32)>,
    /// Mean probability of its chosen symbols.
    pub mean_probability: f64,
    /// Mean entropy (nats).
    pub mean_entropy: f64,
    /// Kept into the document already.
    pub kept: bool,
}

impl Variation {
    /// The new notes of `generated` (those starting inside its span), placed so that the
    /// span starts at document step `anchor`.
    pub fn from_generated(g: &Generated, anchor: u32, replace_from: Option<u32>) -> Variation {
        let mut notes = Vec::new();
        let mut pos = 0u32;
        let (first, last) = (g.span.start as u32, g.span.end as u32);
        for n in &g.melody.notes {
            let len = (n.duration.to_f64() * 4.0).round().max(1.0) as u32;
            if (first..last).contains(&pos)
                && let Some(p) = n.pitch
            {
                let rel = pos.saturating_sub(first) as usize;
                let confidence = g
                    .steps
                    .iter()
                    .skip(rel)
                    .take(len as usize)
                    .map(|s| (s.probability, s.entropy))
                    .collect();
                notes.push(RollNote {
                    id: 0,
                    start: anchor + pos.saturating_sub(first),
                    len,
                    pitch: p.midi(),
                    origin: Origin::Generated,
                    confidence,
                });
            }
            pos += len;
        }
        let steps = (last.min(pos).saturating_sub(first)).max(g.steps.len() as u32);
        Variation {
            notes,
            anchor,
            steps,
            replace_from,
            replace_span: None,
            mean_probability: g.mean_log_probability().exp(),
            mean_entropy: g.mean_entropy(),
            kept: false,
        }
    }

    /// A one-line summary: notes, range, confidence.
    pub fn summary(&self) -> String {
        let lo = self.notes.iter().map(|n| n.pitch).min();
        let hi = self.notes.iter().map(|n| n.pitch).max();
        let range = match (
            lo.and_then(|l| Pitch::from_midi(l.into())),
            hi.and_then(|h| Pitch::from_midi(h.into())),
        ) {
            (Some(l), Some(h)) => format!("{l}–{h}"),
            _ => "silent".into(),
        };
        format!(
            "{} notes, {range}, p̄ {:.2}",
            self.notes.len(),
            self.mean_probability
        )
    }
}

/// The panel's state: the last variations and the one shown in the roll.
#[derive(Default)]
pub struct Generation {
    variations: Vec<Variation>,
    selected: Option<usize>,
    last_millis: f64,
}

impl Generation {
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
            .map(|g| {
                let mut v = Variation::from_generated(g, request.anchor, request.replace_from);
                v.replace_span = request.fill;
                v
            })
            .collect();
        self.selected = Some(0);
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
        .show(ui, |ui| sampler_grid_ui(ui, settings, cx));
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
                    variation_card(ui, i, v, selected, &mut commands);
                }
            });
    }
    commands
}

/// The sampler's controls, one grid row each.
fn sampler_grid_ui(ui: &mut egui::Ui, set: &mut SamplerSettings, cx: &GenerateContext) {
    ui.label("Temperature");
    ui.add(Slider::new(&mut set.temperature, 0.1..=2.0).step_by(0.05))
        .accessible_name("Temperature")
        .on_hover_text("Low: safe, repetitive. High: adventurous, erratic.");
    ui.end_row();
    ui.label("");
    ui.checkbox(&mut set.adaptive, "Adaptive temperature")
        .on_hover_text("Bolder where the model is sure, careful where it is unsure");
    ui.end_row();
    ui.label("Rest penalty");
    ui.add(Slider::new(&mut set.rest_penalty, 0.0..=4.0).step_by(0.1))
        .accessible_name("Rest penalty")
        .on_hover_text("Higher: fewer rests");
    ui.end_row();
    ui.label("Top-p");
    ui.add(Slider::new(&mut set.top_p, 0.5..=1.0).step_by(0.01))
        .accessible_name("Top-p")
        .on_hover_text("Sample only from the most likely symbols up to this probability (1 = all)");
    ui.end_row();
    ui.label("Length (bars)");
    ui.add(Slider::new(&mut set.bars, 1..=32))
        .accessible_name("Length in bars");
    ui.end_row();
    ui.label("Variations");
    ui.add(Slider::new(&mut set.variations, 1..=8))
        .accessible_name("Variations");
    ui.end_row();
    ui.label("Seed");
    ui.horizontal(|ui| seed_ui(ui, &mut set.seed));
    ui.end_row();
    ui.label("Scale");
    ui.checkbox(&mut set.lock_scale, format!("Lock to {}", cx.key_name));
    ui.end_row();
    ui.label("Range");
    ui.horizontal(|ui| range_ui(ui, set));
    ui.end_row();
    ui.label("");
    ui.checkbox(&mut set.end_on_tonic, "End on the tonic")
        .on_hover_text("The last note is the tonic, from a strong beat to the end");
    ui.end_row();
    ui.label("");
    ui.checkbox(&mut set.stop_at_end, "Stop at the song end")
        .on_hover_text("End where the model ends the song (always on a bar line)");
    ui.end_row();
    ui.label("Meter");
    meter_ui(ui, &mut set.meter, cx.melody_meter);
    ui.end_row();
}

/// The RNG seed and its dice button.
fn seed_ui(ui: &mut egui::Ui, seed: &mut u64) {
    ui.add(egui::DragValue::new(seed).range(0..=u64::from(u32::MAX)))
        .accessible_name("RNG seed")
        .on_hover_text("The same seed and settings give the same melodies");
    if ui
        .button("Random")
        .on_hover_text("New random seed")
        .clicked()
    {
        *seed = random_seed();
    }
}

/// The pitch range limit: on/off, lowest and highest note.
fn range_ui(ui: &mut egui::Ui, set: &mut SamplerSettings) {
    ui.checkbox(&mut set.limit_range, "")
        .accessible_name("Limit the range");
    ui.add_enabled(
        set.limit_range,
        egui::DragValue::new(&mut set.range.0)
            .range(0..=127)
            .custom_formatter(|v, _| pitch_name(v)),
    )
    .accessible_name("Lowest note");
    ui.label("to");
    ui.add_enabled(
        set.limit_range,
        egui::DragValue::new(&mut set.range.1)
            .range(0..=127)
            .custom_formatter(|v, _| pitch_name(v)),
    )
    .accessible_name("Highest note");
    if set.range.1 < set.range.0 {
        set.range.1 = set.range.0;
    }
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

fn variation_card(
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

/// Meters offered for a melody started from scratch.
const METERS: [(u32, u32); 7] = [(2, 4), (3, 4), (4, 4), (6, 8), (3, 8), (9, 8), (2, 2)];

/// The meter picker; a seed's own meter is used instead, which the hint says.
fn meter_ui(
    ui: &mut egui::Ui,
    meter: &mut crate::music::Meter,
    melody_meter: Option<crate::music::Meter>,
) {
    if let Some(m) = melody_meter {
        ui.label(format!("{m} (the melody's)")).on_hover_text(
            "The melody in the roll brings its own meter; start a new one (Ctrl+N) to choose",
        );
        return;
    }
    egui::ComboBox::from_id_salt("meter")
        .selected_text(meter.to_string())
        .show_ui(ui, |ui| {
            for (n, d) in METERS {
                if let Some(m) = crate::music::Meter::new(n, d) {
                    ui.selectable_value(meter, m, m.to_string());
                }
            }
        })
        .response
        .on_hover_text("The meter of a melody started from scratch; Length counts its bars");
}

fn pitch_name(v: f64) -> String {
    Pitch::from_midi(v as i32).map_or_else(|| format!("{v}"), |p| p.to_string())
}

/// A seed from the clock (for the dice button).
pub fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut r = crate::sampling::rng::SplitMix64(nanos);
    r.next_u64() % 1_000_000
}
