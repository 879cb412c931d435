//! MusicXML writing: a melody as the one part of a partwise MusicXML 4.0 score.

use super::durations::{Piece, closest, pieces};
use super::markup::{self, attributes, fifths, header};
use super::spell::{MeasureAccidentals, Speller};
use crate::limits::Limits;
use crate::music::{BarGrid, Change, ChangeKind, Melody, Note, Pitch, Ratio};

/// The most measures written; an absurdly long melody is cut there (`formats::to_bytes`
/// refuses it first).
const MAX_MEASURES: usize = Limits::DEFAULT.max_bars;

/// The largest `<divisions>` written exactly; beyond it durations are rounded.
const MAX_DIVISIONS: i64 = 1 << 30;

/// Divisions used when exact ones would be too large (divisible by 2⁵, 3², 5 and 7).
const FALLBACK_DIVISIONS: i64 = 10_080;

/// The bar grid the writer uses: the melody's, with 4/4 (written hidden) for free meter.
fn grid(melody: &Melody) -> BarGrid {
    let meter = melody.meter.unwrap_or_default();
    BarGrid::new(Some(meter), melody.pickup, melody.meter_changes())
}

/// One written note or rest in a measure.
#[derive(Clone, Debug)]
struct Written {
    pitch: Option<Pitch>,
    piece: Piece,
    tie_start: bool,
    tie_stop: bool,
    whole_measure: bool,
}

/// The spans `(start, length)` of a note, cut at its tie parts and at bar lines.
fn segments(note: &Note, start: Ratio, grid: &BarGrid) -> Vec<(Ratio, Ratio)> {
    let parts_ok = note.tie_parts.iter().all(|p| p.is_positive())
        && note.tie_parts.iter().copied().sum::<Ratio>() == note.duration;
    let parts = if parts_ok {
        note.written_parts()
    } else {
        std::slice::from_ref(&note.duration)
    };
    let mut out = Vec::new();
    let mut t = start;
    for &part in parts {
        let end = t + part;
        while t < end && grid.bar_of(t) < MAX_MEASURES {
            let cut = grid.next_barline(t).map_or(end, |b| b.min(end));
            out.push((t, cut - t));
            t = cut;
        }
    }
    out
}

/// A rest filling a whole measure (its type is not written).
fn whole_rest(length: Ratio) -> Piece {
    Piece {
        length,
        written: closest(length),
        tuplet: None,
    }
}

/// The melody cut into measures of written notes and rests.
fn measures(melody: &Melody, grid: &BarGrid) -> Vec<Vec<Written>> {
    let mut out: Vec<Vec<Written>> = Vec::new();
    let mut t = Ratio::ZERO;
    for note in melody.notes.iter().filter(|n| n.duration.is_positive()) {
        let mut written: Vec<(usize, Written)> = Vec::new();
        for (start, length) in segments(note, t, grid) {
            let index = grid.bar_of(start);
            let bar = grid.bar_end(index).map(|end| end - grid.bar_start(index));
            let whole = note.is_rest() && bar == Some(length) && !grid.is_short(index);
            let split = if whole {
                vec![whole_rest(length)]
            } else {
                pieces(length)
            };
            written.extend(split.into_iter().map(|piece| {
                let w = Written {
                    pitch: note.pitch,
                    piece,
                    tie_start: false,
                    tie_stop: false,
                    whole_measure: whole,
                };
                (index, w)
            }));
        }
        let count = written.len();
        for (k, (index, mut w)) in written.into_iter().enumerate() {
            w.tie_stop = w.pitch.is_some() && k > 0;
            w.tie_start = w.pitch.is_some() && k + 1 < count;
            if out.len() <= index {
                out.resize_with(index + 1, Vec::new);
            }
            out[index].push(w);
        }
        t += note.duration;
    }
    out
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs().max(1)
    } else {
        gcd(b, a % b)
    }
}

/// The least common multiple of the written lengths' denominators, or `None` past the cap.
fn divisions(measures: &[Vec<Written>]) -> Option<i64> {
    let mut lcm: i64 = 1;
    for w in measures.iter().flatten() {
        let den = w.piece.length.den();
        lcm = (lcm / gcd(lcm, den)).checked_mul(den)?;
        if lcm > MAX_DIVISIONS {
            return None;
        }
    }
    Some(lcm)
}

/// A length in divisions (rounded, at least 1, when divisions are not exact).
fn units(length: Ratio, divisions: i64) -> i64 {
    let x = length * Ratio::from_int(divisions);
    if x.den() == 1 {
        x.num()
    } else {
        (x + Ratio::new(1, 2)).floor().max(1)
    }
}

/// The context for writing notes: divisions, spelling, accidentals in force.
struct NoteWriter {
    divisions: i64,
    speller: Speller,
    accidentals: MeasureAccidentals,
}

impl NoteWriter {
    /// Writes a change; a new key signature respells the notes after it.
    fn change(&mut self, out: &mut String, c: &Change) {
        if let ChangeKind::Key { signature, .. } = c.kind {
            self.speller = Speller::new(signature.clamp(-7, 7));
            self.accidentals.clear();
        }
        markup::change(out, c.kind);
    }

    fn note(&mut self, out: &mut String, w: &Written) {
        out.push_str("      <note>\n");
        let accidental = match w.pitch {
            Some(p) => {
                let s = self.speller.spell(p);
                let alter = if s.alter == 0 {
                    String::new()
                } else {
                    format!("<alter>{}</alter>", s.alter)
                };
                out.push_str(&format!(
                    "        <pitch><step>{}</step>{alter}<octave>{}</octave></pitch>\n",
                    s.letter(),
                    s.octave
                ));
                self.accidentals.show(s, &self.speller, w.tie_stop)
            }
            None if w.whole_measure => {
                out.push_str("        <rest measure=\"yes\"/>\n");
                None
            }
            None => {
                out.push_str("        <rest/>\n");
                None
            }
        };
        let duration = units(w.piece.length, self.divisions);
        out.push_str(&format!("        <duration>{duration}</duration>\n"));
        for (on, kind) in [(w.tie_stop, "stop"), (w.tie_start, "start")] {
            if on {
                out.push_str(&format!("        <tie type=\"{kind}\"/>\n"));
            }
        }
        out.push_str("        <voice>1</voice>\n");
        self.appearance(out, w, accidental);
        out.push_str("      </note>\n");
    }

    /// Type, dots, accidental, tuplet ratio and tie notations.
    fn appearance(&self, out: &mut String, w: &Written, accidental: Option<&str>) {
        if !w.whole_measure {
            out.push_str(&format!(
                "        <type>{}</type>\n",
                w.piece.written.type_name
            ));
            for _ in 0..w.piece.written.dots {
                out.push_str("        <dot/>\n");
            }
        }
        if let Some(a) = accidental {
            out.push_str(&format!("        <accidental>{a}</accidental>\n"));
        }
        if let Some((actual, normal)) = w.piece.tuplet {
            out.push_str(&format!(
                "        <time-modification><actual-notes>{actual}</actual-notes>\
                 <normal-notes>{normal}</normal-notes></time-modification>\n"
            ));
        }
        if w.tie_start || w.tie_stop {
            out.push_str("        <notations>\n");
            for (on, kind) in [(w.tie_stop, "stop"), (w.tie_start, "start")] {
                if on {
                    out.push_str(&format!("          <tied type=\"{kind}\"/>\n"));
                }
            }
            out.push_str("        </notations>\n");
        }
    }
}

/// Writes a melody as partwise MusicXML 4.0.
pub fn write(melody: &Melody) -> String {
    let grid = grid(melody);
    let mut bars = measures(melody, &grid);
    if bars.is_empty() {
        let bar = grid.bar_end(0).unwrap_or(Ratio::from_int(4));
        bars.push(vec![Written {
            pitch: None,
            piece: whole_rest(bar),
            tie_start: false,
            tie_stop: false,
            whole_measure: true,
        }]);
    }
    let exact = divisions(&bars);
    let mut writer = NoteWriter {
        divisions: exact.unwrap_or(FALLBACK_DIVISIONS),
        speller: Speller::new(fifths(melody)),
        accidentals: MeasureAccidentals::default(),
    };
    let mut out = String::new();
    header(&mut out, melody);
    out.push_str("  <part id=\"P1\">\n");
    let pickup = grid.is_short(0) && melody.pickup.is_positive();
    let mut changes = melody.changes.iter().peekable();
    for (index, bar) in bars.iter().enumerate() {
        let number = if pickup { index } else { index + 1 };
        let implicit = if pickup && index == 0 {
            " implicit=\"yes\""
        } else {
            ""
        };
        out.push_str(&format!("    <measure number=\"{number}\"{implicit}>\n"));
        if index == 0 {
            attributes(&mut out, melody, writer.divisions);
            if let Some(q) = melody.tempo_qpm {
                markup::tempo(&mut out, q);
            }
        }
        writer.accidentals.clear();
        let mut t = grid.bar_start(index);
        for w in bar {
            while let Some(c) = changes.next_if(|c| c.at <= t) {
                writer.change(&mut out, c);
            }
            writer.note(&mut out, w);
            t += w.piece.length;
        }
        out.push_str("    </measure>\n");
    }
    out.push_str("  </part>\n</score-partwise>\n");
    out
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
