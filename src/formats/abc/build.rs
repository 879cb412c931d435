//! From a tune's voices to its melody: repeats played out, ties joined, the voice asked
//! for or the top line of all of them, the pickup, the key, and the changes in the body.

use super::body::{Body, Item, Written};
use super::header::KeyChoice;
use super::repeats;
use crate::error::{Error, Result};
use crate::formats::line::{Timed, top_line};
use crate::limits::Limits;
use crate::music::{
    ChangeKind, Key, KeyProfile, Melody, Meter, Mode, Note, Pitch, Ratio, all_major_minor_keys,
    estimate_key,
};

/// What the header says the tune starts with.
pub(super) struct Start {
    /// `M:`.
    pub meter: Option<Meter>,
    /// `Q:`, in quarter notes per minute.
    pub tempo: Option<f64>,
    /// `K:` as it sounds (`None`: no key).
    pub key: Option<ChangeKind>,
}

/// One voice played out: its notes in order and its changes at their times.
struct Played<'a> {
    items: &'a [Item],
    notes: Vec<Note>,
    changes: Vec<(Ratio, ChangeKind)>,
}

fn play(body: &Body) -> Result<Played<'_>> {
    let played = repeats::expand(&body.items, Limits::DEFAULT.max_expanded_events)?;
    let mut changes = Vec::new();
    let mut events = Vec::with_capacity(played.len());
    let mut t = Ratio::ZERO;
    for item in played {
        match item {
            Item::Event(w) => {
                t += w.duration;
                events.push(w);
            }
            Item::Change(kind) => changes.push((t, *kind)),
            _ => {}
        }
    }
    Ok(Played {
        items: &body.items,
        notes: merge_ties(events),
        changes,
    })
}

/// The voice `wanted` names: the one with that id, else the `wanted`-th.
fn chosen(bodies: &[(String, Body)], wanted: usize) -> Result<usize> {
    if let Some(k) = bodies.iter().position(|(id, _)| *id == wanted.to_string()) {
        return Ok(k);
    }
    if wanted >= 1 && wanted <= bodies.len() {
        return Ok(wanted - 1);
    }
    let ids: Vec<&str> = bodies
        .iter()
        .map(|(id, _)| if id.is_empty() { "1" } else { id.as_str() })
        .collect();
    Err(Error::Invalid(format!(
        "the tune has no voice {wanted}; its voices are {}",
        ids.join(", ")
    )))
}

/// The melody of a tune's voices: voice `wanted` (its `V:` id or its place), else the
/// only voice, else the highest sounding line of all of them.
pub(super) fn melody(
    bodies: &[(String, Body)],
    start: &Start,
    x_line: usize,
    wanted: Option<usize>,
) -> Result<Melody> {
    let lead = match wanted {
        Some(v) => chosen(bodies, v)?,
        None => 0,
    };
    let mut played: Vec<Played> = Vec::with_capacity(bodies.len());
    for (k, (_, body)) in bodies.iter().enumerate() {
        if k == lead || wanted.is_none() {
            played.push(play(body)?);
        }
    }
    let lead_index = if wanted.is_some() { 0 } else { lead };
    let notes = if played.len() == 1 {
        std::mem::take(&mut played[0].notes)
    } else {
        let end = played.iter().map(|p| duration(&p.notes)).max();
        let timed = played.iter().flat_map(|p| onsets(&p.notes)).collect();
        top_line(timed, end.unwrap_or(Ratio::ZERO))
    };
    if !notes.iter().any(|n| !n.is_rest()) {
        return Err(Error::parse(Some(x_line), "tune has no notes"));
    }
    let lead = &played[lead_index];
    let mut melody = Melody::new();
    melody.meter = start.meter;
    melody.tempo_qpm = start.tempo;
    melody.pickup = pickup(lead.items, start.meter);
    melody.notes = notes;
    let mut melody = melody.normalized();
    // Key fields before the first note are the tune's key.
    let mut key = start.key;
    for &(at, kind) in &lead.changes {
        match kind {
            ChangeKind::Key { .. } if at.is_zero() => key = Some(kind),
            _ => melody.set_from(at, kind),
        }
    }
    decide_key(&mut melody, key);
    Ok(melody)
}

fn duration(notes: &[Note]) -> Ratio {
    notes.iter().map(|n| n.duration).sum()
}

/// The pitched notes of a voice at their onsets.
fn onsets(notes: &[Note]) -> Vec<Timed> {
    let mut t = Ratio::ZERO;
    let mut out = Vec::with_capacity(notes.len());
    for n in notes {
        if !n.is_rest() {
            out.push(Timed {
                onset: t,
                note: n.clone(),
            });
        }
        t += n.duration;
    }
    out
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

/// Sets `key` and `key_signature` from the key at the start (as it sounds): a stated
/// mode as written, a bare tonic's mode from the notes (major or relative minor), and no
/// key from all 24 keys.
fn decide_key(melody: &mut Melody, key: Option<ChangeKind>) {
    let (fifths, choice) = match key {
        Some(ChangeKind::Key {
            signature,
            key: Some(k),
        }) => (Some(signature), KeyChoice::Stated(k)),
        Some(ChangeKind::Key {
            signature,
            key: None,
        }) => (Some(signature), KeyChoice::Signature(signature)),
        _ => (None, KeyChoice::Unknown),
    };
    melody.key_signature = fifths;
    let histogram = melody.pitch_class_durations();
    let estimate =
        |candidates: &[Key]| estimate_key(&histogram, candidates, KeyProfile::KrumhanslKessler);
    melody.key = match choice {
        KeyChoice::Stated(k) => Some(k),
        KeyChoice::Signature(f) => estimate(&[
            Key::from_signature(f, Mode::Major),
            Key::from_signature(f, Mode::Minor),
        ]),
        KeyChoice::Unknown => estimate(&all_major_minor_keys()),
    };
}
