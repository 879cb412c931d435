//! Played notes onto the model's 16th grid, reduced to one line (the model is monophonic).

use super::timing::Tempo;
use crate::music::{Melody, Note, Pitch, Ratio};

/// A played note: its key and when it sounded, in microseconds from the first downbeat
/// (negative in the count-in bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedNote {
    /// MIDI key number.
    pub key: u8,
    /// Key down.
    pub on_micros: i64,
    /// Key up (or the stop).
    pub off_micros: i64,
}

/// A note on the grid, in 16th steps from the first downbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridNote {
    /// MIDI key number.
    pub key: u8,
    /// First step (negative in the count-in bar).
    pub start: i64,
    /// The step after the note (at least `start + 1`).
    pub end: i64,
}

/// Each note's start and end rounded to the nearest 16th; a note is at least one step long.
pub fn to_grid(notes: &[TimedNote], tempo: Tempo) -> Vec<GridNote> {
    notes
        .iter()
        .map(|n| {
            let start = tempo.steps_at(n.on_micros).round() as i64;
            let end = tempo.steps_at(n.off_micros).round() as i64;
            GridNote {
                key: n.key,
                start,
                end: end.max(start + 1),
            }
        })
        .collect()
}

/// The top line: of notes starting on the same step the highest is kept; a note that
/// lies wholly under a higher held note is dropped; otherwise a note still sounding when
/// the next one starts is cut there (legato overlaps).
pub fn top_line(mut notes: Vec<GridNote>) -> Vec<GridNote> {
    notes.sort_by_key(|n| (n.start, std::cmp::Reverse(n.key)));
    notes.dedup_by_key(|n| n.start);
    let mut line: Vec<GridNote> = Vec::with_capacity(notes.len());
    for n in notes {
        if let Some(last) = line.last_mut()
            && last.end > n.start
        {
            if last.key > n.key && last.end >= n.end {
                continue;
            }
            last.end = n.start;
        }
        line.push(n);
    }
    line
}

/// The line as a melody at `tempo`: notes and the rests between them. Notes before the
/// first downbeat become a pickup. `None` when there are no notes.
pub fn to_melody(line: &[GridNote], tempo: Tempo) -> Option<Melody> {
    let first = line.first()?.start;
    let step = Ratio::STEP;
    let steps = |n: i64| step * Ratio::from_int(n);
    let origin = first.min(0);
    let mut notes = Vec::new();
    let mut pos = origin;
    for n in line {
        if n.start > pos {
            notes.push(Note::rest(steps(n.start - pos)));
        }
        let pitch = Pitch::from_midi(i32::from(n.key))?;
        notes.push(Note::new(pitch, steps(n.end - n.start)));
        pos = n.end;
    }
    Some(Melody {
        title: Some("Recorded".into()),
        meter: Some(tempo.meter),
        tempo_qpm: Some(tempo.bpm),
        pickup: steps(-origin),
        notes,
        ..Melody::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Meter;

    fn g(key: u8, start: i64, end: i64) -> GridNote {
        GridNote { key, start, end }
    }

    #[test]
    fn a_melody_under_a_held_high_note_is_hidden_and_legato_is_cut() {
        let line = top_line(vec![
            g(72, 0, 8),
            g(60, 2, 4),
            g(64, 4, 6),
            g(67, 8, 11),
            g(65, 10, 12),
        ]);
        assert_eq!(line, vec![g(72, 0, 8), g(67, 8, 10), g(65, 10, 12)]);
    }

    #[test]
    fn upbeats_become_a_pickup() {
        let tempo = Tempo::new(120.0, Meter::default());
        let m = to_melody(&[g(67, -4, 0), g(72, 0, 4), g(74, 6, 8)], tempo).unwrap();
        assert_eq!(m.pickup, Ratio::ONE);
        let d: Vec<_> = m.notes.iter().map(|n| (n.is_rest(), n.duration)).collect();
        assert_eq!(
            d,
            vec![
                (false, Ratio::ONE),
                (false, Ratio::ONE),
                (true, Ratio::new(1, 2)),
                (false, Ratio::new(1, 2))
            ]
        );
        let late = to_melody(&[g(60, 4, 8)], tempo).unwrap();
        assert_eq!(late.pickup, Ratio::ZERO);
        assert!(late.notes[0].is_rest());
        assert!(to_melody(&[], tempo).is_none());
    }
}
