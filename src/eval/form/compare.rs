//! A set of melodies' form (rates and histograms over their [`FormProfile`]s), and a
//! generated set against a corpus, measure by measure.

use super::measures::{AMBITUS_BUCKETS, DISTANCE_BUCKETS, FormProfile};
use crate::eval::melody_stats::overlap;
use serde::Serialize;

/// The form of a set of melodies.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
        for p in profiles {
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
        }
    }
}

/// How a measure is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A share (with a histogram beside it for bar repetition).
    Rate,
    /// A distribution, judged by its overlap (its mean is shown for reading).
    Histogram,
}

/// One measure of a corpus and a generated set; histogram measures carry their overlap.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measure {
    /// The corpus's value.
    pub corpus: f64,
    /// The generated set's value.
    pub generated: f64,
    /// The overlap of the two histograms (1 = the same distribution), for histogram measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<f64>,
}

impl Measure {
    fn rate(corpus: f64, generated: f64) -> Measure {
        Measure {
            corpus,
            generated,
            overlap: None,
        }
    }

    /// True when the generated set matches the corpus: a rate within 10 % of the corpus's
    /// (relative) or 0.02 (absolute), whichever is wider; a histogram overlapping at least
    /// 0.85; a rate with a histogram, both.
    pub fn matches(&self, kind: Kind) -> bool {
        let slack = (0.1 * self.corpus.abs()).max(0.02);
        let close = (self.generated - self.corpus).abs() <= slack;
        let overlaps = self.overlap.is_none_or(|o| o >= 0.85);
        match kind {
            Kind::Rate => close && overlaps,
            Kind::Histogram => overlaps,
        }
    }
}

/// A generated set's form against a corpus's, as `eval --generate --json` writes it under
/// `"form"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormComparison {
    /// Phrase ends on a structural note.
    pub phrase_end_cadence: Measure,
    /// The last note is the tonic, on a strong beat.
    pub final_on_tonic: Measure,
    /// Leaps answered by a step back.
    pub post_skip_reversal: Measure,
    /// Bars repeating an earlier bar; the overlap is of the distance-back histograms.
    pub bar_repetition: Measure,
    /// Mean ambitus; the overlap is of the ambitus histograms.
    pub ambitus: Measure,
    /// Runs of three equal notes in the last two bars.
    pub repeated_note_runs: Measure,
}

impl FormComparison {
    /// Measure by measure.
    pub fn new(corpus: &FormStats, generated: &FormStats) -> FormComparison {
        FormComparison {
            phrase_end_cadence: Measure::rate(
                corpus.phrase_end_cadence,
                generated.phrase_end_cadence,
            ),
            final_on_tonic: Measure::rate(corpus.final_on_tonic, generated.final_on_tonic),
            post_skip_reversal: Measure::rate(
                corpus.post_skip_reversal,
                generated.post_skip_reversal,
            ),
            bar_repetition: Measure {
                overlap: Some(overlap(&corpus.repeat_distance, &generated.repeat_distance)),
                ..Measure::rate(corpus.bar_repetition, generated.bar_repetition)
            },
            ambitus: Measure {
                corpus: corpus.ambitus_mean,
                generated: generated.ambitus_mean,
                overlap: Some(overlap(&corpus.ambitus, &generated.ambitus)),
            },
            repeated_note_runs: Measure::rate(
                corpus.repeated_note_runs,
                generated.repeated_note_runs,
            ),
        }
    }

    /// Each measure with its name and kind, in the order printed.
    pub fn rows(&self) -> [(&'static str, &Measure, Kind); 6] {
        [
            ("phrase_end_cadence", &self.phrase_end_cadence, Kind::Rate),
            ("final_on_tonic", &self.final_on_tonic, Kind::Rate),
            ("post_skip_reversal", &self.post_skip_reversal, Kind::Rate),
            ("bar_repetition", &self.bar_repetition, Kind::Rate),
            ("ambitus", &self.ambitus, Kind::Histogram),
            ("repeated_note_runs", &self.repeated_note_runs, Kind::Rate),
        ]
    }

    /// True when every measure matches the corpus ([`Measure::matches`]).
    pub fn all_match(&self) -> bool {
        self.rows().iter().all(|(_, m, kind)| m.matches(*kind))
    }
}
