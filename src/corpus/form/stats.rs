//! The form of a set of melodies: rates and histograms over their [`FormProfile`]s.

use super::measures::{AMBITUS_BUCKETS, DENSITY_BUCKETS, DISTANCE_BUCKETS, FormProfile};
use crate::music::Melody;
use serde::{Deserialize, Serialize};

/// The form of a set of melodies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormStats {
    /// Melodies measured.
    pub melodies: usize,
    /// Share of phrase ends with a structural cadence note.
    pub phrase_end_cadence: f64,
    /// Share of melodies whose last note is the tonic on a strong beat.
    pub final_on_tonic: f64,
    /// Share of leaps answered by a step back.
    pub post_skip_reversal: f64,
    /// Share of compared bars that repeat an earlier bar, exactly or transposed.
    pub bar_repetition: f64,
    /// How far back the nearest equal bar is: 1, 2, 3, 4, 5–7, 8+ bars, normalised.
    pub repeat_distance: [f64; DISTANCE_BUCKETS],
    /// Mean ambitus in semitones.
    pub ambitus_mean: f64,
    /// Ambitus histogram in buckets of two semitones up to 24+, normalised.
    pub ambitus: [f64; AMBITUS_BUCKETS],
    /// Share of melodies with a run of three equal notes in the last two bars.
    pub repeated_note_runs: f64,
    /// Notes per bar in buckets of half a note, normalised.
    #[serde(default)]
    pub density: [f64; DENSITY_BUCKETS],
    /// Share of melodies whose last note starts on a bar line (`None` in records counted
    /// before it was measured).
    #[serde(default)]
    pub final_on_downbeat: Option<f64>,
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn normalised<const N: usize>(mut h: [f64; N]) -> [f64; N] {
    let sum: f64 = h.iter().sum();
    if sum > 0.0 {
        h.iter_mut().for_each(|v| *v /= sum);
    }
    h
}

impl FormStats {
    /// Sums the profiles of a set.
    pub fn of(profiles: &[FormProfile]) -> FormStats {
        let n = profiles.len();
        let count = |f: &dyn Fn(&FormProfile) -> usize| profiles.iter().map(f).sum::<usize>();
        let ends = count(&|p| p.phrase_ends.len());
        let structural = count(&|p| p.phrase_ends.iter().filter(|e| e.structural).count());
        let mut distance = [0.0; DISTANCE_BUCKETS];
        let mut ambitus = [0.0; AMBITUS_BUCKETS];
        let mut density = [0.0; DENSITY_BUCKETS];
        for p in profiles {
            density[p.density_bucket()] += 1.0;
            for &d in &p.repeat_distances {
                distance[d] += 1.0;
            }
            ambitus[p.ambitus_bucket()] += 1.0;
        }
        FormStats {
            melodies: n,
            phrase_end_cadence: share(structural, ends),
            final_on_tonic: share(count(&|p| usize::from(p.final_on_tonic)), n),
            post_skip_reversal: share(count(&|p| p.reversals), count(&|p| p.leaps)),
            bar_repetition: share(count(&|p| p.repeated_bars), count(&|p| p.bars_compared)),
            repeat_distance: normalised(distance),
            ambitus_mean: share(count(&|p| usize::from(p.ambitus)), n),
            ambitus: normalised(ambitus),
            repeated_note_runs: share(count(&|p| usize::from(p.end_run)), n),
            density: normalised(density),
            final_on_downbeat: Some(share(count(&|p| usize::from(p.final_on_downbeat)), n)),
        }
    }
}

/// The form measures of a set of melodies (those without notes or meter are left out).
pub fn stats(melodies: &[Melody]) -> FormStats {
    let profiles: Vec<FormProfile> = melodies
        .iter()
        .filter_map(|m| FormProfile::of(m, None))
        .collect();
    FormStats::of(&profiles)
}
