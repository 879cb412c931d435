//! The form of one melody: cadences at phrase ends, the final note, leaps and what follows
//! them, repeated bars, the ambitus and repeated notes near the end.

use super::grid::FormGrid;
use crate::corpus::encoding::Symbol;
use crate::music::Melody;
use serde::{Deserialize, Serialize};

/// Leaps larger than this (semitones) are skips that should turn back (von Hippel & Huron).
pub const LEAP: u8 = 4;
/// Distance buckets (bars back) of a repeated bar: 1, 2, 3, 4, 5–7, 8 or more.
pub const DISTANCE_BUCKETS: usize = 6;
/// Density buckets of half a note per bar, `[0, 0.5), …, [7.5, 8)`, and 8 or more.
pub const DENSITY_BUCKETS: usize = 17;

/// Ambitus buckets of two semitones, `[0,2), [2,4), …, [22,24)`, and 24 or more (the
/// pitch-range bins of the melody statistics).
pub const AMBITUS_BUCKETS: usize = 13;
/// Scale degrees a phrase may end on to close it: the tonic, the dominant, and 2 and 7
/// for a half cadence.
pub const CADENCE_DEGREES: [u8; 4] = [1, 2, 5, 7];

/// What one phrase end does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhraseEnd {
    /// The phrase's last bar (1-based).
    pub bar: usize,
    /// The scale degree of its cadence note (1–7; 0 for a chromatic note or a rest).
    pub degree: u8,
    /// The note is on a strong beat and long (at least a beat to the next note) or
    /// followed by a rest, on degree 1, 2, 5 or 7.
    pub structural: bool,
}

/// The form measures of one melody.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormProfile {
    /// Each phrase end (every `phrase_bars` bars, the final bar too).
    pub phrase_ends: Vec<PhraseEnd>,
    /// The last note is the tonic and starts on a strong beat.
    pub final_on_tonic: bool,
    /// Leaps larger than [`LEAP`] semitones followed by another note.
    pub leaps: usize,
    /// Of those, the ones whose next note moves back by a step (1 or 2 semitones).
    pub reversals: usize,
    /// Complete bars after the first with at least one note onset: the bars compared.
    pub bars_compared: usize,
    /// Of those, the ones equal to an earlier bar, exactly or transposed.
    pub repeated_bars: usize,
    /// For each repeated bar, the distance bucket of the nearest equal earlier bar.
    pub repeat_distances: Vec<usize>,
    /// Highest minus lowest pitch in semitones.
    pub ambitus: u8,
    /// A run of three or more equal notes (rests break runs) has three of them in the last
    /// two bars.
    pub end_run: bool,
    /// Note onsets per bar (bars after the pickup, a short last bar counting as one).
    #[serde(default)]
    pub notes_per_bar: f64,
    /// The last note starts on a bar line (a close on the downbeat, not on a later beat).
    #[serde(default)]
    pub final_on_downbeat: bool,
}

impl FormProfile {
    /// The measures of `melody` with phrases of `phrase_bars` bars (its meter's usual
    /// length when `None`); `None` for a melody without notes or meter.
    pub fn of(melody: &Melody, phrase_bars: Option<usize>) -> Option<FormProfile> {
        let grid = FormGrid::new(melody)?;
        let phrase = phrase_bars
            .or_else(|| melody.meter.map(|m| m.phrase_bars()))
            .unwrap_or(4)
            .max(1);
        let (leaps, reversals) = leaps_and_reversals(&grid);
        let (bars_compared, repeat_distances) = repeated_bars(&grid);
        let (lo, hi) = grid.notes.iter().fold((u8::MAX, 0), |(lo, hi), n| {
            (lo.min(n.pitch), hi.max(n.pitch))
        });
        Some(FormProfile {
            phrase_ends: phrase_ends(&grid, phrase),
            final_on_tonic: final_on_tonic(&grid),
            leaps,
            reversals,
            bars_compared,
            repeated_bars: repeat_distances.len(),
            repeat_distances,
            ambitus: hi.saturating_sub(lo),
            end_run: end_run(&grid),
            notes_per_bar: grid.notes.len() as f64 / grid.bars().max(1) as f64,
            final_on_downbeat: grid
                .notes
                .last()
                .is_some_and(|n| grid.structure.is_bar_line(n.onset)),
        })
    }

    /// The density bucket.
    pub fn density_bucket(&self) -> usize {
        ((self.notes_per_bar * 2.0).floor().max(0.0) as usize).min(DENSITY_BUCKETS - 1)
    }

    /// The ambitus bucket.
    pub fn ambitus_bucket(&self) -> usize {
        usize::from(self.ambitus / 2).min(AMBITUS_BUCKETS - 1)
    }
}

/// The phrase ends: bars `phrase`, `2·phrase`, … that the melody reaches, the last bar too
/// when it ends a phrase. Each end's cadence note is the last note starting on a strong
/// beat of that bar, else the note sounding at its downbeat.
fn phrase_ends(grid: &FormGrid, phrase: usize) -> Vec<PhraseEnd> {
    let bars = grid.bars();
    (1..=bars / phrase)
        .map(|k| k * phrase)
        .map(|bar| {
            let steps = grid.bar(bar);
            let strong = grid
                .notes
                .iter()
                .rfind(|n| steps.contains(&n.onset) && grid.structure.is_strong_beat(n.onset));
            let sounding = || {
                grid.notes
                    .iter()
                    .rev()
                    .find(|n| n.onset <= steps.start && n.onset + n.steps > steps.start)
            };
            let note = strong.or_else(sounding);
            let degree = note.and_then(|n| grid.degree(n.pitch)).unwrap_or(0);
            let structural = note.is_some_and(|n| {
                grid.structure.is_strong_beat(n.onset.max(steps.start))
                    && (n.to_next_onset >= grid.beat_steps() || n.rest_after)
                    && CADENCE_DEGREES.contains(&degree)
            });
            PhraseEnd {
                bar,
                degree,
                structural,
            }
        })
        .collect()
}

fn final_on_tonic(grid: &FormGrid) -> bool {
    grid.notes
        .last()
        .is_some_and(|n| grid.degree(n.pitch) == Some(1) && grid.structure.is_strong_beat(n.onset))
}

/// Leaps of more than [`LEAP`] semitones between consecutive notes (rests skipped) that a
/// note follows, and how many of them the next note answers by a step back.
fn leaps_and_reversals(grid: &FormGrid) -> (usize, usize) {
    let pitches: Vec<i32> = grid.notes.iter().map(|n| i32::from(n.pitch)).collect();
    let (mut leaps, mut reversals) = (0, 0);
    for w in pitches.windows(3) {
        let (a, b) = (w[1] - w[0], w[2] - w[1]);
        if a.unsigned_abs() > u32::from(LEAP) {
            leaps += 1;
            if (1..=2).contains(&b.unsigned_abs()) && a.signum() == -b.signum() {
                reversals += 1;
            }
        }
    }
    (leaps, reversals)
}

/// The complete bars after bar 1 that hold a note onset, and for each that equals an earlier
/// complete bar (the same steps, or every pitch moved by one interval), the distance bucket
/// of the nearest such bar.
fn repeated_bars(grid: &FormGrid) -> (usize, Vec<usize>) {
    let bars: Vec<&[Symbol]> = (1..=grid.bars())
        .filter(|&b| grid.is_complete(b))
        .map(|b| &grid.symbols[grid.bar(b)])
        .collect();
    let has_onset = |bar: &[Symbol]| bar.iter().any(|s| matches!(s, Symbol::Note(_)));
    let mut compared = 0;
    let mut distances = Vec::new();
    for (i, bar) in bars.iter().enumerate().skip(1) {
        if !has_onset(bar) {
            continue;
        }
        compared += 1;
        if let Some(d) = (1..=i).find(|&d| same_or_transposed(bars[i - d], bar)) {
            distances.push(distance_bucket(d));
        }
    }
    (compared, distances)
}

/// The bucket of a distance in bars: 1, 2, 3, 4, 5–7, 8 or more.
pub fn distance_bucket(bars: usize) -> usize {
    match bars {
        0..=4 => bars.saturating_sub(1),
        5..=7 => 4,
        _ => 5,
    }
}

/// True when two bars have the same rhythm and their pitches differ by one interval (0 for
/// an exact repeat).
fn same_or_transposed(a: &[Symbol], b: &[Symbol]) -> bool {
    let mut shift = None;
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Symbol::Note(p), Symbol::Note(q)) => {
                let d = i32::from(q.midi()) - i32::from(p.midi());
                *shift.get_or_insert(d) == d
            }
            _ => x == y,
        })
}

/// A run of three or more equal pitches (consecutive notes, no rest between) with three of
/// its notes starting in the last two bars.
fn end_run(grid: &FormGrid) -> bool {
    let from = grid.bar(grid.bars().saturating_sub(1).max(1)).start;
    let notes = &grid.notes;
    let mut run_start = 0;
    for (i, n) in notes.iter().enumerate() {
        let continues = i > 0 && notes[i - 1].pitch == n.pitch && !notes[i - 1].rest_after;
        if !continues {
            run_start = i;
        }
        if notes[run_start..=i]
            .iter()
            .filter(|m| m.onset >= from)
            .count()
            >= 3
        {
            return true;
        }
    }
    false
}
