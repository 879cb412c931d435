//! `<attributes>`: divisions, time signatures, keys and transpositions, each in force
//! from where it is written.

use super::measure::{MeasureData, Reader};
use super::numbers::{decimal, is_number};
use super::xml::{child, child_text, children, for_first_staff};
use crate::error::Result;
use crate::formats::echo;
use crate::music::{ChangeKind, Meter, Mode, Ratio};
use roxmltree::Node;

impl Reader<'_, '_> {
    /// Applies an `<attributes>` element at `offset` in the measure.
    pub(super) fn read_attributes(
        &mut self,
        node: Node,
        offset: Ratio,
        data: &mut MeasureData,
    ) -> Result<()> {
        if let Some(d) = child(node, "divisions") {
            self.read_divisions(d)?;
        }
        if let Some(time) = children(node, "time").find(|t| for_first_staff(*t)) {
            let m = meter(time);
            self.meter = Some(m);
            if let Some(m) = m {
                data.changes.push((offset, ChangeKind::Meter(m)));
            }
        }
        let mut key_changed = false;
        if let Some(key) = children(node, "key").find(|k| for_first_staff(*k)) {
            key_changed = self.read_key(key);
        }
        if let Some(t) = children(node, "transpose").find(|t| for_first_staff(*t)) {
            let number = |name| child_text(t, name).and_then(|v| v.parse::<i32>().ok());
            let chromatic = number("chromatic").unwrap_or(0).clamp(-48, 48);
            let octaves = number("octave-change").unwrap_or(0).clamp(-4, 4);
            let semitones = chromatic + 12 * octaves;
            // The same written key sounds elsewhere now.
            key_changed |= semitones != self.transpose;
            self.transpose = semitones;
        }
        if key_changed && let Some(key) = self.sounding_key() {
            data.changes.push((offset, key));
        }
        Ok(())
    }

    fn read_divisions(&mut self, d: Node) -> Result<()> {
        let text = d.text().unwrap_or("");
        match decimal(text) {
            Some(v) if v.is_positive() => {
                self.divisions = v;
                Ok(())
            }
            Some(_) => Err(self.error(
                d,
                format!("divisions must be positive, not {}", echo(text.trim())),
            )),
            None if is_number(text) => Err(self.error(
                d,
                format!(
                    "divisions {} is too large (at most 18 digits)",
                    echo(text.trim())
                ),
            )),
            None => Err(self.error(
                d,
                format!("divisions must be a positive number, not {:?}", echo(text)),
            )),
        }
    }

    /// Reads a traditional `<key>` (fifths and mode); true when it is one.
    fn read_key(&mut self, key: Node) -> bool {
        let Some(fifths) = child_text(key, "fifths").and_then(|f| f.parse::<i32>().ok()) else {
            return false;
        };
        if !(-7..=7).contains(&fifths) {
            return false;
        }
        let mode = child_text(key, "mode")
            .filter(|m| !m.is_empty())
            .and_then(Mode::parse);
        self.written_key = Some((fifths, mode));
        true
    }
}

/// `<time>`: a meter, or `None` for `<senza-misura>` or a hidden time signature.
pub(super) fn meter(time: Node) -> Option<Meter> {
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
