//! The sampler's controls, one grid row each: temperature, rest penalty, top-p, form and
//! phrase length, the critic, length, variations, seed, scale lock, range, end on the
//! tonic, stop at the song end, meter.

use super::GenerateContext;
use crate::gui::settings::SamplerSettings;
use crate::music::Pitch;
use crate::sampling::Form;
use eframe::egui::{self, Slider};

/// The sampler's controls, one grid row each.
pub(super) fn sampler_grid_ui(ui: &mut egui::Ui, set: &mut SamplerSettings, cx: &GenerateContext) {
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
    ui.label("Form");
    form_ui(ui, set, cx);
    ui.end_row();
    ui.label("");
    ui.checkbox(&mut set.critic, "Critic")
        .on_hover_text(format!(
            "Draw {} candidates per variation and keep one whose cadences, close, leaps and \
             repeats follow the training songs'",
            crate::sampling::critic::CANDIDATES
        ));
    ui.end_row();
    ui.label("Length (bars)");
    ui.add_enabled(set.form == Form::Free, Slider::new(&mut set.bars, 1..=32))
        .accessible_name("Length in bars")
        .on_disabled_hover_text("The form sets the length: its phrases times the phrase length");
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

/// A form's name in the menu.
fn form_label(form: Form) -> &'static str {
    match form {
        Form::Free => "Free",
        Form::Period => "Period",
        Form::Aaba => "AABA",
        Form::Aabb => "AABB",
        Form::Abac => "ABAC",
    }
}

/// The form picker and the phrase length (auto: the meter's usual phrase).
fn form_ui(ui: &mut egui::Ui, set: &mut SamplerSettings, cx: &GenerateContext) {
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("form")
            .selected_text(form_label(set.form))
            .show_ui(ui, |ui| {
                for form in Form::ALL {
                    ui.selectable_value(&mut set.form, form, form_label(form));
                }
            })
            .response
            .on_hover_text(
                "Free: the model's own phrasing. Period: a half cadence, then the opening \
                 again and a close on the tonic. AABA, AABB, ABAC: phrases repeated and new",
            );
        let meter = cx.melody_meter.unwrap_or(set.meter);
        let auto = format!("{} bars (auto)", meter.phrase_bars());
        let shown = |bars: usize| {
            if bars == 0 {
                auto.clone()
            } else {
                format!("{bars} bars")
            }
        };
        ui.add_enabled_ui(set.form != Form::Free, |ui| {
            egui::ComboBox::from_id_salt("phrase-bars")
                .selected_text(shown(set.phrase_bars))
                .show_ui(ui, |ui| {
                    for bars in [0, 2, 4, 8] {
                        ui.selectable_value(&mut set.phrase_bars, bars, shown(bars));
                    }
                })
                .response
                .on_hover_text("Bars per phrase");
        });
    });
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
    let mut r = crate::rng::SplitMix64(nanos);
    r.next_u64() % 1_000_000
}
