//! MusicXML reading: one part's top voice, measure by measure, into a melody.

use super::durations::type_length;
use super::events::{Event, assemble, merge_chords};
use super::guard;
use super::repeats::{Marks, ending_numbers, playback_order};
use crate::error::{Error, Location, Result};
use crate::formats::{ReadOptions, echo};
use crate::limits::Limits;
use crate::music::{Key, Melody, Meter, Mode, Pitch, Ratio};
use roxmltree::{Document, Node, ParsingOptions};

/// What one measure holds for the melody: its length, the voice's events (onsets
/// from the measure start) and its repeat marks.
#[derive(Debug, Default)]
struct MeasureData {
    length: Ratio,
    events: Vec<Event>,
    marks: Marks,
    implicit: bool,
}

/// A measure: the `<measure>` element (number, `implicit`) and the element holding its
/// notes (the measure itself in partwise files, its `<part>` in timewise files).
#[derive(Clone, Copy)]
struct MeasureRef<'a, 'i> {
    measure: Node<'a, 'i>,
    content: Node<'a, 'i>,
}

/// Reader state carried from measure to measure.
struct Reader<'a, 'i> {
    doc: &'a Document<'i>,
    voice: String,
    divisions: Ratio,
    meter: Option<Option<Meter>>,
    key_signature: Option<i32>,
    key: Option<Key>,
    /// Semitones from written to sounding pitch (`<transpose>`), from the first one seen.
    transpose: Option<i32>,
}

/// Parses uncompressed MusicXML text. The nesting depth and entity declarations are
/// checked before parsing, the node count while parsing ([`Limits`]).
pub fn parse(text: &str, options: &ReadOptions) -> Result<Melody> {
    let limits = Limits::DEFAULT;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    guard::check(text, limits.max_xml_depth)?;
    let nodes_limit = u32::try_from(limits.max_xml_nodes).unwrap_or(u32::MAX);
    let parsing = ParsingOptions {
        allow_dtd: true,
        nodes_limit,
    };
    let doc = Document::parse_with_options(text, parsing).map_err(|e| {
        let line = usize::try_from(e.pos().row).ok();
        if let roxmltree::Error::NodesLimitReached = e {
            return Error::Limit {
                what: "XML nodes in a document",
                value: format!("more than {nodes_limit}"),
                limit: nodes_limit.to_string(),
                location: Location::default(),
            };
        }
        Error::parse(
            line,
            format!("not well-formed XML: {}", echo(&e.to_string())),
        )
    })?;
    read_document(&doc, options)
}

fn read_document(doc: &Document, options: &ReadOptions) -> Result<Melody> {
    let root = doc.root_element();
    let measures = match root.tag_name().name() {
        "score-partwise" => partwise_measures(root, options)?,
        "score-timewise" => timewise_measures(root, options)?,
        other => {
            return Err(Error::parse(
                Some(line_of(doc, root)),
                format!(
                    "not a MusicXML score: the root element is <{}>",
                    echo(other)
                ),
            ));
        }
    };
    let mut reader = Reader {
        doc,
        voice: top_voice(&measures),
        divisions: Ratio::ONE,
        meter: None,
        key_signature: None,
        key: None,
        transpose: None,
    };
    let data = measures
        .iter()
        .map(|&m| reader.read_measure(m))
        .collect::<Result<Vec<_>>>()?;
    let mut melody = reader.melody(&data)?;
    if let Some(semitones) = reader.transpose.filter(|&t| t != 0) {
        // Transposing instruments are written away from concert pitch: sound it.
        melody = melody.transposed(semitones);
    }
    melody.title = title(root);
    melody.tempo_qpm = tempo(root);
    if melody.notes.is_empty() {
        return Err(Error::parse(
            Some(line_of(doc, root)),
            "the MusicXML part has no notes",
        ));
    }
    Ok(melody)
}

/// The 1-based line where a node starts.
fn line_of(doc: &Document, node: Node) -> usize {
    usize::try_from(doc.text_pos_at(node.range().start).row).unwrap_or(0)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.has_tag_name(name))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The trimmed text of a child element.
fn child_text<'a>(node: Node<'a, '_>, name: &'static str) -> Option<&'a str> {
    child(node, name).and_then(|c| c.text()).map(str::trim)
}

fn no_part(index: usize, count: usize) -> Error {
    Error::Invalid(format!(
        "MusicXML part {index} requested, but the score has {count} part(s)"
    ))
}

fn partwise_measures<'a, 'i>(
    root: Node<'a, 'i>,
    options: &ReadOptions,
) -> Result<Vec<MeasureRef<'a, 'i>>> {
    let parts: Vec<_> = children(root, "part").collect();
    let index = options.part.unwrap_or(0);
    let part = parts
        .get(index)
        .ok_or_else(|| no_part(index, parts.len()))?;
    Ok(children(*part, "measure")
        .map(|m| MeasureRef {
            measure: m,
            content: m,
        })
        .collect())
}

fn timewise_measures<'a, 'i>(
    root: Node<'a, 'i>,
    options: &ReadOptions,
) -> Result<Vec<MeasureRef<'a, 'i>>> {
    let mut ids: Vec<&str> = child(root, "part-list")
        .into_iter()
        .flat_map(|list| children(list, "score-part"))
        .filter_map(|p| p.attribute("id"))
        .collect();
    if ids.is_empty() {
        let first = child(root, "measure");
        ids = first
            .into_iter()
            .flat_map(|m| children(m, "part"))
            .filter_map(|p| p.attribute("id"))
            .collect();
    }
    let index = options.part.unwrap_or(0);
    let id = *ids.get(index).ok_or_else(|| no_part(index, ids.len()))?;
    Ok(children(root, "measure")
        .map(|m| MeasureRef {
            measure: m,
            content: children(m, "part")
                .find(|p| p.attribute("id") == Some(id))
                .unwrap_or(m),
        })
        .collect())
}

fn is_grace(note: Node) -> bool {
    child(note, "grace").is_some()
}

fn voice_of<'a>(note: Node<'a, '_>) -> &'a str {
    child_text(note, "voice")
        .filter(|v| !v.is_empty())
        .unwrap_or("1")
}

/// Voice 1 if the part has it, otherwise the first voice seen.
fn top_voice(measures: &[MeasureRef]) -> String {
    let mut voices = measures
        .iter()
        .flat_map(|m| children(m.content, "note"))
        .filter(|n| !is_grace(*n))
        .map(voice_of);
    let first = voices.next().unwrap_or("1");
    if first == "1" || voices.any(|v| v == "1") {
        "1".to_string()
    } else {
        first.to_string()
    }
}

/// Whether text is a decimal number ([`decimal`] may still refuse it as too long).
fn is_number(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    !(whole.is_empty() && frac.is_empty())
        && whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
}

/// The error text for a number [`decimal`] could not read.
fn bad_number(what: &str, text: &str) -> String {
    if is_number(text) {
        format!(
            "{what} {} is too large (at most 18 digits)",
            echo(text.trim())
        )
    } else {
        format!("bad {what} {:?}", echo(text))
    }
}

/// Parses a decimal number (`12`, `-3.5`) exactly.
pub(super) fn decimal(text: &str) -> Option<Ratio> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = whole.len() + frac.len();
    let all_digits = whole
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_digit());
    if digits == 0 || digits > 18 || !all_digits {
        return None;
    }
    let num: i64 = format!("{whole}{frac}").parse().ok()?;
    let den = 10i64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let value = Ratio::new(num, den);
    Some(if negative { Ratio::ZERO - value } else { value })
}

impl<'a, 'i> Reader<'a, 'i> {
    fn error(&self, node: Node, message: impl Into<String>) -> Error {
        Error::parse(Some(line_of(self.doc, node)), message)
    }

    /// A duration element's value in quarter notes (never negative).
    fn quarters(&self, node: Node, text: &str) -> Result<Ratio> {
        let value = decimal(text).ok_or_else(|| self.error(node, bad_number("duration", text)))?;
        if value < Ratio::ZERO {
            return Err(self.error(node, format!("negative duration {text}")));
        }
        Ok(value / self.divisions)
    }

    /// The `<duration>` child in quarter notes, zero if there is none.
    fn duration_child(&self, node: Node) -> Result<Ratio> {
        match child(node, "duration") {
            Some(d) => self.quarters(d, d.text().unwrap_or("")),
            None => Ok(Ratio::ZERO),
        }
    }

    fn read_measure(&mut self, m: MeasureRef<'a, 'i>) -> Result<MeasureData> {
        let mut data = MeasureData {
            implicit: m.measure.attribute("implicit") == Some("yes"),
            ..MeasureData::default()
        };
        let (mut cursor, mut last_onset) = (Ratio::ZERO, Ratio::ZERO);
        for node in m.content.children().filter(Node::is_element) {
            match node.tag_name().name() {
                "attributes" => self.read_attributes(node)?,
                "note" => self.read_note(node, &mut cursor, &mut last_onset, &mut data)?,
                "backup" => cursor = (cursor - self.duration_child(node)?).max(Ratio::ZERO),
                "forward" => cursor += self.duration_child(node)?,
                "barline" => read_barline(node, &mut data.marks),
                _ => {}
            }
            data.length = data.length.max(cursor);
        }
        Ok(data)
    }

    fn read_attributes(&mut self, node: Node) -> Result<()> {
        if let Some(d) = child(node, "divisions") {
            let text = d.text().unwrap_or("");
            match decimal(text) {
                Some(v) if v.is_positive() => self.divisions = v,
                Some(_) => {
                    return Err(self.error(
                        d,
                        format!("divisions must be positive, not {}", echo(text.trim())),
                    ));
                }
                None if is_number(text) => {
                    return Err(self.error(
                        d,
                        format!(
                            "divisions {} is too large (at most 18 digits)",
                            echo(text.trim())
                        ),
                    ));
                }
                None => {
                    return Err(self.error(
                        d,
                        format!("divisions must be a positive number, not {:?}", echo(text)),
                    ));
                }
            }
        }
        if self.meter.is_none()
            && let Some(time) = child(node, "time")
        {
            self.meter = Some(meter(time));
        }
        if self.key_signature.is_none()
            && let Some(key) = child(node, "key")
        {
            self.read_key(key);
        }
        if self.transpose.is_none()
            && let Some(t) = child(node, "transpose")
        {
            let number = |name| child_text(t, name).and_then(|v| v.parse::<i32>().ok());
            let chromatic = number("chromatic").unwrap_or(0).clamp(-48, 48);
            let octaves = number("octave-change").unwrap_or(0).clamp(-4, 4);
            self.transpose = Some(chromatic + 12 * octaves);
        }
        Ok(())
    }

    fn read_key(&mut self, key: Node) {
        let Some(fifths) = child_text(key, "fifths").and_then(|f| f.parse::<i32>().ok()) else {
            return;
        };
        if !(-7..=7).contains(&fifths) {
            return;
        }
        self.key_signature = Some(fifths);
        let mode = child_text(key, "mode").filter(|m| !m.is_empty());
        self.key = mode
            .and_then(Mode::parse)
            .map(|mode| Key::from_signature(fifths, mode));
    }

    fn read_note(
        &self,
        node: Node,
        cursor: &mut Ratio,
        last_onset: &mut Ratio,
        data: &mut MeasureData,
    ) -> Result<()> {
        if is_grace(node) {
            return Ok(());
        }
        let duration = self.note_duration(node)?;
        let onset = if child(node, "chord").is_some() {
            *last_onset
        } else {
            *last_onset = *cursor;
            *cursor += duration;
            *last_onset
        };
        if voice_of(node) != self.voice || child(node, "cue").is_some() || !duration.is_positive() {
            return Ok(());
        }
        let pitch = if child(node, "rest").is_some() {
            None
        } else {
            Some(self.pitch(node)?)
        };
        let (tie_start, tie_stop) = ties(node);
        data.events.push(Event {
            onset,
            duration,
            pitch,
            tie_start,
            tie_stop,
        });
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

    /// The sounding pitch from `<pitch>` (or an unpitched note's display position).
    fn pitch(&self, node: Node) -> Result<Pitch> {
        let (p, prefix) = match (child(node, "pitch"), child(node, "unpitched")) {
            (Some(p), _) => (p, ""),
            (None, Some(u)) => (u, "display-"),
            (None, None) => return Err(self.error(node, "note without <pitch> or <rest/>")),
        };
        let get = |name: &str| {
            p.children()
                .find(|c| c.tag_name().name() == format!("{prefix}{name}"))
                .and_then(|c| c.text())
                .map(str::trim)
        };
        let step = get("step")
            .and_then(|s| {
                crate::music::PitchName::new(s.chars().next()?, 0).filter(|_| s.len() == 1)
            })
            .ok_or_else(|| self.error(p, "bad or missing <step>"))?;
        let octave = get("octave")
            .and_then(|o| o.parse::<i32>().ok())
            .filter(|o| (-2..=10).contains(o))
            .ok_or_else(|| self.error(p, "bad or missing <octave>"))?;
        let alter = get("alter")
            .and_then(|a| a.parse::<f64>().ok())
            .filter(|a| a.is_finite() && a.abs() <= 4.0)
            .map_or(0, |a| a.round() as i32);
        let midi = (octave + 1) * 12 + i32::from(step.pitch_class()) + alter;
        Pitch::from_midi(midi).ok_or_else(|| self.error(p, format!("pitch {midi} is outside MIDI")))
    }

    /// Joins the measures in playing order and turns the events into notes. Repeats
    /// may play out to at most [`Limits::max_expanded_events`] events.
    fn melody(&self, data: &[MeasureData]) -> Result<Melody> {
        let marks: Vec<Marks> = data.iter().map(|d| d.marks.clone()).collect();
        let mut events = Vec::new();
        let mut offset = Ratio::ZERO;
        let max_events = Limits::DEFAULT.max_expanded_events;
        for i in playback_order(&marks) {
            let count = events.len().saturating_add(data[i].events.len());
            if count > max_events {
                Limits::check("notes and rests after expanding repeats", count, max_events)?;
            }
            let mut measure = data[i].events.clone();
            measure.sort_by_key(|e| e.onset);
            events.extend(measure.into_iter().map(|e| Event {
                onset: e.onset + offset,
                ..e
            }));
            offset += data[i].length;
        }
        let meter = self.meter.flatten();
        let pickup = match (data.first(), meter) {
            (Some(first), Some(m)) if first.length < m.bar_length() => first.length,
            (Some(first), None) if first.implicit => first.length,
            _ => Ratio::ZERO,
        };
        Ok(Melody {
            meter,
            key: self.key,
            key_signature: self.key_signature,
            pickup,
            notes: assemble(merge_chords(events)),
            ..Melody::default()
        }
        .normalized())
    }
}

/// `<time>`: a meter, or `None` for `<senza-misura>` or a hidden time signature.
fn meter(time: Node) -> Option<Meter> {
    if child(time, "senza-misura").is_some() || time.attribute("print-object") == Some("no") {
        return None;
    }
    let beats: u32 = child_text(time, "beats")?
        .split('+')
        .map(|b| b.trim().parse::<u32>().ok())
        .try_fold(0u32, |sum, b| sum.checked_add(b?))?;
    let beat_type = child_text(time, "beat-type")?.parse().ok()?;
    Meter::new(beats, beat_type)
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
                if !numbers.is_empty() {
                    marks.ending_start = Some(numbers);
                }
            }
            Some("stop" | "discontinue") => marks.ending_stop = true,
            _ => {}
        }
    }
}

fn title(root: Node) -> Option<String> {
    let work = child(root, "work").and_then(|w| child_text(w, "work-title"));
    work.or_else(|| child_text(root, "movement-title"))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Tempo in quarter notes per minute: the first `<sound tempo>`, else the first `<metronome>`.
fn tempo(root: Node) -> Option<f64> {
    let valid = |t: f64| (t.is_finite() && t > 0.0 && t < 10_000.0).then_some(t);
    let sound = root
        .descendants()
        .filter(|n| n.has_tag_name("sound"))
        .find_map(|n| valid(n.attribute("tempo")?.trim().parse().ok()?));
    sound.or_else(|| {
        root.descendants()
            .filter(|n| n.has_tag_name("metronome"))
            .find_map(|m| {
                let per_minute: f64 = child_text(m, "per-minute")?.parse().ok()?;
                let dots = children(m, "beat-unit-dot").count();
                let unit = type_length(child_text(m, "beat-unit")?, u32::try_from(dots).ok()?)?;
                valid(per_minute * unit.to_f64())
            })
    })
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
