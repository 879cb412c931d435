//! Keys, modes and key signatures, and key estimation from notes (Krumhansl–Schmuckler).

use super::pitch::PitchName;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A mode. Major and minor are what the preprocessing transposes; the church modes
/// come from ABC headers such as `K:Dmix`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Ionian.
    Major,
    /// Aeolian.
    Minor,
    /// Dorian.
    Dorian,
    /// Phrygian.
    Phrygian,
    /// Lydian.
    Lydian,
    /// Mixolydian.
    Mixolydian,
    /// Locrian.
    Locrian,
}

impl Mode {
    /// Fifths the signature moves relative to the major key on the same tonic.
    pub fn fifths_offset(self) -> i32 {
        match self {
            Mode::Lydian => 1,
            Mode::Major => 0,
            Mode::Mixolydian => -1,
            Mode::Dorian => -2,
            Mode::Minor => -3,
            Mode::Phrygian => -4,
            Mode::Locrian => -5,
        }
    }

    /// Semitones of the scale above the tonic.
    pub fn scale(self) -> [u8; 7] {
        match self {
            Mode::Major => [0, 2, 4, 5, 7, 9, 11],
            Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
            Mode::Dorian => [0, 2, 3, 5, 7, 9, 10],
            Mode::Phrygian => [0, 1, 3, 5, 7, 8, 10],
            Mode::Lydian => [0, 2, 4, 6, 7, 9, 11],
            Mode::Mixolydian => [0, 2, 4, 5, 7, 9, 10],
            Mode::Locrian => [0, 1, 3, 5, 6, 8, 10],
        }
    }

    /// Parses a mode word as ABC and kern write it (`maj`, `m`, `min`, `dor`, `mix`, …).
    pub fn parse(word: &str) -> Option<Mode> {
        let w = word.trim().to_ascii_lowercase();
        if w.is_empty() {
            return Some(Mode::Major);
        }
        // The first three characters name the mode (char-safe: user text may be any UTF-8).
        let head: String = w.chars().take(3).collect();
        let p = |full: &str| head.chars().count() == 3 && full.starts_with(&head);
        Some(match () {
            _ if w == "m" => Mode::Minor,
            _ if p("major") || p("ionian") => Mode::Major,
            _ if p("minor") || p("aeolian") => Mode::Minor,
            _ if p("dorian") => Mode::Dorian,
            _ if p("phrygian") => Mode::Phrygian,
            _ if p("lydian") => Mode::Lydian,
            _ if p("mixolydian") => Mode::Mixolydian,
            _ if p("locrian") => Mode::Locrian,
            _ => return None,
        })
    }
}

/// A key: tonic name and mode.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    /// The spelled tonic, e.g. B♭.
    pub tonic: PitchName,
    /// The mode.
    pub mode: Mode,
}

impl Key {
    /// A key from tonic and mode.
    pub fn new(tonic: PitchName, mode: Mode) -> Key {
        Key { tonic, mode }
    }

    /// The key signature in fifths (+ sharps, − flats).
    pub fn signature_fifths(self) -> i32 {
        self.tonic.fifths() + self.mode.fifths_offset()
    }

    /// The key with a given signature and mode (e.g. 1 sharp, minor → E minor).
    pub fn from_signature(fifths: i32, mode: Mode) -> Key {
        Key::new(PitchName::from_fifths(fifths - mode.fifths_offset()), mode)
    }

    /// Pitch classes of the scale.
    pub fn scale_pitch_classes(self) -> [u8; 7] {
        let t = self.tonic.pitch_class();
        self.mode.scale().map(|s| (t + s) % 12)
    }

    /// Whether a pitch class belongs to the scale.
    pub fn contains_pitch_class(self, pc: u8) -> bool {
        self.scale_pitch_classes().contains(&(pc % 12))
    }

    /// The semitones that move this key onto C major or A minor the way the seed
    /// preprocessing does: the tonic is taken in octave 4 and moved onto C4 (major)
    /// or A4 (minor), so major keys move down 0–11 semitones and minor keys −2…+9.
    /// Other modes move their tonic onto C4 like major keys.
    pub fn semitones_to_c_or_a(self) -> i32 {
        let target = if self.mode == Mode::Minor { 69 } else { 60 };
        target - self.tonic.midi_in_octave_4()
    }

    /// Parses `C`, `Bb`, `F#m`, `Dmix`, `Ador`, German `H`/`Es`, and kern's `B-:`/`g:` forms.
    pub fn parse(text: &str) -> Option<Key> {
        let t = text.trim();
        let mut chars = t.chars();
        let letter = chars.next()?;
        let rest: &str = chars.as_str();
        // German names: H = B natural, B = B flat only with German spelling hints.
        let (letter, mut rest) = match letter {
            'H' | 'h' => ('B', rest),
            _ => (letter, rest),
        };
        let mut alter = 0i8;
        loop {
            if let Some(r) = rest.strip_prefix('#') {
                alter += 1;
                rest = r;
            } else if let Some(r) = rest.strip_prefix('b') {
                alter -= 1;
                rest = r;
            } else if let Some(r) = rest.strip_prefix('-') {
                alter -= 1;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("es").or_else(|| rest.strip_prefix("s")) {
                // German: Es, As, Des, Ges.
                alter -= 1;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("is") {
                alter += 1;
                rest = r;
            } else {
                break;
            }
        }
        let tonic = PitchName::new(letter, alter)?;
        let word = rest.split_whitespace().next().unwrap_or("");
        let mode = match Mode::parse(word) {
            Some(m) => m,
            // `K:G clef=bass` and similar: a property, not a mode.
            None if word.contains('=') => Mode::Major,
            None => return None,
        };
        Some(Key::new(tonic, mode))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.tonic, self.mode)
    }
}

/// Key profiles for correlation-based key finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyProfile {
    /// Krumhansl–Kessler probe-tone ratings, as used by Krumhansl–Schmuckler.
    KrumhanslKessler,
    /// Aarden–Essen profiles, derived from the Essen collection (music21's default `key`).
    AardenEssen,
}

impl KeyProfile {
    fn weights(self) -> ([f64; 12], [f64; 12]) {
        match self {
            KeyProfile::KrumhanslKessler => (
                [
                    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
                ],
                [
                    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
                ],
            ),
            KeyProfile::AardenEssen => (
                [
                    17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062,
                    0.145624, 8.15494, 0.232998, 4.95122,
                ],
                [
                    18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161,
                    4.56621, 1.93186, 7.37619, 1.75623,
                ],
            ),
        }
    }
}

fn correlation(a: &[f64; 12], b: &[f64; 12]) -> f64 {
    let ma = a.iter().sum::<f64>() / 12.0;
    let mb = b.iter().sum::<f64>() / 12.0;
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        num += (a[i] - ma) * (b[i] - mb);
        da += (a[i] - ma).powi(2);
        db += (b[i] - mb).powi(2);
    }
    if da == 0.0 || db == 0.0 {
        0.0
    } else {
        num / (da * db).sqrt()
    }
}

/// The correlation of a duration-weighted pitch-class histogram with one key's profile.
pub fn key_correlation(histogram: &[f64; 12], key: Key, profile: KeyProfile) -> f64 {
    let (major, minor) = profile.weights();
    let base = if key.mode == Mode::Minor {
        minor
    } else {
        major
    };
    let t = key.tonic.pitch_class() as usize;
    let mut rotated = [0.0; 12];
    for (i, w) in base.iter().enumerate() {
        rotated[(i + t) % 12] = *w;
    }
    correlation(histogram, &rotated)
}

/// Krumhansl–Schmuckler key finding: the major or minor key whose profile correlates
/// best with `histogram` (pitch-class durations, index 0 = C), chosen among `candidates`.
/// Returns `None` for an empty histogram or no candidates.
pub fn estimate_key(histogram: &[f64; 12], candidates: &[Key], profile: KeyProfile) -> Option<Key> {
    if histogram.iter().all(|&v| v == 0.0) {
        return None;
    }
    let mut best: Option<(f64, Key)> = None;
    for &k in candidates {
        let c = key_correlation(histogram, k, profile);
        if best.is_none_or(|(b, _)| c > b) {
            best = Some((c, k));
        }
    }
    best.map(|(_, k)| k)
}

/// The 24 major and minor keys, spelled with at most six flats or six sharps.
pub fn all_major_minor_keys() -> Vec<Key> {
    let mut keys = Vec::with_capacity(24);
    for pc in 0..12 {
        for mode in [Mode::Major, Mode::Minor] {
            // Pick the spelling with the smaller signature.
            let best = (-7..=7)
                .map(|f| Key::from_signature(f, mode))
                .filter(|k| k.tonic.pitch_class() == pc)
                .min_by_key(|k| k.signature_fifths().abs());
            if let Some(k) = best {
                keys.push(k);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_keys_and_modes_are_refused_not_panics() {
        // `K:Ga€` in ABC, a kern `*Ga€:`, a MusicXML <mode>, `generate --scale`: a multi-byte
        // character inside the first three letters used to panic at a byte slice.
        for text in ["Ga€", "G€", "Gm€x", "Cdö", "Aé", "G\u{1F3B5}"] {
            assert_eq!(Key::parse(text), None, "{text}");
        }
        for word in ["a€", "€€€", "mi€", "dö"] {
            assert_eq!(Mode::parse(word), None, "{word}");
        }
        assert_eq!(Mode::parse("Dorisch"), Some(Mode::Dorian));
    }

    #[test]
    fn signatures_and_parsing() {
        let e_minor = Key::from_signature(1, Mode::Minor);
        assert_eq!(e_minor.tonic.to_string(), "E");
        assert_eq!(Key::parse("Dmix").unwrap().signature_fifths(), 1);
        assert_eq!(Key::parse("Ador").unwrap().signature_fifths(), 1);
        assert_eq!(Key::parse("Edor").unwrap().signature_fifths(), 2);
        assert_eq!(Key::parse("Bb").unwrap().signature_fifths(), -2);
        assert_eq!(Key::parse("F#m").unwrap().signature_fifths(), 3);
        assert_eq!(Key::parse("H").unwrap().signature_fifths(), 5);
        assert_eq!(Key::parse("Es").unwrap().signature_fifths(), -3);
        assert_eq!(Key::parse("Bbm").unwrap().signature_fifths(), -5);
        assert_eq!(Key::parse("B-").unwrap().signature_fifths(), -2);
    }

    #[test]
    fn seed_transposition_ranges() {
        for k in all_major_minor_keys() {
            let s = k.semitones_to_c_or_a();
            match k.mode {
                Mode::Minor => assert!((-2..=9).contains(&s), "{k}: {s}"),
                _ => assert!((-11..=0).contains(&s), "{k}: {s}"),
            }
        }
    }

    #[test]
    fn key_finding_on_scales() {
        let mut h = [0.0; 12];
        for pc in [0, 2, 4, 5, 7, 9, 11, 0, 4, 7] {
            h[pc] += 1.0;
        }
        let k = estimate_key(&h, &all_major_minor_keys(), KeyProfile::KrumhanslKessler).unwrap();
        assert_eq!(k.to_string(), "C Major");
        let mut h = [0.0; 12];
        for pc in [9, 11, 0, 2, 4, 5, 8, 9, 9, 4, 0] {
            h[pc] += 1.0;
        }
        let k = estimate_key(&h, &all_major_minor_keys(), KeyProfile::KrumhanslKessler).unwrap();
        assert_eq!(k.to_string(), "A Minor");
    }
}
