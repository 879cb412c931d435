//! One tune: its header fields, its body, and the melody built from them.

use super::body::{Body, Item, Written};
use super::header::{self, KeyChoice, KeySpec};
use super::repeats;
use crate::error::{Error, Result};
use crate::formats::echo;
use crate::limits::Limits;
use crate::music::{
    Key, KeyProfile, Melody, Meter, Mode, Note, Pitch, Ratio, all_major_minor_keys, estimate_key,
};

/// Header fields, from the file header (defaults) or a tune's header.
#[derive(Clone, Debug, Default)]
pub(super) struct Header {
    title: Option<String>,
    /// `Some(None)` is an explicit free meter; `None` means no `M:` was given.
    meter: Option<Option<Meter>>,
    unit: Option<Ratio>,
    tempo: Option<String>,
    key: Option<KeySpec>,
    voice: Option<String>,
}

impl Header {
    /// Applies one header field. Unknown fields are ignored.
    pub fn field(&mut self, name: u8, value: &str, line: usize) -> Result<()> {
        let value = header::field_value(value);
        match name {
            b'T' if self.title.is_none() && !value.is_empty() => {
                self.title = Some(value.to_string());
            }
            b'M' => self.meter = Some(header::parse_meter(value)),
            b'L' => {
                let unit = header::parse_unit(value).ok_or_else(|| {
                    Error::parse(Some(line), format!("invalid unit length L:{}", echo(value)))
                })?;
                self.unit = Some(unit);
            }
            b'Q' => self.tempo = Some(value.to_string()),
            b'K' => {
                let key = header::parse_key(value).map_err(|m| Error::parse(Some(line), m))?;
                self.key = Some(key);
            }
            b'V' if self.voice.is_none() => {
                self.voice = value.split_whitespace().next().map(str::to_string);
            }
            _ => {}
        }
        Ok(())
    }

    /// The defaults a tune inherits from the file header (not its title).
    pub fn inherited(&self) -> Header {
        Header {
            title: None,
            voice: None,
            ..self.clone()
        }
    }
}

/// A field line (`K:G`): its letter and value. In the body, `A:`–`G:` and `a:`–`g:`
/// are notes followed by a colon, not fields.
pub(super) fn split_field(text: &str, in_body: bool) -> Option<(u8, &str)> {
    let b = text.as_bytes();
    let name = *b.first()?;
    let is_note = matches!(name.to_ascii_uppercase(), b'A'..=b'G');
    let ok = (name.is_ascii_alphabetic() || name == b'+') && !(in_body && is_note);
    (ok && b.get(1) == Some(&b':')).then(|| (name, text.get(2..).unwrap_or("")))
}

fn is_comment(text: &str) -> bool {
    text.starts_with('%')
}

/// Parses one tune: `lines` are the lines after its `X:` line (at `x_line`).
pub(super) fn parse_tune(
    x_line: usize,
    lines: &[(usize, &str)],
    defaults: &Header,
) -> Result<Melody> {
    let mut head = defaults.inherited();
    let mut body_start = lines.len();
    for (k, &(line, text)) in lines.iter().enumerate() {
        if is_comment(text) {
            continue;
        }
        let Some((name, value)) = split_field(text, false) else {
            body_start = k;
            break;
        };
        head.field(name, value, line)?;
        if name == b'K' {
            body_start = k + 1;
            break;
        }
    }
    let meter = head.meter.unwrap_or(None);
    let unit = head.unit.unwrap_or_else(|| header::default_unit(meter));
    let key = head.key.unwrap_or_else(KeySpec::none);
    let mut body = Body::new(unit, meter, &key, head.voice.clone());
    for &(line, text) in &lines[body_start..] {
        if is_comment(text) {
            continue;
        }
        match split_field(text, true) {
            Some((name, value)) => body.field(name, value, line)?,
            None => body.music_line(text, line)?,
        }
    }
    let mut melody = build_melody(&body.items, meter, x_line)?;
    melody.title = head.title;
    melody.tempo_qpm = head.tempo.and_then(|t| header::parse_tempo(&t, unit));
    decide_key(&mut melody, &key);
    Ok(melody)
}

/// Expands repeats, merges ties and measures the pickup.
fn build_melody(items: &[Item], meter: Option<Meter>, x_line: usize) -> Result<Melody> {
    let notes = merge_ties(repeats::expand(items, Limits::DEFAULT.max_expanded_events)?);
    if !notes.iter().any(|n| !n.is_rest()) {
        return Err(Error::parse(Some(x_line), "tune has no notes"));
    }
    let mut melody = Melody::new();
    melody.meter = meter;
    melody.pickup = pickup(items, meter);
    melody.notes = notes;
    Ok(melody.normalized())
}

/// The length of the first bar when it is shorter than the meter's bar, else zero.
fn pickup(items: &[Item], meter: Option<Meter>) -> Ratio {
    let Some(meter) = meter else {
        return Ratio::ZERO;
    };
    let mut first = Ratio::ZERO;
    for item in items {
        match item {
            Item::Event(w) => first += w.duration,
            Item::Bar { .. } if first.is_positive() => {
                return if first < meter.bar_length() {
                    first
                } else {
                    Ratio::ZERO
                };
            }
            _ => {}
        }
    }
    Ratio::ZERO
}

/// Turns written events into notes: a tie joins two pieces of the same pitch into one
/// note whose `tie_parts` keep the pieces. Ties to another pitch or a rest are dropped.
fn merge_ties(events: Vec<&Written>) -> Vec<Note> {
    let mut out: Vec<Note> = Vec::with_capacity(events.len());
    let mut open = false;
    for w in events {
        let pitch = w.pitch.map(Pitch);
        match out.last_mut() {
            Some(last) if open && pitch.is_some() && last.pitch == pitch => {
                if last.tie_parts.is_empty() {
                    last.tie_parts.push(last.duration);
                }
                last.tie_parts.push(w.duration);
                last.duration += w.duration;
            }
            _ => out.push(Note {
                pitch,
                duration: w.duration,
                tie_parts: Vec::new(),
            }),
        }
        open = w.tie && pitch.is_some();
    }
    out
}

/// Sets `key` and `key_signature`: a stated mode as written, a bare tonic's mode from
/// the notes (major or relative minor), and no key from all 24 keys.
fn decide_key(melody: &mut Melody, key: &KeySpec) {
    melody.key_signature = key.fifths;
    let histogram = melody.pitch_class_durations();
    let estimate =
        |candidates: &[Key]| estimate_key(&histogram, candidates, KeyProfile::KrumhanslKessler);
    melody.key = match key.choice {
        KeyChoice::Stated(k) => Some(k),
        KeyChoice::Signature(f) => estimate(&[
            Key::from_signature(f, Mode::Major),
            Key::from_signature(f, Mode::Minor),
        ]),
        KeyChoice::Unknown => estimate(&all_major_minor_keys()),
    };
}
