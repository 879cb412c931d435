//! From the chosen voice's events to notes: chords to their top note, gaps to rests,
//! tied notes to one note.

use crate::music::{Note, Pitch, Ratio};

/// One note or rest of the chosen voice, at its onset.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Onset in quarter notes from the start of the piece.
    pub onset: Ratio,
    /// Sounding length in quarter notes.
    pub duration: Ratio,
    /// The pitch, `None` for a rest.
    pub pitch: Option<Pitch>,
    /// A tie starts here (`<tie type="start"/>` or `<tied>`).
    pub tie_start: bool,
    /// A tie ends here.
    pub tie_stop: bool,
}

/// Notes sounding at the same onset (chords, or voices sharing a number) become the
/// highest one.
pub fn merge_chords(events: Vec<Event>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    for e in events {
        match out.last_mut() {
            Some(last) if last.onset == e.onset => {
                if e.pitch > last.pitch {
                    *last = e;
                }
            }
            _ => out.push(e),
        }
    }
    out
}

/// Turns events into notes: gaps become rests, overlaps are cut, and tied notes of the
/// same pitch become one note with its written parts in `tie_parts`.
pub fn assemble(events: Vec<Event>) -> Vec<Note> {
    let mut notes: Vec<Note> = Vec::with_capacity(events.len());
    let mut cursor = Ratio::ZERO;
    let mut open_tie = false;
    for e in events {
        let end = e.onset + e.duration;
        if end <= cursor {
            continue;
        }
        if e.onset > cursor {
            notes.push(Note::rest(e.onset - cursor));
            open_tie = false;
        }
        let duration = end - e.onset.max(cursor);
        cursor = end;
        match notes.last_mut() {
            Some(last) if open_tie && e.tie_stop && last.pitch == e.pitch => {
                if last.tie_parts.is_empty() {
                    last.tie_parts.push(last.duration);
                }
                last.tie_parts.push(duration);
                last.duration += duration;
            }
            _ => notes.push(Note {
                pitch: e.pitch,
                duration,
                tie_parts: Vec::new(),
            }),
        }
        open_tie = e.tie_start && e.pitch.is_some();
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(onset: i64, duration: i64, pitch: Option<u8>, ties: (bool, bool)) -> Event {
        Event {
            onset: Ratio::from_int(onset),
            duration: Ratio::from_int(duration),
            pitch: pitch.map(Pitch),
            tie_start: ties.0,
            tie_stop: ties.1,
        }
    }

    #[test]
    fn chords_gaps_overlaps_and_ties() {
        let none = (false, false);
        let events = vec![
            ev(0, 2, Some(60), (true, false)),
            ev(0, 2, Some(64), (true, false)),
            ev(2, 2, Some(64), (false, true)),
            // Overlaps the previous note by one: only its last beat is kept.
            ev(3, 2, Some(67), none),
            // A gap of one, then a tie stop with nothing open.
            ev(6, 1, Some(67), (false, true)),
            ev(7, 1, None, (true, false)),
            ev(8, 1, None, (false, true)),
        ];
        let notes = assemble(merge_chords(events));
        let got: Vec<_> = notes
            .iter()
            .map(|n| (n.pitch.map(|p| p.0), n.duration.num(), n.tie_parts.len()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(64), 4, 2),
                (Some(67), 1, 0),
                (None, 1, 0),
                (Some(67), 1, 0),
                (None, 1, 0),
                (None, 1, 0)
            ]
        );
    }
}
