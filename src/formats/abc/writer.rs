//! Writes a melody as one readable ABC tune: `L:1/16`, bar lines by the meter, notes
//! spelled for the key signature, and ties where a note crosses a bar line.

use super::header::signature_alters;
use crate::limits::Limits;
use crate::music::{BarGrid, Change, ChangeKind, Key, Melody, Mode, Note, Pitch, PitchName, Ratio};
use std::fmt::Write as _;

/// `L:1/16`: four units to a quarter note.
const UNITS_PER_QUARTER: i64 = 4;
/// Finest length we write; finer durations are rounded to it.
const FINEST_DENOMINATOR: i64 = 960;
const BARS_PER_LINE: usize = 4;
const EVENTS_PER_LINE_WITHOUT_METER: usize = 16;

/// Writes a melody as a single-tune ABC text (`X:1`) that [`super::parse_tunes`] reads
/// back with the same pitches and durations.
pub fn write(melody: &Melody) -> String {
    let mut out = String::from("X:1\n");
    if let Some(title) = melody.title.as_deref().and_then(|t| t.lines().next())
        && !title.trim().is_empty()
    {
        let _ = writeln!(out, "T:{}", title.trim());
    }
    match melody.meter {
        Some(m) => {
            let _ = writeln!(out, "M:{m}");
        }
        None => out.push_str("M:none\n"),
    }
    out.push_str("L:1/16\n");
    if let Some(q) = melody.tempo_qpm.filter(|q| q.is_finite() && *q >= 0.5) {
        let _ = writeln!(out, "Q:1/4={}", q.round());
    }
    let (key_text, fifths) = key_field(melody.key, melody.key_signature);
    let _ = writeln!(out, "K:{key_text}");
    let mut body = BodyWriter::new(melody, fifths);
    for note in &melody.notes {
        body.note(note);
    }
    out.push_str(&body.finish());
    out
}

/// The `K:` value and the signature the notes are spelled for. A stated key names its
/// mode (`Gmaj`, `Em`, `Ddor`) so that it reads back unchanged.
fn key_field(key: Option<Key>, signature: Option<i32>) -> (String, i32) {
    match (key, signature) {
        (Some(k), _) => (
            format!("{}{}", k.tonic, mode_suffix(k.mode)),
            k.signature_fifths(),
        ),
        (None, Some(f)) => (Key::from_signature(f, Mode::Major).tonic.to_string(), f),
        (None, None) => ("none".to_string(), 0),
    }
}

fn mode_suffix(mode: Mode) -> &'static str {
    match mode {
        Mode::Major => "maj",
        Mode::Minor => "m",
        Mode::Dorian => "dor",
        Mode::Phrygian => "phr",
        Mode::Lydian => "lyd",
        Mode::Mixolydian => "mix",
        Mode::Locrian => "loc",
    }
}

struct BodyWriter<'a> {
    out: String,
    fifths: i32,
    key: [i8; 7],
    grid: BarGrid,
    /// Whether the melody has bar lines at all (a meter, or a meter change).
    barred: bool,
    /// The time written so far.
    now: Ratio,
    changes: std::iter::Peekable<std::slice::Iter<'a, Change>>,
    accidentals: Vec<(u8, i32, i8)>,
    bars_on_line: usize,
    events_on_line: usize,
    /// Bar lines written so far.
    bars: usize,
}

impl<'a> BodyWriter<'a> {
    fn new(melody: &'a Melody, fifths: i32) -> BodyWriter<'a> {
        BodyWriter {
            out: String::new(),
            fifths,
            key: signature_alters(fifths),
            grid: BarGrid::of(melody),
            barred: melody.meter.is_some() || melody.meter_changes().next().is_some(),
            now: Ratio::ZERO,
            changes: melody.changes.iter().peekable(),
            accidentals: Vec::new(),
            bars_on_line: 0,
            events_on_line: 0,
            bars: 0,
        }
    }

    /// Writes a note's written pieces, split at bar lines and tied together. Nothing is
    /// written past the bar limit (callers check it first: `formats::to_bytes`).
    fn note(&mut self, note: &Note) {
        if !note.duration.is_positive() {
            return;
        }
        let parts = written_parts(note);
        for (i, &part) in parts.iter().enumerate() {
            let mut left = part;
            while left.is_positive() && self.bars <= Limits::DEFAULT.max_bars {
                self.changes_due();
                let barline = self.grid.next_barline(self.now);
                let chunk = barline.map_or(left, |b| left.min(b - self.now));
                left -= chunk;
                let last = i + 1 == parts.len() && !left.is_positive();
                self.event(note.pitch, chunk, note.pitch.is_some() && !last);
                self.now += chunk;
                if barline == Some(self.now) {
                    self.bar_line();
                }
            }
        }
    }

    /// Writes the changes that take effect by now as inline fields.
    fn changes_due(&mut self) {
        while let Some(c) = self.changes.next_if(|c| c.at <= self.now) {
            if !self.out.is_empty() && !self.out.ends_with('\n') {
                self.out.push(' ');
            }
            let _ = match c.kind {
                ChangeKind::Meter(m) => write!(self.out, "[M:{m}]"),
                ChangeKind::Key { signature, key } => {
                    let (text, fifths) = key_field(key, Some(signature));
                    self.fifths = fifths;
                    self.key = signature_alters(fifths);
                    self.accidentals.clear();
                    write!(self.out, "[K:{text}]")
                }
                ChangeKind::Tempo(q) => write!(self.out, "[Q:1/4={}]", q.round()),
            };
        }
    }

    fn event(&mut self, pitch: Option<Pitch>, duration: Ratio, tie: bool) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        match pitch {
            Some(p) => self.pitch(p),
            None => self.out.push('z'),
        }
        self.out.push_str(&length_text(duration));
        if tie {
            self.out.push('-');
        }
        self.events_on_line += 1;
        if !self.barred && self.events_on_line >= EVENTS_PER_LINE_WITHOUT_METER {
            self.out.push('\n');
            self.events_on_line = 0;
        }
    }

    /// The note name, with an accidental where the bar so far and the key need one.
    fn pitch(&mut self, p: Pitch) {
        let (name, octave) = spell(p, self.fifths);
        let current = self
            .accidentals
            .iter()
            .find(|&&(s, o, _)| (s, o) == (name.step, octave))
            .map_or(self.key[usize::from(name.step % 7)], |&(_, _, a)| a);
        if name.alter != current {
            self.out.push_str(match name.alter {
                a if a >= 2 => "^^",
                1 => "^",
                0 => "=",
                -1 => "_",
                _ => "__",
            });
            self.accidentals
                .retain(|&(s, o, _)| (s, o) != (name.step, octave));
            self.accidentals.push((name.step, octave, name.alter));
        }
        let letter = crate::music::STEP_LETTERS[usize::from(name.step % 7)];
        if octave >= 5 {
            self.out.push(letter.to_ascii_lowercase());
            self.out
                .push_str(&"'".repeat((octave - 5).clamp(0, 10) as usize));
        } else {
            self.out.push(letter);
            self.out
                .push_str(&",".repeat((4 - octave).clamp(0, 10) as usize));
        }
    }

    fn bar_line(&mut self) {
        self.accidentals.clear();
        self.bars += 1;
        self.bars_on_line += 1;
        if self.bars_on_line >= BARS_PER_LINE {
            self.out.push_str(" |\n");
            self.bars_on_line = 0;
        } else {
            self.out.push_str(" |");
        }
    }

    fn finish(mut self) -> String {
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if self.out.ends_with('|') {
            self.out.push_str("]\n");
        } else {
            self.out.push_str(" |]\n");
        }
        self.out
    }
}

/// The pieces to write: the tie parts when they are consistent, else the duration.
fn written_parts(note: &Note) -> Vec<Ratio> {
    let parts = &note.tie_parts;
    let consistent = !parts.is_empty()
        && parts.iter().all(|p| p.is_positive())
        && parts.iter().copied().sum::<Ratio>() == note.duration;
    if consistent {
        parts.clone()
    } else {
        vec![note.duration]
    }
}

/// The spelling of a pitch nearest the key on the line of fifths (at most one sharp or
/// flat), and its written octave.
fn spell(p: Pitch, fifths: i32) -> (PitchName, i32) {
    let pc = i32::from(p.pitch_class());
    let base = (pc * 7).rem_euclid(12);
    // Centre of the window from three flats below to eight sharps above the signature.
    let centre2 = 2 * fifths + 5;
    let best = [base - 12, base, base + 12]
        .into_iter()
        .filter(|f| (-8..=12).contains(f))
        .min_by_key(|f| (2 * f - centre2).abs())
        .unwrap_or(base);
    let name = PitchName::from_fifths(best);
    let octave = (i32::from(p.midi()) - i32::from(name.alter)).div_euclid(12) - 1;
    (name, octave)
}

/// A length in sixteenths: `""` for one, `3`, `/2`, `3/2`, `4/3`.
fn length_text(duration: Ratio) -> String {
    let mut units = duration * Ratio::from_int(UNITS_PER_QUARTER);
    if units.den() > FINEST_DENOMINATOR {
        let steps = (units * Ratio::from_int(FINEST_DENOMINATOR))
            .to_f64()
            .round() as i64;
        units = Ratio::new(steps.max(1), FINEST_DENOMINATOR);
    }
    match (units.num(), units.den()) {
        (1, 1) => String::new(),
        (n, 1) => n.to_string(),
        (1, d) => format!("/{d}"),
        (n, d) => format!("{n}/{d}"),
    }
}
