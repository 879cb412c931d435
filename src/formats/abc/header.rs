//! Header field values: `M:` meters, `L:` unit lengths, `Q:` tempos and `K:` keys.

use crate::formats::echo;
use crate::music::{ChangeKind, Key, Meter, Mode, PitchName, Ratio, transpose_fifths};

/// The longest unit length or multiplier we accept in a numeric field.
const MAX_FIELD_NUMBER: i64 = 10_000;

/// Strips a trailing `%` comment from a field value and trims it.
pub(super) fn field_value(value: &str) -> &str {
    value.split('%').next().unwrap_or("").trim()
}

/// Parses an `M:` value: `Some(meter)`, or `None` for free meter (`none`, `FREI…`,
/// or anything we cannot read as a meter).
pub(super) fn parse_meter(value: &str) -> Option<Meter> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if lower.is_empty() || lower.starts_with("none") || lower.starts_with("frei") {
        return None;
    }
    if v.starts_with("C|") {
        return Meter::new(2, 2);
    }
    if v.starts_with('C') {
        return Meter::new(4, 4);
    }
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || "+/() ".contains(c)))
        .unwrap_or(v.len());
    let (top, bottom) = v[..end].split_once('/')?;
    let mut numerator: u32 = 0;
    for part in top.split('+') {
        let n: u32 = part
            .trim_matches(|c: char| "() ".contains(c))
            .parse()
            .ok()?;
        numerator = numerator.checked_add(n)?;
    }
    let denominator: u32 = bottom
        .trim_matches(|c: char| "() ".contains(c))
        .parse()
        .ok()?;
    Meter::new(numerator, denominator)
}

/// Reads a fraction `a/b` or a whole number `a` at the start of `text` (digits only).
fn parse_fraction(text: &str) -> Option<(i64, i64)> {
    let t = text.trim();
    let (a, b) = match t.split_once('/') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (t, "1"),
    };
    let digits = |s: &str| -> Option<i64> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok()
    };
    Some((digits(a)?, digits(b)?))
}

/// Parses an `L:` value (`1/8`, `1/16`, `1`) into quarter notes. `None` when it is
/// not a positive fraction of sensible size.
pub(super) fn parse_unit(value: &str) -> Option<Ratio> {
    let (a, b) = parse_fraction(value)?;
    let ok = |n: i64| (1..=MAX_FIELD_NUMBER).contains(&n);
    (ok(a) && ok(b)).then(|| Ratio::new(4 * a, b))
}

/// The default unit length (ABC 2.1): 1/16 for meters below 3/4, else 1/8.
pub(super) fn default_unit(meter: Option<Meter>) -> Ratio {
    match meter {
        Some(m) if m.bar_length() < Ratio::from_int(3) => Ratio::new(1, 4),
        _ => Ratio::new(1, 2),
    }
}

/// Parses a `Q:` value into quarter notes per minute. `unit` is the `L:` length, used
/// by the deprecated bare form `Q:120` (120 unit notes per minute, as ABC 2.1 says).
pub(super) fn parse_tempo(value: &str, unit: Ratio) -> Option<f64> {
    let text = strip_quoted(value);
    let (beat, bpm) = match text.split_once('=') {
        Some((left, right)) => (parse_beat(left, unit), right),
        None => (unit, text.as_str()),
    };
    let bpm = leading_number(bpm)?;
    let qpm = bpm * beat.to_f64();
    (qpm.is_finite() && qpm > 0.0 && qpm <= 10_000.0).then_some(qpm)
}

/// The beat of a tempo's left side in quarter notes: `1/4` → 1, `1/4 3/8` → 5/2,
/// the old `C2` form → two unit lengths. Falls back to a quarter note.
fn parse_beat(left: &str, unit: Ratio) -> Ratio {
    let mut total = Ratio::ZERO;
    for token in left.split_whitespace() {
        if let Some(rest) = token.strip_prefix(['C', 'c']) {
            let n = rest.parse::<i64>().unwrap_or(1).clamp(1, MAX_FIELD_NUMBER);
            total += unit * Ratio::from_int(n);
        } else if let Some((a, b)) = parse_fraction(token)
            && a > 0
            && (1..=MAX_FIELD_NUMBER).contains(&b)
            && a <= MAX_FIELD_NUMBER
        {
            total += Ratio::new(4 * a, b);
        }
    }
    if total.is_positive() {
        total
    } else {
        Ratio::ONE
    }
}

fn leading_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    t[..end].parse().ok()
}

fn strip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('"').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// How a tune's key (tonic and mode) is decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum KeyChoice {
    /// `K:` names the mode (`K:Em`, `K:Dmix`, `K:G major`): use it as written.
    Stated(Key),
    /// `K:` gives only a tonic (`K:G`): the signature is known, the mode is chosen from
    /// the notes between the major key and its relative minor.
    Signature(i32),
    /// No key (`K:none`, no `K:`): estimate among all 24 major and minor keys.
    Unknown,
}

/// A parsed `K:` field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct KeySpec {
    /// The alteration the signature gives each letter, C to B.
    pub alters: [i8; 7],
    /// The signature in fifths, when there is one.
    pub fifths: Option<i32>,
    /// How the key is decided.
    pub choice: KeyChoice,
    /// An `octave=` shift, in octaves, when given.
    pub octave: Option<i32>,
    /// A `transpose=` shift from written to sounding pitch, in semitones, when given.
    pub transpose: Option<i32>,
}

impl KeySpec {
    /// No key signature (`K:none`).
    pub fn none() -> KeySpec {
        KeySpec {
            alters: [0; 7],
            fifths: None,
            choice: KeyChoice::Unknown,
            octave: None,
            transpose: None,
        }
    }

    /// The key as it sounds `transpose` semitones away from where it is written, as a
    /// change (`None` without a signature).
    pub fn sounding(&self, transpose: i32) -> Option<ChangeKind> {
        let fifths = self.fifths?;
        let signature = if transpose == 0 {
            fifths
        } else {
            transpose_fifths(fifths, transpose)
        };
        let key = match self.choice {
            KeyChoice::Stated(k) if transpose == 0 => Some(k),
            KeyChoice::Stated(k) => {
                let fifths = transpose_fifths(k.signature_fifths(), transpose);
                Some(Key::from_signature(fifths, k.mode))
            }
            _ => None,
        };
        Some(ChangeKind::Key { signature, key })
    }
}

/// Letter order of sharps in a signature, as steps (C = 0): F C G D A E B.
const SHARP_ORDER: [usize; 7] = [3, 0, 4, 1, 5, 2, 6];

/// The per-letter alterations of a signature of `fifths` (+ sharps, − flats).
pub(super) fn signature_alters(fifths: i32) -> [i8; 7] {
    let mut alters = [0i8; 7];
    let f = fifths.clamp(-14, 14);
    for k in 0..f.unsigned_abs() as usize {
        let step = if f > 0 {
            SHARP_ORDER[k % 7]
        } else {
            SHARP_ORDER[6 - k % 7]
        };
        alters[step] += if f > 0 { 1 } else { -1 };
    }
    alters
}

const CLEFS: [&str; 9] = [
    "treble", "bass", "bass3", "alto", "alto1", "alto2", "tenor", "perc", "none",
];

/// Parses a `K:` value. `Err` carries a message for a key we cannot read.
pub(super) fn parse_key(value: &str) -> Result<KeySpec, String> {
    let mut tokens = value.split_whitespace().peekable();
    let Some(first) = tokens.next() else {
        return Ok(KeySpec::none());
    };
    let lower = first.to_ascii_lowercase();
    let mut spec = if lower == "none" || CLEFS.contains(&lower.as_str()) {
        KeySpec::none()
    } else if first.contains('=') {
        let mut spec = KeySpec::none();
        apply_key_token(&mut spec, first);
        spec
    } else if first == "HP" || first == "Hp" {
        highland_pipes(first == "Hp")
    } else {
        let (tonic, rest) =
            parse_tonic(first).ok_or_else(|| format!("unknown key '{}'", echo(first)))?;
        let mut word = rest;
        if word.is_empty()
            && let Some(next) = tokens.peek()
            && is_mode_word(next)
        {
            word = next;
            tokens.next();
        }
        tonic_spec(tonic, word)?
    };
    let mut explicit_only = false;
    for token in tokens.by_ref() {
        if token.eq_ignore_ascii_case("exp") {
            explicit_only = true;
            spec.alters = [0; 7];
        } else {
            apply_key_token(&mut spec, token);
        }
    }
    if explicit_only && spec.fifths.is_some() {
        // `K:D exp ^f` keeps the tonic but writes only the listed accidentals.
        spec.fifths = Some(0);
    }
    Ok(spec)
}

fn highland_pipes(sharps: bool) -> KeySpec {
    let a_mix = Key::new(PitchName { step: 5, alter: 0 }, Mode::Mixolydian);
    let mut spec = KeySpec::none();
    if sharps {
        spec.alters = signature_alters(2);
        spec.fifths = Some(2);
    } else {
        spec.fifths = Some(0);
    }
    spec.choice = KeyChoice::Stated(a_mix);
    spec
}

fn is_mode_word(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_alphabetic())
        && !CLEFS.contains(&word.to_ascii_lowercase().as_str())
        && !word.eq_ignore_ascii_case("exp")
        && Mode::parse(word).is_some()
}

/// Reads a tonic: a letter (`H` is German B natural) and `#`/`b` or German `is`/`es`/`s`.
/// Returns the name and the rest of the token (a mode word, perhaps).
fn parse_tonic(token: &str) -> Option<(PitchName, &str)> {
    let mut chars = token.chars();
    let letter = chars.next()?;
    let letter = match letter {
        'H' | 'h' => 'B',
        c => c,
    };
    if !letter.is_ascii_alphabetic() {
        return None;
    }
    let mut rest = chars.as_str();
    let mut alter: i8 = 0;
    loop {
        if let Some(r) = rest.strip_prefix('#') {
            alter = alter.saturating_add(1);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('b') {
            alter = alter.saturating_sub(1);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("is") {
            alter = alter.saturating_add(1);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("es").or_else(|| rest.strip_prefix('s')) {
            alter = alter.saturating_sub(1);
            rest = r;
        } else {
            break;
        }
    }
    let name = PitchName::new(letter, alter.clamp(-3, 3))?;
    Some((name, rest))
}

fn tonic_spec(tonic: PitchName, word: &str) -> Result<KeySpec, String> {
    let stated = if word.is_empty() {
        None
    } else {
        Some(Mode::parse(word).ok_or_else(|| format!("unknown mode '{}' in K:", echo(word)))?)
    };
    let mode = stated.unwrap_or(Mode::Major);
    let key = Key::new(tonic, mode);
    let fifths = key.signature_fifths();
    Ok(KeySpec {
        alters: signature_alters(fifths),
        fifths: Some(fifths),
        choice: match stated {
            Some(_) => KeyChoice::Stated(key),
            None => KeyChoice::Signature(fifths),
        },
        octave: None,
        transpose: None,
    })
}

/// A `V:` value: the voice's id and its `transpose=`, when given.
pub(super) fn voice_field(value: &str) -> (String, Option<i32>) {
    let mut tokens = value.split_whitespace();
    let id = tokens.next().unwrap_or("").to_string();
    let transpose = tokens
        .find_map(|t| t.strip_prefix("transpose="))
        .and_then(|v| v.parse::<i32>().ok())
        .map(|t| t.clamp(-48, 48));
    (id, transpose)
}

/// Applies one token after the tonic: an accidental (`^f`, `_b`, `=c`) or a property
/// (`octave=-1`); clefs and unknown properties are ignored.
fn apply_key_token(spec: &mut KeySpec, token: &str) {
    if let Some(v) = token.strip_prefix("octave=") {
        spec.octave = v.parse::<i32>().ok().map(|o| o.clamp(-4, 4));
        return;
    }
    if let Some(v) = token.strip_prefix("transpose=") {
        spec.transpose = v.parse::<i32>().ok().map(|t| t.clamp(-48, 48));
        return;
    }
    let marks = token.chars().take_while(|c| "^_=".contains(*c)).count();
    if marks == 0 || marks > 2 {
        return;
    }
    let (acc, letter) = token.split_at(marks);
    let alter = match acc {
        "^" => 1,
        "^^" => 2,
        "_" => -1,
        "__" => -2,
        "=" => 0,
        _ => return,
    };
    if letter.chars().count() == 1
        && let Some(name) = letter.chars().next().and_then(|c| PitchName::new(c, 0))
    {
        spec.alters[name.step as usize] = alter;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meters() {
        assert_eq!(parse_meter("2/4"), Meter::new(2, 4));
        assert_eq!(parse_meter(" C"), Meter::new(4, 4));
        assert_eq!(parse_meter("C|"), Meter::new(2, 2));
        assert_eq!(parse_meter("none"), None);
        assert_eq!(parse_meter("FREI4/4"), None);
        assert_eq!(parse_meter("2/2]"), Meter::new(2, 2));
        assert_eq!(parse_meter("2+3/8"), Meter::new(5, 8));
        assert_eq!(parse_meter("(2+2+3)/8"), Meter::new(7, 8));
        assert_eq!(parse_meter("99999999999/4"), None);
    }

    #[test]
    fn units_and_tempos() {
        assert_eq!(parse_unit("1/8"), Some(Ratio::new(1, 2)));
        assert_eq!(parse_unit("1"), Some(Ratio::from_int(4)));
        assert_eq!(parse_unit("0"), None);
        assert_eq!(parse_unit("1/0"), None);
        assert_eq!(parse_unit("x"), None);
        let half = Ratio::new(1, 2);
        assert_eq!(parse_tempo("1/4=120", half), Some(120.0));
        assert_eq!(parse_tempo("3/8=60", half), Some(90.0));
        assert_eq!(parse_tempo("\"Allegro\" 1/4=100", half), Some(100.0));
        assert_eq!(parse_tempo("120", Ratio::ONE), Some(120.0));
        assert_eq!(parse_tempo("120", half), Some(60.0));
        assert_eq!(parse_tempo("1/4 1/4=60", half), Some(120.0));
        assert_eq!(parse_tempo("fast", half), None);
    }

    #[test]
    fn keys() {
        let g = parse_key("G").unwrap();
        assert_eq!(g.fifths, Some(1));
        assert_eq!(g.choice, KeyChoice::Signature(1));
        assert_eq!(g.alters, [0, 0, 0, 1, 0, 0, 0]);
        let em = parse_key("Em").unwrap();
        assert_eq!(em.fifths, Some(1));
        assert!(matches!(em.choice, KeyChoice::Stated(k) if k.mode == Mode::Minor));
        assert_eq!(parse_key("F#min").unwrap().fifths, Some(3));
        assert_eq!(parse_key("Dmix").unwrap().fifths, Some(1));
        assert_eq!(parse_key("A dorian").unwrap().fifths, Some(1));
        assert_eq!(parse_key("H").unwrap().fifths, Some(5));
        assert_eq!(parse_key("Es").unwrap().fifths, Some(-3));
        assert_eq!(parse_key("Bb").unwrap().alters, [0, 0, -1, 0, 0, 0, -1]);
        assert_eq!(parse_key("none").unwrap(), KeySpec::none());
        assert_eq!(parse_key("").unwrap(), KeySpec::none());
        let bass = parse_key("C clef=bass").unwrap();
        assert_eq!(bass.choice, KeyChoice::Signature(0));
        let d = parse_key("D =c ^g").unwrap();
        assert_eq!(d.alters, [0, 0, 0, 1, 1, 0, 0]);
        assert_eq!(parse_key("C octave=-1").unwrap().octave, Some(-1));
        assert_eq!(parse_key("D transpose=-2").unwrap().transpose, Some(-2));
        assert!(parse_key("Xyz").is_err());
        assert!(parse_key("Gfoo").is_err());
        assert_eq!(signature_alters(-7), [-1; 7]);
    }
}
