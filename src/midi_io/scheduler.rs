//! Playing a melody to a MIDI port: note-ons and note-offs in time, with a note-off for
//! every sounding note (and "all notes off") on stop, pause, seek, loop and the end.

use super::message::{all_notes_off, note_off, note_on};
use super::timing::Tempo;
use crate::music::Melody;

/// Somewhere MIDI bytes can go: midir's output connection, or a test's recorder.
pub trait MidiSink {
    /// Sends one complete message.
    fn send(&mut self, message: &[u8]) -> Result<(), String>;
}

impl MidiSink for Vec<Vec<u8>> {
    fn send(&mut self, message: &[u8]) -> Result<(), String> {
        self.push(message.to_vec());
        Ok(())
    }
}

/// One scheduled message, at a position in 16th steps.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Event {
    at: f64,
    key: u8,
    on: bool,
}

/// Whether the scheduler is sending.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Stopped,
    Paused,
    /// `origin` is the time step 0 falls on; `next` the first event not yet sent.
    Playing {
        origin: i64,
        next: usize,
    },
}

/// A melody as timed MIDI messages, and where playback is.
#[derive(Clone, Debug)]
pub struct Scheduler {
    events: Vec<Event>,
    /// Each note as `(start, end, key)` in steps, to strike the ones a start lands inside.
    notes: Vec<(f64, f64, u8)>,
    tempo: Tempo,
    velocity: u8,
    loop_range: Option<(f64, f64)>,
    end: f64,
    state: State,
    sounding: Vec<u8>,
    position: f64,
}

impl Scheduler {
    /// The melody's notes at `tempo` (positions on the 16th grid), sent with `velocity`.
    pub fn new(melody: &Melody, tempo: Tempo, velocity: u8) -> Scheduler {
        let mut events = Vec::new();
        let mut notes = Vec::new();
        for (onset, note) in melody.with_onsets() {
            let Some(p) = note.pitch else { continue };
            let at = onset.to_f64_steps();
            let off = (onset + note.duration).to_f64_steps();
            notes.push((at, off, p.midi()));
            events.push(Event {
                at,
                key: p.midi(),
                on: true,
            });
            events.push(Event {
                at: off,
                key: p.midi(),
                on: false,
            });
        }
        // At the same moment, note-offs go first: a repeated key is released, then struck.
        events.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.on.cmp(&b.on)));
        Scheduler {
            events,
            notes,
            tempo,
            velocity,
            loop_range: None,
            end: melody.duration().to_f64_steps(),
            state: State::Stopped,
            sounding: Vec::new(),
            position: 0.0,
        }
    }

    /// Repeats the steps `start..end` until stopped.
    pub fn with_loop(mut self, range: Option<(u32, u32)>) -> Scheduler {
        self.loop_range = range
            .filter(|(s, e)| e > s)
            .map(|(s, e)| (f64::from(s), f64::from(e)));
        self
    }

    /// The keys sounding now (note-on sent, note-off not yet).
    pub fn sounding(&self) -> &[u8] {
        &self.sounding
    }

    /// True while playing (not paused or stopped).
    pub fn is_playing(&self) -> bool {
        matches!(self.state, State::Playing { .. })
    }

    /// The playhead in steps: where the last sent messages were; `None` when stopped.
    pub fn playhead(&self) -> Option<f32> {
        (self.state != State::Stopped).then_some(self.position as f32)
    }

    /// Starts playing from `from_step` at `now_micros`; a note that `from_step` falls
    /// inside is struck at once (so a resumed or sought note is heard).
    pub fn play(
        &mut self,
        now_micros: u64,
        from_step: f64,
        sink: &mut dyn MidiSink,
    ) -> Result<(), String> {
        let silenced = self.silence(sink);
        self.position = from_step.max(0.0);
        let origin = now_micros as i64 - self.tempo.micros_at(self.position);
        let next = self.events.partition_point(|e| e.at < self.position);
        self.state = State::Playing { origin, next };
        silenced?;
        let pos = self.position;
        for &(_, _, key) in self.notes.iter().filter(|n| n.0 < pos && pos < n.1) {
            sink.send(&note_on(key, self.velocity))?;
            self.sounding.push(key);
        }
        self.tick(now_micros, sink).map(|_| ())
    }

    /// Starts playing from step 0 at `origin_micros`, which may lie ahead: nothing is sent
    /// before then (a jam's answer, waiting for its bar line).
    pub fn start_at(&mut self, origin_micros: u64) {
        self.position = 0.0;
        self.state = State::Playing {
            origin: origin_micros.min(i64::MAX as u64) as i64,
            next: 0,
        };
    }

    /// Sends what is due at `now_micros`; false once the melody has ended.
    pub fn tick(&mut self, now_micros: u64, sink: &mut dyn MidiSink) -> Result<bool, String> {
        let State::Playing {
            mut origin,
            mut next,
        } = self.state
        else {
            return Ok(false);
        };
        let mut pos = self.tempo.steps_at(now_micros as i64 - origin);
        if let Some((start, end)) = self.loop_range {
            while pos >= end {
                self.send_until(&mut next, end, false, sink)?;
                self.silence(sink)?;
                origin += self.tempo.micros_at(end - start);
                pos = self.tempo.steps_at(now_micros as i64 - origin);
                next = self.events.partition_point(|e| e.at < start);
            }
        }
        let sent = self.send_until(&mut next, pos, true, sink);
        self.position = pos;
        self.state = State::Playing { origin, next };
        if let Err(e) = sent {
            self.state = State::Stopped;
            let _ = self.silence(sink);
            return Err(e);
        }
        if self.loop_range.is_none() && next >= self.events.len() && pos >= self.end {
            self.stop(sink)?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Sends the events up to `until` (steps), from index `next` on; note-ons exactly at
    /// `until` only when `ons_at_until` (not at a loop's end: they start the next turn).
    fn send_until(
        &mut self,
        next: &mut usize,
        until: f64,
        ons_at_until: bool,
        sink: &mut dyn MidiSink,
    ) -> Result<(), String> {
        while let Some(&e) = self.events.get(*next) {
            if e.at > until || (e.on && e.at == until && !ons_at_until) {
                break;
            }
            *next += 1;
            let was_sounding = self.sounding.contains(&e.key);
            if was_sounding {
                self.sounding.retain(|&k| k != e.key);
                sink.send(&note_off(e.key))?;
            }
            if e.on {
                sink.send(&note_on(e.key, self.velocity))?;
                self.sounding.push(e.key);
            }
        }
        Ok(())
    }

    /// Note-offs for every sounding note, then "all notes off". Tries every message even
    /// when one fails, and returns the first failure.
    fn silence(&mut self, sink: &mut dyn MidiSink) -> Result<(), String> {
        let mut result = Ok(());
        for key in std::mem::take(&mut self.sounding) {
            result = result.and(sink.send(&note_off(key)));
        }
        result.and(sink.send(&all_notes_off()))
    }

    /// Stops: every sounding note is released.
    pub fn stop(&mut self, sink: &mut dyn MidiSink) -> Result<(), String> {
        self.state = State::Stopped;
        self.silence(sink)
    }

    /// Pauses where it is: every sounding note is released; [`Self::resume`] goes on.
    pub fn pause(&mut self, sink: &mut dyn MidiSink) -> Result<(), String> {
        if self.is_playing() {
            self.state = State::Paused;
        }
        self.silence(sink)
    }

    /// Goes on from the paused position.
    pub fn resume(&mut self, now_micros: u64, sink: &mut dyn MidiSink) -> Result<(), String> {
        if self.state != State::Paused {
            return Ok(());
        }
        self.play(now_micros, self.position, sink)
    }

    /// Jumps to `step`: sounding notes are released first. Paused stays paused.
    pub fn seek(
        &mut self,
        now_micros: u64,
        step: f64,
        sink: &mut dyn MidiSink,
    ) -> Result<(), String> {
        match self.state {
            State::Playing { .. } => self.play(now_micros, step, sink),
            _ => {
                self.position = step.max(0.0);
                self.silence(sink)
            }
        }
    }
}
