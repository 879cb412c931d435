//! MIDI in the app, all in this folder: recording a seed, step input, thru and playback to
//! a MIDI port here; [`devices`] holds the ports, the recorder and step input; [`jam`] is
//! call and response with the model; [`menu`] and `ui` draw the MIDI parts of the Playback
//! menu and the transport bar; [`thru`] sounds the keys played.

pub mod devices;
pub mod jam;
pub mod keys;
pub mod menu;
#[cfg(feature = "audio")]
pub mod thru;
mod ui;

use super::{Command, Document, LstmuseApp, Melody, Origin, RollNote, egui};
use crate::midi_io::{RecordConfig, Scheduler, StepAction, Tempo};
use devices::{InputMode, MidiDevices, MidiUpdate, OutputChoice};

impl LstmuseApp {
    /// MIDI ports and input modes (tests inject messages through its inbox).
    pub fn midi(&self) -> &MidiDevices {
        &self.midi
    }

    /// MIDI ports and input modes, to connect an output (tests connect a recorder).
    pub fn midi_mut(&mut self) -> &mut MidiDevices {
        &mut self.midi
    }

    /// MIDI settings: ports, recording, step input, the jam's phrase and turns.
    pub fn midi_settings_mut(&mut self) -> &mut crate::gui::settings::MidiSettings {
        &mut self.settings.midi
    }

    /// True while a seed is being recorded (count-in included).
    pub fn is_recording(&self) -> bool {
        matches!(self.midi.mode(), InputMode::Recording(_))
    }

    /// True while step input is on.
    pub fn is_stepping(&self) -> bool {
        matches!(self.midi.mode(), InputMode::Stepping(_))
    }

    /// Runs a MIDI command (recording and step input).
    pub(super) fn midi_command(&mut self, command: Command) {
        match command {
            Command::RecordSeed => self.record_seed(),
            Command::StepInput => self.toggle_step_input(),
            Command::StepLength(length) => {
                self.settings.midi.step_length = length;
                if let Some(s) = self.midi.stepping_mut() {
                    s.length = length;
                }
            }
            Command::StepDot => {
                if let Some(s) = self.midi.stepping_mut() {
                    s.dotted = !s.dotted;
                }
            }
            Command::StepRest => match self.midi.stepping_mut() {
                Some(s) => {
                    let rest = s.rest();
                    self.apply_step(rest);
                }
                None => self.info("Rests are for step input: press N to start it"),
            },
            _ => {}
        }
    }

    /// The tempo and meter a recording is made in: the transport's tempo, the melody's
    /// meter (or the Generate panel's for an empty one).
    fn record_tempo(&self) -> Tempo {
        let doc = self.editor.doc();
        let meter = if doc.notes.is_empty() {
            self.settings.sampler.meter
        } else {
            doc.meter
        };
        Tempo::new(self.settings.transport.bpm, meter)
    }

    /// Starts a recording with a count-in, or stops the one running and keeps it.
    fn record_seed(&mut self) {
        if self.is_recording() {
            let melody = self.midi.stop_recording();
            self.finish_recording(melody);
            return;
        }
        self.stop_playback();
        self.reconnect_input();
        let tempo = self.record_tempo();
        let config = RecordConfig {
            bars: (self.settings.midi.record_bars > 0).then_some(self.settings.midi.record_bars),
            ..RecordConfig::new(tempo)
        };
        self.midi.start_recording(config);
        let render = self.render_config();
        self.audio.play_clicks(tempo.bpm, tempo.meter, &render);
        match self.midi.input_name() {
            Some(port) => self.info(format!("Counting in, then recording from {port}")),
            None => self.info(
                "Counting in, then recording; no MIDI input is connected (choose one under Playback, MIDI input)",
            ),
        }
    }

    /// The recording ended: it becomes the seed (one undo step).
    fn finish_recording(&mut self, melody: Option<Melody>) {
        self.audio.stop();
        self.audio.thru_all_off();
        match melody {
            Some(m) => self.set_seed(&m, "the MIDI keyboard"),
            None => self.info("Nothing was recorded"),
        }
    }

    /// Step input on (from the cursor, else after the last note) or off.
    fn toggle_step_input(&mut self) {
        if self.is_stepping() {
            self.midi.stop_input();
            self.audio.thru_all_off();
            self.info("Step input off");
            return;
        }
        if self.is_recording() {
            self.midi.stop_input();
            self.audio.stop();
        }
        self.reconnect_input();
        let meter = self.settings.sampler.meter;
        self.editor.start_empty_in(meter);
        let cursor = self.editor.cursor().unwrap_or(self.editor.doc().end());
        self.editor.set_cursor(Some(cursor));
        self.midi
            .start_stepping(cursor, self.settings.midi.step_length);
        self.info(
            "Step input: play a key for each note; 3–7 choose the length, . dots it, 0 is a rest",
        );
    }

    /// Puts a step-input note or rest into the document (each one undo step) and moves the
    /// cursor after it.
    fn apply_step(&mut self, action: StepAction) {
        let next = match action {
            StepAction::Note { start, len, key } => {
                self.editor.edit(|doc, sel| {
                    doc.clear_span(start, start + len);
                    let id = doc.push(RollNote::new(start, len, key, Origin::Seed));
                    sel.clear();
                    sel.insert(id);
                });
                start + len
            }
            StepAction::Raise { start, key } => {
                self.editor.edit(|doc, _| {
                    for n in doc.notes.iter_mut().filter(|n| n.start == start) {
                        n.pitch = key;
                    }
                });
                return;
            }
            StepAction::Rest { start, len } => {
                self.editor
                    .edit(|doc, _| doc.clear_span(start, start + len));
                start + len
            }
        };
        self.editor.set_cursor(Some(next));
    }

    /// Once a frame: feeds incoming MIDI to the recorder or step input, sounds it through,
    /// and notices a MIDI output that failed.
    pub(super) fn midi_frame(&mut self, ctx: &egui::Context) {
        if let (Some(cursor), Some(s)) = (self.editor.cursor(), self.midi.stepping_mut())
            && s.cursor() != cursor
        {
            s.set_cursor(cursor);
        }
        for update in self.midi.poll() {
            match update {
                MidiUpdate::Thru { key, on } => {
                    if self.settings.midi.thru {
                        let config = self.render_config();
                        self.audio.thru(key, on, &config);
                    }
                }
                MidiUpdate::Step(action) => self.apply_step(action),
                MidiUpdate::Recorded(melody) => self.finish_recording(melody),
                MidiUpdate::JamAnswered(figures) => self.jam_answered(figures),
                MidiUpdate::JamFailed(why) => self.error(format!("Jam: {why}")),
            }
        }
        if self.is_recording() {
            ctx.request_repaint();
        }
        self.jam_frame(ctx);
        if let Some(out) = self.midi.output()
            && let Some(e) = out.take_error()
        {
            let name = out.name().to_owned();
            self.midi.close_output();
            self.error(format!(
                "MIDI output {name} failed: {e}. Playing through the built-in synth."
            ));
        }
    }

    /// Before recording or step input: if the remembered keyboard is not connected (it was
    /// unplugged, or came later), look for it again.
    fn reconnect_input(&mut self) {
        let Some(wanted) = self.settings.midi.input_port.clone() else {
            return;
        };
        if self.midi.input_name() != Some(wanted.as_str())
            && let Some(e) = self.midi.rescan(Some(&wanted))
        {
            self.error(e.to_string());
        }
    }

    /// Opens the remembered MIDI input and output at start-up; says why not.
    pub(super) fn open_midi_ports(&mut self) {
        let wanted = self.settings.midi.input_port.clone();
        let output = self.settings.midi.output.clone();
        if wanted.is_none() && output == OutputChoice::BuiltIn {
            return;
        }
        if let Some(e) = self.midi.rescan(wanted.as_deref()) {
            self.error(format!("{e}"));
        }
        if let Err(e) = self.midi.set_output(&output) {
            self.error(format!("{e}. Playing through the built-in synth."));
        }
    }

    /// Sends the melody to the MIDI output, if playback goes there; false otherwise.
    pub(super) fn play_midi(&mut self, melody: &Melody, loop_steps: Option<(u32, u32)>) -> bool {
        let Some(out) = self.midi.output() else {
            return false;
        };
        let tempo = Tempo::new(
            self.settings.transport.bpm,
            melody.meter.unwrap_or_default(),
        );
        let velocity = (self.settings.transport.volume * 127.0)
            .round()
            .clamp(1.0, 127.0) as u8;
        out.play(
            Scheduler::new(melody, tempo, velocity).with_loop(loop_steps),
            0.0,
        );
        true
    }

    /// Whether Play can work: a sound device, or a MIDI output.
    pub fn can_play(&self) -> bool {
        self.audio.available() || self.midi.output().is_some()
    }

    /// True while the melody plays, through the synth or a MIDI port.
    pub fn is_playing(&self) -> bool {
        self.audio.is_playing() || self.midi.output().is_some_and(|o| o.is_playing())
    }

    /// Stops playback everywhere (a MIDI port gets its note-offs).
    pub(super) fn stop_playback(&mut self) {
        self.audio.stop();
        if let Some(out) = self.midi.output() {
            out.stop();
        }
    }

    /// Moves playback to `step` (a click on the ruler while playing).
    pub(super) fn seek(&mut self, step: u32) {
        match self.midi.output() {
            Some(out) if out.is_playing() => out.seek(f64::from(step)),
            // A looped selection keeps looping rather than play on to the end.
            _ if self.loop_range().is_none() => self.audio.seek(step),
            _ => {}
        }
    }

    /// The playhead: the recording's, the MIDI output's, or the synth's, in steps.
    pub(super) fn playhead(&self) -> Option<f32> {
        if let Some((j, now)) = self.midi.jam() {
            let at = j.position_steps(now);
            return (at >= 0.0).then_some(at as f32);
        }
        if let Some((r, now)) = self.midi.recorder() {
            let at = r.position_steps(now);
            return (at >= 0.0).then_some(at as f32);
        }
        self.midi
            .output()
            .and_then(|o| o.playhead())
            .or_else(|| self.audio.playhead())
    }

    /// While recording: what has been played so far, as seed notes, for the roll.
    pub(super) fn recording_preview(&self) -> Option<Document> {
        if self.is_jamming() {
            return self.jam_preview();
        }
        let (r, now) = self.midi.recorder()?;
        let mut doc = Document::default();
        doc.meter = r.config().tempo.meter;
        for n in r.line(now).into_iter().filter(|n| n.start >= 0) {
            let len = (n.end - n.start).max(1) as u32;
            doc.push(RollNote::new(n.start as u32, len, n.key, Origin::Seed));
        }
        Some(doc)
    }
}
