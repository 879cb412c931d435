//! Near-variants across corpora: songs that share most of their runs of 8 melodic
//! intervals. Essen repeats songs across its collections (21 of kinder's songs are
//! near-variants of erk songs), so held-out sets must be kept apart by content, not by file.

use crate::music::Melody;
use std::collections::{HashMap, HashSet};

/// Intervals in a run.
pub const RUN: usize = 8;
/// The share of a song's distinct runs another song must hold to count as its
/// near-variant.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// A run of [`RUN`] melodic intervals in semitones (clamped to ±127).
pub type IntervalRun = [i8; RUN];

/// The distinct runs of [`RUN`] consecutive intervals between the sounding notes of a
/// melody (rests skipped; a tied note is one note). Transposition does not change them.
pub fn interval_runs(melody: &Melody) -> HashSet<IntervalRun> {
    let pitches: Vec<i32> = melody
        .sounding()
        .filter_map(|n| n.pitch.map(|p| i32::from(p.midi())))
        .collect();
    let intervals: Vec<i8> = pitches
        .windows(2)
        .map(|w| (w[1] - w[0]).clamp(-127, 127) as i8)
        .collect();
    intervals
        .windows(RUN)
        .filter_map(|w| IntervalRun::try_from(w).ok())
        .collect()
}

/// A song of the probe set and a song of the pool that holds at least the threshold's
/// share of the probe's runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearVariant {
    /// Index into the probes.
    pub probe: usize,
    /// Index into the pool.
    pub pool: usize,
    /// The share of the probe's distinct runs found in the pool song.
    pub share: f64,
}

/// Every pair (probe, pool song) where the pool song holds at least `threshold` of the
/// probe's distinct runs, in probe then pool order. A probe with no run (fewer than nine
/// notes) has no near-variants.
pub fn near_variants(probes: &[Melody], pool: &[Melody], threshold: f64) -> Vec<NearVariant> {
    let mut index: HashMap<IntervalRun, Vec<usize>> = HashMap::new();
    for (i, song) in pool.iter().enumerate() {
        for run in interval_runs(song) {
            index.entry(run).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (p, probe) in probes.iter().enumerate() {
        let runs = interval_runs(probe);
        if runs.is_empty() {
            continue;
        }
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for run in &runs {
            for &i in index.get(run).into_iter().flatten() {
                *shared.entry(i).or_default() += 1;
            }
        }
        let mut hits: Vec<NearVariant> = shared
            .into_iter()
            .map(|(pool, n)| NearVariant {
                probe: p,
                pool,
                share: n as f64 / runs.len() as f64,
            })
            .filter(|v| v.share >= threshold)
            .collect();
        hits.sort_by_key(|v| v.pool);
        out.extend(hits);
    }
    out
}

/// The `pool` songs that are near-variants of some `probe` (holding at least `threshold`
/// of its runs), in pool order, each with the probe it is nearest to.
pub fn variants_in_pool(probes: &[Melody], pool: &[Melody], threshold: f64) -> Vec<NearVariant> {
    let mut best: HashMap<usize, NearVariant> = HashMap::new();
    for v in near_variants(probes, pool, threshold) {
        match best.get_mut(&v.pool) {
            Some(b) if b.share >= v.share => {}
            Some(b) => *b = v,
            None => {
                best.insert(v.pool, v);
            }
        }
    }
    let mut out: Vec<NearVariant> = best.into_values().collect();
    out.sort_by_key(|v| v.pool);
    out
}

/// Indices of the `probes` that have a near-variant in `pool`.
pub fn probes_with_variants(probes: &[Melody], pool: &[Melody], threshold: f64) -> Vec<usize> {
    let mut hit: Vec<usize> = near_variants(probes, pool, threshold)
        .into_iter()
        .map(|v| v.probe)
        .collect();
    hit.dedup();
    hit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::encoding::{decode, parse_symbols};
    use crate::music::Ratio;

    fn tune(pitches: &[u8]) -> Melody {
        let text: Vec<String> = pitches.iter().map(|p| format!("{p} _")).collect();
        decode(
            &parse_symbols(&text.join(" ")).unwrap_or_default(),
            Ratio::STEP,
        )
    }

    #[test]
    fn a_transposed_variant_with_a_new_ending_is_found_and_a_stranger_is_not() {
        let song = tune(&[60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72]);
        // The same tune a fourth higher with its last two notes changed: 4 runs, 2 shared.
        let variant = tune(&[65, 67, 69, 70, 72, 70, 69, 67, 65, 69, 70, 72]);
        let stranger = tune(&[60, 60, 60, 67, 67, 69, 69, 67, 65, 65, 64, 64]);
        assert_eq!(interval_runs(&song).len(), 4);
        let found = near_variants(
            std::slice::from_ref(&song),
            &[stranger.clone(), variant],
            0.5,
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].probe, found[0].pool), (0, 1));
        assert_eq!(found[0].share, 0.5);
        assert!(
            near_variants(
                std::slice::from_ref(&song),
                std::slice::from_ref(&stranger),
                0.5
            )
            .is_empty()
        );
        assert!(
            near_variants(&[tune(&[60, 62])], &[stranger], 0.0).is_empty(),
            "no runs"
        );
    }
}
