//! Statistics of the usable tunes and their plots.

use super::*;

/// Statistics of the included tunes.
#[derive(Clone, Debug, Default)]
pub struct DatasetStats {
    /// Notes per MIDI pitch.
    pub pitches: BTreeMap<u8, usize>,
    /// Notes per length in 16ths.
    pub lengths: BTreeMap<u32, usize>,
    /// Tunes per key.
    pub keys: BTreeMap<String, usize>,
    /// Tunes per length in bars (rounded).
    pub bars: BTreeMap<u32, usize>,
}

impl DatasetBrowser {
    pub(super) fn refresh_stats(&mut self) {
        let mut s = DatasetStats::default();
        for r in self.rows.iter().filter(|r| r.excluded.is_none()) {
            *s.keys.entry(r.key.clone()).or_default() += 1;
            *s.bars.entry(r.bars.round() as u32).or_default() += 1;
            for n in &r.melody.notes {
                if let Some(p) = n.pitch {
                    *s.pitches.entry(p.midi()).or_default() += 1;
                    let steps = (n.duration.to_f64() * 4.0).round() as u32;
                    *s.lengths.entry(steps).or_default() += 1;
                }
            }
        }
        self.stats = s;
    }

    pub(super) fn plots(&self, ui: &mut egui::Ui) {
        let s = &self.stats;
        let chart = |ui: &mut egui::Ui,
                     id: &str,
                     title: &str,
                     bars: Vec<Bar>,
                     colour: Color32,
                     x_label: &dyn Fn(f64) -> String| {
            ui.label(title);
            Plot::new(id)
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
                    p.bar_chart(BarChart::new(title, bars).color(colour))
                });
        };
        let number = |v: f64| format!("{v}");
        let pitch_bars = s
            .pitches
            .iter()
            .map(|(&p, &c)| Bar::new(f64::from(p), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-pitch",
            "Pitches (MIDI)",
            pitch_bars,
            Color32::from_rgb(48, 170, 205),
            &|v| {
                crate::music::Pitch::from_midi(v as i32).map_or_else(String::new, |p| p.to_string())
            },
        );
        let length_bars = s
            .lengths
            .iter()
            .map(|(&l, &c)| Bar::new(f64::from(l), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-length",
            "Note lengths (16ths)",
            length_bars,
            Color32::from_rgb(232, 160, 48),
            &number,
        );
        let mut keys: Vec<(&String, &usize)> = s.keys.iter().collect();
        keys.sort_by(|a, b| b.1.cmp(a.1));
        let key_bars = keys
            .iter()
            .enumerate()
            .map(|(i, (k, c))| Bar::new(i as f64, **c as f64).width(0.8).name(k))
            .collect();
        // Short names under the bars: F (major), g (minor).
        let names: Vec<String> = keys
            .iter()
            .map(|(k, _)| {
                let mut words = k.split_whitespace();
                let tonic = words.next().unwrap_or("?");
                if words
                    .next()
                    .is_some_and(|m| m.eq_ignore_ascii_case("minor"))
                {
                    tonic.to_lowercase()
                } else {
                    tonic.to_string()
                }
            })
            .collect();
        chart(
            ui,
            "stats-keys",
            "Keys (major upper case, minor lower case)",
            key_bars,
            Color32::from_rgb(150, 112, 222),
            &|v| names.get(v as usize).cloned().unwrap_or_default(),
        );
        let bar_bars = s
            .bars
            .iter()
            .map(|(&b, &c)| Bar::new(f64::from(b), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-bars",
            "Song lengths (bars)",
            bar_bars,
            Color32::from_rgb(120, 200, 120),
            &number,
        );
    }
}
