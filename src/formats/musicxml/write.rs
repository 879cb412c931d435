//! MusicXML writing: a melody as the one part of a partwise MusicXML 4.0 score.

use super::durations::{Piece, closest, pieces};
use super::spell::{MeasureAccidentals, Speller};
use crate::limits::Limits;
use crate::music::{Melody, Meter, Mode, Note, Pitch, Ratio};

/// The most measures written; an absurdly long melody is cut there (`formats::to_bytes`
/// refuses it first).
const MAX_MEASURES: usize = Limits::DEFAULT.max_bars;

/// The largest `<divisions>` written exactly; beyond it durations are rounded.
const MAX_DIVISIONS: i64 = 1 << 30;

/// Divisions used when exact ones would be too large (divisible by 2⁵, 3², 5 and 7).
const FALLBACK_DIVISIONS: i64 = 10_080;

/// Where bar lines fall: the bar length and the pickup (zero when none).
#[derive(Clone, Copy, Debug)]
struct Layout {
    bar: Ratio,
    pickup: Ratio,
}

impl Layout {
    fn new(melody: &Melody) -> Layout {
        let bar = melody.meter.unwrap_or_default().bar_length();
        let pickup = if melody.pickup.is_positive() && melody.pickup < bar {
            melody.pickup
        } else {
            Ratio::ZERO
        };
        Layout { bar, pickup }
    }

    /// The measure (0-based) holding time `t`.
    fn measure_index(self, t: Ratio) -> usize {
        let bars = |from: Ratio| usize::try_from(((t - from) / self.bar).floor()).unwrap_or(0);
        if !self.pickup.is_positive() {
            bars(Ratio::ZERO)
        } else if t < self.pickup {
            0
        } else {
            bars(self.pickup).saturating_add(1)
        }
    }

    /// The first bar line after `t`.
    fn next_barline(self, t: Ratio) -> Ratio {
        if t < self.pickup {
            return self.pickup;
        }
        let done = ((t - self.pickup) / self.bar).floor();
        self.pickup + self.bar * Ratio::from_int(done.saturating_add(1))
    }

    /// The full length of measure `index`.
    fn measure_length(self, index: usize) -> Ratio {
        if index == 0 && self.pickup.is_positive() {
            self.pickup
        } else {
            self.bar
        }
    }
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
fn segments(note: &Note, start: Ratio, layout: Layout) -> Vec<(Ratio, Ratio)> {
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
        while t < end && layout.measure_index(t) < MAX_MEASURES {
            let cut = layout.next_barline(t).min(end);
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
fn measures(melody: &Melody, layout: Layout) -> Vec<Vec<Written>> {
    let mut out: Vec<Vec<Written>> = Vec::new();
    let mut t = Ratio::ZERO;
    for note in melody.notes.iter().filter(|n| n.duration.is_positive()) {
        let mut written: Vec<(usize, Written)> = Vec::new();
        for (start, length) in segments(note, t, layout) {
            let index = layout.measure_index(start);
            let whole = note.is_rest()
                && length == layout.measure_length(index)
                && !(index == 0 && layout.pickup.is_positive());
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

/// Escapes text for XML content and attributes, dropping characters XML forbids.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Major => "major",
        Mode::Minor => "minor",
        Mode::Dorian => "dorian",
        Mode::Phrygian => "phrygian",
        Mode::Lydian => "lydian",
        Mode::Mixolydian => "mixolydian",
        Mode::Locrian => "locrian",
    }
}

/// A number without needless decimals (`120`, `92.5`).
fn number(value: f64) -> String {
    let s = format!("{value:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The key signature to write, in fifths.
fn fifths(melody: &Melody) -> i32 {
    let f = melody
        .key_signature
        .or(melody.key.map(|k| k.signature_fifths()))
        .unwrap_or(0);
    f.clamp(-7, 7)
}

/// Bass clef when most notes lie below middle C.
fn clef(melody: &Melody) -> &'static str {
    let (low, all) = melody.sounding().fold((0, 0), |(low, all), n| {
        let below = n.pitch.is_some_and(|p| p.midi() < 60);
        (low + usize::from(below), all + 1)
    });
    if low * 2 > all {
        "<sign>F</sign><line>4</line>"
    } else {
        "<sign>G</sign><line>2</line>"
    }
}

fn header(out: &mut String, melody: &Melody) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    out.push_str(
        "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" \
         \"http://www.musicxml.org/dtds/partwise.dtd\">\n",
    );
    out.push_str("<score-partwise version=\"4.0\">\n");
    if let Some(title) = melody.title.as_deref().filter(|t| !t.trim().is_empty()) {
        let title = escape(title.trim());
        out.push_str(&format!(
            "  <work>\n    <work-title>{title}</work-title>\n  </work>\n"
        ));
    }
    out.push_str("  <identification>\n    <encoding>\n      <software>LSTMuse</software>\n");
    out.push_str("    </encoding>\n  </identification>\n");
    out.push_str(
        "  <part-list>\n    <score-part id=\"P1\">\n      <part-name>Melody</part-name>\n",
    );
    out.push_str("      <score-instrument id=\"P1-I1\">\n");
    out.push_str("        <instrument-name>Melody</instrument-name>\n      </score-instrument>\n");
    out.push_str("      <midi-instrument id=\"P1-I1\">\n        <midi-channel>1</midi-channel>\n");
    out.push_str("        <midi-program>1</midi-program>\n      </midi-instrument>\n");
    out.push_str("    </score-part>\n  </part-list>\n");
}

fn attributes(out: &mut String, melody: &Melody, divisions: i64) {
    out.push_str(&format!(
        "      <attributes>\n        <divisions>{divisions}</divisions>\n"
    ));
    let mode = melody
        .key
        .map(|k| format!("<mode>{}</mode>", mode_name(k.mode)))
        .unwrap_or_default();
    out.push_str(&format!(
        "        <key><fifths>{}</fifths>{mode}</key>\n",
        fifths(melody)
    ));
    let (meter, hidden) = match melody.meter {
        Some(m) => (m, ""),
        None => (Meter::default(), " print-object=\"no\""),
    };
    out.push_str(&format!(
        "        <time{hidden}><beats>{}</beats><beat-type>{}</beat-type></time>\n",
        meter.numerator, meter.denominator
    ));
    out.push_str(&format!(
        "        <clef>{}</clef>\n      </attributes>\n",
        clef(melody)
    ));
}

fn tempo(out: &mut String, melody: &Melody) {
    let Some(qpm) = melody.tempo_qpm.filter(|t| t.is_finite() && *t > 0.0) else {
        return;
    };
    let qpm = number(qpm);
    out.push_str("      <direction placement=\"above\">\n        <direction-type>\n");
    out.push_str(&format!(
        "          <metronome><beat-unit>quarter</beat-unit><per-minute>{qpm}</per-minute></metronome>\n"
    ));
    out.push_str(&format!(
        "        </direction-type>\n        <sound tempo=\"{qpm}\"/>\n      </direction>\n"
    ));
}

/// The context for writing notes: divisions, spelling, accidentals in force.
struct NoteWriter {
    divisions: i64,
    speller: Speller,
    accidentals: MeasureAccidentals,
}

impl NoteWriter {
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
    let layout = Layout::new(melody);
    let mut bars = measures(melody, layout);
    if bars.is_empty() {
        bars.push(vec![Written {
            pitch: None,
            piece: whole_rest(layout.bar),
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
    let pickup = layout.pickup.is_positive();
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
            tempo(&mut out, melody);
        }
        writer.accidentals.clear();
        for w in bar {
            writer.note(&mut out, w);
        }
        out.push_str("    </measure>\n");
    }
    out.push_str("  </part>\n</score-partwise>\n");
    out
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
