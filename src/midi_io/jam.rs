//! A live jam's clock: the player's calls and the model's answers taking turns on the bar
//! lines, from timed MIDI messages. The session says when an answer is needed and where
//! it goes; whoever runs it calls the model ([`crate::sampling::jam::answer`]) and plays
//! what the session schedules.

use super::quantize::{self, GridNote};
use super::recorder::{RecordConfig, RecordPhase, Recorder};
use super::timing::Tempo;
use crate::music::{Melody, Note, Ratio};
use crate::sampling::jam::{Dialogue, Part, Turn, notes_between};

/// Longest call the model answers in full when calls end with an empty bar, in bars.
pub const MAX_CALL_BARS: u32 = 16;
/// An answer must reach the player at least this long before its first bar line to be
/// played from there (the hand-over to the sound or MIDI thread), in microseconds.
pub const LEAD_MICROS: u64 = 2_000;

/// When the model answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Turns {
    /// Phrases alternate: the player's, then the model's answer of the same length. A
    /// phrase the player leaves empty is not answered, and the player goes again.
    #[default]
    EveryOtherPhrase,
    /// The player plays as long as they like; a bar left empty ends the call, and the
    /// model answers after that bar with as many bars as the call had.
    AfterEmptyBar,
}

/// How to jam.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JamConfig {
    /// Tempo and meter of the click and the grid.
    pub tempo: Tempo,
    /// Bars per phrase (1, 2 or 4 in the app) when phrases alternate.
    pub phrase_bars: u32,
    /// Bars of metronome before the first phrase.
    pub count_in_bars: u32,
    /// When the model answers.
    pub turns: Turns,
}

/// An answer the model must write now: everything played before `at`, continued for
/// `bars` bars. `seed_offset` is added to the sampler's seed (the answer's phrase index,
/// as `lstmuse jam` counts them).
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerRequest {
    /// The dialogue so far (calls and answers), from the first downbeat.
    pub dialogue: Melody,
    /// Where the answer starts (a bar line), in quarter notes from the first downbeat.
    pub at: Ratio,
    /// Its length in bars.
    pub bars: usize,
    /// Added to the seed.
    pub seed_offset: u64,
}

/// An answer to play: `melody` from `start_micros` on the inbox's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledAnswer {
    /// The notes to play, from the first bar line still ahead (meter and tempo set).
    pub melody: Melody,
    /// When that bar line falls, on the inbox's clock.
    pub start_micros: u64,
    /// Bars of the answer dropped because it came too late for them (0 when on time).
    pub skipped_bars: u32,
    /// How long before its first bar line the answer was ready, in microseconds
    /// (negative when it was late).
    pub ready_before_micros: i64,
}

/// Where the jam is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JamPhase {
    /// The metronome counts in; beats left, counting the current one.
    CountIn {
        /// Beats until the first phrase.
        beats_left: u32,
    },
    /// The player's turn; the bar within the phrase (1-based) when phrases alternate.
    Playing {
        /// The current bar of the player's phrase (1-based; 0 when calls are free).
        bar: u32,
    },
    /// The model is answering (computing, then playing).
    Answering,
    /// Stopped.
    Stopped,
}

/// A decided turn, in 16th steps from the first downbeat.
#[derive(Clone, Debug, PartialEq)]
struct Slot {
    start: i64,
    end: i64,
    part: Part,
    /// An answer's notes as played (empty until it is scheduled, rests where skipped).
    notes: Vec<Note>,
    /// An answer still waiting for the model.
    waiting: bool,
}

impl Slot {
    /// Its notes up to `end` (steps): a call's from the player's line `played`, an
    /// answer's as it sounded, rests for a silence.
    fn notes_until(&self, end: i64, played: &Melody) -> Vec<Note> {
        match self.part {
            Part::Call => notes_between(played, steps(self.start), steps(end)),
            Part::Answer => {
                let m = Melody {
                    notes: self.notes.clone(),
                    ..Melody::new()
                };
                notes_between(&m, Ratio::ZERO, steps(end - self.start))
            }
            Part::Silence => vec![Note::rest(steps(end - self.start))],
        }
    }
}

/// A live call-and-response session, fed the same `(micros, bytes)` the input callback
/// receives and ticked with the inbox's clock.
#[derive(Clone, Debug)]
pub struct JamSession {
    config: JamConfig,
    recorder: Recorder,
    slots: Vec<Slot>,
    /// Where the player's open turn starts (steps).
    open_from: i64,
    /// Calls that end with an empty bar: the first bar of the call being played.
    call_from: Option<i64>,
    /// Calls that end with an empty bar: the first bar not yet looked at.
    next_bar: i64,
    /// Stopped at, in steps from the first downbeat.
    stopped: Option<i64>,
}

impl JamSession {
    /// Starts the count-in at `now_micros` (the inbox's clock).
    pub fn new(config: JamConfig, now_micros: u64) -> JamSession {
        let record = RecordConfig {
            count_in_bars: config.count_in_bars,
            ..RecordConfig::new(config.tempo)
        };
        JamSession {
            config: JamConfig {
                phrase_bars: config.phrase_bars.clamp(1, MAX_CALL_BARS),
                ..config
            },
            recorder: Recorder::new(record, now_micros),
            slots: Vec::new(),
            open_from: 0,
            call_from: None,
            next_bar: 0,
            stopped: None,
        }
    }

    /// The settings it runs with.
    pub fn config(&self) -> &JamConfig {
        &self.config
    }

    /// The first downbeat after the count-in, on the inbox's clock.
    pub fn downbeat_micros(&self) -> u64 {
        self.recorder.downbeat_micros()
    }

    /// When `step` (16ths from the first downbeat) falls, on the inbox's clock.
    pub fn micros_at_step(&self, step: i64) -> u64 {
        let t = self.config.tempo.micros_at(step as f64);
        (self.downbeat_micros() as i64 + t).max(0) as u64
    }

    /// When `at` (quarter notes from the first downbeat) falls, on the inbox's clock.
    pub fn micros_at(&self, at: Ratio) -> u64 {
        self.micros_at_step((at / Ratio::STEP).to_f64().round() as i64)
    }

    /// The playhead in steps from the first downbeat (negative in the count-in).
    pub fn position_steps(&self, now_micros: u64) -> f64 {
        self.recorder.position_steps(now_micros)
    }

    fn bar_steps(&self) -> i64 {
        i64::from(self.config.tempo.steps_per_bar())
    }

    fn phrase_steps(&self) -> i64 {
        self.bar_steps() * i64::from(self.config.phrase_bars)
    }

    /// Takes one incoming message (note-ons and note-offs; the rest is ignored).
    pub fn handle(&mut self, micros: u64, bytes: &[u8]) {
        if self.stopped.is_none() {
            self.recorder.handle(micros, bytes);
        }
    }

    /// The player's line so far on the grid, from the first downbeat on.
    fn line(&self, now_micros: u64) -> Vec<GridNote> {
        self.recorder
            .line(now_micros)
            .into_iter()
            .filter(|n| n.start >= 0)
            .collect()
    }

    /// True when the player struck a key in `[from, to)`.
    fn onset_in(line: &[GridNote], from: i64, to: i64) -> bool {
        line.iter().any(|n| n.start >= from && n.start < to)
    }

    /// Advances the clock: decides the turns whose phrase (or bar) is complete on the grid
    /// (half a step before its end, when no later onset can round into it) and returns the
    /// answer the model must write now, if one is due.
    pub fn tick(&mut self, now_micros: u64) -> Option<AnswerRequest> {
        if self.stopped.is_some() {
            return None;
        }
        self.recorder.tick(now_micros);
        let now = self.position_steps(now_micros);
        self.give_up_late(now);
        if self.slots.iter().any(|s| s.waiting) {
            return None;
        }
        let line = self.line(now_micros);
        match self.config.turns {
            Turns::EveryOtherPhrase => self.tick_phrases(now, &line),
            Turns::AfterEmptyBar => self.tick_bars(now, &line),
        }
    }

    /// An answer whose slot has ended without it: it stays silent.
    fn give_up_late(&mut self, now: f64) {
        for s in self.slots.iter_mut().filter(|s| s.waiting) {
            if now >= s.end as f64 {
                s.waiting = false;
                s.notes = vec![Note::rest(steps(s.end - s.start))];
            }
        }
    }

    fn tick_phrases(&mut self, now: f64, line: &[GridNote]) -> Option<AnswerRequest> {
        let phrase = self.phrase_steps();
        loop {
            let end = self.open_from + phrase;
            if now < end as f64 - 0.5 {
                return None;
            }
            let start = self.open_from;
            if !Self::onset_in(line, start, end) {
                self.push(start, end, Part::Silence);
                self.open_from = end;
                continue;
            }
            self.push(start, end, Part::Call);
            return Some(self.ask(end, end + phrase, line));
        }
    }

    fn tick_bars(&mut self, now: f64, line: &[GridNote]) -> Option<AnswerRequest> {
        let bar = self.bar_steps();
        loop {
            let start = self.next_bar.max(self.open_from);
            let end = start + bar;
            if now < end as f64 - 0.5 {
                return None;
            }
            self.next_bar = end;
            match (Self::onset_in(line, start, end), self.call_from) {
                (true, None) => {
                    if start > self.open_from {
                        self.push(self.open_from, start, Part::Silence);
                    }
                    self.call_from = Some(start);
                }
                (true, Some(_)) | (false, None) => {}
                (false, Some(call)) => {
                    let bars = ((start - call) / bar).clamp(1, i64::from(MAX_CALL_BARS));
                    self.push(call, start, Part::Call);
                    self.push(start, end, Part::Silence);
                    self.call_from = None;
                    return Some(self.ask(end, end + bars * bar, line));
                }
            }
        }
    }

    fn push(&mut self, start: i64, end: i64, part: Part) {
        self.slots.push(Slot {
            start,
            end,
            part,
            notes: Vec::new(),
            waiting: false,
        });
    }

    /// Opens the answer's slot `[start, end)` and asks for it.
    fn ask(&mut self, start: i64, end: i64, line: &[GridNote]) -> AnswerRequest {
        let dialogue = self.dialogue_until(start, line);
        self.slots.push(Slot {
            start,
            end,
            part: Part::Answer,
            notes: Vec::new(),
            waiting: true,
        });
        self.open_from = end;
        let seed_offset = match self.config.turns {
            Turns::EveryOtherPhrase => start / self.phrase_steps(),
            Turns::AfterEmptyBar => start / self.bar_steps(),
        };
        AnswerRequest {
            dialogue,
            at: steps(start),
            bars: ((end - start) / self.bar_steps()) as usize,
            seed_offset: seed_offset as u64,
        }
    }

    /// The model's answer to the request it is waiting for arrived at `now_micros`: the
    /// notes of its whole slot. Returns what to play, from the first bar line still at
    /// least [`LEAD_MICROS`] ahead; `None` when nothing is waiting or no bar is left.
    pub fn answered(&mut self, notes: &[Note], now_micros: u64) -> Option<ScheduledAnswer> {
        let bar = self.bar_steps();
        let i = self.slots.iter().position(|s| s.waiting)?;
        let (start, end) = (self.slots[i].start, self.slots[i].end);
        let answer = Melody {
            meter: Some(self.config.tempo.meter),
            notes: notes.to_vec(),
            ..Melody::new()
        };
        let ready_before = self.micros_at_step(start) as i64 - now_micros as i64;
        let from = (start..end)
            .step_by(bar.max(1) as usize)
            .find(|&b| self.micros_at_step(b) >= now_micros + LEAD_MICROS);
        let slot = &mut self.slots[i];
        slot.waiting = false;
        let Some(from) = from else {
            slot.notes = vec![Note::rest(steps(end - start))];
            return None;
        };
        let played = notes_between(&answer, steps(from - start), steps(end - start));
        slot.notes = notes_between(&answer, Ratio::ZERO, steps(from - start))
            .into_iter()
            .map(|n| Note::rest(n.duration))
            .chain(played.iter().cloned())
            .collect();
        Some(ScheduledAnswer {
            melody: Melody {
                meter: Some(self.config.tempo.meter),
                tempo_qpm: Some(self.config.tempo.bpm),
                notes: played,
                ..Melody::new()
            },
            start_micros: self.micros_at_step(from),
            skipped_bars: ((from - start) / bar) as u32,
            ready_before_micros: ready_before,
        })
    }

    /// The model could not answer (an error): its slot stays silent.
    pub fn not_answered(&mut self) {
        if let Some(s) = self.slots.iter_mut().find(|s| s.waiting) {
            s.waiting = false;
            s.notes = vec![Note::rest(steps(s.end - s.start))];
        }
    }

    /// True while an answer is being computed.
    pub fn is_waiting(&self) -> bool {
        self.slots.iter().any(|s| s.waiting)
    }

    /// Where the jam is at `now_micros`.
    pub fn phase(&self, now_micros: u64) -> JamPhase {
        if self.stopped.is_some() {
            return JamPhase::Stopped;
        }
        if let RecordPhase::CountIn { beats_left } = self.recorder.phase(now_micros) {
            return JamPhase::CountIn { beats_left };
        }
        let now = self.position_steps(now_micros);
        let answering =
            self.slots.iter().any(|s| {
                s.part == Part::Answer && (s.start as f64) <= now + 0.5 && now < s.end as f64
            }) || self.is_waiting();
        if answering {
            return JamPhase::Answering;
        }
        let bar = match self.config.turns {
            Turns::EveryOtherPhrase => {
                ((now.max(0.0) as i64 - self.open_from).max(0) / self.bar_steps()) as u32 + 1
            }
            Turns::AfterEmptyBar => 0,
        };
        JamPhase::Playing {
            bar: bar.min(self.config.phrase_bars),
        }
    }

    /// Stops at `now_micros`: keys still held end now; an answer not yet played is dropped.
    pub fn stop(&mut self, now_micros: u64) {
        if self.stopped.is_some() {
            return;
        }
        self.recorder.stop(now_micros);
        self.stopped = Some(self.position_steps(now_micros).ceil().max(0.0) as i64);
    }

    /// The dialogue so far (up to the stop, or up to `now_micros`): the calls as played,
    /// the answers as they sounded, and a call still open at the end. `None` when nothing
    /// was played.
    pub fn dialogue(&self, now_micros: u64) -> Option<Dialogue> {
        let until = self
            .stopped
            .unwrap_or_else(|| self.position_steps(now_micros).ceil().max(0.0) as i64);
        let line = self.line(now_micros);
        let mut slots: Vec<Slot> = self
            .slots
            .iter()
            .filter(|s| s.start < until && !s.waiting)
            .cloned()
            .collect();
        let open = self.call_from.unwrap_or(self.open_from);
        if open < until && Self::onset_in(&line, open, until) {
            slots.push(Slot {
                start: open,
                end: until,
                part: Part::Call,
                notes: Vec::new(),
                waiting: false,
            });
        }
        while slots.last().is_some_and(|s| s.part == Part::Silence) {
            slots.pop();
        }
        let last = slots.last()?.end.min(until.max(slots.last()?.start + 1));
        let played = self.player_melody(&line);
        let mut notes = Vec::new();
        let mut turns = Vec::new();
        for s in &slots {
            let end = s.end.min(last);
            notes.extend(s.notes_until(end, &played));
            turns.push(Turn {
                start: steps(s.start),
                end: steps(end),
                part: s.part,
            });
        }
        Some(Dialogue {
            melody: self.melody_of(notes),
            turns,
        })
    }

    /// The player's whole line as a melody from the first downbeat.
    fn player_melody(&self, line: &[GridNote]) -> Melody {
        quantize::to_melody(line, self.config.tempo).unwrap_or_default()
    }

    fn melody_of(&self, notes: Vec<Note>) -> Melody {
        Melody {
            title: Some("Jam".into()),
            meter: Some(self.config.tempo.meter),
            tempo_qpm: Some(self.config.tempo.bpm),
            notes,
            ..Melody::new()
        }
        .normalized()
    }

    /// The dialogue before `at` (steps), for an answer there.
    fn dialogue_until(&self, at: i64, line: &[GridNote]) -> Melody {
        let played = self.player_melody(line);
        let mut notes = Vec::new();
        for s in self.slots.iter().filter(|s| s.start < at) {
            notes.extend(s.notes_until(s.end.min(at), &played));
        }
        self.melody_of(notes)
    }
}

/// `n` 16th steps as quarter notes.
fn steps(n: i64) -> Ratio {
    Ratio::STEP * Ratio::from_int(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Meter, Pitch};

    const DOWNBEAT: u64 = 2_000_000;
    /// 120 BPM: a 16th lasts 125 ms.
    const STEP: u64 = 125_000;

    fn session(phrase_bars: u32, turns: Turns) -> JamSession {
        let config = JamConfig {
            tempo: Tempo::new(120.0, Meter::default()),
            phrase_bars,
            count_in_bars: 1,
            turns,
        };
        JamSession::new(config, 0)
    }

    /// The time of step `s` (may be fractional) after the first downbeat.
    fn at(s: f64) -> u64 {
        DOWNBEAT + (s * STEP as f64).round() as u64
    }

    /// Plays `key` from step `on` to step `off`, 10 ms late.
    fn play(j: &mut JamSession, key: u8, on: f64, off: f64) {
        j.handle(at(on) + 10_000, &[0x90, key, 100]);
        j.handle(at(off) - 5_000, &[0x80, key, 0]);
    }

    fn pitches(m: &Melody) -> Vec<Option<u8>> {
        m.notes.iter().map(|n| n.pitch.map(Pitch::midi)).collect()
    }

    fn q(n: i64) -> Ratio {
        Ratio::from_int(n)
    }

    #[test]
    fn a_call_is_answered_from_the_next_bar_line_and_an_empty_phrase_is_not() {
        let mut j = session(1, Turns::EveryOtherPhrase);
        assert_eq!(j.phase(0), JamPhase::CountIn { beats_left: 4 });
        for (i, key) in [60, 62, 64, 65].into_iter().enumerate() {
            play(&mut j, key, i as f64 * 4.0, i as f64 * 4.0 + 3.0);
        }
        assert_eq!(j.phase(at(5.0)), JamPhase::Playing { bar: 1 });
        assert_eq!(
            j.tick(at(15.4)),
            None,
            "the last step's onsets may still come"
        );
        let ask = j.tick(at(15.6)).unwrap();
        assert_eq!((ask.at, ask.bars, ask.seed_offset), (q(4), 1, 1));
        assert_eq!(
            pitches(&ask.dialogue),
            vec![
                Some(60),
                None,
                Some(62),
                None,
                Some(64),
                None,
                Some(65),
                None
            ]
        );
        assert!(j.is_waiting());
        assert_eq!(j.tick(at(15.7)), None, "one answer at a time");
        let g = Note::new(Pitch::from_midi(67).unwrap(), q(4));
        let s = j.answered(std::slice::from_ref(&g), at(15.8)).unwrap();
        assert_eq!(s.start_micros, at(16.0), "exactly on the bar line");
        assert_eq!(s.skipped_bars, 0);
        assert_eq!(s.ready_before_micros, (0.2 * STEP as f64) as i64);
        assert_eq!(pitches(&s.melody), vec![Some(67)]);
        assert_eq!(j.phase(at(17.0)), JamPhase::Answering);
        // Keys played during the answer are not a call; bar 3 is left empty: no answer.
        play(&mut j, 72, 20.0, 22.0);
        assert_eq!(j.tick(at(40.0)), None);
        assert_eq!(j.phase(at(40.0)), JamPhase::Playing { bar: 1 });
        assert_eq!(j.tick(at(47.6)), None);
        play(&mut j, 69, 48.0, 56.0);
        let ask = j.tick(at(63.6)).unwrap();
        assert_eq!((ask.at, ask.seed_offset), (q(16), 4));
        assert_eq!(ask.dialogue.duration(), q(16));
        assert_eq!(
            ask.dialogue.notes[8], g,
            "the answer is part of the dialogue"
        );
        j.stop(at(64.5));
        let d = j.dialogue(at(70.0)).unwrap();
        let parts: Vec<Part> = d.turns.iter().map(|t| t.part).collect();
        assert_eq!(
            parts,
            vec![Part::Call, Part::Answer, Part::Silence, Part::Call],
            "the answer not yet played is dropped"
        );
        assert_eq!(d.melody.duration(), q(16));
        assert_eq!(j.phase(at(70.0)), JamPhase::Stopped);
    }

    #[test]
    fn a_late_answer_skips_a_bar_rather_than_play_late() {
        let mut j = session(2, Turns::EveryOtherPhrase);
        play(&mut j, 60, 0.0, 8.0);
        play(&mut j, 62, 16.0, 24.0);
        let ask = j.tick(at(31.6)).unwrap();
        assert_eq!(ask.bars, 2);
        let notes = [
            Note::new(Pitch::from_midi(64).unwrap(), q(4)),
            Note::new(Pitch::from_midi(65).unwrap(), q(4)),
        ];
        // Ready 100 ms after the answer's bar line: its first bar is dropped.
        let s = j.answered(&notes, at(32.8)).unwrap();
        assert_eq!(s.skipped_bars, 1);
        assert_eq!(s.start_micros, at(48.0));
        assert_eq!(s.ready_before_micros, -100_000);
        assert_eq!(pitches(&s.melody), vec![Some(65)]);
        j.stop(at(64.0));
        let d = j.dialogue(at(64.0)).unwrap();
        assert_eq!(
            pitches(&d.melody),
            vec![Some(60), None, Some(62), None, Some(65)]
        );
        assert_eq!(
            d.melody.notes[3].duration,
            q(6),
            "the call's rest and the skipped bar"
        );
        // Too late for every bar: nothing plays, and the slot stays silent.
        let mut j = session(1, Turns::EveryOtherPhrase);
        play(&mut j, 60, 0.0, 8.0);
        j.tick(at(15.6)).unwrap();
        assert_eq!(j.answered(&notes[..1], at(16.5)), None);
        assert!(!j.is_waiting());
    }

    #[test]
    fn with_free_calls_an_empty_bar_ends_the_call_and_the_answer_has_its_length() {
        let mut j = session(1, Turns::AfterEmptyBar);
        assert_eq!(j.tick(at(15.6)), None, "silence before the first call");
        play(&mut j, 60, 16.0, 24.0);
        play(&mut j, 62, 24.0, 32.0);
        play(&mut j, 64, 32.0, 48.0);
        assert_eq!(j.tick(at(47.6)), None);
        let ask = j.tick(at(63.6)).unwrap();
        assert_eq!((ask.at, ask.bars, ask.seed_offset), (q(16), 2, 4));
        assert_eq!(
            pitches(&ask.dialogue),
            vec![None, Some(60), Some(62), Some(64), None]
        );
        assert_eq!(ask.dialogue.duration(), q(16));
        j.not_answered();
        assert!(!j.is_waiting());
    }
}
