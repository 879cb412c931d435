//! From a part's measures to a melody: the voice asked for or the top line of all of
//! them, the measures in playing order, the pickup, and the meter, key and tempo changes.

use super::measure::MeasureData;
use super::playback::playback_order;
use crate::error::{Error, Result};
use crate::formats::line::{Piece, join_ties, top_line};
use crate::limits::Limits;
use crate::music::{ChangeKind, Melody, Ratio};
use std::collections::{BTreeMap, BTreeSet};

/// A part as read: how messages name it, the line it starts on, and its measures.
pub struct PartData {
    /// `part "Flute" (--part 1)`.
    pub name: String,
    /// The line of its `<part>` (or first measure).
    pub line: usize,
    /// Its measures in written order.
    pub measures: Vec<MeasureData>,
}

/// Voices sorted as numbers where they are numbers.
fn sorted(voices: BTreeSet<&str>) -> Vec<&str> {
    let mut v: Vec<&str> = voices.into_iter().collect();
    v.sort_by_key(|s| (s.parse::<u64>().unwrap_or(u64::MAX), s.to_string()));
    v
}

impl PartData {
    /// Whether any measure has a pitched note.
    pub fn has_pitched_notes(&self) -> bool {
        self.measures.iter().any(|m| !m.pieces.is_empty())
    }

    /// Checks that the voice asked for (or the part) has pitched notes; returns how many
    /// unpitched notes it has.
    fn check_voices(&self, wanted: Option<&str>) -> Result<usize> {
        let pitched: BTreeSet<&str> = self
            .measures
            .iter()
            .flat_map(|m| m.pieces.iter().map(|(v, _)| v.as_str()))
            .collect();
        let unpitched = self
            .measures
            .iter()
            .flat_map(|m| m.unpitched.iter())
            .filter(|v| wanted.is_none_or(|w| w == v.as_str()))
            .count();
        let fail = |message: String| Err(Error::parse(Some(self.line), message));
        match wanted {
            Some(w) if !pitched.contains(w) => {
                if unpitched > 0 {
                    return fail(format!(
                        "voice {w} of the {} has only unpitched (percussion) notes",
                        self.name
                    ));
                }
                let list = sorted(pitched).join(", ");
                if list.is_empty() {
                    return fail(format!("the {} has no pitched notes", self.name));
                }
                Err(Error::Invalid(format!(
                    "the {} has no voice {w} with notes; its voices with notes are {list}",
                    self.name
                )))
            }
            None if pitched.is_empty() && unpitched > 0 => fail(format!(
                "the {} has only unpitched (percussion) notes, no melody: choose a pitched \
                 part with --part",
                self.name
            )),
            None if pitched.is_empty() => fail(format!("the {} has no notes", self.name)),
            _ => Ok(unpitched),
        }
    }

    /// The pickup, and the length the first measure counts for: a first measure marked
    /// `implicit` and shorter than a bar is a pickup; another short first measure is a
    /// bar where it is written, its missing beats a rest at its end.
    fn start(&self, first: usize) -> (Ratio, Ratio) {
        let m = &self.measures[first];
        let bar = m.meter.map(|meter| meter.bar_length());
        match bar {
            Some(b) if m.length < b && m.length.is_positive() => {
                if m.implicit {
                    (m.length, m.length)
                } else {
                    (Ratio::ZERO, b)
                }
            }
            None if m.implicit => (m.length, m.length),
            _ => (Ratio::ZERO, m.length),
        }
    }

    /// The melody of voice `voice` (1-based as the file numbers it), or the top line.
    pub fn melody(&self, voice: Option<usize>) -> Result<Melody> {
        let wanted = voice.map(|v| v.to_string());
        let unpitched = self.check_voices(wanted.as_deref())?;
        let marks: Vec<_> = self.measures.iter().map(|m| m.marks.clone()).collect();
        let max = Limits::DEFAULT.max_expanded_events;
        let order = playback_order(&marks, max.saturating_add(1));
        Limits::check("measures after expanding repeats", order.len(), max)?;
        let Some(&first) = order.first() else {
            return Err(Error::parse(
                Some(self.line),
                format!("the {} has no measures", self.name),
            ));
        };
        let (pickup, first_length) = self.start(first);
        let mut melody = Melody {
            pickup,
            ..Melody::default()
        };
        let mut voices: BTreeMap<&str, Vec<Piece>> = BTreeMap::new();
        let (mut offset, mut count) = (Ratio::ZERO, 0usize);
        for (k, &i) in order.iter().enumerate() {
            let m = &self.measures[i];
            for kind in &m.in_force {
                melody.set_from(offset, *kind);
            }
            for &(at, kind) in &m.changes {
                // A tempo anywhere in the first measure is the starting tempo.
                let first_tempo = k == 0 && matches!(kind, ChangeKind::Tempo(_));
                let at = if first_tempo { Ratio::ZERO } else { at };
                melody.set_from(offset + at, kind);
            }
            for (v, p) in &m.pieces {
                if wanted.as_deref().is_some_and(|w| w != v) {
                    continue;
                }
                count += 1;
                if count > max {
                    Limits::check("notes after expanding repeats", count, max)?;
                }
                let onset = p.onset + offset;
                voices.entry(v).or_default().push(Piece { onset, ..*p });
            }
            offset += if i == first { first_length } else { m.length };
        }
        let notes = voices.into_values().flat_map(join_ties).collect();
        melody.notes = top_line(notes, offset);
        if unpitched > 0 {
            let s = if unpitched == 1 { "" } else { "s" };
            melody.source.warnings.push(format!(
                "{unpitched} unpitched (percussion) note{s} of the {} read as rests",
                self.name
            ));
        }
        Ok(melody.normalized())
    }
}
