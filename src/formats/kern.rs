//! Humdrum `**kern` reader and writer (the Essen Folksong Collection's format).

use super::ReadOptions;
use super::echo;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::music::{Key, Melody, Meter, Mode, Note, Pitch, PitchName, Ratio};
use std::fmt::Write as _;

/// Parses a `**kern` file into one melody.
///
/// With several `**kern` spines the top voice is read: Humdrum puts the highest staff in
/// the rightmost spine. `options.part` picks another spine (0 = leftmost `**kern` spine).
/// Chords give their highest note; grace notes are dropped; tied notes become one note.
pub fn parse(text: &str, options: &ReadOptions) -> Result<Melody> {
    let mut reader = Reader::new(options.part);
    for (i, line) in text.lines().enumerate() {
        reader.line(i + 1, line.trim_end_matches('\r'))?;
    }
    reader.finish()
}

/// Tracks spine columns through splits and joins, and builds the melody.
struct Reader {
    wanted: Option<usize>,
    /// Spine id of each column (splits share an id); `None` before `**` is seen.
    columns: Option<Vec<usize>>,
    /// Spine ids of the `**kern` spines, left to right.
    kern_spines: Vec<usize>,
    chosen: Option<usize>,
    melody: Melody,
    open_tie: Option<usize>,
    bars_seen: usize,
    first_bar_length: Ratio,
    notes_before_first_bar: bool,
    saw_end: bool,
}

impl Reader {
    fn new(wanted: Option<usize>) -> Reader {
        Reader {
            wanted,
            columns: None,
            kern_spines: Vec::new(),
            chosen: None,
            melody: Melody::new(),
            open_tie: None,
            bars_seen: 0,
            first_bar_length: Ratio::ZERO,
            notes_before_first_bar: false,
            saw_end: false,
        }
    }

    fn line(&mut self, no: usize, line: &str) -> Result<()> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix("!!!") {
            self.reference_record(rest);
            return Ok(());
        }
        if line.starts_with('!') {
            return Ok(());
        }
        let Some(columns) = &self.columns else {
            return self.exclusive_interpretations(no, line);
        };
        let tokens: Vec<&str> = line.split('\t').collect();
        if tokens.len() != columns.len() {
            return Err(Error::parse(
                Some(no),
                format!(
                    "expected {} spines, found {} fields",
                    columns.len(),
                    tokens.len()
                ),
            ));
        }
        let Some(chosen) = self.chosen else {
            return Ok(());
        };
        if line.starts_with('*') && tokens.iter().any(|t| is_manipulator(t)) {
            let cell = self.token_of(&tokens, chosen).map(str::to_owned);
            if let Some(t) = cell {
                if !t.starts_with('*') {
                    return Err(Error::parse(
                        Some(no),
                        format!(
                            "`{}` on a spine-manipulator line is not an interpretation",
                            echo(&t)
                        ),
                    ));
                }
                self.interpretation(&t)?;
            }
            return self.manipulate(no, &tokens);
        }
        let Some(token) = self.token_of(&tokens, chosen) else {
            return Ok(());
        };
        let token = token.to_owned();
        if token.starts_with('*') {
            self.interpretation(&token)
        } else if token.starts_with('=') {
            self.barline();
            Ok(())
        } else if token == "." || token.starts_with('!') {
            Ok(())
        } else {
            self.data(no, &token)
        }
    }

    fn token_of<'a>(&self, tokens: &[&'a str], spine: usize) -> Option<&'a str> {
        let columns = self.columns.as_ref()?;
        let col = columns.iter().position(|&s| s == spine)?;
        tokens.get(col).copied()
    }

    fn reference_record(&mut self, rest: &str) {
        let Some((key, value)) = rest.split_once(':') else {
            return;
        };
        let key = key.trim();
        if (key == "OTL" || key.starts_with("OTL@")) && self.melody.title.is_none() {
            let v = value.trim();
            if !v.is_empty() {
                self.melody.title = Some(v.to_owned());
            }
        }
    }

    fn exclusive_interpretations(&mut self, no: usize, line: &str) -> Result<()> {
        let tokens: Vec<&str> = line.split('\t').collect();
        if !tokens.iter().all(|t| t.starts_with("**")) {
            return Err(Error::parse(
                Some(no),
                format!("expected a `**kern` header line, found `{}`", echo(line)),
            ));
        }
        self.columns = Some((0..tokens.len()).collect());
        self.kern_spines = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == "**kern")
            .map(|(i, _)| i)
            .collect();
        if self.kern_spines.is_empty() {
            return Err(Error::parse(Some(no), "no `**kern` spine in the file"));
        }
        self.chosen = match self.wanted {
            None => self.kern_spines.last().copied(),
            Some(i) => Some(*self.kern_spines.get(i).ok_or_else(|| {
                Error::Invalid(format!(
                    "spine {i} asked for, but the file has {} **kern spines",
                    self.kern_spines.len()
                ))
            })?),
        };
        Ok(())
    }

    fn manipulate(&mut self, no: usize, tokens: &[&str]) -> Result<()> {
        let Some(columns) = &self.columns else {
            return Ok(());
        };
        let mut next = Vec::with_capacity(columns.len() + 1);
        let mut i = 0;
        while i < tokens.len() {
            let id = columns[i];
            match tokens[i] {
                "*^" => {
                    next.push(id);
                    next.push(id);
                }
                "*v" => {
                    next.push(id);
                    while i + 1 < tokens.len() && tokens[i + 1] == "*v" {
                        i += 1;
                    }
                }
                "*-" => {
                    if Some(id) == self.chosen && !columns.iter().skip(i + 1).any(|&c| c == id) {
                        self.saw_end = true;
                    }
                }
                "*x" => {
                    if i + 1 < tokens.len() && tokens[i + 1] == "*x" {
                        next.push(columns[i + 1]);
                        next.push(id);
                        i += 1;
                    } else {
                        next.push(id);
                    }
                }
                "*+" => {
                    next.push(id);
                    next.push(usize::MAX - no);
                }
                _ => next.push(id),
            }
            i += 1;
        }
        self.columns = Some(next);
        Ok(())
    }

    fn interpretation(&mut self, token: &str) -> Result<()> {
        let Some(body) = token.strip_prefix('*') else {
            return Ok(());
        };
        if let Some(m) = body.strip_prefix('M')
            && let Some((n, d)) = m.split_once('/')
            && let (Ok(n), Ok(d)) = (n.parse::<u32>(), d.parse::<u32>())
        {
            if self.melody.meter.is_none() && self.melody.notes.is_empty() {
                self.melody.meter = Meter::new(n, d);
            }
            return Ok(());
        }
        if let Some(sig) = body.strip_prefix("k[").and_then(|s| s.strip_suffix(']')) {
            if self.melody.key_signature.is_none() {
                self.melody.key_signature = Some(signature_fifths(sig));
            }
            return Ok(());
        }
        if let Some(mm) = body.strip_prefix("MM")
            && let Ok(bpm) = mm.trim().parse::<f64>()
        {
            if bpm.is_finite() && bpm > 0.0 && self.melody.tempo_qpm.is_none() {
                self.melody.tempo_qpm = Some(bpm);
            }
            return Ok(());
        }
        if let Some((tonic, mode)) = body.split_once(':')
            && !tonic.is_empty()
            && tonic
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '#' || c == '-')
            && tonic.len() <= 3
        {
            // A malformed key, like any unknown interpretation, is ignored.
            if let Some(key) = kern_key(tonic, mode)
                && self.melody.key.is_none()
            {
                self.melody.key = Some(key);
            }
        }
        Ok(())
    }

    fn barline(&mut self) {
        if self.bars_seen == 0 {
            self.first_bar_length = self.melody.duration();
            self.notes_before_first_bar = !self.melody.notes.is_empty();
        }
        self.bars_seen += 1;
    }

    fn data(&mut self, no: usize, token: &str) -> Result<()> {
        if self.saw_end {
            return Ok(());
        }
        // A chord: the highest note is the top voice.
        let mut best: Option<Event> = None;
        for sub in token.split(' ').filter(|s| !s.is_empty()) {
            let Some(ev) = parse_note_token(no, sub)? else {
                continue;
            };
            best = match best {
                Some(b) if b.pitch >= ev.pitch && !(b.pitch.is_none() && ev.pitch.is_some()) => {
                    Some(b)
                }
                _ => Some(ev),
            };
        }
        let Some(ev) = best else {
            return Ok(());
        };
        self.push(ev)
    }

    fn push(&mut self, ev: Event) -> Result<()> {
        if let Some(idx) = self.open_tie {
            let continues = matches!(ev.tie, Tie::Middle | Tie::End);
            if continues
                && let Some(last) = self.melody.notes.get_mut(idx)
                && last.pitch == ev.pitch
            {
                if last.tie_parts.is_empty() {
                    last.tie_parts.push(last.duration);
                }
                last.tie_parts.push(ev.duration);
                last.duration += ev.duration;
                if ev.tie == Tie::End {
                    self.open_tie = None;
                }
                return Ok(());
            }
            // A tie that never closes is read as written.
            self.open_tie = None;
        }
        let note = Note {
            pitch: ev.pitch,
            duration: ev.duration,
            tie_parts: Vec::new(),
        };
        self.melody.notes.push(note);
        if ev.tie == Tie::Start && ev.pitch.is_some() {
            self.open_tie = Some(self.melody.notes.len() - 1);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Melody> {
        if self.columns.is_none() {
            return Err(Error::parse(None, "no `**kern` header: not a Humdrum file"));
        }
        if self.melody.notes.iter().all(Note::is_rest) {
            return Err(Error::parse(None, "no notes in the **kern spine"));
        }
        if let Some(meter) = self.melody.meter
            && self.bars_seen > 0
            && self.notes_before_first_bar
            && self.first_bar_length < meter.bar_length()
        {
            self.melody.pickup = self.first_bar_length;
        }
        Ok(self.melody)
    }
}

fn is_manipulator(t: &str) -> bool {
    matches!(t, "*^" | "*v" | "*-" | "*x" | "*+")
}

/// Fifths of a kern key signature body such as `b-e-a-` or `f#c#`.
fn signature_fifths(sig: &str) -> i32 {
    let sharps = sig.matches('#').count() as i32;
    let flats = sig.matches('-').count() as i32;
    sharps - flats
}

/// A kern key interpretation: `G:` (major), `g:` (minor), `f#:`, `B-:`, `G:dor`.
fn kern_key(tonic: &str, mode: &str) -> Option<Key> {
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
enum Tie {
    None,
    Start,
    Middle,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Event {
    pitch: Option<Pitch>,
    duration: Ratio,
    tie: Tie,
}

/// Parses one note or rest token, e.g. `{8.cc#`, `[4.dd`, `4r`, `16b-}`.
/// Returns `None` for grace notes and tokens without a duration.
fn parse_note_token(no: usize, tok: &str) -> Result<Option<Event>> {
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

/// Writes a melody as a one-spine `**kern` file with bar lines from its meter.
/// Notes that cross a bar line, or cannot be written as one token, become tied pieces.
pub fn write(melody: &Melody) -> String {
    let mut out = String::new();
    if let Some(t) = &melody.title {
        let _ = writeln!(out, "!!!OTL: {}", t.replace(['\n', '\t'], " "));
    }
    out.push_str("**kern\n");
    if let Some(m) = melody.meter {
        let _ = writeln!(out, "*M{}/{}", m.numerator, m.denominator);
    }
    let fifths = melody
        .key_signature
        .or(melody.key.map(Key::signature_fifths))
        .unwrap_or(0);
    let _ = writeln!(out, "*k[{}]", signature_body(fifths));
    if let Some(k) = melody.key {
        let _ = writeln!(out, "*{}", key_interpretation(k));
    }
    if let Some(q) = melody.tempo_qpm {
        let _ = writeln!(out, "*MM{}", q.round() as i64);
    }
    let mut bars = BarCursor::new(melody);
    if melody.meter.is_some() && !melody.pickup.is_positive() {
        out.push_str("=1-\n");
    }
    for note in &melody.notes {
        if bars.number as usize > Limits::DEFAULT.max_bars {
            // Past the bar limit (callers check it first: `formats::to_bytes`).
            break;
        }
        let pieces = bars.split(note.duration);
        let count = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Note(_)))
            .count();
        let mut index = 0;
        for piece in pieces {
            let d = match piece {
                Piece::Note(d) => d,
                Piece::Bar(number) => {
                    let _ = writeln!(out, "={number}");
                    continue;
                }
            };
            let (open, close) = match (note.is_rest() || count == 1, index, index + 1 == count) {
                (true, _, _) => ("", ""),
                (false, 0, _) => ("[", ""),
                (false, _, true) => ("", "]"),
                _ => ("", "_"),
            };
            let _ = writeln!(out, "{open}{}{}{close}", kern_duration(d), kern_pitch(note));
            index += 1;
        }
    }
    out.push_str("==\n*-\n");
    out
}

/// Walks through bars, cutting durations at bar lines.
struct BarCursor {
    bar: Option<Ratio>,
    room: Ratio,
    /// The number of the next bar line.
    number: u32,
}

/// A piece of a note as written: a duration, or the bar line (with its number) that
/// falls inside the note.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Piece {
    Note(Ratio),
    Bar(u32),
}

impl BarCursor {
    fn new(melody: &Melody) -> BarCursor {
        let bar = melody.meter.map(Meter::bar_length);
        let (room, number) = match bar {
            Some(b) if melody.pickup.is_positive() && melody.pickup < b => (melody.pickup, 1),
            Some(b) => (b, 2),
            None => (Ratio::ZERO, 1),
        };
        BarCursor { bar, room, number }
    }

    /// Writable pieces of `d`, and the bar lines that fall inside it. Stops after the
    /// bar limit: nothing past it is written.
    fn split(&mut self, mut d: Ratio) -> Vec<Piece> {
        let mut out = Vec::new();
        let Some(bar) = self.bar else {
            out.extend(split_representable(d).into_iter().map(Piece::Note));
            return out;
        };
        while d.is_positive() && self.number as usize <= Limits::DEFAULT.max_bars {
            let take = d.min(self.room);
            out.extend(split_representable(take).into_iter().map(Piece::Note));
            d -= take;
            self.room -= take;
            if !self.room.is_positive() {
                out.push(Piece::Bar(self.number));
                self.number += 1;
                self.room = bar;
            }
        }
        out
    }
}

fn signature_body(fifths: i32) -> String {
    const SHARPS: [&str; 7] = ["f#", "c#", "g#", "d#", "a#", "e#", "b#"];
    const FLATS: [&str; 7] = ["b-", "e-", "a-", "d-", "g-", "c-", "f-"];
    let n = fifths.unsigned_abs().min(7) as usize;
    if fifths >= 0 {
        SHARPS[..n].concat()
    } else {
        FLATS[..n].concat()
    }
}

fn key_interpretation(k: Key) -> String {
    let name = k.tonic.to_string().replace('b', "-");
    let (letter, acc) = name.split_at(1);
    match k.mode {
        Mode::Major => format!("{letter}{acc}:"),
        Mode::Minor => format!("{}{acc}:", letter.to_ascii_lowercase()),
        m => format!(
            "{letter}{acc}:{}",
            format!("{m:?}").to_ascii_lowercase()[..3].to_owned()
        ),
    }
}

fn kern_pitch(note: &Note) -> String {
    let Some(p) = note.pitch else {
        return "r".into();
    };
    const LETTERS: [(&str, i32); 12] = [
        ("c", 0),
        ("c", 1),
        ("d", 0),
        ("e", -1),
        ("e", 0),
        ("f", 0),
        ("f", 1),
        ("g", 0),
        ("a", -1),
        ("a", 0),
        ("b", -1),
        ("b", 0),
    ];
    let (letter, alter) = LETTERS[p.pitch_class() as usize];
    let octave = p.octave();
    let body = if octave >= 4 {
        letter.repeat((octave - 3) as usize)
    } else {
        letter
            .to_ascii_uppercase()
            .repeat((4 - octave).max(1) as usize)
    };
    let acc = match alter {
        1 => "#",
        -1 => "-",
        _ => "",
    };
    format!("{body}{acc}")
}

/// Kern spelling of a representable duration (see [`split_representable`]).
fn kern_duration(d: Ratio) -> String {
    for dots in 0..=2i64 {
        let factor = Ratio::new((1 << (dots + 1)) - 1, 1 << dots);
        let base = d / factor;
        // base = 4 / recip  =>  recip = 4 / base
        let recip = Ratio::from_int(4) / base;
        if recip.den() == 1 && recip.num() > 0 {
            return format!("{}{}", recip.num(), ".".repeat(dots as usize));
        }
        if base == Ratio::from_int(8) {
            return format!("0{}", ".".repeat(dots as usize));
        }
    }
    // Anything else as a rational reciprocal: 4/d = p/q  ->  "p%q".
    let r = Ratio::from_int(4) / d;
    format!("{}%{}", r.num(), r.den())
}

/// Splits a duration into pieces kern can write as one token, longest first.
fn split_representable(d: Ratio) -> Vec<Ratio> {
    if simple(d) {
        return vec![d];
    }
    let mut out = Vec::new();
    let mut rest = d;
    let mut unit = Ratio::from_int(8);
    while rest.is_positive() && out.len() < 16 {
        while unit > rest && unit > Ratio::new(1, 64) {
            unit = unit / Ratio::from_int(2);
        }
        if unit > rest {
            out.push(rest);
            break;
        }
        out.push(unit);
        rest -= unit;
        if simple(rest) && rest.is_positive() {
            out.push(rest);
            break;
        }
    }
    out
}

fn simple(d: Ratio) -> bool {
    if !d.is_positive() {
        return false;
    }
    (0..=2i64).any(|dots| {
        let factor = Ratio::new((1 << (dots + 1)) - 1, 1 << dots);
        let recip = Ratio::from_int(4) / (d / factor);
        (recip.den() == 1 && recip.num() > 0) || d / factor == Ratio::from_int(8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_non_ascii_tokens_on_manipulator_lines_are_errors_not_panics() {
        // The chosen (rightmost) spine's token on a `*^` line was sliced at byte 1.
        for bad in ["", "é", "€x", "4c"] {
            let text = format!("**kern\t**kern\n*^\t{bad}\n4c\t4c\t4d\n*-\t*-\t*-\n");
            let e = parse(&text, &Default::default()).unwrap_err().to_string();
            assert!(
                e.contains("line 2") && e.contains("not an interpretation"),
                "{bad:?}: {e}"
            );
        }
    }

    const SONG: &str = "!!!OTL: TEST\n**kern\n*ICvox\n*M3/4\n*k[f#]\n*G:\n{8d\n=1\n4g\n8.a\n16b\n4cc\n=2\n[4.dd\n8dd_\n4dd]}\n=3\n4r\n8G#\n8BB-\n4q8c\n4c\n==\n*-\n";

    #[test]
    fn reads_meter_key_pickup_ties_and_octaves() {
        let m = parse(SONG, &ReadOptions::default()).unwrap();
        assert_eq!(m.title.as_deref(), Some("TEST"));
        assert_eq!(m.meter, Meter::new(3, 4));
        assert_eq!(m.key_signature, Some(1));
        assert_eq!(m.key.unwrap().to_string(), "G Major");
        assert_eq!(m.pickup, Ratio::new(1, 2));
        let pitches: Vec<_> = m.notes.iter().map(|n| n.pitch.map(|p| p.midi())).collect();
        assert_eq!(
            pitches,
            vec![
                Some(62),
                Some(67),
                Some(69),
                Some(71),
                Some(72),
                Some(74),
                None,
                Some(56),
                Some(46),
                Some(60)
            ]
        );
        let tied = &m.notes[5];
        assert_eq!(tied.duration, Ratio::from_int(3));
        assert_eq!(
            tied.tie_parts,
            vec![Ratio::new(3, 2), Ratio::new(1, 2), Ratio::ONE]
        );
        assert_eq!(m.notes[3].duration, Ratio::new(1, 4));
        assert_eq!(m.notes[2].duration, Ratio::new(3, 4));
    }

    #[test]
    fn chooses_top_spine_or_asked_spine() {
        let text = "**kern\t**kern\n4C\t4c\n4D\t4d 4f\n*-\t*-\n";
        let top = parse(text, &ReadOptions::default()).unwrap();
        assert_eq!(top.notes[1].pitch, Some(Pitch(65)));
        let low = parse(
            text,
            &ReadOptions {
                part: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(low.notes[0].pitch, Some(Pitch(48)));
        assert!(
            parse(
                text,
                &ReadOptions {
                    part: Some(5),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn follows_spine_splits() {
        let text = "**kern\t**text\n4c\tla\n*^\t*\n4d\t4e\tli\n*v\t*v\t*\n4f\tlo\n*-\t*-\n";
        let m = parse(text, &ReadOptions::default()).unwrap();
        let p: Vec<_> = m.notes.iter().map(|n| n.pitch.unwrap().midi()).collect();
        assert_eq!(p, vec![60, 62, 65]);
    }

    #[test]
    fn triplets_and_breves() {
        let m = parse("**kern\n12c\n12d\n12e\n0f\n*-\n", &ReadOptions::default()).unwrap();
        assert_eq!(m.notes[0].duration, Ratio::new(1, 3));
        assert_eq!(m.notes[3].duration, Ratio::from_int(8));
    }

    #[test]
    fn junk_never_panics() {
        let inputs = [
            "",
            "**kern",
            "**kern\n999999999999999999999c\n*-\n",
            "**kern\n4x\n*-\n",
            "**kern\t**kern\n4c\n",
            "\u{0}\u{1}binary\u{ff}",
            "**kern\n4cccccccccccccccccccccc\n*-\n",
            "**kern\n*^\n*v\n*v\n4c\n",
            "**kern\n4..........c\n4%\n4%0c\n[4c\n4d]\n*-\n",
        ];
        for i in inputs {
            let _ = parse(i, &ReadOptions::default());
        }
        for cut in 0..SONG.len() {
            let _ = parse(&SONG[..cut], &ReadOptions::default());
        }
    }

    #[test]
    fn writer_round_trips() {
        let m = parse(SONG, &ReadOptions::default()).unwrap();
        let text = write(&m);
        let back = parse(&text, &ReadOptions::default()).unwrap();
        let strip = |m: &Melody| -> Vec<(Option<Pitch>, Ratio)> {
            m.notes.iter().map(|n| (n.pitch, n.duration)).collect()
        };
        assert_eq!(strip(&back), strip(&m), "{text}");
        assert_eq!(back.pickup, m.pickup);
        assert_eq!(back.key, m.key);
        assert_eq!(back.meter, m.meter);
    }
}
