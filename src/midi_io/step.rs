//! Step input: each key press adds a note of the current length at the cursor, without
//! playing in time; a rest key advances the cursor by the same length.

use super::message::MidiEvent;
use serde::{Deserialize, Serialize};

/// The length of the next step-entered note or rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StepLength {
    /// A 16th note: one grid step.
    Sixteenth,
    /// An eighth note.
    Eighth,
    /// A quarter note.
    Quarter,
    /// A half note.
    Half,
    /// A whole note.
    Whole,
}

impl StepLength {
    /// Every length, shortest first.
    pub const ALL: [StepLength; 5] = [
        StepLength::Sixteenth,
        StepLength::Eighth,
        StepLength::Quarter,
        StepLength::Half,
        StepLength::Whole,
    ];

    /// 16th steps (undotted).
    pub fn steps(self) -> u32 {
        match self {
            StepLength::Sixteenth => 1,
            StepLength::Eighth => 2,
            StepLength::Quarter => 4,
            StepLength::Half => 8,
            StepLength::Whole => 16,
        }
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            StepLength::Sixteenth => "16th",
            StepLength::Eighth => "Eighth",
            StepLength::Quarter => "Quarter",
            StepLength::Half => "Half",
            StepLength::Whole => "Whole",
        }
    }

    /// The next shorter length (the shortest stays).
    pub fn shorter(self) -> StepLength {
        let i = StepLength::ALL.iter().position(|&l| l == self).unwrap_or(0);
        StepLength::ALL[i.saturating_sub(1)]
    }

    /// The next longer length (the longest stays).
    pub fn longer(self) -> StepLength {
        let i = StepLength::ALL.iter().position(|&l| l == self).unwrap_or(0);
        StepLength::ALL[(i + 1).min(StepLength::ALL.len() - 1)]
    }
}

/// What a key press or the rest key did, in grid steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepAction {
    /// Put a note at `start` for `len` steps (replacing what was there).
    Note {
        /// First step.
        start: u32,
        /// Length in steps.
        len: u32,
        /// MIDI key.
        key: u8,
    },
    /// A higher key was pressed with the last one (a chord): the note at `start` takes
    /// this key, since the seed is one line.
    Raise {
        /// The note's first step.
        start: u32,
        /// The new, higher key.
        key: u8,
    },
    /// Leave `len` steps from `start` silent (clearing what was there).
    Rest {
        /// First step.
        start: u32,
        /// Length in steps.
        len: u32,
    },
}

/// The step-input cursor, the note length, and which keys are down.
#[derive(Clone, Debug, PartialEq)]
pub struct StepInput {
    /// Length of the next note or rest.
    pub length: StepLength,
    /// Dotted: one and a half times `length` (a dotted 16th stays a 16th on this grid).
    pub dotted: bool,
    cursor: u32,
    held: Vec<u8>,
    /// The last note entered, `(start, key)`, while its key (or a chord with it) is down.
    chord: Option<(u32, u8)>,
}

impl StepInput {
    /// Step input from `cursor` with notes of `length`.
    pub fn new(cursor: u32, length: StepLength) -> StepInput {
        StepInput {
            length,
            dotted: false,
            cursor,
            held: Vec::new(),
            chord: None,
        }
    }

    /// Where the next note goes, in steps.
    pub fn cursor(&self) -> u32 {
        self.cursor
    }

    /// Moves the cursor (a click on the ruler).
    pub fn set_cursor(&mut self, cursor: u32) {
        self.cursor = cursor;
        self.chord = None;
    }

    /// The current length in steps, dot included.
    pub fn len_steps(&self) -> u32 {
        let base = self.length.steps();
        if self.dotted { base + base / 2 } else { base }
    }

    /// Takes one incoming message (the same bytes the input callback receives).
    pub fn handle(&mut self, bytes: &[u8]) -> Option<StepAction> {
        match MidiEvent::parse(bytes)? {
            MidiEvent::NoteOn { key, .. } => {
                let chord = self.chord.filter(|_| !self.held.is_empty());
                self.held.retain(|&k| k != key);
                self.held.push(key);
                match chord {
                    Some((start, top)) if key > top => {
                        self.chord = Some((start, key));
                        Some(StepAction::Raise { start, key })
                    }
                    Some(_) => None,
                    None => Some(self.note(key)),
                }
            }
            MidiEvent::NoteOff { key } => {
                self.held.retain(|&k| k != key);
                None
            }
        }
    }

    fn note(&mut self, key: u8) -> StepAction {
        let (start, len) = (self.cursor, self.len_steps());
        self.cursor += len;
        self.chord = Some((start, key));
        StepAction::Note { start, len, key }
    }

    /// The rest key: advances the cursor by the current length.
    pub fn rest(&mut self) -> StepAction {
        let (start, len) = (self.cursor, self.len_steps());
        self.cursor += len;
        self.chord = None;
        StepAction::Rest { start, len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_step_up_and_down_and_dots_add_half() {
        assert_eq!(StepLength::Quarter.longer(), StepLength::Half);
        assert_eq!(StepLength::Whole.longer(), StepLength::Whole);
        assert_eq!(StepLength::Sixteenth.shorter(), StepLength::Sixteenth);
        let mut s = StepInput::new(0, StepLength::Quarter);
        s.dotted = true;
        assert_eq!(s.len_steps(), 6);
        s.length = StepLength::Sixteenth;
        assert_eq!(s.len_steps(), 1);
    }

    #[test]
    fn a_chord_keeps_its_top_key() {
        let mut s = StepInput::new(4, StepLength::Eighth);
        assert_eq!(
            s.handle(&[0x90, 60, 90]),
            Some(StepAction::Note {
                start: 4,
                len: 2,
                key: 60
            })
        );
        assert_eq!(
            s.handle(&[0x90, 67, 90]),
            Some(StepAction::Raise { start: 4, key: 67 })
        );
        assert_eq!(s.handle(&[0x90, 64, 90]), None);
        for k in [60, 64, 67] {
            assert_eq!(s.handle(&[0x80, k, 0]), None);
        }
        assert_eq!(s.cursor(), 6);
    }
}
