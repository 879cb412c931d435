//! What the sampler returns: each melody with the steps it wrote, and each step's
//! probability and entropy.

use super::critic::Critique;
use crate::corpus::encoding::Symbol;
use crate::corpus::phrases::PhraseLabel;
use crate::music::{Melody, Pitch};
use serde::Serialize;
use std::ops::Range;

/// One generated step: what was chosen, how likely the model thought it, and how unsure
/// the model was overall.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepInfo {
    /// The chosen symbol (in the output key).
    pub symbol: Symbol,
    /// The model's probability of it, before biasing and constraints.
    pub probability: f32,
    /// Entropy of the model's distribution in nats.
    pub entropy: f32,
}

/// One generated melody.
#[derive(Clone, Debug)]
pub struct Generated {
    /// Primer and continuation (or, for a fill, the whole melody with the span rewritten),
    /// in the output key, with the primer's meter and tempo.
    pub melody: Melody,
    /// How many of the melody's notes come before the generated steps.
    pub primer_notes: usize,
    /// The steps the model wrote, as a range of 16th steps of `melody`; notes starting
    /// inside it are new, every other note is the input's.
    pub span: Range<usize>,
    /// Every generated step.
    pub steps: Vec<StepInfo>,
    /// What each phrase of the melody does with the ones before it, as the model was told
    /// (empty for a model without phrase inputs or a melody without a meter).
    pub phrases: Vec<PhraseLabel>,
    /// Bars per phrase (0 without phrases).
    pub phrase_bars: usize,
    /// What the critic found when it kept this candidate (none without the critic).
    pub critique: Option<Critique>,
}

/// A note the model wrote, on the 16th grid of its melody.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridNote {
    /// Its first step in the melody.
    pub start: usize,
    /// Its length in steps (its holds included).
    pub steps: usize,
    /// Its pitch, in the output key.
    pub pitch: Pitch,
}

impl Generated {
    /// A melody with nothing written (a placeholder while candidates are sorted out).
    pub(crate) fn empty() -> Generated {
        Generated {
            melody: Melody::new(),
            primer_notes: 0,
            span: 0..0,
            steps: Vec::new(),
            phrases: Vec::new(),
            phrase_bars: 0,
            critique: None,
        }
    }

    /// The notes that start inside the written span, straight from the written steps: no
    /// duration is converted back to steps. Rests are left out; a hold at the span's first
    /// step continues the note before it and starts nothing.
    pub fn grid_notes(&self) -> Vec<GridNote> {
        let mut notes: Vec<GridNote> = Vec::new();
        let mut sounding = false;
        for (i, info) in self.steps.iter().enumerate() {
            match info.symbol {
                Symbol::Note(pitch) => {
                    notes.push(GridNote {
                        start: self.span.start + i,
                        steps: 1,
                        pitch,
                    });
                    sounding = true;
                }
                Symbol::Hold => {
                    if let Some(last) = notes.last_mut().filter(|_| sounding) {
                        last.steps += 1;
                    }
                }
                Symbol::Rest | Symbol::Delimiter => sounding = false,
            }
        }
        notes
    }

    /// Each phrase's steps in the melody, with its letter ("A", "B", "A'"): phrases of
    /// `phrase_bars` bars from the first downbeat, the pickup in the first. Empty without
    /// phrases or a meter.
    pub fn phrase_spans(&self) -> Vec<(Range<usize>, String)> {
        let Some(bar) = self
            .melody
            .meter
            .map(|m| m.bar_length().to_steps())
            .filter(|&b| b > 0 && self.phrase_bars > 0)
        else {
            return Vec::new();
        };
        let pickup = self.melody.pickup.to_steps();
        let total = self.melody.duration().to_steps();
        let length = bar * self.phrase_bars;
        crate::sampling::form::letters(&self.phrases)
            .into_iter()
            .enumerate()
            .map(|(j, letter)| {
                let start = if j == 0 { 0 } else { pickup + j * length };
                let end = (pickup + (j + 1) * length).min(total);
                (start.min(end)..end, letter)
            })
            .collect()
    }

    /// Mean entropy of the generated steps (nats).
    pub fn mean_entropy(&self) -> f64 {
        mean(self.steps.iter().map(|s| f64::from(s.entropy)))
    }

    /// Mean log-probability of the chosen symbols (nats).
    pub fn mean_log_probability(&self) -> f64 {
        mean(
            self.steps
                .iter()
                .map(|s| f64::from(s.probability.max(1e-12)).ln()),
        )
    }
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::encoding::parse_symbols;

    fn written(text: &str, start: usize) -> Generated {
        let steps = parse_symbols(text)
            .unwrap_or_default()
            .into_iter()
            .map(|symbol| StepInfo {
                symbol,
                probability: 1.0,
                entropy: 0.0,
            })
            .collect::<Vec<_>>();
        Generated {
            melody: Melody::new(),
            primer_notes: 0,
            span: start..start + steps.len(),
            steps,
            phrases: Vec::new(),
            phrase_bars: 0,
            critique: None,
        }
    }

    #[test]
    fn grid_notes_come_from_the_written_steps() {
        let g = written("_ _ 64 _ r _ 67 65 _ _", 8);
        let notes: Vec<(usize, usize, u8)> = g
            .grid_notes()
            .iter()
            .map(|n| (n.start, n.steps, n.pitch.midi()))
            .collect();
        // The leading holds continue the primer's last note: nothing starts there.
        assert_eq!(notes, vec![(10, 2, 64), (14, 1, 67), (15, 3, 65)]);
    }
}
