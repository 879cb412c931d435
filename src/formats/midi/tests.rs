//! The MIDI reader's and writer's tests: round trips, changes, channels, junk.

use super::{PPQ, parse, write};
use crate::formats::ReadOptions;
use crate::music::{ChangeKind, Key, Melody, Meter, Note, Pitch, Ratio};
use midly::num::{u4, u7, u15, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

fn sample() -> Melody {
    let mut m = Melody::new();
    m.title = Some("Test".into());
    m.meter = Meter::new(3, 4);
    m.key = Key::parse("Em");
    m.key_signature = Some(1);
    m.tempo_qpm = Some(96.0);
    m.pickup = Ratio::ONE;
    for (p, d) in [
        (Some(64), (1, 1)),
        (Some(67), (3, 2)),
        (None, (1, 2)),
        (Some(71), (1, 3)),
        (Some(69), (2, 3)),
        (None, (1, 1)),
    ] {
        let dur = Ratio::new(d.0, d.1);
        m.notes.push(match p {
            Some(p) => Note::new(Pitch(p), dur),
            None => Note::rest(dur),
        });
    }
    m
}

#[test]
fn round_trip_keeps_notes_and_metadata() {
    let m = sample();
    let back = parse(&write(&m), &ReadOptions::default()).unwrap();
    assert_eq!(back.notes, m.notes);
    assert_eq!(back.pickup, m.pickup);
    assert_eq!(back.meter, m.meter);
    assert_eq!(back.key, m.key);
    assert_eq!(back.tempo_qpm, Some(96.0));
    assert_eq!(back.title.as_deref(), Some("Test"));
}

#[test]
fn header_is_type_1_at_480_ppq() {
    let bytes = write(&sample());
    let smf = Smf::parse(&bytes).unwrap();
    assert_eq!(smf.header.format, Format::Parallel);
    assert_eq!(smf.header.timing, Timing::Metrical(u15::new(480)));
    assert_eq!(smf.tracks.len(), 2);
}

#[test]
fn junk_never_panics() {
    let good = write(&sample());
    for cut in 0..good.len() {
        let _ = parse(&good[..cut], &ReadOptions::default());
    }
    let mut flipped = good.clone();
    for i in (0..flipped.len()).step_by(3) {
        flipped[i] = flipped[i].wrapping_mul(31).wrapping_add(7);
        let _ = parse(&flipped, &ReadOptions::default());
    }
    assert!(parse(b"", &ReadOptions::default()).is_err());
    assert!(parse(b"MThd junk", &ReadOptions::default()).is_err());
}

#[test]
fn meter_key_and_tempo_changes_round_trip() {
    let mut m = sample();
    m.set_from(
        Ratio::from_int(4),
        ChangeKind::Meter(Meter::new(2, 4).unwrap()),
    );
    let key = Key::parse("G");
    m.set_from(Ratio::from_int(4), ChangeKind::Key { signature: 1, key });
    m.set_from(Ratio::new(9, 2), ChangeKind::Tempo(72.0));
    let back = parse(&write(&m), &ReadOptions::default()).unwrap();
    assert_eq!(back.changes, m.changes);
    assert_eq!((back.meter, back.tempo_qpm), (m.meter, Some(96.0)));
}

/// A type-0 file: one track, notes on the given channels (channel, key, start, end).
fn one_track(notes: &[(u8, u8, u32, u32)]) -> Vec<u8> {
    let mut events: Vec<(u32, TrackEventKind)> = Vec::new();
    for &(channel, key, start, end) in notes {
        let (channel, key) = (u4::new(channel), u7::new(key));
        let on = MidiMessage::NoteOn {
            key,
            vel: u7::new(90),
        };
        let off = MidiMessage::NoteOff {
            key,
            vel: u7::new(0),
        };
        events.push((
            start,
            TrackEventKind::Midi {
                channel,
                message: on,
            },
        ));
        events.push((
            end,
            TrackEventKind::Midi {
                channel,
                message: off,
            },
        ));
    }
    events.sort_by_key(|(t, k)| {
        (
            *t,
            matches!(
                k,
                TrackEventKind::Midi {
                    message: MidiMessage::NoteOn { .. },
                    ..
                }
            ),
        )
    });
    let mut track = Vec::new();
    let mut now = 0;
    for (t, kind) in events {
        track.push(TrackEvent {
            delta: u28::new(t - now),
            kind,
        });
        now = t;
    }
    track.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(PPQ))),
        tracks: vec![track],
    };
    let mut out = Vec::new();
    smf.write_std(&mut out).unwrap();
    out
}

#[test]
fn channels_are_voices_and_percussion_is_left_out() {
    let q = 480;
    let bytes = one_track(&[
        // Channel 1: a melody with a rest on beat 2.
        (0, 72, 0, q),
        (0, 74, 2 * q, 3 * q),
        // Channel 2: a bass under it, sounding alone on beat 2.
        (1, 48, 0, q),
        (1, 50, q, 2 * q),
        // Channel 10: a drum above everything.
        (9, 81, 0, q),
    ]);
    let top = parse(&bytes, &ReadOptions::default()).unwrap();
    let pitches: Vec<_> = top.notes.iter().map(|n| n.pitch.map(Pitch::midi)).collect();
    assert_eq!(pitches, [Some(72), Some(50), Some(74)]);
    assert!(
        top.source.warnings[0].contains("1 percussion"),
        "{:?}",
        top.source.warnings
    );
    let voice = |v| ReadOptions {
        voice: Some(v),
        ..ReadOptions::default()
    };
    let bass = parse(&bytes, &voice(2)).unwrap();
    let pitches: Vec<_> = bass
        .notes
        .iter()
        .map(|n| n.pitch.map(Pitch::midi))
        .collect();
    assert_eq!(pitches, [Some(48), Some(50), None]);
    let e = parse(&bytes, &voice(3)).unwrap_err().to_string();
    assert!(e.contains("channels with notes are 1, 2, 10"), "{e}");
    let e = parse(&bytes, &voice(10)).unwrap_err().to_string();
    assert!(e.contains("percussion"), "{e}");
    let drums = one_track(&[(9, 36, 0, q), (9, 38, q, 2 * q)]);
    let e = parse(&drums, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("only percussion"), "{e}");
}
