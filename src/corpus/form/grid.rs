//! A melody on the 16th grid with its bars, strong beats and scale degrees: what the form
//! measures read.

use crate::corpus::encoding::{GridConfig, Symbol, encode};
use crate::corpus::structure::SongStructure;
use crate::music::{Melody, Mode, Ratio};

/// One sounding note on the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridNote {
    /// Its first step.
    pub onset: usize,
    /// Steps until the next note or rest starts (its own length).
    pub steps: usize,
    /// Steps until the next sounding note starts (its length plus the rests after it), or
    /// to the melody's end.
    pub to_next_onset: usize,
    /// True when a rest follows it.
    pub rest_after: bool,
    /// MIDI pitch.
    pub pitch: u8,
}

/// A melody as the form measures see it.
#[derive(Clone, Debug)]
pub struct FormGrid {
    /// One symbol per 16th step (a tied note is one onset and holds).
    pub symbols: Vec<Symbol>,
    /// The sounding notes in order.
    pub notes: Vec<GridNote>,
    /// Meter and pickup.
    pub structure: SongStructure,
    /// The tonic's pitch class.
    pub tonic: u8,
    /// Major or minor (for scale degrees).
    pub minor: bool,
}

impl FormGrid {
    /// The melody on the grid; `None` without notes, meter or key.
    pub fn new(melody: &Melody) -> Option<FormGrid> {
        let key = melody.key_or_estimate()?;
        let structure = SongStructure::new(Some(melody.meter?), melody.pickup);
        structure.bar_steps()?;
        let grid = GridConfig {
            time_step: Ratio::STEP,
            split_ties: false,
        };
        let symbols = encode(melody, &grid);
        let notes = notes_of(&symbols);
        if notes.is_empty() {
            return None;
        }
        Some(FormGrid {
            symbols,
            notes,
            structure,
            tonic: key.tonic.pitch_class(),
            minor: key.mode == Mode::Minor,
        })
    }

    /// Steps in a bar.
    pub fn bar_steps(&self) -> usize {
        self.structure.bar_steps().unwrap_or(16).max(1)
    }

    /// The steps of bar `bar` (1-based), cut at the melody's end; empty past it.
    pub fn bar(&self, bar: usize) -> std::ops::Range<usize> {
        let len = self.symbols.len();
        let start = self.structure.bar_start(bar).unwrap_or(len).min(len);
        start..(start + self.bar_steps()).min(len)
    }

    /// Bars 1..=n that the melody reaches (the last may be short); the pickup is bar 0.
    pub fn bars(&self) -> usize {
        self.symbols
            .len()
            .checked_sub(1)
            .and_then(|last| self.structure.bar_of(last))
            .unwrap_or(0)
    }

    /// True when bar `bar` is complete (not cut by the melody's end).
    pub fn is_complete(&self, bar: usize) -> bool {
        self.bar(bar).len() == self.bar_steps()
    }

    /// The scale degree (1–7) of a pitch, or `None` for a chromatic note. Minor counts the
    /// raised and lowered 6th and 7th alike.
    pub fn degree(&self, pitch: u8) -> Option<u8> {
        let interval = (i32::from(pitch) - i32::from(self.tonic)).rem_euclid(12);
        const MAJOR: [u8; 12] = [1, 0, 2, 0, 3, 4, 0, 5, 0, 6, 0, 7];
        const MINOR: [u8; 12] = [1, 0, 2, 3, 0, 4, 0, 5, 6, 6, 7, 7];
        let table = if self.minor { MINOR } else { MAJOR };
        Some(table[interval as usize]).filter(|&d| d > 0)
    }

    /// The beat length in steps (a dotted quarter in compound meters).
    pub fn beat_steps(&self) -> usize {
        self.structure.beat_steps().unwrap_or(4).max(1)
    }
}

/// The sounding notes of a symbol sequence, with what follows each.
fn notes_of(symbols: &[Symbol]) -> Vec<GridNote> {
    let mut notes: Vec<GridNote> = Vec::new();
    let mut sounding = false;
    for (step, symbol) in symbols.iter().enumerate() {
        match symbol {
            Symbol::Note(p) => {
                if let Some(last) = notes.last_mut() {
                    last.to_next_onset = step - last.onset;
                }
                notes.push(GridNote {
                    onset: step,
                    steps: 1,
                    to_next_onset: 1,
                    rest_after: false,
                    pitch: p.midi(),
                });
                sounding = true;
            }
            Symbol::Hold => {
                if let Some(last) = notes.last_mut().filter(|_| sounding) {
                    last.steps += 1;
                }
            }
            Symbol::Rest | Symbol::Delimiter => {
                if let Some(last) = notes.last_mut().filter(|_| sounding) {
                    last.rest_after = true;
                }
                sounding = false;
            }
        }
    }
    if let Some(last) = notes.last_mut() {
        last.to_next_onset = symbols.len() - last.onset;
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::encoding::parse_symbols;

    #[test]
    fn notes_know_their_length_and_what_follows() {
        let symbols = parse_symbols("60 _ r _ 62 64 _ _").unwrap_or_default();
        let notes = notes_of(&symbols);
        let got: Vec<_> = notes
            .iter()
            .map(|n| (n.onset, n.steps, n.to_next_onset, n.rest_after, n.pitch))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 2, 4, true, 60),
                (4, 1, 1, false, 62),
                (5, 3, 3, false, 64)
            ]
        );
    }
}
