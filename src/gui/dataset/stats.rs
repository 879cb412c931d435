//! Statistics of the usable tunes and their plots.

use super::{BTreeMap, Bar, BarChart, Color32, DatasetBrowser, Key, Plot, egui, order};
use crate::music::Ratio;
use std::collections::HashMap;

/// Statistics of the included tunes.
#[derive(Clone, Debug, Default)]
pub struct DatasetStats {
    /// Notes per MIDI pitch.
    pub pitches: BTreeMap<u8, usize>,
    /// Notes per length in 16ths.
    pub lengths: BTreeMap<u32, usize>,
    /// Tunes per key, most common first.
    pub keys: Vec<(Option<Key>, usize)>,
    /// Tunes per length in bars (rounded).
    pub bars: BTreeMap<u32, usize>,
}

impl DatasetBrowser {
    pub(super) fn refresh_stats(&mut self) {
        let mut s = DatasetStats::default();
        let mut keys: HashMap<Option<Key>, usize> = HashMap::new();
        for r in self.rows.iter().filter(|r| r.excluded.is_none()) {
            *keys.entry(r.key).or_default() += 1;
            *s.bars.entry(r.bars.round() as u32).or_default() += 1;
            for n in &r.melody.notes {
                if let Some(p) = n.pitch {
                    *s.pitches.entry(p.midi()).or_default() += 1;
                    let steps = (n.duration / Ratio::STEP).to_f64().round() as u32;
                    *s.lengths.entry(steps).or_default() += 1;
                }
            }
        }
        s.keys = keys.into_iter().collect();
        s.keys.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| order::key_order(a.0).cmp(&order::key_order(b.0)))
        });
        self.stats = s;
    }

    pub(super) fn plots(&self, ui: &mut egui::Ui) {
        let s = &self.stats;
        let number = |v: f64| format!("{v}");
        let counts = |m: &BTreeMap<u32, usize>| -> Vec<Bar> {
            m.iter()
                .map(|(&x, &c)| Bar::new(f64::from(x), c as f64).width(0.8))
                .collect()
        };
        let pitch_bars = s
            .pitches
            .iter()
            .map(|(&p, &c)| Bar::new(f64::from(p), c as f64).width(0.8))
            .collect();
        let pitch_name = |v: f64| {
            crate::music::Pitch::from_midi(v as i32).map_or_else(String::new, |p| p.to_string())
        };
        chart_ui(
            ui,
            Chart::new("stats-pitch", "Pitches (MIDI)", (48, 170, 205)),
            pitch_bars,
            &pitch_name,
        );
        chart_ui(
            ui,
            Chart::new("stats-length", "Note lengths (16ths)", (232, 160, 48)),
            counts(&s.lengths),
            &number,
        );
        let key_bars = s
            .keys
            .iter()
            .enumerate()
            .map(|(i, (k, c))| {
                let name = k.map_or_else(|| "?".into(), |k| k.to_string());
                Bar::new(i as f64, *c as f64).width(0.8).name(name)
            })
            .collect();
        // Short names under the bars: F (major), g (minor).
        let names: Vec<String> = s
            .keys
            .iter()
            .map(|(k, _)| match k {
                Some(k) if k.mode == crate::music::Mode::Minor => {
                    k.tonic.to_string().to_lowercase()
                }
                Some(k) => k.tonic.to_string(),
                None => "?".into(),
            })
            .collect();
        chart_ui(
            ui,
            Chart::new(
                "stats-keys",
                "Keys (major upper case, minor lower case)",
                (150, 112, 222),
            ),
            key_bars,
            &|v| names.get(v as usize).cloned().unwrap_or_default(),
        );
        chart_ui(
            ui,
            Chart::new("stats-bars", "Song lengths (bars)", (120, 200, 120)),
            counts(&s.bars),
            &number,
        );
    }
}

/// A bar chart's id, title and colour.
struct Chart<'a> {
    id: &'a str,
    title: &'a str,
    colour: Color32,
}

impl<'a> Chart<'a> {
    fn new(id: &'a str, title: &'a str, (r, g, b): (u8, u8, u8)) -> Chart<'a> {
        Chart {
            id,
            title,
            colour: Color32::from_rgb(r, g, b),
        }
    }
}

/// A small bar chart under its title; `x_label` names the whole-number ticks.
fn chart_ui(ui: &mut egui::Ui, chart: Chart<'_>, bars: Vec<Bar>, x_label: &dyn Fn(f64) -> String) {
    ui.label(chart.title);
    Plot::new(chart.id)
        .height(90.0)
        .allow_scroll(false)
        .allow_zoom(false)
        .allow_drag(false)
        .show_x(true)
        .x_axis_formatter(|m, _| {
            if m.value.fract() == 0.0 {
                x_label(m.value)
            } else {
                String::new()
            }
        })
        .show(ui, |p| {
            p.bar_chart(BarChart::new(chart.title, bars).color(chart.colour))
        });
}
