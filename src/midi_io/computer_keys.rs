//! The computer keyboard as a piano, laid out as DAWs lay it out (Ableton's): the home row
//! plays the white keys from C, the row above the black keys, Z and X shift the octave, C
//! and V the velocity. It turns key presses into the MIDI messages a keyboard would send.

use super::message::{note_off, note_on};
use std::collections::BTreeMap;

/// The keys that play notes, with their semitones above the octave's C: `a` is C, `w` C♯,
/// `s` D … `k` the next C … `'` the F above it.
pub const NOTE_KEYS: [(char, u8); 18] = [
    ('a', 0),
    ('w', 1),
    ('s', 2),
    ('e', 3),
    ('d', 4),
    ('f', 5),
    ('t', 6),
    ('g', 7),
    ('y', 8),
    ('h', 9),
    ('u', 10),
    ('j', 11),
    ('k', 12),
    ('o', 13),
    ('l', 14),
    ('p', 15),
    (';', 16),
    ('\'', 17),
];

/// The keys that change the octave and the velocity.
pub const CONTROL_KEYS: [char; 4] = ['z', 'x', 'c', 'v'];

/// Lowest and highest octave shift from middle C's octave.
const OCTAVES: std::ops::RangeInclusive<i8> = -3..=3;
/// How much C and V change the velocity.
const VELOCITY_STEP: u8 = 20;

/// True for a key the piano takes (a note, octave or velocity key).
pub fn is_piano_key(c: char) -> bool {
    CONTROL_KEYS.contains(&c) || NOTE_KEYS.iter().any(|&(k, _)| k == c)
}

/// The piano's state: its octave, velocity and the keys held down.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputerKeyboard {
    /// Octaves above (or below) the one from middle C (C4 = 60).
    pub octave: i8,
    /// The velocity of the notes it plays (1–127).
    pub velocity: u8,
    /// The keys held, with the MIDI note each sounds (a release ends that note even after
    /// the octave changed).
    held: BTreeMap<char, u8>,
}

impl Default for ComputerKeyboard {
    fn default() -> Self {
        ComputerKeyboard {
            octave: 0,
            velocity: 100,
            held: BTreeMap::new(),
        }
    }
}

impl ComputerKeyboard {
    /// A key went down: the note-on it plays, or `None` for a key that plays nothing, a key
    /// already held (the operating system's key repeat) or a control key (which changes the
    /// octave or velocity).
    pub fn press(&mut self, c: char) -> Option<[u8; 3]> {
        match c {
            'z' => self.octave = (self.octave - 1).max(*OCTAVES.start()),
            'x' => self.octave = (self.octave + 1).min(*OCTAVES.end()),
            'c' => self.velocity = self.velocity.saturating_sub(VELOCITY_STEP).max(1),
            'v' => self.velocity = self.velocity.saturating_add(VELOCITY_STEP).min(127),
            _ => {
                if self.held.contains_key(&c) {
                    return None;
                }
                let key = self.note_of(c)?;
                self.held.insert(c, key);
                return Some(note_on(key, self.velocity));
            }
        }
        None
    }

    /// A key went up: the note-off of the note it played, if it played one.
    pub fn release(&mut self, c: char) -> Option<[u8; 3]> {
        self.held.remove(&c).map(note_off)
    }

    /// Lets go of every key: their note-offs (when the piano is switched off, or the window
    /// loses the keyboard).
    pub fn release_all(&mut self) -> Vec<[u8; 3]> {
        std::mem::take(&mut self.held)
            .into_values()
            .map(note_off)
            .collect()
    }

    /// The MIDI note `c` plays at the current octave (`None` for other keys, or past MIDI's
    /// range).
    pub fn note_of(&self, c: char) -> Option<u8> {
        let (_, semitone) = NOTE_KEYS.iter().find(|&&(k, _)| k == c)?;
        let key = 60 + i16::from(self.octave) * 12 + i16::from(*semitone);
        u8::try_from(key).ok().filter(|&k| k <= 127)
    }

    /// The lowest note the home row plays now, e.g. "C4".
    pub fn lowest_name(&self) -> String {
        format!("C{}", 4 + i16::from(self.octave))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_row_plays_white_keys_and_the_row_above_black_keys() {
        let mut k = ComputerKeyboard::default();
        assert_eq!(k.press('a'), Some([0x90, 60, 100]));
        assert_eq!(k.press('w'), Some([0x90, 61, 100]));
        assert_eq!(k.press('k'), Some([0x90, 72, 100]));
        assert_eq!(k.press('q'), None, "q plays nothing");
        assert_eq!(k.release('a'), Some([0x80, 60, 0]));
        assert_eq!(k.release('a'), None, "released once");
    }

    #[test]
    fn key_repeat_does_not_retrigger_and_octave_changes_keep_the_held_note() {
        let mut k = ComputerKeyboard::default();
        assert!(k.press('d').is_some());
        assert_eq!(k.press('d'), None, "the OS repeats a held key");
        k.press('x');
        assert_eq!(k.note_of('d'), Some(76));
        assert_eq!(
            k.release('d'),
            Some([0x80, 64, 0]),
            "ends the note it started"
        );
        for _ in 0..10 {
            k.press('x');
        }
        assert_eq!(k.octave, 3);
        assert_eq!(k.note_of('\''), Some(113));
        for _ in 0..10 {
            k.press('c');
        }
        assert_eq!(k.velocity, 1);
        assert_eq!(k.press('a'), Some([0x90, 96, 1]));
        assert_eq!(k.release_all(), vec![[0x80, 96, 0]]);
        assert_eq!(k.lowest_name(), "C7");
    }
}
