//! Kern tokens: notes and rests with their durations and ties, key signatures, keys.

use crate::error::{Error, Result};
use crate::formats::echo;
use crate::music::{Key, Mode, Pitch, PitchName, Ratio};

/// A spine manipulator: split, join, end, exchange, add.
pub(super) fn is_manipulator(t: &str) -> bool {
    matches!(t, "*^" | "*v" | "*-" | "*x" | "*+")
}

/// Fifths of a kern key signature body such as `b-e-a-` or `f#c#`.
pub(super) fn signature_fifths(sig: &str) -> i32 {
    let sharps = sig.matches('#').count() as i32;
    let flats = sig.matches('-').count() as i32;
    sharps - flats
}

/// A kern key interpretation: `G:` (major), `g:` (minor), `f#:`, `B-:`, `G:dor`.
pub(super) fn kern_key(tonic: &str, mode: &str) -> Option<Key> {
    let mut chars = tonic.chars();
    let letter = chars.next()?;
    if !"abcdefgABCDEFG".contains(letter) {
        return None;
    }
    let mut alter = 0i8;
    for c in chars {
        match c {
            '#' => alter += 1,
            '-' => alter -= 1,
            _ => return None,
        }
    }
    let name = PitchName::new(letter, alter)?;
    let mode = match mode.trim() {
        "" if letter.is_ascii_uppercase() => Mode::Major,
        "" => Mode::Minor,
        m => Mode::parse(m)?,
    };
    Some(Key::new(name, mode))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Tie {
    None,
    Start,
    Middle,
    End,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Event {
    pub(super) pitch: Option<Pitch>,
    pub(super) duration: Ratio,
    pub(super) tie: Tie,
}

/// Parses one note or rest token, e.g. `{8.cc#`, `[4.dd`, `4r`, `16b-}`.
/// Returns `None` for grace notes and tokens without a duration.
pub(super) fn parse_note_token(no: usize, tok: &str) -> Result<Option<Event>> {
    if tok.contains('q') || tok.contains('Q') {
        return Ok(None);
    }
    let bytes = tok.as_bytes();
    let duration = parse_duration(no, tok)?;
    let Some(duration) = duration else {
        return Err(Error::parse(
            Some(no),
            format!("note `{}` has no duration", echo(tok)),
        ));
    };
    let tie = if tok.contains('[') {
        Tie::Start
    } else if tok.contains(']') {
        Tie::End
    } else if tok.contains('_') {
        Tie::Middle
    } else {
        Tie::None
    };
    let pitch = if tok.contains('r') {
        None
    } else {
        let start = bytes
            .iter()
            .position(|b| matches!(b, b'a'..=b'g' | b'A'..=b'G'))
            .ok_or_else(|| Error::parse(Some(no), format!("unknown token `{}`", echo(tok))))?;
        let letter = bytes[start];
        let count = bytes[start..].iter().take_while(|&&b| b == letter).count() as i32;
        let octave = if letter.is_ascii_lowercase() {
            3 + count
        } else {
            4 - count
        };
        let alter = tok.matches('#').count() as i32 - tok.matches('-').count() as i32;
        let name = PitchName::new(letter as char, 0)
            .ok_or_else(|| Error::parse(Some(no), format!("bad pitch in `{}`", echo(tok))))?;
        let midi = 12 * (octave + 1) + name.midi_in_octave_4() - 60 + alter;
        Some(Pitch::from_midi(midi).ok_or_else(|| {
            Error::parse(
                Some(no),
                format!("pitch out of MIDI range in `{}`", echo(tok)),
            )
        })?)
    };
    Ok(Some(Event {
        pitch,
        duration,
        tie,
    }))
}

/// The duration of a token in quarter notes: the first number is the reciprocal
/// (4 = quarter, 8 = eighth, 3 = triplet half, 0 = breve, `3%2` = rational), and each
/// dot adds half of the previous value.
fn parse_duration(no: usize, tok: &str) -> Result<Option<Ratio>> {
    let bytes = tok.as_bytes();
    let Some(start) = bytes.iter().position(u8::is_ascii_digit) else {
        return Ok(None);
    };
    let digits: &str = {
        let end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |e| start + e);
        &tok[start..end]
    };
    let bad = || Error::parse(Some(no), format!("absurd duration in `{}`", echo(tok)));
    let base = if digits.chars().all(|c| c == '0') {
        // 0 = breve (8 quarters), 00 = long, 000 = maxima.
        Ratio::from_int(8 << (digits.len().min(3) - 1))
    } else {
        let recip: i64 = digits.parse().map_err(|_| bad())?;
        if recip > 1 << 20 {
            return Err(bad());
        }
        let after = &tok[start + digits.len()..];
        let denom_extra = after
            .strip_prefix('%')
            .map(|r| {
                r.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|d| d.parse::<i64>().ok())
            .filter(|&d| d > 0 && d < 1 << 20);
        match denom_extra {
            Some(d) => Ratio::new(4 * d, recip),
            None => Ratio::new(4, recip),
        }
    };
    let dots = tok.matches('.').count().min(8) as i64;
    // value * (2 - 1/2^dots)
    let factor = Ratio::new((1 << (dots + 1)) - 1, 1 << dots);
    Ok(Some(base * factor))
}

/// The top note of a token (a chord's highest note; a note wins over a rest), or `None`
/// for grace notes and empty tokens.
pub(super) fn top_of_chord(no: usize, token: &str) -> Result<Option<Event>> {
    let mut best: Option<Event> = None;
    for sub in token.split(' ').filter(|s| !s.is_empty()) {
        let Some(ev) = parse_note_token(no, sub)? else {
            continue;
        };
        best = match best {
            Some(b) if b.pitch >= ev.pitch && !(b.pitch.is_none() && ev.pitch.is_some()) => Some(b),
            _ => Some(ev),
        };
    }
    Ok(best)
}
