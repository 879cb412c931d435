//! The tune body: notes, rests, chords, bar lines, endings and inline fields, read
//! into a flat list of written items (repeats are expanded later).

use super::header::{self, KeySpec};
use super::lex::{
    WrittenPitch, is_length_char, read_length, read_number, read_pitch, skip_decoration, skip_past,
    small_number,
};
use crate::error::{Error, Result};
use crate::formats::echo;
use crate::music::{ChangeKind, Meter, Ratio, STEP_PITCH_CLASSES};

/// The longest single written event we accept, in quarter notes.
const MAX_DURATION: i64 = 4096;

/// One written note or rest, after lengths, tuplets and broken rhythm are applied.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Written {
    /// The MIDI pitch, `None` for a rest.
    pub pitch: Option<u8>,
    /// The duration in quarter notes.
    pub duration: Ratio,
    /// Whether a tie (`-`) follows.
    pub tie: bool,
}

/// An element of the body in written order.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Item {
    /// A note or rest (a chord is its top note).
    Event(Written),
    /// A bar line, with its repeat signs.
    Bar {
        /// `:|`, `::`: a repeated section ends here.
        end_repeat: bool,
        /// `|:`, `::`: a repeated section starts here.
        start_repeat: bool,
        /// `||`, `|]`, `[|`: a double or thick bar.
        double: bool,
    },
    /// The start of an ending (`[1`, `|2`, `[1,3`): bit `n` is set for pass `n`.
    Ending(u64),
    /// A meter, key or tempo field in the body (`M:`, `K:`, `Q:`), as it sounds.
    Change(ChangeKind),
}

#[derive(Clone, Copy, Debug)]
struct Tuplet {
    factor: Ratio,
    remaining: u32,
}

/// The tied note a following note may continue (step, octave, alteration).
type TiedFrom = Option<(u8, i32, i8)>;

/// Reads the body of one voice of a tune, line by line.
#[derive(Debug)]
pub(super) struct Body {
    /// The items read so far.
    pub items: Vec<Item>,
    unit: Ratio,
    meter: Option<Meter>,
    key: [i8; 7],
    octave_shift: i32,
    bar_accidentals: Vec<(u8, i32, i8)>,
    tuplet: Option<Tuplet>,
    broken_next: Option<Ratio>,
    tied_from: TiedFrom,
    overlay: bool,
    /// Semitones from written to sounding pitch (`transpose=` in `K:` or `V:`).
    transpose: i32,
    /// An inline `[V:…]` was read: the voice to go on with.
    switch_to: Option<String>,
}

fn parse_error(line: usize, message: impl Into<String>) -> Error {
    Error::parse(Some(line), message)
}

impl Body {
    /// A body with the header's unit length, meter and key, and a transposition.
    pub fn new(unit: Ratio, meter: Option<Meter>, key: &KeySpec, transpose: i32) -> Body {
        Body {
            items: Vec::new(),
            unit,
            meter,
            key: key.alters,
            octave_shift: key.octave.unwrap_or(0),
            bar_accidentals: Vec::new(),
            tuplet: None,
            broken_next: None,
            tied_from: None,
            overlay: false,
            transpose,
            switch_to: None,
        }
    }

    /// Sets the transposition from here on.
    pub fn set_transpose(&mut self, semitones: i32) {
        self.transpose = semitones;
    }

    /// Whether a note or rest has been read.
    pub fn has_events(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Event(_)))
    }

    /// Applies a field line or inline field (`K:`, `L:`, `M:`, `Q:`; `V:` asks the tune
    /// to switch voices); others are ignored.
    pub fn field(&mut self, name: u8, value: &str, line: usize) -> Result<()> {
        let value = header::field_value(value);
        match name {
            b'V' => self.switch_to = Some(value.to_string()),
            b'K' => {
                let spec = header::parse_key(value).map_err(|m| parse_error(line, m))?;
                self.key = spec.alters;
                if let Some(o) = spec.octave {
                    self.octave_shift = o;
                }
                if let Some(t) = spec.transpose {
                    self.transpose = t;
                }
                self.bar_accidentals.clear();
                if let Some(kind) = spec.sounding(self.transpose) {
                    self.items.push(Item::Change(kind));
                }
            }
            b'L' => {
                self.unit = header::parse_unit(value).ok_or_else(|| {
                    parse_error(line, format!("invalid unit length L:{}", echo(value)))
                })?;
            }
            b'M' => {
                self.meter = header::parse_meter(value);
                if let Some(m) = self.meter {
                    self.items.push(Item::Change(ChangeKind::Meter(m)));
                }
            }
            b'Q' => {
                if let Some(q) = header::parse_tempo(value, self.unit) {
                    self.items.push(Item::Change(ChangeKind::Tempo(q)));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Reads a music line from byte `from`; stops after an inline `[V:…]` and returns
    /// where to go on and the voice to go on with.
    pub fn music_line(
        &mut self,
        text: &str,
        from: usize,
        line: usize,
    ) -> Result<Option<(usize, String)>> {
        let b = text.as_bytes();
        let mut i = from;
        while i < b.len() {
            if self.overlay && !is_bar_char(b[i]) {
                // `&` voice overlay: skip to the bar line.
                i = b[i..]
                    .iter()
                    .position(|&c| is_bar_char(c))
                    .map_or(b.len(), |k| i + k);
                continue;
            }
            i = self.token(text, i, line)?;
            if let Some(id) = self.switch_to.take() {
                return Ok(Some((i, id)));
            }
        }
        Ok(None)
    }

    /// Reads the token at `i` and returns the index after it.
    fn token(&mut self, text: &str, i: usize, line: usize) -> Result<usize> {
        let b = text.as_bytes();
        Ok(match b[i] {
            b'%' => b.len(),
            b'"' => skip_past(b, i + 1, b'"'),
            b'!' | b'+' => skip_decoration(b, i),
            b'{' => skip_past(b, i + 1, b'}'),
            b'(' => self.tuplet_or_slur(b, i),
            b'-' => {
                self.tie_last();
                i + 1
            }
            b'>' | b'<' => self.broken_rhythm(b, i, line)?,
            b'[' => self.bracket(text, i, line)?,
            b'|' | b':' => self.bar(b, i),
            b'&' => {
                self.overlay = true;
                i + 1
            }
            b'^' | b'_' | b'=' | b'A'..=b'G' | b'a'..=b'g' => self.note(b, i, line)?,
            b'z' | b'x' => self.rest(b, i, line)?,
            b'Z' | b'X' => self.measure_rest(b, i, line)?,
            // Stray lengths (`| 8`), as some Essen tunes have: skip them.
            b'0'..=b'9' | b'/' => i + b[i..].iter().take_while(|c| is_length_char(**c)).count(),
            // Spaces, decoration symbols (`.~HLMOPSTuv`, `H`–`W`, `h`–`w`), spacers and
            // other punctuation carry no notes.
            c if c.is_ascii_graphic() || c == b' ' || c == b'\t' || c == b'\r' => i + 1,
            _ => {
                let c = text.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                return Err(parse_error(
                    line,
                    format!("unexpected character {c:?} in the tune body"),
                ));
            }
        })
    }

    fn note(&mut self, b: &[u8], i: usize, line: usize) -> Result<usize> {
        let Some((written, j)) = read_pitch(b, i) else {
            // Accidentals without a note: skip them.
            return Ok(i + 1);
        };
        let (length, j) = read_length(b, j).map_err(|m| parse_error(line, m))?;
        let tie = b.get(j) == Some(&b'-');
        let (pitch, alter) = self.resolve(written, line)?;
        self.emit(Some(pitch), length, tie, line)?;
        self.tied_from = tie.then_some((written.step, written.octave, alter));
        Ok(j + usize::from(tie))
    }

    /// The MIDI pitch and alteration of a written pitch, applying the key signature,
    /// the accidentals of the bar (same letter and octave, as ABC 2.1 says) and ties.
    fn resolve(&mut self, p: WrittenPitch, line: usize) -> Result<(u8, i8)> {
        let alter = match p.explicit {
            Some(a) => {
                self.bar_accidentals
                    .retain(|&(s, o, _)| (s, o) != (p.step, p.octave));
                self.bar_accidentals.push((p.step, p.octave, a));
                a
            }
            None => match self.tied_from {
                // A note tied across a bar line keeps its accidental.
                Some((s, o, a)) if (s, o) == (p.step, p.octave) => a,
                _ => self
                    .bar_accidentals
                    .iter()
                    .find(|&&(s, o, _)| (s, o) == (p.step, p.octave))
                    .map_or(self.key[usize::from(p.step % 7)], |&(_, _, a)| a),
            },
        };
        let midi = 12 * (p.octave + 1 + self.octave_shift)
            + STEP_PITCH_CLASSES[usize::from(p.step % 7)]
            + i32::from(alter);
        if !(0..=127).contains(&midi) {
            return Err(parse_error(line, "note outside the MIDI range"));
        }
        // The sounding pitch; a transposition past the MIDI range folds back by octaves.
        let mut sounding = midi + self.transpose;
        while sounding < 0 {
            sounding += 12;
        }
        while sounding > 127 {
            sounding -= 12;
        }
        Ok((u8::try_from(sounding).unwrap_or(127), alter))
    }

    /// Adds a note or rest of `length` unit lengths, applying tuplet and broken rhythm.
    fn emit(&mut self, pitch: Option<u8>, length: Ratio, tie: bool, line: usize) -> Result<()> {
        let mut duration = self.unit * length;
        if let Some(t) = &mut self.tuplet {
            duration = duration * t.factor;
            t.remaining = t.remaining.saturating_sub(1);
            if t.remaining == 0 {
                self.tuplet = None;
            }
        }
        if let Some(f) = self.broken_next.take() {
            duration = duration * f;
        }
        check_duration(duration, line)?;
        self.items.push(Item::Event(Written {
            pitch,
            duration,
            tie,
        }));
        Ok(())
    }

    fn rest(&mut self, b: &[u8], i: usize, line: usize) -> Result<usize> {
        let (length, j) = read_length(b, i + 1).map_err(|m| parse_error(line, m))?;
        self.tied_from = None;
        self.emit(None, length, false, line)?;
        Ok(j)
    }

    /// `Z4`, `X`: whole bars of rest.
    fn measure_rest(&mut self, b: &[u8], i: usize, line: usize) -> Result<usize> {
        let (bars, j) = read_number(b, i + 1).map_err(|m| parse_error(line, m))?;
        let bars = bars.unwrap_or(1);
        if bars == 0 {
            return Err(parse_error(line, "multi-measure rest of zero bars"));
        }
        let bar = self.meter.map_or(Ratio::from_int(4), Meter::bar_length);
        let duration = bar * Ratio::from_int(bars);
        check_duration(duration, line)?;
        self.tied_from = None;
        self.items.push(Item::Event(Written {
            pitch: None,
            duration,
            tie: false,
        }));
        Ok(j)
    }

    /// A `-` after a space: ties the last note.
    fn tie_last(&mut self) {
        if let Some(Item::Event(w)) = self.items.last_mut()
            && w.pitch.is_some()
        {
            w.tie = true;
        }
    }

    /// `>`, `>>`, `<`: lengthens one of the two neighbours and shortens the other. The
    /// lengthened note before it is checked again (the note after it is checked on
    /// [`Body::emit`]).
    fn broken_rhythm(&mut self, b: &[u8], i: usize, line: usize) -> Result<usize> {
        let c = b[i];
        let n = b[i..].iter().take_while(|&&x| x == c).count();
        let short = Ratio::new(1, 1 << n.min(3));
        let long = Ratio::from_int(2) - short;
        let (before, after) = if c == b'>' {
            (long, short)
        } else {
            (short, long)
        };
        if let Some(Item::Event(w)) = self.items.last_mut() {
            w.duration = w.duration * before;
            check_duration(w.duration, line)?;
            self.broken_next = Some(after);
        }
        Ok(i + n)
    }

    /// `(3`, `(3:2:3`: a tuplet; a `(` without a number starts a slur (ignored).
    fn tuplet_or_slur(&mut self, b: &[u8], i: usize) -> usize {
        if !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return i + 1;
        }
        let (p, mut j) = small_number(b, i + 1);
        let mut q = None;
        let mut r = None;
        if b.get(j) == Some(&b':') {
            (q, j) = small_number(b, j + 1);
            if b.get(j) == Some(&b':') {
                (r, j) = small_number(b, j + 1);
            }
        }
        let valid = |n: &i64| (1..=64).contains(n);
        if let Some(p) = p.filter(|p| (2..=64).contains(p)) {
            let q = q
                .filter(valid)
                .unwrap_or_else(|| self.default_tuplet_time(p));
            let r = r.filter(valid).unwrap_or(p);
            self.tuplet = Some(Tuplet {
                factor: Ratio::new(q, p),
                remaining: u32::try_from(r).unwrap_or(1),
            });
        }
        j
    }

    /// ABC 2.1's `q` for `(p`: 3 notes in the time of 2, 2 in 3, 4 in 3, 6 in 2, 8 in 3;
    /// others in 3 in compound meters and in 2 otherwise.
    fn default_tuplet_time(&self, p: i64) -> i64 {
        match p {
            2 | 4 | 8 => 3,
            3 | 6 => 2,
            _ => {
                let compound = self
                    .meter
                    .is_some_and(|m| m.numerator % 3 == 0 && m.numerator > 3);
                if compound { 3 } else { 2 }
            }
        }
    }

    /// `[`: an inline field `[K:G]`, a bar `[|`, an ending `[2`, or a chord `[CEG]`.
    fn bracket(&mut self, text: &str, i: usize, line: usize) -> Result<usize> {
        let b = text.as_bytes();
        match (b.get(i + 1), b.get(i + 2)) {
            (Some(c), Some(b':')) if c.is_ascii_alphabetic() => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b']')
                    .map_or(b.len(), |k| i + k);
                let value = text.get(i + 3..end).unwrap_or("");
                self.field(b[i + 1], value, line)?;
                Ok(end + 1)
            }
            (Some(b'|'), _) => Ok(self.bar(b, i)),
            (Some(c), _) if c.is_ascii_digit() => Ok(self.ending(b, i + 1)),
            _ => self.chord(b, i, line),
        }
    }

    /// A bar line (`|`, `||`, `|]`, `[|`, `|:`, `:|`, `::`), perhaps with an ending (`:|2`).
    fn bar(&mut self, b: &[u8], i: usize) -> usize {
        let mut j = i;
        while let Some(&c) = b.get(j) {
            let take = match c {
                b'|' | b':' => true,
                b'[' => b.get(j + 1) == Some(&b'|'),
                b']' => j > i && b[j - 1] == b'|',
                _ => false,
            };
            if !take {
                break;
            }
            j += 1;
        }
        let token = &b[i..j];
        let bars = token.iter().filter(|&&c| c == b'|').count();
        if bars == 0 && token.len() < 2 {
            return j; // a lone `:`
        }
        let front = token
            .iter()
            .skip_while(|&&c| c == b'[')
            .take_while(|&&c| c == b':');
        let back = token.iter().rev().take_while(|&&c| c == b':');
        let (end_repeat, start_repeat) = if bars == 0 {
            (true, true) // `::`
        } else {
            (front.count() > 0, back.count() > 0)
        };
        self.items.push(Item::Bar {
            end_repeat,
            start_repeat,
            double: bars > 1 || token.contains(&b'[') || token.contains(&b']'),
        });
        self.bar_accidentals.clear();
        self.overlay = false;
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            j = self.ending(b, j);
        }
        j
    }

    /// An ending's numbers (`1`, `1,3`, `1-3`) starting at `j`.
    fn ending(&mut self, b: &[u8], mut j: usize) -> usize {
        let mut mask: u64 = 0;
        let mut from: Option<i64> = None;
        let mut range = false;
        loop {
            match b.get(j) {
                Some(c) if c.is_ascii_digit() => {
                    let (n, k) = small_number(b, j);
                    j = k;
                    let n = n.unwrap_or(0);
                    let lo = if range { from.unwrap_or(n) } else { n };
                    for x in lo.clamp(1, 64)..=n.min(63) {
                        mask |= 1 << x;
                    }
                    from = Some(n);
                    range = false;
                }
                Some(b',') if b.get(j + 1).is_some_and(u8::is_ascii_digit) => j += 1,
                Some(b'-') if b.get(j + 1).is_some_and(u8::is_ascii_digit) => {
                    range = true;
                    j += 1;
                }
                _ => break,
            }
        }
        if mask != 0 {
            self.items.push(Item::Ending(mask));
        }
        j
    }

    /// `[CEG]2`: the top note with the chord's length (the first note's length times
    /// the length after `]`).
    fn chord(&mut self, b: &[u8], i: usize, line: usize) -> Result<usize> {
        let mut j = i + 1;
        let mut top: Option<(u8, WrittenPitch, i8, bool)> = None;
        let mut first_length = None;
        while let Some(&c) = b.get(j) {
            match c {
                b']' | b'|' => break,
                b'"' => j = skip_past(b, j + 1, b'"'),
                b'!' | b'+' => j = skip_decoration(b, j),
                b'^' | b'_' | b'=' | b'A'..=b'G' | b'a'..=b'g' => {
                    let Some((written, k)) = read_pitch(b, j) else {
                        j += 1;
                        continue;
                    };
                    let (length, k) = read_length(b, k).map_err(|m| parse_error(line, m))?;
                    let tie = b.get(k) == Some(&b'-');
                    j = k + usize::from(tie);
                    let (pitch, alter) = self.resolve(written, line)?;
                    first_length.get_or_insert(length);
                    if top.is_none_or(|(p, ..)| pitch > p) {
                        top = Some((pitch, written, alter, tie));
                    }
                }
                _ => j += 1,
            }
        }
        if b.get(j) != Some(&b']') {
            // An unterminated chord: keep its notes, leave the rest of the line.
            return self
                .finish_chord(top, first_length.unwrap_or(Ratio::ONE), false, line)
                .map(|()| j);
        }
        let (outer, k) = read_length(b, j + 1).map_err(|m| parse_error(line, m))?;
        let tie = b.get(k) == Some(&b'-');
        self.finish_chord(top, first_length.unwrap_or(Ratio::ONE) * outer, tie, line)?;
        Ok(k + usize::from(tie))
    }

    /// Emits a chord's top note with `length` (its first note's length times the outer one).
    fn finish_chord(
        &mut self,
        top: Option<(u8, WrittenPitch, i8, bool)>,
        length: Ratio,
        tie: bool,
        line: usize,
    ) -> Result<()> {
        let Some((pitch, written, alter, inner_tie)) = top else {
            return Ok(());
        };
        let tie = tie || inner_tie;
        self.emit(Some(pitch), length, tie, line)?;
        self.tied_from = tie.then_some((written.step, written.octave, alter));
        Ok(())
    }
}

fn is_bar_char(c: u8) -> bool {
    c == b'|' || c == b':'
}

fn check_duration(duration: Ratio, line: usize) -> Result<()> {
    if duration.is_positive() && duration <= Ratio::from_int(MAX_DURATION) {
        Ok(())
    } else {
        Err(parse_error(
            line,
            format!("note length {duration} out of range"),
        ))
    }
}
