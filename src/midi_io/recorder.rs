//! Recording a seed: a count-in bar, then notes until stop or N bars, quantised to one line.

use super::message::MidiEvent;
use super::quantize::{self, GridNote, TimedNote};
use super::timing::Tempo;
use crate::music::Melody;

/// How to record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordConfig {
    /// Tempo and meter of the click and the grid.
    pub tempo: Tempo,
    /// Bars of metronome before recording starts.
    pub count_in_bars: u32,
    /// Stop by itself after this many bars; `None` records until stopped.
    pub bars: Option<u32>,
}

impl RecordConfig {
    /// One bar of count-in, then record until stopped.
    pub fn new(tempo: Tempo) -> RecordConfig {
        RecordConfig {
            tempo,
            count_in_bars: 1,
            bars: None,
        }
    }
}

/// Where a recording is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordPhase {
    /// The metronome counts in; `beats_left` beats of the count-in remain (4, 3, 2, 1).
    CountIn {
        /// Beats until recording starts, counting the current one.
        beats_left: u32,
    },
    /// Notes are being recorded.
    Recording,
    /// Stopped (by the user or after N bars): no more notes are taken.
    Finished,
}

/// A recording in progress, fed the same `(micros, bytes)` the input callback receives.
#[derive(Clone, Debug)]
pub struct Recorder {
    config: RecordConfig,
    /// The first downbeat after the count-in, on the inbox's clock.
    downbeat: u64,
    held: Vec<(u8, i64)>,
    notes: Vec<TimedNote>,
    /// When it stopped, from the downbeat.
    stopped: Option<i64>,
}

impl Recorder {
    /// Starts the count-in at `now_micros` (the inbox's clock).
    pub fn new(config: RecordConfig, now_micros: u64) -> Recorder {
        let count_in = config.tempo.bar_micros() * u64::from(config.count_in_bars);
        Recorder {
            config,
            downbeat: now_micros.saturating_add(count_in),
            held: Vec::new(),
            notes: Vec::new(),
            stopped: None,
        }
    }

    /// The settings it records with.
    pub fn config(&self) -> &RecordConfig {
        &self.config
    }

    /// When the first bar after the count-in starts, on the inbox's clock.
    pub fn downbeat_micros(&self) -> u64 {
        self.downbeat
    }

    /// The count-in's length in microseconds.
    pub fn count_in_micros(&self) -> u64 {
        self.config.tempo.bar_micros() * u64::from(self.config.count_in_bars)
    }

    /// Microseconds from the first downbeat (negative during the count-in).
    fn since_downbeat(&self, micros: u64) -> i64 {
        micros as i64 - self.downbeat as i64
    }

    /// Where the N-bar limit ends the recording, from the downbeat.
    fn limit(&self) -> Option<i64> {
        let bar = self.config.tempo.bar_micros() as i64;
        self.config.bars.map(|b| i64::from(b) * bar)
    }

    /// Takes one incoming message (anything but note-on/off is ignored).
    pub fn handle(&mut self, micros: u64, bytes: &[u8]) {
        let Some(event) = MidiEvent::parse(bytes) else {
            return;
        };
        let t = self.since_downbeat(micros);
        self.tick(micros);
        if self.stopped.is_some() {
            return;
        }
        match event {
            MidiEvent::NoteOn { key, .. } => {
                self.release(key, t);
                self.held.push((key, t));
            }
            MidiEvent::NoteOff { key } => self.release(key, t),
        }
    }

    /// Ends the held note on `key`, if any, at `t`.
    fn release(&mut self, key: u8, t: i64) {
        if let Some(i) = self.held.iter().position(|&(k, _)| k == key) {
            let (_, on) = self.held.remove(i);
            self.notes.push(TimedNote {
                key,
                on_micros: on,
                off_micros: t.max(on),
            });
        }
    }

    /// Advances the clock: after N bars the recording stops by itself. Returns the phase.
    pub fn tick(&mut self, now_micros: u64) -> RecordPhase {
        if self.stopped.is_none()
            && let Some(limit) = self.limit()
            && self.since_downbeat(now_micros) >= limit
        {
            self.stop_at(limit);
        }
        self.phase(now_micros)
    }

    /// The phase at `now_micros` (without advancing the clock).
    pub fn phase(&self, now_micros: u64) -> RecordPhase {
        if self.stopped.is_some() {
            return RecordPhase::Finished;
        }
        let t = self.since_downbeat(now_micros);
        if t >= 0 {
            return RecordPhase::Recording;
        }
        let beat = self.config.tempo.micros_per_step() * beat_steps(self.config.tempo) as f64;
        let beats_left = ((-t) as f64 / beat).ceil().max(1.0) as u32;
        RecordPhase::CountIn { beats_left }
    }

    /// Stops: notes still held end now (or at the N-bar limit, if that came first).
    pub fn stop(&mut self, now_micros: u64) {
        if self.stopped.is_some() {
            return;
        }
        let t = self.since_downbeat(now_micros);
        self.stop_at(self.limit().map_or(t, |l| t.min(l)));
    }

    fn stop_at(&mut self, t: i64) {
        for (key, _) in self.held.clone() {
            self.release(key, t);
        }
        self.stopped = Some(t);
    }

    /// True once stopped.
    pub fn is_finished(&self) -> bool {
        self.stopped.is_some()
    }

    /// The playhead in 16th steps from the first downbeat (negative in the count-in).
    pub fn position_steps(&self, now_micros: u64) -> f64 {
        let t = self.stopped.unwrap_or(self.since_downbeat(now_micros));
        self.config.tempo.steps_at(t)
    }

    /// What has been played so far on the grid, top line only; held notes sound until
    /// `now_micros`. Notes before the count-in bar are left out.
    pub fn line(&self, now_micros: u64) -> Vec<GridNote> {
        self.line_until(self.stopped.unwrap_or(self.since_downbeat(now_micros)))
    }

    /// The line with held notes sounding until `now` (from the downbeat).
    fn line_until(&self, now: i64) -> Vec<GridNote> {
        let mut notes = self.notes.clone();
        notes.extend(self.held.iter().map(|&(key, on)| TimedNote {
            key,
            on_micros: on,
            off_micros: now.max(on),
        }));
        let tempo = self.config.tempo;
        let earliest = -i64::from(tempo.steps_per_bar());
        let limit_steps = self.limit().map(|l| tempo.steps_at(l).round() as i64);
        let grid = quantize::to_grid(&notes, tempo)
            .into_iter()
            .filter(|n| n.start >= earliest && limit_steps.is_none_or(|l| n.start < l))
            .map(|n| GridNote {
                end: limit_steps.map_or(n.end, |l| n.end.min(l)),
                ..n
            })
            .collect();
        quantize::top_line(grid)
    }

    /// The recording as a melody (tempo and meter included); `None` when nothing was played.
    /// Before the stop, held notes count as one step long.
    pub fn melody(&self) -> Option<Melody> {
        let now = self.stopped.unwrap_or(i64::MIN);
        quantize::to_melody(&self.line_until(now), self.config.tempo)
    }
}

/// 16th steps per metronome beat: dotted quarters in 6/8, 9/8, 12/8, else the meter's unit.
pub fn beat_steps(tempo: Tempo) -> u32 {
    let m = tempo.meter;
    let unit = (16 / m.denominator.max(1)).max(1);
    if m.denominator == 8 && m.numerator.is_multiple_of(3) && m.numerator > 3 {
        unit * 3
    } else {
        unit
    }
}
