//! Reading one measure of a part: its notes by voice, its length, the attributes and
//! directions that change meter, key and tempo, and its repeat marks.

use super::repeats::{Marks, ending_numbers};
use super::xml::{child, line_of};
use crate::error::{Error, Result};
use crate::formats::line::Piece;
use crate::music::{ChangeKind, Key, Meter, Mode, Ratio, transpose_fifths};
use roxmltree::{Document, Node};

/// What one measure holds: its length, its pitched notes by voice (onsets from the
/// measure's start), its unpitched notes, the changes written in it, and its marks.
#[derive(Debug, Default)]
pub struct MeasureData {
    /// The measure's length: the furthest its time cursor went.
    pub length: Ratio,
    /// `implicit="yes"`: not counted as a bar (a pickup, or half of a split bar).
    pub implicit: bool,
    /// Pitched notes with their voice (`<voice>`, "1" when absent).
    pub pieces: Vec<(String, Piece)>,
    /// The voice of each unpitched (percussion) note.
    pub unpitched: Vec<String>,
    /// What is in force when the measure starts: meter, key and tempo.
    pub in_force: Vec<ChangeKind>,
    /// Changes written in the measure, at their offsets from its start.
    pub changes: Vec<(Ratio, ChangeKind)>,
    /// The meter in force at its end (`None`: free meter or none given).
    pub meter: Option<Meter>,
    /// Repeat, ending and jump marks.
    pub marks: Marks,
}

/// A measure: the `<measure>` element (number, `implicit`) and the element holding its
/// notes (the measure itself in partwise files, its `<part>` in timewise files).
#[derive(Clone, Copy)]
pub struct MeasureRef<'a, 'i> {
    /// The `<measure>`.
    pub measure: Node<'a, 'i>,
    /// The element whose children are the notes.
    pub content: Node<'a, 'i>,
}

/// Reader state carried from measure to measure.
pub struct Reader<'a, 'i> {
    pub(super) doc: &'a Document<'i>,
    /// Divisions per quarter note.
    pub(super) divisions: Ratio,
    /// The meter: `None` before any `<time>`, `Some(None)` for free meter.
    pub(super) meter: Option<Option<Meter>>,
    /// The written key signature in fifths and its mode, as the last `<key>` gave it.
    pub(super) written_key: Option<(i32, Option<Mode>)>,
    /// Semitones from written to sounding pitch (the `<transpose>` in force).
    pub(super) transpose: i32,
    /// The tempo in force.
    pub(super) tempo: Option<f64>,
}

/// The time cursor inside a measure: where the next note starts, and where the last
/// note that was not a chord note started (a `<chord/>` note starts there too).
#[derive(Clone, Copy, Default)]
pub(super) struct Cursor {
    pub(super) now: Ratio,
    pub(super) last_onset: Ratio,
}

impl<'a, 'i> Reader<'a, 'i> {
    /// A reader at the start of a part.
    pub fn new(doc: &'a Document<'i>) -> Reader<'a, 'i> {
        Reader {
            doc,
            divisions: Ratio::ONE,
            meter: None,
            written_key: None,
            transpose: 0,
            tempo: None,
        }
    }

    pub(super) fn error(&self, node: Node, message: impl Into<String>) -> Error {
        Error::parse(Some(line_of(self.doc, node)), message)
    }

    /// The key as it sounds: the written signature moved by the transposition.
    pub(super) fn sounding_key(&self) -> Option<ChangeKind> {
        let (fifths, mode) = self.written_key?;
        let signature = if self.transpose == 0 {
            fifths
        } else {
            transpose_fifths(fifths, self.transpose)
        };
        let key = mode.map(|m| Key::from_signature(signature, m));
        Some(ChangeKind::Key { signature, key })
    }

    fn in_force(&self) -> Vec<ChangeKind> {
        let meter = self.meter.flatten().map(ChangeKind::Meter);
        let tempo = self.tempo.map(ChangeKind::Tempo);
        meter
            .into_iter()
            .chain(self.sounding_key())
            .chain(tempo)
            .collect()
    }

    /// Reads one measure.
    pub fn read_measure(&mut self, m: MeasureRef<'a, 'i>) -> Result<MeasureData> {
        let mut data = MeasureData {
            implicit: m.measure.attribute("implicit") == Some("yes"),
            in_force: self.in_force(),
            ..MeasureData::default()
        };
        let mut cursor = Cursor::default();
        for node in m.content.children().filter(Node::is_element) {
            match node.tag_name().name() {
                "attributes" => self.read_attributes(node, cursor.now, &mut data)?,
                "note" => self.read_note(node, &mut cursor, &mut data)?,
                "backup" => {
                    let back = self.duration_child(node)?;
                    cursor.now = (cursor.now - back).max(Ratio::ZERO);
                }
                "forward" => cursor.now += self.duration_child(node)?,
                "barline" => read_barline(node, &mut data.marks),
                "direction" => self.read_direction(node, cursor.now, &mut data),
                "sound" => self.read_sound(node, cursor.now, &mut data),
                _ => {}
            }
            data.length = data.length.max(cursor.now);
        }
        data.meter = self.meter.flatten();
        if data.length.is_zero() && !data.implicit {
            // An empty measure is a bar's rest, as notation programs show it.
            data.length = data.meter.map_or(Ratio::ZERO, Meter::bar_length);
        }
        Ok(data)
    }
}

/// Repeat and ending marks of a `<barline>`.
fn read_barline(node: Node, marks: &mut Marks) {
    if let Some(repeat) = child(node, "repeat") {
        match repeat.attribute("direction") {
            Some("forward") => marks.forward = true,
            Some("backward") => {
                let times = repeat
                    .attribute("times")
                    .and_then(|t| t.trim().parse().ok());
                marks.backward = Some(times);
            }
            _ => {}
        }
    }
    if let Some(ending) = child(node, "ending") {
        match ending.attribute("type") {
            Some("start") => {
                let numbers = ending_numbers(ending.attribute("number").unwrap_or(""));
                marks.ending_start = Some(numbers);
            }
            Some("stop" | "discontinue") => marks.ending_stop = true,
            _ => {}
        }
    }
}
