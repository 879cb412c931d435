//! Jam mode in the app: the metronome counts in, the player's calls come from the MIDI
//! keyboard (or the computer keyboard), the jam's own thread ([`JamEngine`]) writes each
//! answer and plays it on its bar line through the current voice or the MIDI output, and
//! the whole dialogue becomes the melody (one undo step) when the jam stops.
//!
//! [`JamEngine`]: crate::midi_io::jam_engine::JamEngine

use super::super::{Document, LstmuseApp, Origin, egui};
use crate::midi_io::jam::{JamConfig, JamPhase, ScheduledAnswer, Turns};
use crate::midi_io::jam_engine::{AnswerFigures, AnswerModel, AnswerPlayer};
use crate::midi_io::{Scheduler, Tempo};
use crate::music::Ratio;
use crate::sampling::jam::{Dialogue, Part};
use std::time::Duration;

/// The app's side of a jam: figures per answer.
#[derive(Clone, Debug, Default)]
pub struct JamLog {
    /// Per answer, in order.
    pub answers: Vec<AnswerFigures>,
}

impl LstmuseApp {
    /// True while jamming (count-in included).
    pub fn is_jamming(&self) -> bool {
        self.midi.jam().is_some()
    }

    /// Where the jam is, while jamming.
    pub fn jam_phase(&self) -> Option<JamPhase> {
        self.midi.jam().map(|(j, now)| j.phase(now))
    }

    /// When the jam's first bar after the count-in starts, on the inbox's clock (tests
    /// inject their calls on it).
    pub fn jam_downbeat_micros(&self) -> Option<u64> {
        self.midi.jam().map(|(j, _)| j.downbeat_micros())
    }

    /// The figures of this (or the last) jam's answers.
    pub fn jam_log(&self) -> &JamLog {
        &self.jam_log
    }

    /// Keys and answers sounding through the built-in synth now.
    pub fn synth_sounding(&self) -> usize {
        self.audio.thru_sounding()
    }

    /// The settings a jam starts with: the transport's tempo, the Generate panel's meter,
    /// the Playback menu's phrase length and turns.
    fn jam_config(&self) -> JamConfig {
        let m = &self.settings.midi;
        JamConfig {
            tempo: Tempo::new(self.settings.transport.bpm, self.settings.sampler.meter),
            phrase_bars: m.jam_phrase_bars.clamp(1, 4),
            count_in_bars: 1,
            turns: m.jam_turns,
        }
    }

    /// Starts a jam (the unsaved-changes question was asked before), or stops the one
    /// running and keeps its dialogue.
    pub(in crate::gui::app) fn toggle_jam(&mut self) {
        if self.is_jamming() {
            self.stop_jam();
            return;
        }
        if self.model.is_none() {
            self.error("Jam needs a model: load one first");
            return;
        }
        self.stop_playback();
        if self.is_recording() || self.is_stepping() {
            self.midi.stop_input();
        }
        self.reconnect_input();
        let config = self.jam_config();
        let Some(dir) = self.model.as_ref().map(|m| m.dir.clone()) else {
            return;
        };
        let mut sampler = self.settings.sampler.to_config(None);
        sampler.meter = Some(self.settings.sampler.meter);
        let model = AnswerModel {
            dir,
            sampler,
            scale_from_dialogue: true,
        };
        let play = self.answer_player(config.tempo);
        self.jam_log = JamLog::default();
        if let Err(e) = self.midi.start_jam(config, model, play) {
            self.error(format!("Cannot start the jam: {e}"));
            return;
        }
        let render = self.render_config();
        self.audio
            .play_clicks(config.tempo.bpm, config.tempo.meter, &render);
        let input = match (self.midi.input_name(), self.computer_keyboard_on()) {
            (Some(port), _) => format!("from {port}"),
            (None, true) => "from the computer keyboard".into(),
            (None, false) => {
                "but no keyboard is on: choose a MIDI input, or Ctrl+K for the computer keyboard"
                    .into()
            }
        };
        let turns = match config.turns {
            Turns::EveryOtherPhrase => format!(
                "play a phrase of {} bar{}, LSTMuse answers",
                config.phrase_bars,
                if config.phrase_bars == 1 { "" } else { "s" }
            ),
            Turns::AfterEmptyBar => "play, then leave a bar empty: LSTMuse answers".into(),
        };
        self.info(format!("Jam: counting in, then {turns}; listening {input}"));
    }

    /// Stops the jam: every note is released at once (synth and MIDI output), and the
    /// dialogue becomes the melody, one undo step, the calls as the seed and the answers
    /// in their own colour.
    pub(in crate::gui::app) fn stop_jam(&mut self) {
        let Some(session) = self.midi.stop_jam() else {
            return;
        };
        self.audio.stop();
        self.audio.thru_all_off();
        if let Some(out) = self.midi.output() {
            out.stop();
        }
        let now = self.midi.inbox().now_micros();
        let Some(dialogue) = session.dialogue(now) else {
            self.info("Jam stopped; nothing was played");
            return;
        };
        let answers = dialogue
            .turns
            .iter()
            .filter(|t| t.part == Part::Answer)
            .count();
        self.set_dialogue(&dialogue);
        self.info(format!(
            "Jam stopped: {} bars with {answers} answer{} are the melody now (Undo brings \
             back the one before). {}",
            self.editor.doc().end() / self.editor.doc().steps_per_bar().max(1),
            if answers == 1 { "" } else { "s" },
            self.jam_figures()
        ));
    }

    /// The dialogue as the document: calls as the seed, answers as answers.
    fn set_dialogue(&mut self, dialogue: &Dialogue) {
        self.editor.replace(dialogue_document(dialogue));
        self.generation.clear();
        self.editor.set_cursor(None);
        self.settings.roll.request_fit();
    }

    /// "answers in 9–14 ms, ready 480–490 ms before their bar line".
    fn jam_figures(&self) -> String {
        let a = &self.jam_log.answers;
        if a.is_empty() {
            return String::new();
        }
        let range = |f: fn(&AnswerFigures) -> f64| {
            let lo = a.iter().map(f).fold(f64::INFINITY, f64::min);
            let hi = a.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        };
        let (c0, c1) = range(|f| f.compute_ms);
        let (r0, r1) = range(|f| f.ready_before_ms);
        let skipped: u32 = a.iter().map(|f| f.skipped_bars.unwrap_or(1)).sum();
        let mut s = format!(
            "Answers written in {c0:.0}–{c1:.0} ms, ready {r0:.0}–{r1:.0} ms before their bar line"
        );
        if skipped > 0 {
            s.push_str(&format!(
                "; {skipped} bar(s) skipped because an answer was late"
            ));
        }
        s
    }

    /// Once a frame while jamming: the roll's preview and playhead move on.
    pub(in crate::gui::app) fn jam_frame(&mut self, ctx: &egui::Context) {
        if self.is_jamming() {
            ctx.request_repaint_after(Duration::from_millis(30));
        }
    }

    /// The jam's thread answered: its figures, and a word when it was late.
    pub(in crate::gui::app) fn jam_answered(&mut self, figures: AnswerFigures) {
        self.jam_log.answers.push(figures);
        match figures.skipped_bars {
            Some(0) => {}
            Some(bars) => self.error(format!(
                "The answer was {:.0} ms late for its bar line: {bars} bar(s) skipped",
                -figures.ready_before_ms
            )),
            None => self.error(format!(
                "The answer came too late to play (written in {:.0} ms): skipped",
                figures.compute_ms
            )),
        }
    }

    /// What plays the answers: the MIDI output, or the current voice on the sound device
    /// (nothing without either).
    fn answer_player(&self, tempo: Tempo) -> AnswerPlayer {
        let inbox = self.midi.inbox().clone();
        if let Some(out) = self.midi.output() {
            let handle = out.handle();
            let velocity = (self.settings.transport.volume * 127.0)
                .round()
                .clamp(1.0, 127.0) as u8;
            return Box::new(move |a: &ScheduledAnswer| {
                let at = inbox.instant_at(a.start_micros);
                handle.play_at(Scheduler::new(&a.melody, tempo, velocity), at);
            });
        }
        let config = crate::synth::RenderConfig {
            bpm: Some(tempo.bpm),
            ..self.render_config()
        };
        self.audio
            .answer_player(config, inbox)
            .unwrap_or_else(|| Box::new(|_: &ScheduledAnswer| {}))
    }

    /// While jamming: the dialogue so far for the roll (calls as seed, answers as
    /// answers).
    pub(in crate::gui::app) fn jam_preview(&self) -> Option<Document> {
        let (session, now) = self.midi.jam()?;
        let mut doc = Document::default();
        doc.meter = session.config().tempo.meter;
        Some(session.dialogue(now).map_or(doc, |d| dialogue_document(&d)))
    }

    /// The jam's line in the transport bar: count-in, whose turn, the last answer's time.
    pub(in crate::gui::app) fn jam_status_ui(&self, ui: &mut egui::Ui) {
        // The running jam's phrase length (the menu may have changed since it started).
        let Some((phase, bars)) = self
            .midi
            .jam()
            .map(|(j, now)| (j.phase(now), j.config().phrase_bars))
        else {
            return;
        };
        let text = match phase {
            JamPhase::CountIn { beats_left } => format!("Count-in {beats_left}"),
            JamPhase::Playing { bar: 0 } => "Your turn".into(),
            JamPhase::Playing { bar } => format!("Your turn: bar {bar} of {bars}"),
            JamPhase::Answering => "LSTMuse answers".into(),
            JamPhase::Stopped => return,
        };
        let colour = match phase {
            JamPhase::Answering => crate::gui::piano_roll::ANSWER_COLOUR,
            _ => ui.visuals().error_fg_color,
        };
        ui.label(egui::RichText::new(text).strong().color(colour));
        if let Some(last) = self.jam_log.answers.last()
            && last.ready_before_ms.is_finite()
        {
            ui.label(format!("last answer {:.0} ms", last.compute_ms));
        }
    }
}

/// The dialogue as a document: the calls as the seed, the answers as answers.
fn dialogue_document(dialogue: &Dialogue) -> Document {
    let (mut doc, _) = Document::from_melody(&dialogue.melody, Origin::Seed);
    let step = |r: Ratio| (r / Ratio::STEP).to_f64().round() as u32;
    for n in &mut doc.notes {
        let answer = dialogue
            .turns
            .iter()
            .any(|t| t.part == Part::Answer && step(t.start) <= n.start && n.start < step(t.end));
        if answer {
            n.origin = Origin::Answer;
        }
    }
    doc
}
