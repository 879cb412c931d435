//! Reading a standard MIDI file: the notes of every track by channel, the meta events of
//! all tracks, and the melody line of the track and channel asked for.

use super::PICKUP_MARKER;
use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::formats::line::{Timed, top_line};
use crate::music::{ChangeKind, Key, Melody, Meter, Mode, Pitch, Ratio};
use midly::num::u7;
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::{BTreeSet, VecDeque};

/// Channel 10 (9 counted from 0) is General MIDI percussion: its keys are drums.
const PERCUSSION: u8 = 9;

/// A note as found in a track, in ticks.
#[derive(Clone, Copy, Debug)]
struct RawNote {
    start: u64,
    end: u64,
    key: u8,
    channel: u8,
}

/// What the meta events of all tracks say.
#[derive(Default)]
struct Meta {
    /// Tempo, time and key signature events at their ticks, in file order.
    settings: Vec<(u64, ChangeKind)>,
    title: Option<String>,
    pickup_marker: Option<u64>,
}

/// Reads a standard MIDI file (type 0 or 1). The melody comes from the first track with
/// pitched notes, or from track `options.part`: its highest sounding line across its
/// channels, or channel `options.voice`.
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
    let index = choose_track(&tracks, options.part)?;
    let mut notes = std::mem::take(&mut tracks[index]);
    let percussion = pick_channel(&mut notes, index, options.voice)?;
    let end_of_track = track_end(&smf.tracks[index]);
    let mut melody = build_melody(&notes, ppq, end_of_track, meta);
    if percussion > 0 {
        let s = if percussion == 1 { "" } else { "s" };
        melody.source.warnings.push(format!(
            "{percussion} percussion (channel 10) note{s} of MIDI track {index} read as rests"
        ));
    }
    Ok(melody)
}

fn is_pitched(n: &RawNote) -> bool {
    n.channel != PERCUSSION
}

/// The track asked for, or the first with pitched notes; an error says why there is none.
fn choose_track(tracks: &[Vec<RawNote>], part: Option<usize>) -> Result<usize> {
    if let Some(i) = part {
        let Some(track) = tracks.get(i) else {
            return Err(Error::Invalid(format!(
                "MIDI track {i} requested, but the file has {} track(s) (--part counts from 0)",
                tracks.len()
            )));
        };
        if track.is_empty() {
            return Err(Error::Invalid(format!("MIDI track {i} has no notes")));
        }
        if !track.iter().any(is_pitched) {
            return Err(Error::Invalid(format!(
                "MIDI track {i} has only percussion (channel 10) notes, no melody"
            )));
        }
        return Ok(i);
    }
    if let Some(i) = tracks.iter().position(|t| t.iter().any(is_pitched)) {
        return Ok(i);
    }
    if tracks.iter().any(|t| !t.is_empty()) {
        return Err(Error::parse(
            None,
            "the MIDI file has only percussion (channel 10) notes, no melody",
        ));
    }
    Err(Error::parse(None, "the MIDI file has no notes"))
}

/// Keeps the notes of channel `voice` (1–16), or all pitched notes; returns how many
/// percussion notes were left out.
fn pick_channel(notes: &mut Vec<RawNote>, track: usize, voice: Option<usize>) -> Result<usize> {
    let Some(v) = voice else {
        let before = notes.len();
        notes.retain(is_pitched);
        return Ok(before - notes.len());
    };
    let channels: BTreeSet<u8> = notes.iter().map(|n| n.channel).collect();
    let wanted = u8::try_from(v.saturating_sub(1)).unwrap_or(u8::MAX);
    if wanted == PERCUSSION && channels.contains(&PERCUSSION) {
        return Err(Error::Invalid(format!(
            "channel 10 of MIDI track {track} is percussion, no melody"
        )));
    }
    if !channels.contains(&wanted) {
        let list: Vec<String> = channels.iter().map(|c| (c + 1).to_string()).collect();
        return Err(Error::Invalid(format!(
            "MIDI track {track} has no notes on channel {v}; its channels with notes are {}",
            list.join(", ")
        )));
    }
    notes.retain(|n| n.channel == wanted);
    Ok(0)
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
                let channel = channel.as_int();
                let slot = |key: u7| usize::from(channel) * 128 + usize::from(key.as_int());
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
                                channel,
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
    let setting = match m {
        MetaMessage::Tempo(t) if t.as_int() > 0 => {
            let qpm = (60_000_000.0 / f64::from(t.as_int()) * 1000.0).round() / 1000.0;
            Some(ChangeKind::Tempo(qpm))
        }
        MetaMessage::TimeSignature(n, d, _, _) if d < 7 => {
            Meter::new(u32::from(n), 1 << d).map(ChangeKind::Meter)
        }
        MetaMessage::KeySignature(sf, minor) if (-7..=7).contains(&sf) => {
            let mode = if minor { Mode::Minor } else { Mode::Major };
            let signature = i32::from(sf);
            Some(ChangeKind::Key {
                signature,
                key: Some(Key::from_signature(signature, mode)),
            })
        }
        MetaMessage::TrackName(name) | MetaMessage::Text(name) if meta.title.is_none() => {
            let s = String::from_utf8_lossy(name).trim().to_owned();
            if !s.is_empty() {
                meta.title = Some(s);
            }
            None
        }
        MetaMessage::Marker(text) if text == PICKUP_MARKER => {
            meta.pickup_marker = Some(now);
            None
        }
        _ => None,
    };
    if let Some(kind) = setting {
        meta.settings.push((now, kind));
    }
}

fn track_end(track: &[TrackEvent]) -> u64 {
    track.iter().map(|e| u64::from(e.delta.as_int())).sum()
}

/// The meter in force at the start (the last time signature at tick 0).
fn first_meter(meta: &Meta) -> Option<Meter> {
    meta.settings
        .iter()
        .filter(|(t, _)| *t == 0)
        .filter_map(|(_, k)| match k {
            ChangeKind::Meter(m) => Some(*m),
            _ => None,
        })
        .next_back()
}

fn build_melody(notes: &[RawNote], ppq: u64, end_of_track: u64, meta: Meta) -> Melody {
    let mut melody = Melody::new();
    let quarters = |ticks: u64| Ratio::new(ticks.min(i64::MAX as u64) as i64, ppq as i64);
    // The tick where the melody starts: after the padding before a pickup, if any.
    let mut origin = 0;
    let first_start = notes.iter().map(|n| n.start).min();
    if let (Some(m), Some(start)) = (first_meter(&meta), meta.pickup_marker) {
        let bar = m.bar_length();
        let pad = quarters(start);
        if pad.is_positive() && pad < bar && first_start.is_some_and(|s| s >= start) {
            melody.pickup = bar - pad;
            origin = start;
        }
    }
    let mut sorted = meta.settings;
    sorted.sort_by_key(|(t, _)| *t);
    for (tick, kind) in sorted {
        let at = quarters(tick.saturating_sub(origin));
        melody.set_from(at, kind);
    }
    let timed: Vec<Timed> = notes
        .iter()
        .filter(|n| n.end > origin)
        .filter_map(|n| {
            let start = n.start.max(origin);
            let pitch = Pitch::from_midi(i32::from(n.key))?;
            Some(Timed::new(
                quarters(start - origin),
                pitch,
                quarters(n.end - start),
            ))
        })
        .collect();
    let end = quarters(end_of_track.saturating_sub(origin));
    melody.notes = top_line(timed, end);
    melody.title = meta.title.filter(|t| t != "Melody");
    melody.normalized()
}
