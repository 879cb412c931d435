//! The `**kern` reader: spines, splits and joins, ties, chords' top notes, pickups.

use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::formats::echo;
use crate::music::{Key, Melody, Meter, Mode, Note, Pitch, PitchName, Ratio};

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
