//! One tune: its header fields, its body, and the melody built from them.

use super::build::{self, Start};
use super::header::{self, KeySpec};
use super::voices::Voices;
use crate::error::{Error, Result};
use crate::formats::echo;
use crate::music::{Melody, Meter, Ratio};

/// Header fields, from the file header (defaults) or a tune's header.
#[derive(Clone, Debug, Default)]
pub(super) struct Header {
    title: Option<String>,
    /// `Some(None)` is an explicit free meter; `None` means no `M:` was given.
    meter: Option<Option<Meter>>,
    unit: Option<Ratio>,
    tempo: Option<String>,
    key: Option<KeySpec>,
    /// The `V:` lines of the header: the voices it declares.
    voices: Vec<String>,
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
            b'V' => self.voices.push(value.to_string()),
            _ => {}
        }
        Ok(())
    }

    /// The defaults a tune inherits from the file header (not its title).
    pub fn inherited(&self) -> Header {
        Header {
            title: None,
            voices: Vec::new(),
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
    voice: Option<usize>,
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
    let mut voices = Voices::new(unit, meter, &key, &head.voices);
    for &(line, text) in &lines[body_start..] {
        if is_comment(text) {
            continue;
        }
        match split_field(text, true) {
            Some((name, value)) => voices.field(name, value, line)?,
            None => voices.music_line(text, line)?,
        }
    }
    let start = Start {
        meter,
        tempo: head.tempo.and_then(|t| header::parse_tempo(&t, unit)),
        key: key.sounding(key.transpose.unwrap_or(0)),
    };
    let mut melody = build::melody(&voices.bodies, &start, x_line, voice)?;
    melody.title = head.title;
    Ok(melody)
}
