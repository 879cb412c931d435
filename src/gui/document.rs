//! The melody being edited: notes on a 16th-note grid, which of them are the seed, and undo.

use crate::music::{Key, Melody, Meter, Note, Pitch, Ratio};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Where a note came from; each has its own colour in the roll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Part of the seed (the primer the model continues).
    Seed,
    /// Written by the model.
    Generated,
    /// Added or changed by hand.
    User,
    /// The model's answers in a jam (the player's calls are the seed).
    Answer,
}

/// One note in the roll, in grid steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RollNote {
    /// Stable identity for selection and dragging.
    pub id: u64,
    /// First step.
    pub start: u32,
    /// Length in steps (at least 1).
    pub len: u32,
    /// MIDI pitch.
    pub pitch: u8,
    /// Where it came from.
    pub origin: Origin,
    /// For generated notes: the model's (probability, entropy in nats) of each of its steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confidence: Vec<(f32, f32)>,
}

impl RollNote {
    /// A note without confidence; its id is given when it is pushed into a document.
    pub fn new(start: u32, len: u32, pitch: u8, origin: Origin) -> RollNote {
        RollNote {
            id: 0,
            start,
            len,
            pitch,
            origin,
            confidence: Vec::new(),
        }
    }

    /// The same note with the model's confidence per step.
    pub fn with_confidence(mut self, confidence: Vec<(f32, f32)>) -> RollNote {
        self.confidence = confidence;
        self
    }

    /// The step after the note.
    pub fn end(&self) -> u32 {
        self.start + self.len
    }
}

/// The editable melody.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Title (from the seed file, or what the user typed).
    pub title: String,
    /// Meter for bar lines and export.
    pub meter: Meter,
    /// Key, when known (from the seed).
    pub key: Option<Key>,
    /// Anacrusis length in steps: bar lines fall at `pickup + k * bar`.
    pub pickup: u32,
    /// Notes, kept sorted by start.
    pub notes: Vec<RollNote>,
    next_id: u64,
}

impl Default for Document {
    fn default() -> Self {
        Document {
            title: String::new(),
            meter: Meter::default(),
            key: None,
            pickup: 0,
            notes: Vec::new(),
            next_id: 1,
        }
    }
}

/// Steps for a duration in quarter notes, rounded to the grid; the flag says whether it
/// had to be rounded.
fn to_steps(r: Ratio) -> (u32, bool) {
    let exact = r / Ratio::STEP;
    let rounded = (exact.to_f64()).round().max(0.0) as u32;
    (rounded, exact.den() != 1)
}

impl Document {
    /// A document holding `melody`, its notes marked `origin`. The flag is true when some
    /// durations were off the 16th grid and were rounded to it.
    pub fn from_melody(melody: &Melody, origin: Origin) -> (Document, bool) {
        let mut doc = Document {
            title: melody.title.clone().unwrap_or_default(),
            meter: melody.meter.unwrap_or_default(),
            key: melody.key_or_estimate(),
            pickup: to_steps(melody.pickup).0,
            ..Document::default()
        };
        let mut quantized = false;
        let mut pos = Ratio::new(0, 1);
        for note in &melody.notes {
            let (start, q1) = to_steps(pos);
            pos += note.duration;
            let (end, q2) = to_steps(pos);
            quantized |= q1 || q2;
            if let Some(p) = note.pitch {
                let len = end.saturating_sub(start).max(1);
                doc.push(RollNote::new(start, len, p.midi(), origin));
            }
        }
        (doc, quantized)
    }

    /// Adds a note (with a new id, whatever its own) and returns its id.
    pub fn push(&mut self, note: RollNote) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.notes.push(RollNote {
            id,
            len: note.len.max(1),
            pitch: note.pitch.min(127),
            ..note
        });
        self.sort();
        id
    }

    /// Sorts notes by start (then pitch), as the roll and export expect.
    pub fn sort(&mut self) {
        self.notes.sort_by_key(|n| (n.start, n.pitch, n.id));
    }

    /// The note with this id.
    pub fn note(&self, id: u64) -> Option<&RollNote> {
        self.notes.iter().find(|n| n.id == id)
    }

    /// The step after the last note (0 when empty).
    pub fn end(&self) -> u32 {
        self.notes.iter().map(RollNote::end).max().unwrap_or(0)
    }

    /// Steps per bar of the meter.
    pub fn steps_per_bar(&self) -> u32 {
        to_steps(self.meter.bar_length()).0.max(1)
    }

    /// Steps per beat (the meter's denominator; dotted beats in compound meters).
    pub fn steps_per_beat(&self) -> u32 {
        let m = self.meter;
        let base = (16 / m.denominator.max(1)).max(1);
        if m.denominator >= 8 && m.numerator.is_multiple_of(3) && m.numerator > 3 {
            base * 3
        } else {
            base
        }
    }

    /// True when any note is marked as seed.
    pub fn has_seed(&self) -> bool {
        self.notes.iter().any(|n| n.origin == Origin::Seed)
    }

    /// The seed's span of steps, `start..end`, if there is a seed.
    pub fn seed_span(&self) -> Option<(u32, u32)> {
        let seed = self.notes.iter().filter(|n| n.origin == Origin::Seed);
        let start = seed.clone().map(|n| n.start).min()?;
        let end = seed.map(RollNote::end).max()?;
        Some((start, end))
    }

    /// The notes that pass `keep`, as a monophonic melody from step `from` (earlier notes
    /// are left out; a note still sounding at the next onset is cut there, and of notes
    /// starting together the highest wins), ending at `to` when given.
    pub fn to_melody_range(
        &self,
        from: u32,
        to: Option<u32>,
        keep: impl Fn(&RollNote) -> bool,
    ) -> Melody {
        let step = Ratio::STEP;
        let mut picked: Vec<(u32, u32, u8)> = Vec::new();
        for n in self.notes.iter().filter(|n| keep(n) && n.start >= from) {
            let end = to.map_or(n.end(), |t| n.end().min(t));
            if end <= n.start {
                continue;
            }
            match picked.last_mut() {
                Some(last) if last.0 == n.start => {
                    if n.pitch > last.2 {
                        *last = (n.start, end, n.pitch);
                    }
                }
                _ => picked.push((n.start, end, n.pitch)),
            }
        }
        let mut notes = Vec::new();
        let mut pos = from;
        for (i, &(start, end, pitch)) in picked.iter().enumerate() {
            if start > pos {
                notes.push(Note::rest(step * Ratio::new(i64::from(start - pos), 1)));
            }
            let next = picked.get(i + 1).map_or(end, |n| n.0.min(end));
            let len = next.saturating_sub(start).max(1);
            if let Some(p) = Pitch::from_midi(i32::from(pitch)) {
                notes.push(Note::new(p, step * Ratio::new(i64::from(len), 1)));
            }
            pos = start + len;
        }
        if let Some(t) = to
            && t > pos
        {
            notes.push(Note::rest(step * Ratio::new(i64::from(t - pos), 1)));
        }
        let bar = self.steps_per_bar();
        let pickup = if from <= self.pickup {
            self.pickup - from
        } else {
            (bar - (from - self.pickup) % bar) % bar
        };
        Melody {
            title: (!self.title.is_empty()).then(|| self.title.clone()),
            meter: Some(self.meter),
            key: self.key,
            key_signature: self.key.map(Key::signature_fifths),
            tempo_qpm: None,
            // The roll is one meter's grid: a seed's later changes stay with its file.
            changes: Vec::new(),
            pickup: step * Ratio::new(i64::from(pickup), 1),
            notes,
            source: Default::default(),
        }
    }

    /// The whole document as a melody from step 0.
    pub fn to_melody(&self) -> Melody {
        self.to_melody_range(0, None, |_| true)
    }

    /// Shifts every note starting at or after `at` by `by` steps.
    pub fn shift_from(&mut self, at: u32, by: i64) {
        for n in &mut self.notes {
            if n.start >= at {
                n.start = (i64::from(n.start) + by).max(0) as u32;
            }
        }
        self.sort();
    }

    /// The steps `start..end` covered by the notes with these ids, if any exist.
    pub fn span(&self, ids: &std::collections::BTreeSet<u64>) -> Option<(u32, u32)> {
        let chosen = self.notes.iter().filter(|n| ids.contains(&n.id));
        let start = chosen.clone().map(|n| n.start).min()?;
        let end = chosen.map(RollNote::end).max()?;
        Some((start, end))
    }

    /// Clears the steps `start..end` for a fill: notes starting inside go, a note from
    /// before that sounds into the span is cut at `start`; nothing else changes.
    pub fn clear_span(&mut self, start: u32, end: u32) {
        self.notes.retain(|n| !(start..end).contains(&n.start));
        for n in &mut self.notes {
            if n.start < start && n.end() > start {
                n.len = start - n.start;
            }
        }
    }

    /// Removes the notes with these ids.
    pub fn remove(&mut self, ids: &std::collections::BTreeSet<u64>) {
        self.notes.retain(|n| !ids.contains(&n.id));
    }

    /// About how many bytes a copy of the document holds (for the undo history's bound).
    pub fn heap_bytes(&self) -> usize {
        let confidence: usize = self.notes.iter().map(|n| n.confidence.len()).sum();
        std::mem::size_of::<Document>()
            + self.title.len()
            + self.notes.len() * std::mem::size_of::<RollNote>()
            + confidence * std::mem::size_of::<(f32, f32)>()
    }
}

/// Undo and redo as whole-document snapshots, each with the identity of its state (so
/// the app can tell when undo has brought back the saved melody). Bounded: at most
/// [`UNDO_LIMIT`] steps and [`UNDO_BYTES`] of snapshots; the oldest go first.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: VecDeque<(Document, u64)>,
    redo: Vec<(Document, u64)>,
    /// The snapshots' estimated size in bytes, undo and redo together.
    bytes: usize,
}

/// Most undo steps kept.
pub const UNDO_LIMIT: usize = 200;

/// Most memory the undo and redo snapshots may hold (a 200,000-note melody is about 12 MB
/// a snapshot, a folk song a few KB).
pub const UNDO_BYTES: usize = 64 * 1024 * 1024;

impl History {
    /// Records `before` (and its state's identity) as the state to return to; clears redo.
    pub fn record(&mut self, before: Document, id: u64) {
        self.bytes += before.heap_bytes();
        self.undo.push_back((before, id));
        for (d, _) in self.redo.drain(..) {
            self.bytes = self.bytes.saturating_sub(d.heap_bytes());
        }
        while self.undo.len() > UNDO_LIMIT || (self.bytes > UNDO_BYTES && self.undo.len() > 1) {
            if let Some((d, _)) = self.undo.pop_front() {
                self.bytes = self.bytes.saturating_sub(d.heap_bytes());
            }
        }
    }

    /// Steps back: returns the state to show, given the current one.
    pub fn undo(&mut self, current: (Document, u64)) -> Option<(Document, u64)> {
        let prev = self.undo.pop_back()?;
        self.bytes = self.bytes + current.0.heap_bytes() - prev.0.heap_bytes();
        self.redo.push(current);
        Some(prev)
    }

    /// Steps forward again.
    pub fn redo(&mut self, current: (Document, u64)) -> Option<(Document, u64)> {
        let next = self.redo.pop()?;
        self.bytes = self.bytes + current.0.heap_bytes() - next.0.heap_bytes();
        self.undo.push_back(current);
        Some(next)
    }

    /// Whether undo has anything.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether redo has anything.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Undo steps kept.
    pub fn undo_steps(&self) -> usize {
        self.undo.len()
    }

    /// The snapshots' estimated size in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every step.
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn melody(text: &str) -> Melody {
        crate::sampling::primer_from_text(text).unwrap()
    }

    #[test]
    fn melody_round_trip_on_the_grid() {
        let m = melody("60 _ 62 _ r _ 64 _ _ _");
        let (doc, quantized) = Document::from_melody(&m, Origin::Seed);
        assert!(!quantized);
        assert_eq!(doc.notes.len(), 3);
        assert_eq!((doc.notes[2].start, doc.notes[2].len), (6, 4));
        let back = doc.to_melody();
        let pitches: Vec<_> = back
            .notes
            .iter()
            .map(|n| n.pitch.map(|p| p.midi()))
            .collect();
        assert_eq!(pitches, vec![Some(60), Some(62), None, Some(64)]);
        assert_eq!(back.duration(), m.duration());
    }

    #[test]
    fn overlaps_are_cut_and_triplets_rounded() {
        let mut doc = Document::default();
        doc.push(RollNote::new(0, 8, 60, Origin::User));
        doc.push(RollNote::new(4, 4, 64, Origin::User));
        doc.push(RollNote::new(4, 2, 62, Origin::User));
        let m = doc.to_melody();
        let d: Vec<_> = m.notes.iter().map(|n| n.duration).collect();
        assert_eq!(d, vec![Ratio::new(1, 1), Ratio::new(1, 1)]);
        assert_eq!(m.notes[1].pitch.unwrap().midi(), 64);

        let mut t = Melody::new();
        t.notes = vec![Note::new(Pitch::from_midi(60).unwrap(), Ratio::new(1, 3)); 3];
        let (doc, quantized) = Document::from_melody(&t, Origin::Seed);
        assert!(quantized);
        assert_eq!(doc.end(), 4);
    }

    #[test]
    fn undo_and_redo() {
        let mut h = History::default();
        let mut doc = Document::default();
        h.record(doc.clone(), 1);
        doc.push(RollNote::new(0, 4, 60, Origin::User));
        let back = h.undo((doc.clone(), 2)).unwrap();
        assert!(back.0.notes.is_empty());
        assert_eq!(back.1, 1);
        let again = h.redo(back).unwrap();
        assert_eq!(again, (doc, 2));
        assert!(!h.can_redo());
    }

    #[test]
    fn the_history_is_bounded_in_steps_and_bytes() {
        let mut h = History::default();
        let mut doc = Document::default();
        for i in 0..(UNDO_LIMIT as u64 + 50) {
            h.record(doc.clone(), i);
        }
        assert_eq!(h.undo_steps(), UNDO_LIMIT);
        // A melody of 100,000 notes with confidence: a few MB a snapshot.
        doc.notes = (0..100_000)
            .map(|s| RollNote::new(s, 1, 60, Origin::Generated).with_confidence(vec![(0.5, 0.5)]))
            .collect();
        let one = doc.heap_bytes();
        assert!(one > 4_000_000, "{one}");
        for i in 0..40 {
            h.record(doc.clone(), 1000 + i);
        }
        assert!(h.bytes() <= UNDO_BYTES, "{}", h.bytes());
        assert_eq!(h.undo_steps(), UNDO_BYTES / one);
        h.clear();
        assert_eq!((h.undo_steps(), h.bytes()), (0, 0));
    }
}
