//! Pitch spelling for the writer: step, alter and octave from a MIDI pitch and a key
//! signature, and which accidentals a measure must show.

use crate::music::{Pitch, PitchName, STEP_LETTERS, STEP_PITCH_CLASSES};
use std::collections::HashMap;

/// A written pitch: letter step (0 = C … 6 = B), alteration and octave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spelled {
    /// Diatonic step, 0 = C.
    pub step: u8,
    /// Semitones up (+) or down (−).
    pub alter: i8,
    /// Octave of the written letter (B♯3 sounds as C4).
    pub octave: i32,
}

impl Spelled {
    /// The step letter.
    pub fn letter(self) -> char {
        STEP_LETTERS[usize::from(self.step % 7)]
    }
}

/// Spells pitches for one key signature: diatonic notes as the signature says, other
/// notes with sharps in sharp keys and flats in flat keys (C major: B♭, F♯, C♯, G♯, D♯).
#[derive(Clone, Debug)]
pub struct Speller {
    names: [PitchName; 12],
    signature: [i8; 7],
}

impl Speller {
    /// A speller for a signature in fifths (clamped to −7…7).
    pub fn new(fifths: i32) -> Speller {
        let f = fifths.clamp(-7, 7);
        let mut names: [Option<PitchName>; 12] = [None; 12];
        let mut signature = [0i8; 7];
        // The seven diatonic names sit at positions f−1 … f+5 on the line of fifths.
        for pos in f - 1..=f + 5 {
            let name = PitchName::from_fifths(pos);
            signature[usize::from(name.step % 7)] = name.alter;
            names[usize::from(name.pitch_class())] = Some(name);
        }
        // C major spells B♭ but F♯, C♯, G♯, D♯.
        let names = std::array::from_fn(|pc| {
            let sharp = f > 0 || (f == 0 && pc != 10);
            names[pc].unwrap_or_else(|| chromatic_name(pc as i32, sharp))
        });
        Speller { names, signature }
    }

    /// The alteration the key signature gives a step.
    pub fn signature_alter(&self, step: u8) -> i8 {
        self.signature[usize::from(step % 7)]
    }

    /// The written form of a pitch.
    pub fn spell(&self, pitch: Pitch) -> Spelled {
        let name = self.names[usize::from(pitch.pitch_class())];
        let natural = STEP_PITCH_CLASSES[usize::from(name.step % 7)] + i32::from(name.alter);
        let octave = (i32::from(pitch.midi()) - natural).div_euclid(12) - 1;
        Spelled {
            step: name.step,
            alter: name.alter,
            octave,
        }
    }
}

/// A name outside the key: a white key as a natural, a black key as a sharp or a flat.
fn chromatic_name(pc: i32, sharp: bool) -> PitchName {
    let white = |pc: i32| {
        STEP_PITCH_CLASSES
            .iter()
            .position(|&s| s == pc.rem_euclid(12))
    };
    let (step, alter) = match white(pc) {
        Some(step) => (step, 0),
        None if sharp => (white(pc - 1).unwrap_or(0), 1),
        None => (white(pc + 1).unwrap_or(0), -1),
    };
    PitchName {
        step: step as u8,
        alter,
    }
}

/// The accidentals in force within one measure, to decide which notes show one.
#[derive(Clone, Debug, Default)]
pub struct MeasureAccidentals {
    current: HashMap<(u8, i32), i8>,
}

impl MeasureAccidentals {
    /// Starts a new measure: only the key signature applies.
    pub fn clear(&mut self) {
        self.current.clear();
    }

    /// The accidental a note must show (`"sharp"`, `"natural"`, …), if any; it then
    /// applies to the rest of the measure. A tied continuation shows none and changes nothing.
    pub fn show(
        &mut self,
        spelled: Spelled,
        speller: &Speller,
        continued: bool,
    ) -> Option<&'static str> {
        if continued {
            return None;
        }
        let key = (spelled.step, spelled.octave);
        let in_force = self
            .current
            .get(&key)
            .copied()
            .unwrap_or_else(|| speller.signature_alter(spelled.step));
        if in_force == spelled.alter {
            return None;
        }
        self.current.insert(key, spelled.alter);
        Some(match spelled.alter {
            2.. => "double-sharp",
            1 => "sharp",
            0 => "natural",
            -1 => "flat",
            _ => "flat-flat",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(speller: &Speller, midi: u8) -> String {
        let s = speller.spell(Pitch(midi));
        let acc = match s.alter {
            1 => "#",
            -1 => "b",
            _ => "",
        };
        format!("{}{acc}{}", s.letter(), s.octave)
    }

    #[test]
    fn sharps_in_sharp_keys_flats_in_flat_keys() {
        let d = Speller::new(2);
        assert_eq!(name(&d, 66), "F#4");
        assert_eq!(name(&d, 68), "G#4");
        let f = Speller::new(-1);
        assert_eq!(name(&f, 70), "Bb4");
        assert_eq!(name(&f, 63), "Eb4");
        let c = Speller::new(0);
        assert_eq!(name(&c, 70), "Bb4");
        assert_eq!(name(&c, 61), "C#4");
        assert_eq!(name(&c, 60), "C4");
        assert_eq!(name(&d, 65), "F4");
        assert_eq!(name(&d, 72), "C5");
        assert_eq!(name(&Speller::new(6), 65), "E#4");
        assert_eq!(name(&Speller::new(-3), 64), "E4");
    }

    #[test]
    fn octave_follows_the_letter() {
        let cs = Speller::new(7);
        let s = cs.spell(Pitch(60));
        assert_eq!((s.letter(), s.alter, s.octave), ('B', 1, 3));
        let cb = Speller::new(-7);
        let s = cb.spell(Pitch(59));
        assert_eq!((s.letter(), s.alter, s.octave), ('C', -1, 4));
    }

    #[test]
    fn accidentals_within_a_measure() {
        let g = Speller::new(1);
        let mut acc = MeasureAccidentals::default();
        let f_sharp = g.spell(Pitch(66));
        let f_natural = g.spell(Pitch(65));
        assert_eq!(acc.show(f_sharp, &g, false), None);
        assert_eq!(acc.show(f_natural, &g, false), Some("natural"));
        assert_eq!(acc.show(f_natural, &g, false), None);
        assert_eq!(acc.show(f_sharp, &g, false), Some("sharp"));
        acc.clear();
        assert_eq!(acc.show(f_natural, &g, false), Some("natural"));
    }
}
