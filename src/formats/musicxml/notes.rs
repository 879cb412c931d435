//! `<note>`: its onset and duration, its sounding pitch, its voice and its ties; grace
//! and cue notes are left out, unpitched (percussion) notes counted apart.

use super::durations::type_length;
use super::measure::{Cursor, MeasureData, Reader};
use super::numbers::{bad_number, decimal};
use super::xml::{child, child_text, children};
use crate::error::Result;
use crate::formats::line::Piece;
use crate::music::{Pitch, PitchName, Ratio};
use roxmltree::Node;

/// The voice of a note: its `<voice>` text, "1" when it has none.
pub(super) fn voice_of<'a>(note: Node<'a, '_>) -> &'a str {
    child_text(note, "voice")
        .filter(|v| !v.is_empty())
        .unwrap_or("1")
}

/// Tie start and stop, from `<tie>` or `<notations><tied>`.
fn ties(note: Node) -> (bool, bool) {
    let types =
        children(note, "tie").chain(children(note, "notations").flat_map(|n| children(n, "tied")));
    let (mut start, mut stop) = (false, false);
    for t in types {
        match t.attribute("type") {
            Some("start") => start = true,
            Some("stop") => stop = true,
            Some("continue") => (start, stop) = (true, true),
            _ => {}
        }
    }
    (start, stop)
}

impl Reader<'_, '_> {
    /// A duration element's value in quarter notes (never negative).
    pub(super) fn quarters(&self, node: Node, text: &str) -> Result<Ratio> {
        let value = decimal(text).ok_or_else(|| self.error(node, bad_number("duration", text)))?;
        if value < Ratio::ZERO {
            return Err(self.error(node, format!("negative duration {text}")));
        }
        Ok(value / self.divisions)
    }

    /// The `<duration>` child in quarter notes, zero if there is none.
    pub(super) fn duration_child(&self, node: Node) -> Result<Ratio> {
        match child(node, "duration") {
            Some(d) => self.quarters(d, d.text().unwrap_or("")),
            None => Ok(Ratio::ZERO),
        }
    }

    /// Reads a note: moves the cursor and keeps a pitched note as a piece of its voice.
    pub(super) fn read_note(
        &self,
        node: Node,
        cursor: &mut Cursor,
        data: &mut MeasureData,
    ) -> Result<()> {
        if child(node, "grace").is_some() {
            return Ok(());
        }
        let duration = self.note_duration(node)?;
        let onset = if child(node, "chord").is_some() {
            cursor.last_onset
        } else {
            cursor.last_onset = cursor.now;
            cursor.now += duration;
            cursor.last_onset
        };
        if child(node, "cue").is_some() || !duration.is_positive() || child(node, "rest").is_some()
        {
            return Ok(());
        }
        let voice = voice_of(node).to_string();
        if child(node, "pitch").is_none() && child(node, "unpitched").is_some() {
            data.unpitched.push(voice);
            return Ok(());
        }
        let (tie_start, tie_stop) = ties(node);
        let piece = Piece {
            onset,
            duration,
            pitch: self.pitch(node)?,
            tie_start,
            tie_stop,
        };
        data.pieces.push((voice, piece));
        Ok(())
    }

    /// From `<duration>`; failing that, a whole-measure rest fills the bar, and other
    /// notes take their `<type>`, dots and `<time-modification>`.
    fn note_duration(&self, node: Node) -> Result<Ratio> {
        if let Some(d) = child(node, "duration") {
            return self.quarters(d, d.text().unwrap_or(""));
        }
        let whole_rest = child(node, "rest").is_some_and(|r| r.attribute("measure") == Some("yes"));
        if let (true, Some(meter)) = (whole_rest, self.meter.flatten()) {
            return Ok(meter.bar_length());
        }
        let dots = children(node, "dot").count();
        let shown = child_text(node, "type")
            .and_then(|t| type_length(t, u32::try_from(dots).unwrap_or(4)))
            .ok_or_else(|| self.error(node, "note without <duration> or <type>"))?;
        let scale = child(node, "time-modification")
            .and_then(|tm| {
                let actual = child_text(tm, "actual-notes")?.parse::<i64>().ok()?;
                let normal = child_text(tm, "normal-notes")?.parse::<i64>().ok()?;
                (actual > 0 && normal > 0).then(|| Ratio::new(normal, actual))
            })
            .unwrap_or(Ratio::ONE);
        Ok(shown * scale)
    }

    /// The sounding pitch: `<pitch>` moved by the transposition in force.
    fn pitch(&self, node: Node) -> Result<Pitch> {
        let p = child(node, "pitch")
            .ok_or_else(|| self.error(node, "note without <pitch>, <unpitched/> or <rest/>"))?;
        let step = child_text(p, "step")
            .and_then(|s| PitchName::new(s.chars().next()?, 0).filter(|_| s.len() == 1))
            .ok_or_else(|| self.error(p, "bad or missing <step>"))?;
        let octave = child_text(p, "octave")
            .and_then(|o| o.parse::<i32>().ok())
            .filter(|o| (-2..=10).contains(o))
            .ok_or_else(|| self.error(p, "bad or missing <octave>"))?;
        // A microtone goes to the nearest semitone; a quarter tone halfway between two
        // keeps its written letter's side (D half-flat is a D, F sesqui-sharp an F♯).
        let alter = child_text(p, "alter")
            .and_then(|a| a.parse::<f64>().ok())
            .filter(|a| a.is_finite() && a.abs() <= 4.0)
            .map_or(0, |a| {
                let halfway = (a - a.trunc()).abs() == 0.5;
                (if halfway { a.trunc() } else { a.round() }) as i32
            });
        let midi = (octave + 1) * 12 + i32::from(step.pitch_class()) + alter;
        if Pitch::from_midi(midi).is_none() {
            return Err(self.error(p, format!("pitch {midi} is outside MIDI")));
        }
        // Sounding pitch; a transposition past the MIDI range folds back by octaves.
        let mut sounding = midi + self.transpose;
        while sounding < 0 {
            sounding += 12;
        }
        while sounding > 127 {
            sounding -= 12;
        }
        Pitch::from_midi(sounding)
            .ok_or_else(|| self.error(p, format!("pitch {sounding} is outside MIDI")))
    }
}
