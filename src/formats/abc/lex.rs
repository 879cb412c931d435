//! Low-level scanning of a music line: pitches, lengths, numbers and skipped spans.

use crate::music::{Ratio, STEP_LETTERS};

/// The largest number in a note length (`A3/2`) or multi-measure rest (`Z8`).
pub(super) const MAX_LENGTH_NUMBER: i64 = 100_000;

/// A pitch as written: letter, octave, and an explicit accidental if any.
#[derive(Clone, Copy, Debug)]
pub(super) struct WrittenPitch {
    /// 0 = C … 6 = B.
    pub step: u8,
    /// Scientific octave (`C` = 4, `c` = 5).
    pub octave: i32,
    /// `^` = 1, `__` = −2, `=` = 0; `None` without an accidental.
    pub explicit: Option<i8>,
}

/// A character of a note length: a digit or `/`.
pub(super) fn is_length_char(c: u8) -> bool {
    c.is_ascii_digit() || c == b'/'
}

/// The index after the next `delim` at or after `from`, or the end of the line.
pub(super) fn skip_past(b: &[u8], from: usize, delim: u8) -> usize {
    b.get(from..)
        .and_then(|rest| rest.iter().position(|&c| c == delim))
        .map_or(b.len(), |k| from + k + 1)
}

/// `!trill!` or `+trill+`; a lone `!` or `+` is skipped by itself.
pub(super) fn skip_decoration(b: &[u8], i: usize) -> usize {
    let delim = b[i];
    match b[i + 1..].iter().position(|&c| c == delim) {
        Some(k) => i + k + 2,
        None => i + 1,
    }
}

/// A number of at most a few digits (tuplets, endings); larger ones saturate.
pub(super) fn small_number(b: &[u8], mut j: usize) -> (Option<i64>, usize) {
    let mut value: Option<i64> = None;
    while let Some(&c) = b.get(j).filter(|c| c.is_ascii_digit()) {
        let v = value.unwrap_or(0).saturating_mul(10) + i64::from(c - b'0');
        value = Some(v.min(1_000_000));
        j += 1;
    }
    (value, j)
}

/// A length number; `Err` when it is too large.
pub(super) fn read_number(b: &[u8], mut j: usize) -> Result<(Option<i64>, usize), String> {
    let mut value: Option<i64> = None;
    let mut too_big = false;
    while let Some(&c) = b.get(j).filter(|c| c.is_ascii_digit()) {
        let v = value
            .unwrap_or(0)
            .saturating_mul(10)
            .saturating_add(i64::from(c - b'0'));
        too_big |= v > MAX_LENGTH_NUMBER;
        value = Some(v.min(MAX_LENGTH_NUMBER + 1));
        j += 1;
    }
    if too_big {
        Err("note length too large".to_string())
    } else {
        Ok((value, j))
    }
}

/// A note length after a note: `2`, `/`, `//`, `3/2`, `/4`, as a multiple of `L:`.
pub(super) fn read_length(b: &[u8], j: usize) -> Result<(Ratio, usize), String> {
    let (num, mut j) = read_number(b, j)?;
    let mut den: i64 = 1;
    while b.get(j) == Some(&b'/') {
        let (d, k) = read_number(b, j + 1)?;
        j = k;
        den = den
            .checked_mul(d.unwrap_or(2))
            .filter(|&d| d <= MAX_LENGTH_NUMBER)
            .ok_or("note length too short")?;
    }
    let num = num.unwrap_or(1);
    if num == 0 || den == 0 {
        return Err("note length of zero".to_string());
    }
    Ok((Ratio::new(num, den), j))
}

/// Accidentals, a letter and octave marks at `i`; `None` if no letter follows.
pub(super) fn read_pitch(b: &[u8], i: usize) -> Option<(WrittenPitch, usize)> {
    let mut j = i;
    let mut explicit: Option<i8> = None;
    while let Some(&c) = b.get(j) {
        let step = match c {
            b'^' => 1,
            b'_' => -1,
            b'=' => 0,
            _ => break,
        };
        explicit = Some(match (explicit, step) {
            (_, 0) | (None, _) => step,
            (Some(a), s) => (a + s).clamp(-2, 2),
        });
        j += 1;
    }
    // Microtonal accidentals (`^3/4c`, `_/c`) are read as whole semitones.
    while b.get(j).is_some_and(|&c| is_length_char(c)) && explicit.is_some() {
        j += 1;
    }
    let letter = *b.get(j)?;
    let upper = char::from(letter.to_ascii_uppercase());
    let step = u8::try_from(STEP_LETTERS.iter().position(|&c| c == upper)?).ok()?;
    let octave = if letter.is_ascii_lowercase() { 5 } else { 4 };
    j += 1;
    let mut octave: i32 = octave;
    while let Some(&c) = b.get(j) {
        match c {
            b'\'' => octave = (octave + 1).min(20),
            b',' => octave = (octave - 1).max(-20),
            _ => break,
        }
        j += 1;
    }
    Some((
        WrittenPitch {
            step,
            octave,
            explicit,
        },
        j,
    ))
}
