//! The melody line of a part with several voices: tied pieces joined per voice, then the
//! highest sounding note at each moment, as every reader picks it.

use crate::music::{Note, Pitch, Ratio};

/// One written note of a voice at its onset, before ties are joined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// Onset in quarter notes from the start of the piece.
    pub onset: Ratio,
    /// Sounding length in quarter notes.
    pub duration: Ratio,
    /// The pitch.
    pub pitch: Pitch,
    /// A tie starts here.
    pub tie_start: bool,
    /// A tie ends here.
    pub tie_stop: bool,
}

/// A note at its onset (ties joined: its `tie_parts` keep the written pieces).
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    /// Onset in quarter notes from the start of the piece.
    pub onset: Ratio,
    /// The note; always pitched.
    pub note: Note,
}

impl Timed {
    /// A note of `duration` at `onset`.
    pub fn new(onset: Ratio, pitch: Pitch, duration: Ratio) -> Timed {
        Timed {
            onset,
            note: Note::new(pitch, duration),
        }
    }

    fn end(&self) -> Ratio {
        self.onset + self.note.duration
    }

    fn pitch(&self) -> Option<Pitch> {
        self.note.pitch
    }

    /// Cuts the note to `length`, keeping the tie parts that fit (the last one shortened).
    fn cut(&mut self, length: Ratio) {
        let note = &mut self.note;
        note.duration = length;
        let mut parts = Vec::new();
        let mut sum = Ratio::ZERO;
        for &p in &note.tie_parts {
            if sum >= length {
                break;
            }
            parts.push(p.min(length - sum));
            sum += p;
        }
        note.tie_parts = if parts.len() > 1 { parts } else { Vec::new() };
    }
}

/// Joins the tied pieces of one voice into notes: a piece whose tie stops continues the
/// note of the same pitch that ends where it starts and whose tie started. Pieces are
/// taken in onset order (chord notes tie separately, by pitch).
pub fn join_ties(mut pieces: Vec<Piece>) -> Vec<Timed> {
    pieces.sort_by_key(|p| p.onset);
    let mut out: Vec<Timed> = Vec::with_capacity(pieces.len());
    // Notes whose tie is open: (pitch, index into `out`).
    let mut open: Vec<(Pitch, usize)> = Vec::new();
    for p in pieces {
        let slot = open.iter().position(|&(pitch, i)| {
            pitch == p.pitch && out.get(i).is_some_and(|t| t.end() == p.onset)
        });
        let index = match slot {
            Some(k) if p.tie_stop => {
                let i = open.swap_remove(k).1;
                let note = &mut out[i].note;
                if note.tie_parts.is_empty() {
                    note.tie_parts.push(note.duration);
                }
                note.tie_parts.push(p.duration);
                note.duration += p.duration;
                i
            }
            _ => {
                out.push(Timed::new(p.onset, p.pitch, p.duration));
                out.len() - 1
            }
        };
        open.retain(|&(pitch, _)| pitch != p.pitch);
        if p.tie_start {
            open.push((p.pitch, index));
        }
    }
    out
}

/// The highest sounding line of notes from any number of voices, with rests in the
/// gaps and up to `end`: at each onset the highest note wins; a higher note cuts the
/// note it starts under; a lower note that starts under a sounding higher one is left
/// out (a melody line never starts a note that was not struck there).
pub fn top_line(mut notes: Vec<Timed>, end: Ratio) -> Vec<Note> {
    notes.retain(|t| t.note.pitch.is_some() && t.note.duration.is_positive());
    notes.sort_by(|a, b| a.onset.cmp(&b.onset).then(b.pitch().cmp(&a.pitch())));
    let mut line: Vec<Timed> = Vec::with_capacity(notes.len());
    for n in notes {
        match line.last_mut() {
            Some(last) if last.onset == n.onset => {}
            Some(last) if n.onset < last.end() => {
                if n.pitch() > last.pitch() {
                    let length = n.onset - last.onset;
                    last.cut(length);
                    line.push(n);
                }
            }
            _ => line.push(n),
        }
    }
    let mut out = Vec::with_capacity(line.len() * 2 + 1);
    let mut cursor = Ratio::ZERO;
    for t in line {
        if t.onset > cursor {
            out.push(Note::rest(t.onset - cursor));
        }
        cursor = t.end();
        out.push(t.note);
    }
    if end > cursor {
        out.push(Note::rest(end - cursor));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Ratio {
        Ratio::from_int(n)
    }

    fn piece(onset: i64, duration: i64, pitch: u8, ties: (bool, bool)) -> Piece {
        Piece {
            onset: q(onset),
            duration: q(duration),
            pitch: Pitch(pitch),
            tie_start: ties.0,
            tie_stop: ties.1,
        }
    }

    fn shape(notes: &[Note]) -> Vec<(Option<u8>, i64, usize)> {
        notes
            .iter()
            .map(|n| (n.pitch.map(|p| p.0), n.duration.num(), n.tie_parts.len()))
            .collect()
    }

    #[test]
    fn ties_join_by_pitch_and_only_where_the_note_ends() {
        let none = (false, false);
        let notes = join_ties(vec![
            piece(0, 2, 60, (true, false)),
            piece(0, 2, 64, (true, false)),
            piece(2, 2, 64, (false, true)),
            piece(2, 2, 60, (false, true)),
            // A stop with nothing open, and a stop after a gap.
            piece(4, 1, 67, (false, true)),
            piece(5, 1, 69, (true, false)),
            piece(7, 1, 69, (false, true)),
            piece(8, 1, 71, none),
        ]);
        let got: Vec<_> = notes
            .iter()
            .map(|t| {
                (
                    t.onset.num(),
                    t.note.pitch.map(|p| p.0),
                    t.note.duration.num(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (0, Some(60), 4),
                (0, Some(64), 4),
                (4, Some(67), 1),
                (5, Some(69), 1),
                (7, Some(69), 1),
                (8, Some(71), 1)
            ]
        );
    }

    #[test]
    fn the_highest_sounding_note_wins_and_gaps_are_rests() {
        let notes = vec![
            // Voice 1: a quarter, then it rests.
            Timed::new(q(0), Pitch(72), q(1)),
            // Voice 2: a half under it, then notes while voice 1 rests.
            Timed::new(q(0), Pitch(60), q(2)),
            Timed::new(q(2), Pitch(62), q(1)),
            // A higher note cuts the one it starts under.
            Timed::new(q(3), Pitch(64), q(3)),
            Timed::new(q(4), Pitch(76), q(1)),
            // A lower note under a sounding higher one is left out.
            Timed::new(q(4), Pitch(55), q(3)),
        ];
        let line = top_line(notes, q(8));
        assert_eq!(
            shape(&line),
            [
                (Some(72), 1, 0),
                (None, 1, 0),
                (Some(62), 1, 0),
                (Some(64), 1, 0),
                (Some(76), 1, 0),
                (None, 3, 0)
            ]
        );
    }

    #[test]
    fn a_cut_tied_note_keeps_the_parts_that_fit() {
        let mut held = Timed::new(q(0), Pitch(60), q(6));
        held.note.tie_parts = vec![q(2), q(2), q(2)];
        let line = top_line(vec![held, Timed::new(q(3), Pitch(67), q(1))], q(4));
        assert_eq!(shape(&line), [(Some(60), 3, 2), (Some(67), 1, 0)]);
        assert_eq!(line[0].tie_parts, [q(2), q(1)]);
    }
}
