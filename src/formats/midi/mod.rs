//! Standard MIDI files through `midly`: read the top line of one track, write SMF type 1.

use super::ReadOptions;
use crate::error::{Error, Result};
use crate::music::{Key, Melody, Meter, Mode, Note, Pitch, Ratio};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::VecDeque;

/// Ticks per quarter note in files we write.
pub const PPQ: u16 = 480;
/// The marker we write where the music starts after the padding before a pickup.
const PICKUP_MARKER: &[u8] = b"pickup";

/// A note as found in a track, in ticks.
#[derive(Clone, Copy, Debug)]
struct RawNote {
    start: u64,
    end: u64,
    key: u8,
}

/// What the meta events of all tracks say.
#[derive(Default)]
struct Meta {
    tempo_us: Option<u32>,
    meter: Option<Meter>,
    key: Option<(i8, bool)>,
    title: Option<String>,
    pickup_marker: Option<u64>,
}

/// Reads a standard MIDI file (type 0 or 1). The melody comes from the first track with
/// notes, or from track `options.part`; overlapping notes become the top line.
pub fn parse(bytes: &[u8], options: &ReadOptions) -> Result<Melody> {
    let smf = Smf::parse(bytes).map_err(|e| Error::parse(None, format!("not a MIDI file: {e}")))?;
    let ppq = match smf.header.timing {
        Timing::Metrical(t) if t.as_int() > 0 => u64::from(t.as_int()),
        Timing::Metrical(_) => {
            return Err(Error::parse(None, "MIDI header has 0 ticks per quarter"));
        }
        Timing::Timecode(..) => {
            return Err(Error::parse(
                None,
                "SMPTE time code MIDI files are not supported",
            ));
        }
    };
    let mut meta = Meta::default();
    let mut tracks: Vec<Vec<RawNote>> = Vec::with_capacity(smf.tracks.len());
    for track in &smf.tracks {
        tracks.push(read_track(track, &mut meta));
    }
    let index = match options.part {
        Some(i) => {
            if tracks.get(i).is_none_or(Vec::is_empty) {
                return Err(Error::Invalid(format!("MIDI track {i} has no notes")));
            }
            i
        }
        None => tracks
            .iter()
            .position(|t| !t.is_empty())
            .ok_or_else(|| Error::parse(None, "the MIDI file has no notes"))?,
    };
    let end_of_track = track_end(&smf.tracks[index]);
    let line = top_line(std::mem::take(&mut tracks[index]));
    Ok(build_melody(&line, ppq, end_of_track, meta))
}

fn read_track(track: &[TrackEvent], meta: &mut Meta) -> Vec<RawNote> {
    let mut now: u64 = 0;
    // Per channel and key, the onsets of the notes still sounding, oldest first: a
    // note-off ends the oldest (a queue, so stacked note-ons cost O(1) each).
    let mut open: Vec<VecDeque<u64>> = vec![VecDeque::new(); 128 * 16];
    let mut notes = Vec::new();
    for ev in track {
        now += u64::from(ev.delta.as_int());
        match ev.kind {
            TrackEventKind::Midi { channel, message } => {
                let slot =
                    |key: u7| usize::from(channel.as_int()) * 128 + usize::from(key.as_int());
                match message {
                    MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        open[slot(key)].push_back(now)
                    }
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                        if let Some(start) = open[slot(key)].pop_front()
                            && now > start
                        {
                            notes.push(RawNote {
                                start,
                                end: now,
                                key: key.as_int(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            TrackEventKind::Meta(m) => read_meta(m, now, meta),
            _ => {}
        }
    }
    notes
}

fn read_meta(m: MetaMessage, now: u64, meta: &mut Meta) {
    match m {
        MetaMessage::Tempo(t) if meta.tempo_us.is_none() && t.as_int() > 0 => {
            meta.tempo_us = Some(t.as_int());
        }
        MetaMessage::TimeSignature(n, d, _, _) if meta.meter.is_none() && d < 7 => {
            meta.meter = Meter::new(u32::from(n), 1 << d);
        }
        MetaMessage::KeySignature(sf, minor) if meta.key.is_none() && (-7..=7).contains(&sf) => {
            meta.key = Some((sf, minor));
        }
        MetaMessage::TrackName(name) | MetaMessage::Text(name) if meta.title.is_none() => {
            let s = String::from_utf8_lossy(name).trim().to_owned();
            if !s.is_empty() {
                meta.title = Some(s);
            }
        }
        MetaMessage::Marker(text) if text == PICKUP_MARKER => meta.pickup_marker = Some(now),
        _ => {}
    }
}

fn track_end(track: &[TrackEvent]) -> u64 {
    track.iter().map(|e| u64::from(e.delta.as_int())).sum()
}

/// The skyline: at each onset the highest note wins; a note ends where the next kept
/// note starts; lower notes that start under a sounding higher note are dropped.
fn top_line(mut notes: Vec<RawNote>) -> Vec<RawNote> {
    notes.sort_by(|a, b| a.start.cmp(&b.start).then(b.key.cmp(&a.key)));
    let mut line: Vec<RawNote> = Vec::with_capacity(notes.len());
    for n in notes {
        match line.last_mut() {
            Some(last) if last.start == n.start => {}
            Some(last) if n.start < last.end => {
                if n.key > last.key {
                    last.end = n.start;
                    line.push(n);
                }
            }
            _ => line.push(n),
        }
    }
    line
}

fn build_melody(line: &[RawNote], ppq: u64, end_of_track: u64, meta: Meta) -> Melody {
    let mut melody = Melody::new();
    let quarters = |ticks: u64| Ratio::new(ticks.min(i64::MAX as u64) as i64, ppq as i64);
    let mut now = 0;
    if let (Some(m), Some(start)) = (meta.meter, meta.pickup_marker) {
        let bar = m.bar_length();
        let pad = quarters(start);
        if pad.is_positive() && pad < bar && line.first().is_some_and(|n| n.start >= start) {
            melody.pickup = bar - pad;
            now = start;
        }
    }
    for n in line {
        if n.start > now {
            melody.notes.push(Note::rest(quarters(n.start - now)));
        }
        let start = n.start.max(now);
        if n.end > start
            && let Some(p) = Pitch::from_midi(i32::from(n.key))
        {
            melody.notes.push(Note::new(p, quarters(n.end - start)));
            now = n.end;
        }
    }
    if end_of_track > now && !melody.notes.is_empty() {
        melody.notes.push(Note::rest(quarters(end_of_track - now)));
    }
    melody.meter = meta.meter;
    melody.tempo_qpm = meta
        .tempo_us
        .map(|us| (60_000_000.0 / f64::from(us) * 1000.0).round() / 1000.0);
    if let Some((sf, minor)) = meta.key {
        melody.key_signature = Some(i32::from(sf));
        let mode = if minor { Mode::Minor } else { Mode::Major };
        melody.key = Some(Key::from_signature(i32::from(sf), mode));
    }
    melody.title = meta.title.filter(|t| t != "Melody");
    melody.normalized()
}

/// Writes SMF type 1 at 480 PPQ: a conductor track (title, tempo, time and key
/// signature) and one melody track. A pickup is padded with silence so bar lines fall
/// where they belong; a `pickup` marker records it for readers (ours).
pub fn write(melody: &Melody) -> Vec<u8> {
    let title = melody.title.clone().unwrap_or_default();
    let conductor = conductor_track(melody, title.as_bytes());
    let pad = match melody.meter {
        Some(m) if melody.pickup.is_positive() && melody.pickup < m.bar_length() => {
            m.bar_length() - melody.pickup
        }
        _ => Ratio::ZERO,
    };
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

/// The conductor track's events: title, tempo, time and key signature.
fn conductor_track<'a>(melody: &Melody, title: &'a [u8]) -> Vec<(u64, TrackEventKind<'a>)> {
    let mut conductor: Vec<(u64, TrackEventKind)> = Vec::new();
    conductor.push((0, TrackEventKind::Meta(MetaMessage::TrackName(title))));
    let qpm = melody
        .tempo_qpm
        .filter(|q| q.is_finite() && *q > 0.0)
        .unwrap_or(120.0);
    let us = (60_000_000.0 / qpm).round().clamp(1.0, 16_777_215.0) as u32;
    conductor.push((0, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(us)))));
    if let Some(m) = melody.meter {
        let d = m.denominator.trailing_zeros() as u8;
        conductor.push((
            0,
            TrackEventKind::Meta(MetaMessage::TimeSignature(m.numerator as u8, d, 24, 8)),
        ));
    }
    let (sf, minor) = match (melody.key, melody.key_signature) {
        (Some(k), _) => (k.signature_fifths(), k.mode == Mode::Minor),
        (None, Some(f)) => (f, false),
        (None, None) => (0, false),
    };
    conductor.push((
        0,
        TrackEventKind::Meta(MetaMessage::KeySignature(sf.clamp(-7, 7) as i8, minor)),
    ));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn overlapping_notes_become_the_top_line() {
        let line = top_line(vec![
            RawNote {
                start: 0,
                end: 960,
                key: 60,
            },
            RawNote {
                start: 0,
                end: 480,
                key: 64,
            },
            RawNote {
                start: 240,
                end: 480,
                key: 55,
            },
            RawNote {
                start: 480,
                end: 960,
                key: 67,
            },
        ]);
        let keys: Vec<_> = line.iter().map(|n| (n.key, n.start, n.end)).collect();
        assert_eq!(keys, vec![(64, 0, 480), (67, 480, 960)]);
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
}
