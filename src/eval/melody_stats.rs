//! Melody statistics and set-against-set comparison in the spirit of mgeval
//! (Yang & Lerch, "On the evaluation of generative models in music", 2018).
//!
//! [`features`] measures one melody; [`compare`] turns the per-melody features of a
//! generated set and of a reference corpus into one distribution per feature and set,
//! and reports how much the two distributions overlap and how far apart they are (KL).
//!
//! Every number is reproducible by hand from the rules below:
//!
//! - **Histogram features** (pitch class, interval, note length): each melody's
//!   histogram is normalised to sum 1; the set's distribution is the **mean** of those
//!   per-melody histograms over the melodies where the histogram is not empty (so every
//!   melody weighs the same, whatever its length).
//! - **Scalar features** (pitch range, mean absolute interval, notes per bar, rest
//!   fraction): the set's distribution is a **fixed-bin histogram** of the per-melody
//!   values over the melodies where the value is defined, normalised to sum 1. The bins
//!   are given on each `*_BINS`/`*_WIDTH` constant and on [`scalar_bin`].
//! - **Overlapping area** of two distributions `p`, `q`: `Σ min(pᵢ, qᵢ)`; 1 for identical
//!   distributions, 0 for disjoint ones.
//! - **KL divergence** `KL(generated ‖ corpus)`: [`EPSILON`] is added to every bin of both
//!   distributions, each is renormalised to sum 1, and `Σ pᵢ ln(pᵢ / qᵢ)` is taken (nats);
//!   0 for identical distributions, about `ln(1 / EPSILON)` ≈ 13.8 for disjoint ones.
//! - An empty distribution (no melody of the set defines the feature) is all zeros: its
//!   overlap with anything is 0 and its KL is taken against the uniform distribution it
//!   becomes after the epsilon.

use crate::music::{Melody, Ratio};
use serde::{Deserialize, Serialize};

/// Bins of the interval histogram: signed semitones −12..=+12 (index = interval + 12);
/// larger leaps are clamped into the end bins.
pub const INTERVAL_BINS: usize = 25;
/// Bins of the note-length histogram: 1..=16 sixteenths (index = sixteenths − 1), and a
/// last "other" bin for notes longer than a whole note or off the 16th grid (triplets).
pub const NOTE_LENGTH_BINS: usize = 17;
/// Pitch range: bins of [`PITCH_RANGE_WIDTH`] semitones, `[0,2), [2,4), …, [30,32)`, and a
/// last bin for 32 or more.
pub const PITCH_RANGE_BINS: usize = 17;
/// Width of a pitch-range bin in semitones.
pub const PITCH_RANGE_WIDTH: f64 = 2.0;
/// Mean absolute interval: bins of [`MEAN_INTERVAL_WIDTH`] semitones, `[0,0.5), …,
/// [7.5,8)`, and a last bin for 8 or more.
pub const MEAN_INTERVAL_BINS: usize = 17;
/// Width of a mean-absolute-interval bin in semitones.
pub const MEAN_INTERVAL_WIDTH: f64 = 0.5;
/// Notes per bar: bins of one onset, `[0,1), [1,2), …, [15,16)`, and a last bin for 16 or
/// more.
pub const NOTES_PER_BAR_BINS: usize = 17;
/// Width of a notes-per-bar bin.
pub const NOTES_PER_BAR_WIDTH: f64 = 1.0;
/// Rest fraction: 20 bins of 0.05, `[0,0.05), …, [0.95,1]` (1 falls in the last bin).
pub const REST_FRACTION_BINS: usize = 20;
/// Width of a rest-fraction bin.
pub const REST_FRACTION_WIDTH: f64 = 0.05;
/// Added to every bin before the KL divergence, so empty bins do not make it infinite.
pub const EPSILON: f64 = 1e-6;

/// The features of one melody. Histograms are normalised (sum 1), or all zeros when
/// there is nothing to count; scalar features are `None` where undefined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MelodyFeatures {
    /// Note onsets per pitch class (index 0 = C), normalised. A tied note is one onset;
    /// rests are not counted.
    pub pitch_class: [f64; 12],
    /// Highest minus lowest MIDI note; `None` without notes.
    pub pitch_range: Option<u8>,
    /// Mean of `|interval|` in semitones between consecutive sounding notes (rests in
    /// between are skipped over); `None` with fewer than two notes.
    pub mean_abs_interval: Option<f64>,
    /// Signed intervals between consecutive sounding notes, −12..=+12 (index = interval
    /// + 12; larger leaps clamped into the end bins), normalised.
    pub interval: [f64; INTERVAL_BINS],
    /// Note durations (notes only, tied notes as one) in sixteenths: index `k − 1` for a
    /// note of exactly `k` sixteenths, `1 ≤ k ≤ 16`; index 16 for every other length.
    /// Normalised.
    pub note_length: [f64; NOTE_LENGTH_BINS],
    /// Rest time over total time; `None` for a melody of zero length.
    pub rest_fraction: Option<f64>,
    /// Note onsets per bar, bars = total duration / bar length of the melody's meter
    /// (4/4 when it has none), fractional; `None` for a melody of zero length.
    pub notes_per_bar: Option<f64>,
    /// Note onsets (sounding notes).
    pub notes: usize,
}

fn normalised<const N: usize>(mut h: [f64; N]) -> [f64; N] {
    let sum: f64 = h.iter().sum();
    if sum > 0.0 {
        h.iter_mut().for_each(|v| *v /= sum);
    }
    h
}

/// The note-length bin of a duration in quarter notes.
pub fn note_length_bin(duration: Ratio) -> usize {
    let sixteenths = duration * Ratio::from_int(4);
    if sixteenths.den() == 1 && (1..=16).contains(&sixteenths.num()) {
        (sixteenths.num() - 1) as usize
    } else {
        NOTE_LENGTH_BINS - 1
    }
}

/// Measures one melody.
pub fn features(melody: &Melody) -> MelodyFeatures {
    let mut pitch_class = [0.0; 12];
    let mut interval = [0.0; INTERVAL_BINS];
    let mut note_length = [0.0; NOTE_LENGTH_BINS];
    let (mut lo, mut hi) = (u8::MAX, u8::MIN);
    let (mut abs_sum, mut intervals) = (0i64, 0usize);
    let mut previous: Option<i64> = None;
    let mut rest_time = Ratio::ZERO;
    let mut notes = 0usize;
    for n in &melody.notes {
        let Some(p) = n.pitch else {
            rest_time += n.duration;
            continue;
        };
        notes += 1;
        pitch_class[p.pitch_class() as usize] += 1.0;
        note_length[note_length_bin(n.duration)] += 1.0;
        lo = lo.min(p.midi());
        hi = hi.max(p.midi());
        let midi = i64::from(p.midi());
        if let Some(prev) = previous {
            let d = midi - prev;
            abs_sum += d.abs();
            intervals += 1;
            interval[(d.clamp(-12, 12) + 12) as usize] += 1.0;
        }
        previous = Some(midi);
    }
    let total = melody.duration();
    let bar = melody.meter.unwrap_or_default().bar_length();
    let (rest_fraction, notes_per_bar) = if total.is_positive() {
        (
            Some((rest_time / total).to_f64()),
            Some(notes as f64 / (total / bar).to_f64()),
        )
    } else {
        (None, None)
    };
    MelodyFeatures {
        pitch_class: normalised(pitch_class),
        pitch_range: (notes > 0).then(|| hi - lo),
        mean_abs_interval: (intervals > 0).then(|| abs_sum as f64 / intervals as f64),
        interval: normalised(interval),
        note_length: normalised(note_length),
        rest_fraction,
        notes_per_bar,
        notes,
    }
}

/// The bin of a scalar value among `bins` bins of `width` starting at 0: `⌊value / width⌋`,
/// negative values in bin 0, values beyond the last bin in the last bin.
pub fn scalar_bin(value: f64, width: f64, bins: usize) -> usize {
    let i = (value / width).floor();
    if i.is_nan() || i < 0.0 {
        0
    } else {
        (i as usize).min(bins - 1)
    }
}

/// The per-feature distributions of one set of melodies (see the module docs for how each
/// is built). Each is normalised to sum 1, or all zeros when no melody defines it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetDistributions {
    /// Mean pitch-class histogram.
    pub pitch_class: Vec<f64>,
    /// Mean interval histogram.
    pub interval: Vec<f64>,
    /// Mean note-length histogram.
    pub note_length: Vec<f64>,
    /// Histogram of pitch ranges ([`PITCH_RANGE_BINS`] bins of [`PITCH_RANGE_WIDTH`]).
    pub pitch_range: Vec<f64>,
    /// Histogram of mean absolute intervals.
    pub mean_interval: Vec<f64>,
    /// Histogram of notes per bar.
    pub notes_per_bar: Vec<f64>,
    /// Histogram of rest fractions.
    pub rest_fraction: Vec<f64>,
    /// Mean pitch range over melodies with notes (0 when none).
    pub pitch_range_mean: f64,
    /// Mean of the mean absolute intervals over melodies with two notes or more.
    pub mean_abs_interval_mean: f64,
    /// Mean notes per bar over melodies of positive length.
    pub notes_per_bar_mean: f64,
    /// Mean rest fraction over melodies of positive length.
    pub rest_fraction_mean: f64,
    /// Melodies in the set.
    pub melodies: usize,
}

fn mean_histogram<'a>(hists: impl Iterator<Item = &'a [f64]>, bins: usize) -> Vec<f64> {
    let mut sum = vec![0.0; bins];
    let mut n = 0usize;
    for h in hists {
        if h.iter().sum::<f64>() > 0.0 {
            sum.iter_mut().zip(h).for_each(|(s, v)| *s += v);
            n += 1;
        }
    }
    if n > 0 {
        sum.iter_mut().for_each(|s| *s /= n as f64);
    }
    sum
}

fn scalar_histogram(values: &[f64], width: f64, bins: usize) -> Vec<f64> {
    let mut h = vec![0.0; bins];
    for &v in values {
        h[scalar_bin(v, width, bins)] += 1.0;
    }
    if !values.is_empty() {
        h.iter_mut().for_each(|v| *v /= values.len() as f64);
    }
    h
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

impl SetDistributions {
    /// The distributions of a set of melodies.
    pub fn of(melodies: &[Melody]) -> SetDistributions {
        let f: Vec<MelodyFeatures> = melodies.iter().map(features).collect();
        SetDistributions::from_features(&f)
    }

    /// The distributions of already measured melodies.
    pub fn from_features(f: &[MelodyFeatures]) -> SetDistributions {
        let ranges: Vec<f64> = f
            .iter()
            .filter_map(|x| x.pitch_range.map(f64::from))
            .collect();
        let mean_intervals: Vec<f64> = f.iter().filter_map(|x| x.mean_abs_interval).collect();
        let per_bar: Vec<f64> = f.iter().filter_map(|x| x.notes_per_bar).collect();
        let rests: Vec<f64> = f.iter().filter_map(|x| x.rest_fraction).collect();
        SetDistributions {
            pitch_class: mean_histogram(f.iter().map(|x| &x.pitch_class[..]), 12),
            interval: mean_histogram(f.iter().map(|x| &x.interval[..]), INTERVAL_BINS),
            note_length: mean_histogram(f.iter().map(|x| &x.note_length[..]), NOTE_LENGTH_BINS),
            pitch_range: scalar_histogram(&ranges, PITCH_RANGE_WIDTH, PITCH_RANGE_BINS),
            mean_interval: scalar_histogram(
                &mean_intervals,
                MEAN_INTERVAL_WIDTH,
                MEAN_INTERVAL_BINS,
            ),
            notes_per_bar: scalar_histogram(&per_bar, NOTES_PER_BAR_WIDTH, NOTES_PER_BAR_BINS),
            rest_fraction: scalar_histogram(&rests, REST_FRACTION_WIDTH, REST_FRACTION_BINS),
            pitch_range_mean: mean(&ranges),
            mean_abs_interval_mean: mean(&mean_intervals),
            notes_per_bar_mean: mean(&per_bar),
            rest_fraction_mean: mean(&rests),
            melodies: f.len(),
        }
    }
}

/// Overlapping area `Σ min(pᵢ, qᵢ)` of two distributions of the same length.
pub fn overlap(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| a.min(*b)).sum()
}

/// `KL(p ‖ q)` in nats after adding [`EPSILON`] to every bin of both and renormalising.
pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let smooth = |d: &[f64]| -> Vec<f64> {
        let sum: f64 = d.iter().map(|v| v + EPSILON).sum();
        d.iter().map(|v| (v + EPSILON) / sum).collect()
    };
    let (p, q) = (smooth(p), smooth(q));
    p.iter()
        .zip(&q)
        .map(|(a, b)| a * (a / b).ln())
        .sum::<f64>()
        .max(0.0)
}

/// A generated set against a corpus: per feature the overlapping area (1 = identical)
/// and `KL(generated ‖ corpus)` (0 = identical) of the set distributions, and the mean
/// of each scalar feature in both sets. Serialises to flat JSON keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Overlap of the mean pitch-class histograms.
    pub pitch_class_overlap: f64,
    /// KL of the mean pitch-class histograms.
    pub pitch_class_kl: f64,
    /// Overlap of the mean interval histograms.
    pub interval_overlap: f64,
    /// KL of the mean interval histograms.
    pub interval_kl: f64,
    /// Overlap of the mean note-length histograms.
    pub note_length_overlap: f64,
    /// KL of the mean note-length histograms.
    pub note_length_kl: f64,
    /// Overlap of the pitch-range histograms.
    pub pitch_range_overlap: f64,
    /// KL of the pitch-range histograms.
    pub pitch_range_kl: f64,
    /// Overlap of the mean-absolute-interval histograms.
    pub mean_interval_overlap: f64,
    /// KL of the mean-absolute-interval histograms.
    pub mean_interval_kl: f64,
    /// Overlap of the notes-per-bar histograms.
    pub notes_per_bar_overlap: f64,
    /// KL of the notes-per-bar histograms.
    pub notes_per_bar_kl: f64,
    /// Overlap of the rest-fraction histograms.
    pub rest_fraction_overlap: f64,
    /// KL of the rest-fraction histograms.
    pub rest_fraction_kl: f64,
    /// Mean rest fraction of the generated melodies.
    pub rest_fraction_generated: f64,
    /// Mean rest fraction of the corpus melodies.
    pub rest_fraction_corpus: f64,
    /// Mean pitch range (semitones) of the generated melodies.
    pub pitch_range_generated: f64,
    /// Mean pitch range (semitones) of the corpus melodies.
    pub pitch_range_corpus: f64,
    /// Mean absolute interval (semitones) of the generated melodies.
    pub mean_abs_interval_generated: f64,
    /// Mean absolute interval (semitones) of the corpus melodies.
    pub mean_abs_interval_corpus: f64,
    /// Mean notes per bar of the generated melodies.
    pub notes_per_bar_generated: f64,
    /// Mean notes per bar of the corpus melodies.
    pub notes_per_bar_corpus: f64,
    /// Generated melodies compared.
    pub generated: usize,
    /// Corpus melodies compared.
    pub corpus: usize,
}

impl Comparison {
    /// Compares the distributions of two sets.
    pub fn from_distributions(g: &SetDistributions, c: &SetDistributions) -> Comparison {
        Comparison {
            pitch_class_overlap: overlap(&g.pitch_class, &c.pitch_class),
            pitch_class_kl: kl_divergence(&g.pitch_class, &c.pitch_class),
            interval_overlap: overlap(&g.interval, &c.interval),
            interval_kl: kl_divergence(&g.interval, &c.interval),
            note_length_overlap: overlap(&g.note_length, &c.note_length),
            note_length_kl: kl_divergence(&g.note_length, &c.note_length),
            pitch_range_overlap: overlap(&g.pitch_range, &c.pitch_range),
            pitch_range_kl: kl_divergence(&g.pitch_range, &c.pitch_range),
            mean_interval_overlap: overlap(&g.mean_interval, &c.mean_interval),
            mean_interval_kl: kl_divergence(&g.mean_interval, &c.mean_interval),
            notes_per_bar_overlap: overlap(&g.notes_per_bar, &c.notes_per_bar),
            notes_per_bar_kl: kl_divergence(&g.notes_per_bar, &c.notes_per_bar),
            rest_fraction_overlap: overlap(&g.rest_fraction, &c.rest_fraction),
            rest_fraction_kl: kl_divergence(&g.rest_fraction, &c.rest_fraction),
            rest_fraction_generated: g.rest_fraction_mean,
            rest_fraction_corpus: c.rest_fraction_mean,
            pitch_range_generated: g.pitch_range_mean,
            pitch_range_corpus: c.pitch_range_mean,
            mean_abs_interval_generated: g.mean_abs_interval_mean,
            mean_abs_interval_corpus: c.mean_abs_interval_mean,
            notes_per_bar_generated: g.notes_per_bar_mean,
            notes_per_bar_corpus: c.notes_per_bar_mean,
            generated: g.melodies,
            corpus: c.melodies,
        }
    }

    /// One row per feature for a text table, histogram features first.
    pub fn rows(&self) -> Vec<ComparisonRow> {
        let row = |feature, overlap, kl, means: Option<(f64, f64)>| ComparisonRow {
            feature,
            overlap,
            kl,
            generated: means.map(|m| m.0),
            corpus: means.map(|m| m.1),
        };
        vec![
            row(
                "pitch_class",
                self.pitch_class_overlap,
                self.pitch_class_kl,
                None,
            ),
            row("interval", self.interval_overlap, self.interval_kl, None),
            row(
                "note_length",
                self.note_length_overlap,
                self.note_length_kl,
                None,
            ),
            row(
                "pitch_range",
                self.pitch_range_overlap,
                self.pitch_range_kl,
                Some((self.pitch_range_generated, self.pitch_range_corpus)),
            ),
            row(
                "mean_interval",
                self.mean_interval_overlap,
                self.mean_interval_kl,
                Some((
                    self.mean_abs_interval_generated,
                    self.mean_abs_interval_corpus,
                )),
            ),
            row(
                "notes_per_bar",
                self.notes_per_bar_overlap,
                self.notes_per_bar_kl,
                Some((self.notes_per_bar_generated, self.notes_per_bar_corpus)),
            ),
            row(
                "rest_fraction",
                self.rest_fraction_overlap,
                self.rest_fraction_kl,
                Some((self.rest_fraction_generated, self.rest_fraction_corpus)),
            ),
        ]
    }
}

/// One feature of a [`Comparison`], for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ComparisonRow {
    /// The feature's name.
    pub feature: &'static str,
    /// Overlapping area of the two set distributions.
    pub overlap: f64,
    /// `KL(generated ‖ corpus)` in nats.
    pub kl: f64,
    /// Mean of the feature over the generated set (scalar features only).
    pub generated: Option<f64>,
    /// Mean of the feature over the corpus set (scalar features only).
    pub corpus: Option<f64>,
}

/// Compares a generated set with a corpus set (see the module docs for the binning).
pub fn compare(generated: &[Melody], corpus: &[Melody]) -> Comparison {
    Comparison::from_distributions(
        &SetDistributions::of(generated),
        &SetDistributions::of(corpus),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Meter, Note, Pitch};

    fn melody(events: &[(Option<u8>, i64, i64)], meter: Option<Meter>) -> Melody {
        let mut m = Melody::new();
        m.meter = meter;
        for &(p, n, d) in events {
            let dur = Ratio::new(n, d);
            m.notes.push(match p {
                Some(p) => Note::new(Pitch(p), dur),
                None => Note::rest(dur),
            });
        }
        m
    }

    #[test]
    fn note_length_bins() {
        assert_eq!(note_length_bin(Ratio::new(1, 4)), 0);
        assert_eq!(note_length_bin(Ratio::new(3, 2)), 5);
        assert_eq!(note_length_bin(Ratio::from_int(4)), 15);
        assert_eq!(note_length_bin(Ratio::from_int(5)), 16);
        assert_eq!(note_length_bin(Ratio::new(1, 3)), 16);
    }

    #[test]
    fn scalar_bins_clamp() {
        assert_eq!(scalar_bin(-1.0, 1.0, 5), 0);
        assert_eq!(scalar_bin(2.99, 1.0, 5), 2);
        assert_eq!(scalar_bin(3.0, 1.0, 5), 3);
        assert_eq!(scalar_bin(99.0, 1.0, 5), 4);
        assert_eq!(scalar_bin(1.0, REST_FRACTION_WIDTH, REST_FRACTION_BINS), 19);
    }

    #[test]
    fn leaps_clamp_and_rests_are_skipped() {
        // 60 → (rest) → 80: +20 clamps to +12; 80 → 50: −30 clamps to −12.
        let m = melody(
            &[
                (Some(60), 1, 1),
                (None, 1, 1),
                (Some(80), 1, 1),
                (Some(50), 1, 3),
            ],
            Some(Meter::new(2, 4).unwrap()),
        );
        let f = features(&m);
        assert_eq!(f.interval[24], 0.5);
        assert_eq!(f.interval[0], 0.5);
        assert_eq!(f.mean_abs_interval, Some(25.0));
        assert_eq!(f.pitch_range, Some(30));
        // 3 + 1/3 quarters = 5/3 bars of 2/4: 3 notes / (5/3) = 1.8.
        assert!((f.notes_per_bar.unwrap() - 1.8).abs() < 1e-12);
        // The triplet length is "other".
        assert!((f.note_length[16] - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn empty_melody_has_no_scalars() {
        let f = features(&Melody::new());
        assert_eq!(f.pitch_range, None);
        assert_eq!(f.rest_fraction, None);
        assert_eq!(f.notes_per_bar, None);
        assert_eq!(f.pitch_class, [0.0; 12]);
        let rests = features(&melody(&[(None, 2, 1)], None));
        assert_eq!(rests.rest_fraction, Some(1.0));
        assert_eq!(rests.notes_per_bar, Some(0.0));
        assert_eq!(rests.mean_abs_interval, None);
    }

    #[test]
    fn overlap_and_kl() {
        let p = [0.5, 0.5, 0.0];
        let q = [0.0, 0.5, 0.5];
        assert!((overlap(&p, &q) - 0.5).abs() < 1e-12);
        assert_eq!(kl_divergence(&p, &p), 0.0);
        assert!(kl_divergence(&p, &q) > 1.0);
        // Disjoint: about ln(1/EPSILON).
        let kl = kl_divergence(&[1.0, 0.0], &[0.0, 1.0]);
        assert!((kl - (1.0 / EPSILON).ln()).abs() < 0.01, "{kl}");
    }
}
