//! The `**kern` writer: one spine with bar lines from the meter, ties across them.

use crate::limits::Limits;
use crate::music::{BarGrid, Change, ChangeKind, Key, Melody, Mode, Note, Ratio};
use std::fmt::Write as _;

/// Writes a melody as a one-spine `**kern` file with bar lines from its meter.
/// Notes that cross a bar line, or cannot be written as one token, become tied pieces.
/// Meter, key and tempo changes are interpretations where they take effect.
pub fn write(melody: &Melody) -> String {
    let mut out = String::new();
    if let Some(t) = &melody.title {
        let _ = writeln!(out, "!!!OTL: {}", t.replace(['\n', '\t'], " "));
    }
    out.push_str("**kern\n");
    if let Some(m) = melody.meter {
        interpretation(&mut out, ChangeKind::Meter(m));
    }
    let fifths = melody
        .key_signature
        .or(melody.key.map(Key::signature_fifths))
        .unwrap_or(0);
    interpretation(
        &mut out,
        ChangeKind::Key {
            signature: fifths,
            key: melody.key,
        },
    );
    if let Some(q) = melody.tempo_qpm {
        interpretation(&mut out, ChangeKind::Tempo(q));
    }
    let mut bars = BarCursor::new(melody);
    if melody.meter.is_some() && !melody.pickup.is_positive() {
        out.push_str("=1-\n");
    }
    for note in &melody.notes {
        if bars.past_limit() {
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
                Piece::Change(kind) => {
                    interpretation(&mut out, kind);
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

/// A meter, key or tempo as kern interpretations: `*M3/4`; `*k[f#]` and `*G:`; `*MM96`.
fn interpretation(out: &mut String, kind: ChangeKind) {
    match kind {
        ChangeKind::Meter(m) => {
            let _ = writeln!(out, "*M{}/{}", m.numerator, m.denominator);
        }
        ChangeKind::Key { signature, key } => {
            let _ = writeln!(out, "*k[{}]", signature_body(signature));
            if let Some(k) = key {
                let _ = writeln!(out, "*{}", key_interpretation(k));
            }
        }
        ChangeKind::Tempo(q) => {
            let _ = writeln!(out, "*MM{}", q.round() as i64);
        }
    }
}

/// Walks through the bars, cutting durations at bar lines and placing the changes.
struct BarCursor<'a> {
    grid: BarGrid,
    /// The time written so far.
    now: Ratio,
    /// Added to a bar's index for the number its bar line shows.
    numbering: usize,
    changes: std::iter::Peekable<std::slice::Iter<'a, Change>>,
}

/// A piece of a note as written: a duration, the bar line (with its number) that falls
/// inside the note, or a change that takes effect there.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Piece {
    Note(Ratio),
    Bar(usize),
    Change(ChangeKind),
}

impl<'a> BarCursor<'a> {
    fn new(melody: &'a Melody) -> BarCursor<'a> {
        let grid = BarGrid::of(melody);
        let numbering = if grid.is_short(0) && melody.pickup.is_positive() {
            0
        } else {
            1
        };
        BarCursor {
            grid,
            now: Ratio::ZERO,
            numbering,
            changes: melody.changes.iter().peekable(),
        }
    }

    fn past_limit(&self) -> bool {
        self.grid.bar_of(self.now) >= Limits::DEFAULT.max_bars
    }

    /// Writable pieces of `d`, with the bar lines and changes that fall inside it.
    /// Stops after the bar limit: nothing past it is written.
    fn split(&mut self, mut d: Ratio) -> Vec<Piece> {
        let mut out = Vec::new();
        while d.is_positive() && !self.past_limit() {
            while let Some(c) = self.changes.next_if(|c| c.at <= self.now) {
                out.push(Piece::Change(c.kind));
            }
            let barline = self.grid.next_barline(self.now);
            let take = barline.map_or(d, |b| d.min(b - self.now));
            out.extend(split_representable(take).into_iter().map(Piece::Note));
            d -= take;
            self.now += take;
            if barline == Some(self.now) {
                let index = self.grid.bar_of(self.now);
                out.push(Piece::Bar(index + self.numbering));
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
