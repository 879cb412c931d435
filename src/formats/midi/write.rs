//! Writing a melody as SMF type 1: a conductor track and one melody track.

use super::{PICKUP_MARKER, PPQ};
use crate::music::{ChangeKind, Melody, Mode, Ratio};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

/// Writes SMF type 1 at 480 PPQ: a conductor track (title, tempo, time and key
/// signature) and one melody track. A pickup is padded with silence so bar lines fall
/// where they belong; a `pickup` marker records it for readers (ours).
pub(super) fn write(melody: &Melody) -> Vec<u8> {
    let title = melody.title.clone().unwrap_or_default();
    let pad = match melody.meter {
        Some(m) if melody.pickup.is_positive() && melody.pickup < m.bar_length() => {
            m.bar_length() - melody.pickup
        }
        _ => Ratio::ZERO,
    };
    let conductor = conductor_track(melody, title.as_bytes(), pad);
    let (notes, end) = melody_track(melody, pad);
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(PPQ))),
        tracks: vec![to_track(conductor, end), to_track(notes, end)],
    };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = smf.write_std(&mut out);
    out
}

/// Ticks at 480 PPQ for a time in quarter notes.
fn ticks(r: Ratio) -> u64 {
    (r * Ratio::from_int(i64::from(PPQ)))
        .to_f64()
        .round()
        .max(0.0) as u64
}

/// A conductor track's event for a meter, key or tempo.
fn meta(kind: ChangeKind) -> TrackEventKind<'static> {
    TrackEventKind::Meta(match kind {
        ChangeKind::Meter(m) => {
            let d = m.denominator.trailing_zeros() as u8;
            MetaMessage::TimeSignature(m.numerator.min(255) as u8, d, 24, 8)
        }
        ChangeKind::Key { signature, key } => {
            let minor = key.is_some_and(|k| k.mode == Mode::Minor);
            MetaMessage::KeySignature(signature.clamp(-7, 7) as i8, minor)
        }
        ChangeKind::Tempo(qpm) => {
            let us = (60_000_000.0 / qpm).round().clamp(1.0, 16_777_215.0) as u32;
            MetaMessage::Tempo(u24::new(us))
        }
    })
}

/// The conductor track's events: title, tempo, time and key signature at the start, and
/// each change `pad` later than its time in the melody.
fn conductor_track<'a>(
    melody: &Melody,
    title: &'a [u8],
    pad: Ratio,
) -> Vec<(u64, TrackEventKind<'a>)> {
    let mut conductor: Vec<(u64, TrackEventKind)> = Vec::new();
    conductor.push((0, TrackEventKind::Meta(MetaMessage::TrackName(title))));
    let qpm = melody
        .tempo_qpm
        .filter(|q| q.is_finite() && *q > 0.0)
        .unwrap_or(120.0);
    conductor.push((0, meta(ChangeKind::Tempo(qpm))));
    if let Some(m) = melody.meter {
        conductor.push((0, meta(ChangeKind::Meter(m))));
    }
    let (signature, key) = match (melody.key, melody.key_signature) {
        (Some(k), _) => (k.signature_fifths(), Some(k)),
        (None, Some(f)) => (f, None),
        (None, None) => (0, None),
    };
    conductor.push((0, meta(ChangeKind::Key { signature, key })));
    for c in &melody.changes {
        if let ChangeKind::Tempo(q) = c.kind
            && !(q.is_finite() && q > 0.0)
        {
            continue;
        }
        conductor.push((ticks(pad + c.at), meta(c.kind)));
    }
    conductor
}

/// The melody track's events after `pad` of silence (a pickup's missing beats), and the
/// tick where it ends.
fn melody_track(melody: &Melody, pad: Ratio) -> (Vec<(u64, TrackEventKind<'static>)>, u64) {
    let mut notes: Vec<(u64, TrackEventKind)> = Vec::new();
    notes.push((0, TrackEventKind::Meta(MetaMessage::TrackName(b"Melody"))));
    notes.push((
        0,
        TrackEventKind::Midi {
            channel: u4::new(0),
            message: MidiMessage::ProgramChange {
                program: u7::new(0),
            },
        },
    ));
    if pad.is_positive() {
        notes.push((
            ticks(pad),
            TrackEventKind::Meta(MetaMessage::Marker(PICKUP_MARKER)),
        ));
    }
    let mut t = pad;
    for n in &melody.notes {
        let (on, off) = (ticks(t), ticks(t + n.duration));
        t += n.duration;
        let Some(p) = n.pitch.filter(|_| off > on) else {
            continue;
        };
        let key = u7::new(p.midi().min(127));
        let vel = u7::new(80);
        notes.push((on, note_event(MidiMessage::NoteOn { key, vel })));
        let vel = u7::new(0);
        notes.push((off, note_event(MidiMessage::NoteOff { key, vel })));
    }
    (notes, ticks(t))
}

fn note_event(message: MidiMessage) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(0),
        message,
    }
}

/// Sorts absolute-time events (note-offs before note-ons at the same tick) and turns
/// them into delta times, ending the track at `end`.
fn to_track(mut events: Vec<(u64, TrackEventKind)>, end: u64) -> Vec<TrackEvent> {
    let rank = |k: &TrackEventKind| match k {
        TrackEventKind::Meta(_) => 0,
        TrackEventKind::Midi {
            message: MidiMessage::NoteOff { .. },
            ..
        } => 1,
        _ => 2,
    };
    events.sort_by(|a, b| a.0.cmp(&b.0).then(rank(&a.1).cmp(&rank(&b.1))));
    let mut out = Vec::with_capacity(events.len() + 1);
    let mut now = 0;
    for (at, kind) in events {
        out.push(TrackEvent {
            delta: u28::new((at - now).min(0x0FFF_FFFF) as u32),
            kind,
        });
        now = at;
    }
    let last = end.max(now);
    out.push(TrackEvent {
        delta: u28::new((last - now).min(0x0FFF_FFFF) as u32),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    out
}
