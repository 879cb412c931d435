//! The General MIDI sound set: 128 program names in 16 families, so an instrument is picked by name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The 128 General MIDI Level 1 program names, by program number (0-based, as sent in a
/// MIDI program change).
pub const GM_PROGRAM_NAMES: [&str; 128] = [
    // Piano
    "Acoustic Grand Piano",
    "Bright Acoustic Piano",
    "Electric Grand Piano",
    "Honky-tonk Piano",
    "Electric Piano 1",
    "Electric Piano 2",
    "Harpsichord",
    "Clavi",
    // Chromatic percussion
    "Celesta",
    "Glockenspiel",
    "Music Box",
    "Vibraphone",
    "Marimba",
    "Xylophone",
    "Tubular Bells",
    "Dulcimer",
    // Organ
    "Drawbar Organ",
    "Percussive Organ",
    "Rock Organ",
    "Church Organ",
    "Reed Organ",
    "Accordion",
    "Harmonica",
    "Tango Accordion",
    // Guitar
    "Acoustic Guitar (nylon)",
    "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)",
    "Electric Guitar (clean)",
    "Electric Guitar (muted)",
    "Overdriven Guitar",
    "Distortion Guitar",
    "Guitar Harmonics",
    // Bass
    "Acoustic Bass",
    "Electric Bass (finger)",
    "Electric Bass (pick)",
    "Fretless Bass",
    "Slap Bass 1",
    "Slap Bass 2",
    "Synth Bass 1",
    "Synth Bass 2",
    // Strings
    "Violin",
    "Viola",
    "Cello",
    "Contrabass",
    "Tremolo Strings",
    "Pizzicato Strings",
    "Orchestral Harp",
    "Timpani",
    // Ensemble
    "String Ensemble 1",
    "String Ensemble 2",
    "Synth Strings 1",
    "Synth Strings 2",
    "Choir Aahs",
    "Voice Oohs",
    "Synth Voice",
    "Orchestra Hit",
    // Brass
    "Trumpet",
    "Trombone",
    "Tuba",
    "Muted Trumpet",
    "French Horn",
    "Brass Section",
    "Synth Brass 1",
    "Synth Brass 2",
    // Reed
    "Soprano Sax",
    "Alto Sax",
    "Tenor Sax",
    "Baritone Sax",
    "Oboe",
    "English Horn",
    "Bassoon",
    "Clarinet",
    // Pipe
    "Piccolo",
    "Flute",
    "Recorder",
    "Pan Flute",
    "Blown Bottle",
    "Shakuhachi",
    "Whistle",
    "Ocarina",
    // Synth lead
    "Lead 1 (square)",
    "Lead 2 (sawtooth)",
    "Lead 3 (calliope)",
    "Lead 4 (chiff)",
    "Lead 5 (charang)",
    "Lead 6 (voice)",
    "Lead 7 (fifths)",
    "Lead 8 (bass + lead)",
    // Synth pad
    "Pad 1 (new age)",
    "Pad 2 (warm)",
    "Pad 3 (polysynth)",
    "Pad 4 (choir)",
    "Pad 5 (bowed)",
    "Pad 6 (metallic)",
    "Pad 7 (halo)",
    "Pad 8 (sweep)",
    // Synth effects
    "FX 1 (rain)",
    "FX 2 (soundtrack)",
    "FX 3 (crystal)",
    "FX 4 (atmosphere)",
    "FX 5 (brightness)",
    "FX 6 (goblins)",
    "FX 7 (echoes)",
    "FX 8 (sci-fi)",
    // Ethnic
    "Sitar",
    "Banjo",
    "Shamisen",
    "Koto",
    "Kalimba",
    "Bagpipe",
    "Fiddle",
    "Shanai",
    // Percussive
    "Tinkle Bell",
    "Agogo",
    "Steel Drums",
    "Woodblock",
    "Taiko Drum",
    "Melodic Tom",
    "Synth Drum",
    "Reverse Cymbal",
    // Sound effects
    "Guitar Fret Noise",
    "Breath Noise",
    "Seashore",
    "Bird Tweet",
    "Telephone Ring",
    "Helicopter",
    "Applause",
    "Gunshot",
];

/// The 16 General MIDI families; family `i` holds programs `8 * i .. 8 * i + 8`.
pub const GM_FAMILIES: [&str; 16] = [
    "Piano",
    "Chromatic percussion",
    "Organ",
    "Guitar",
    "Bass",
    "Strings",
    "Ensemble",
    "Brass",
    "Reed",
    "Pipe",
    "Synth lead",
    "Synth pad",
    "Synth effects",
    "Ethnic",
    "Percussive",
    "Sound effects",
];

/// A General MIDI program number, 0–127 (0 is Acoustic Grand Piano).
///
/// ```
/// use lstmuse::synth::GmProgram;
///
/// let flute = GmProgram::new(73).unwrap();
/// assert_eq!(flute.name(), "Flute");
/// assert_eq!(flute.family(), "Pipe");
/// assert_eq!(flute.to_string(), "73 Flute");
/// assert!(GmProgram::new(128).is_none());
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(from = "u64", into = "u8")]
pub struct GmProgram(u8);

impl GmProgram {
    /// The highest program number.
    pub const MAX: u8 = 127;
    /// Program 0, Acoustic Grand Piano.
    pub const PIANO: GmProgram = GmProgram(0);

    /// The program `number`, or `None` above 127.
    pub fn new(number: u8) -> Option<GmProgram> {
        (number <= Self::MAX).then_some(GmProgram(number))
    }

    /// The program `number`, with anything above 127 taken as 127 (for remembered settings,
    /// which must load whatever a file holds).
    pub fn saturating(number: u8) -> GmProgram {
        GmProgram(number.min(Self::MAX))
    }

    /// Every program, in number order.
    pub fn all() -> impl Iterator<Item = GmProgram> {
        (0..=Self::MAX).map(GmProgram)
    }

    /// The program number, 0–127.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The General MIDI name: `Acoustic Grand Piano`.
    pub fn name(self) -> &'static str {
        GM_PROGRAM_NAMES[usize::from(self.0)]
    }

    /// The General MIDI family: `Piano`, `Strings`, `Pipe`, …
    pub fn family(self) -> &'static str {
        GM_FAMILIES[usize::from(self.0 / 8)]
    }
}

impl From<u64> for GmProgram {
    /// Clamps to 127 (how remembered settings are read).
    fn from(number: u64) -> GmProgram {
        GmProgram::saturating(u8::try_from(number).unwrap_or(u8::MAX))
    }
}

impl From<GmProgram> for u8 {
    fn from(program: GmProgram) -> u8 {
        program.0
    }
}

impl fmt::Display for GmProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_families_line_up() {
        let mut names: Vec<&str> = GM_PROGRAM_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 128);
        let at = |n| GmProgram::new(n).unwrap();
        assert_eq!(at(0).name(), "Acoustic Grand Piano");
        assert_eq!(at(40).name(), "Violin");
        assert_eq!(at(40).family(), "Strings");
        assert_eq!(at(56).name(), "Trumpet");
        assert_eq!(at(127).name(), "Gunshot");
        assert_eq!(at(127).family(), "Sound effects");
        assert_eq!(GmProgram::all().count(), 128);
    }

    #[test]
    fn settings_values_out_of_range_are_clamped_not_rejected() {
        for text in ["200", "300", "18446744073709551615"] {
            let p: GmProgram = serde_json::from_str(text).unwrap();
            assert_eq!(p.number(), 127, "{text}");
        }
        assert_eq!(
            serde_json::to_string(&GmProgram::new(24).unwrap()).unwrap(),
            "24"
        );
    }
}
