//! Pitches as MIDI numbers, and spelled pitch names for keys.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A sounding pitch as a MIDI note number (60 = middle C = C4, 69 = A4 = 440 Hz).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pitch(pub u8);

impl Pitch {
    /// Highest valid MIDI note.
    pub const MAX: u8 = 127;

    /// A pitch from any integer, or `None` outside 0..=127.
    pub fn from_midi(n: i32) -> Option<Pitch> {
        u8::try_from(n).ok().filter(|&n| n <= Self::MAX).map(Pitch)
    }

    /// The MIDI number.
    pub fn midi(self) -> u8 {
        self.0
    }

    /// Pitch class 0..12 (0 = C).
    pub fn pitch_class(self) -> u8 {
        self.0 % 12
    }

    /// Octave in scientific notation (MIDI 60 is octave 4).
    pub fn octave(self) -> i32 {
        i32::from(self.0) / 12 - 1
    }

    /// Transposed by `semitones`, or `None` if that leaves the MIDI range.
    pub fn transposed(self, semitones: i32) -> Option<Pitch> {
        Pitch::from_midi(i32::from(self.0) + semitones)
    }

    /// Frequency in Hz, equal temperament, A4 = 440 Hz.
    pub fn frequency_hz(self) -> f64 {
        440.0 * 2f64.powf((f64::from(self.0) - 69.0) / 12.0)
    }

    /// A name with sharps, e.g. `C#4`.
    pub fn name(self) -> String {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
        ];
        format!("{}{}", NAMES[self.pitch_class() as usize], self.octave())
    }
}

impl fmt::Debug for Pitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for Pitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The seven diatonic letters, C to B.
pub const STEP_LETTERS: [char; 7] = ['C', 'D', 'E', 'F', 'G', 'A', 'B'];
/// Pitch class of each diatonic letter.
pub const STEP_PITCH_CLASSES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

/// A spelled pitch name without octave, e.g. B-flat: a letter (`step`, 0 = C … 6 = B)
/// and an alteration in semitones.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PitchName {
    /// Diatonic step, 0 = C, 1 = D, … 6 = B.
    pub step: u8,
    /// Sharps (+) or flats (−).
    pub alter: i8,
}

impl PitchName {
    /// A name from a letter (`A`–`G`, either case) and an alteration.
    pub fn new(letter: char, alter: i8) -> Option<PitchName> {
        let up = letter.to_ascii_uppercase();
        let step = STEP_LETTERS.iter().position(|&c| c == up)? as u8;
        Some(PitchName { step, alter })
    }

    /// The pitch class, 0..12.
    pub fn pitch_class(self) -> u8 {
        (STEP_PITCH_CLASSES[self.step as usize % 7] + i32::from(self.alter)).rem_euclid(12) as u8
    }

    /// The MIDI number of this name in octave 4 (C4 = 60), spelled as written:
    /// `B#` in octave 4 is 72, `Cb` in octave 4 is 59.
    pub fn midi_in_octave_4(self) -> i32 {
        60 + STEP_PITCH_CLASSES[self.step as usize % 7] + i32::from(self.alter)
    }

    /// Position on the line of fifths, C = 0, G = 1, F = −1, B♭ = −2.
    pub fn fifths(self) -> i32 {
        const BASE: [i32; 7] = [0, 2, 4, -1, 1, 3, 5];
        BASE[self.step as usize % 7] + 7 * i32::from(self.alter)
    }

    /// The name at a position on the line of fifths (inverse of [`PitchName::fifths`]).
    pub fn from_fifths(fifths: i32) -> PitchName {
        // F C G D A E B are positions -1..=5.
        const ORDER: [u8; 7] = [3, 0, 4, 1, 5, 2, 6];
        let shifted = fifths + 1;
        let idx = shifted.rem_euclid(7) as usize;
        let alter = shifted.div_euclid(7);
        PitchName {
            step: ORDER[idx],
            alter: alter.clamp(-3, 3) as i8,
        }
    }
}

impl fmt::Debug for PitchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for PitchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = STEP_LETTERS[self.step as usize % 7];
        let acc = if self.alter >= 0 {
            "#".repeat(self.alter as usize)
        } else {
            "b".repeat(self.alter.unsigned_abs() as usize)
        };
        write!(f, "{letter}{acc}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(Pitch(60).name(), "C4");
        assert_eq!(Pitch(69).octave(), 4);
        assert!((Pitch(69).frequency_hz() - 440.0).abs() < 1e-9);
        assert_eq!(Pitch::from_midi(128), None);
        let bb = PitchName::new('B', -1).unwrap();
        assert_eq!(bb.pitch_class(), 10);
        assert_eq!(bb.fifths(), -2);
        assert_eq!(PitchName::from_fifths(-2), bb);
        assert_eq!(PitchName::from_fifths(6).to_string(), "F#");
        assert_eq!(PitchName::new('b', 1).unwrap().midi_in_octave_4(), 72);
    }
}
