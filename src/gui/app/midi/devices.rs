//! The MIDI devices: the ports (rescanned when a menu opens, reconnected by name after an
//! unplug), the output thread, and the recorder or step input that incoming notes feed.

use crate::midi_io::jam::{JamConfig, JamSession};
use crate::midi_io::jam_engine::{AnswerFigures, AnswerModel, AnswerPlayer, JamEngine, JamEvent};
use crate::midi_io::ports::{self, InputConnection, Port};
use crate::midi_io::scheduler::MidiSink;
use crate::midi_io::{
    ComputerKeyboard, MidiError, MidiEvent, MidiInbox, MidiOutThread, RecordConfig, RecordPhase,
    Recorder, StepAction, StepInput, StepLength,
};
use crate::music::Melody;
use serde::{Deserialize, Serialize};

/// Where playback goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputChoice {
    /// The built-in synth on the sound device.
    #[default]
    BuiltIn,
    /// A MIDI output port (an external synth), by name.
    Port(String),
    /// LSTMuse's own virtual port "LSTMuse", for a DAW to record from (Linux, macOS).
    Virtual,
}

/// What incoming notes do now.
#[derive(Debug, Default)]
pub enum InputMode {
    /// Nothing: notes are ignored.
    #[default]
    Idle,
    /// Recording a seed.
    Recording(Recorder),
    /// Step input.
    Stepping(StepInput),
    /// Call and response with the model, run by its own thread.
    Jamming(Box<JamEngine>),
}

/// What the app has to do after a poll.
#[derive(Clone, Debug, PartialEq)]
pub enum MidiUpdate {
    /// A key went down or up: sound it through.
    Thru {
        /// MIDI key.
        key: u8,
        /// Down (true) or up.
        on: bool,
    },
    /// A step-input note or rest to put in the document.
    Step(StepAction),
    /// The recording ended (N bars): its melody, if anything was played.
    Recorded(Option<Melody>),
    /// The jam's model answered (or was too late for every bar of its slot).
    JamAnswered(AnswerFigures),
    /// The jam's model could not be loaded or could not answer: why.
    JamFailed(String),
}

/// MIDI ports and input modes.
#[derive(Debug)]
pub struct MidiDevices {
    inbox: MidiInbox,
    input: Option<InputConnection>,
    inputs: Result<Vec<Port>, String>,
    outputs: Result<Vec<String>, String>,
    output: Option<MidiOutThread>,
    mode: InputMode,
    /// The computer keyboard as a piano, when it is on.
    keys: Option<ComputerKeyboard>,
    /// The UI pass each submenu (input, output) was last drawn in: a menu that was not
    /// drawn in the pass before is opening, and rescans.
    pub(crate) menu_passes: (u64, u64),
}

impl std::fmt::Debug for InputConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InputConnection")
    }
}

impl MidiDevices {
    /// No ports open; incoming messages go to `inbox`.
    pub fn new(inbox: MidiInbox) -> MidiDevices {
        MidiDevices {
            inbox,
            input: None,
            inputs: Ok(Vec::new()),
            outputs: Ok(Vec::new()),
            output: None,
            mode: InputMode::Idle,
            keys: None,
            menu_passes: (0, 0),
        }
    }

    /// The computer keyboard's piano, when it is on.
    pub fn computer_keyboard(&self) -> Option<&ComputerKeyboard> {
        self.keys.as_ref()
    }

    /// Turns the computer keyboard's piano on or off; off lets go of the keys held (their
    /// note-offs go to the inbox like a keyboard's).
    pub fn set_computer_keyboard(&mut self, on: bool) {
        match (on, self.keys.take()) {
            (true, keys) => self.keys = Some(keys.unwrap_or_default()),
            (false, Some(mut keys)) => {
                for m in keys.release_all() {
                    self.inbox.receive(self.inbox.now_micros(), &m);
                }
            }
            (false, None) => {}
        }
    }

    /// Lets go of every key the computer keyboard holds (the window lost the keyboard, so
    /// their releases will not come).
    pub fn release_computer_keys(&mut self) {
        let released = self
            .keys
            .as_mut()
            .map(ComputerKeyboard::release_all)
            .unwrap_or_default();
        for m in released {
            self.inbox.receive(self.inbox.now_micros(), &m);
        }
    }

    /// A key of the computer keyboard went down or up: true when the piano took it (its
    /// note-on or note-off, if any, is in the inbox).
    pub fn computer_key(&mut self, c: char, pressed: bool) -> bool {
        let Some(keys) = self.keys.as_mut() else {
            return false;
        };
        if !crate::midi_io::computer_keys::is_piano_key(c) {
            return false;
        }
        let message = if pressed {
            keys.press(c)
        } else {
            keys.release(c)
        };
        if let Some(m) = message {
            self.inbox.receive(self.inbox.now_micros(), &m);
        }
        true
    }

    /// Where the input callback delivers messages (tests inject through it too).
    pub fn inbox(&self) -> &MidiInbox {
        &self.inbox
    }

    /// The input ports found by the last scan, or why there are none.
    pub fn inputs(&self) -> &Result<Vec<Port>, String> {
        &self.inputs
    }

    /// The output ports found by the last scan, or why there are none.
    pub fn outputs(&self) -> &Result<Vec<String>, String> {
        &self.outputs
    }

    /// The connected input's name.
    pub fn input_name(&self) -> Option<&str> {
        self.input.as_ref().map(|c| c.port().name.as_str())
    }

    /// Lists the ports again. A connected input that has gone, or came back as a new
    /// port (unplugged and plugged in again), is dropped; the `wanted` one is (re)connected
    /// when it is there. Returns a connection failure to show.
    pub fn rescan(&mut self, wanted: Option<&str>) -> Option<MidiError> {
        self.inputs = ports::input_ports().map_err(|e| e.to_string());
        self.outputs = ports::output_ports().map_err(|e| e.to_string());
        let listed = |p: &Port| self.inputs.as_ref().is_ok_and(|l| l.contains(p));
        if self.input.as_ref().is_some_and(|c| !listed(c.port())) {
            self.input = None;
        }
        let present = |n: &str| {
            self.inputs
                .as_ref()
                .is_ok_and(|l| l.iter().any(|p| p.name == n))
        };
        match wanted {
            Some(w) if self.input.is_none() && present(w) => self.connect_input(w).err(),
            _ => None,
        }
    }

    /// Opens the input named `name` (closing the one before).
    pub fn connect_input(&mut self, name: &str) -> Result<(), MidiError> {
        self.input = None;
        self.input = Some(ports::connect_input(name, self.inbox.clone())?);
        Ok(())
    }

    /// Closes the input.
    pub fn disconnect_input(&mut self) {
        self.input = None;
    }

    /// Sends playback to `choice`: opens the port and its thread (None for the synth).
    pub fn set_output(&mut self, choice: &OutputChoice) -> Result<(), MidiError> {
        self.output = None;
        let (sink, name) = match choice {
            OutputChoice::BuiltIn => return Ok(()),
            OutputChoice::Port(name) => (ports::connect_output(name)?, name.clone()),
            OutputChoice::Virtual => (ports::virtual_output()?, ports::CLIENT_NAME.to_owned()),
        };
        let thread =
            MidiOutThread::spawn(Box::new(sink), name.clone()).map_err(|e| MidiError::Connect {
                port: name,
                reason: e.to_string(),
            })?;
        self.output = Some(thread);
        Ok(())
    }

    /// Plays to `sink` (any [`MidiSink`]: a test's recorder, or a port opened elsewhere)
    /// instead of the built-in synth.
    pub fn set_output_sink(
        &mut self,
        sink: Box<dyn MidiSink + Send>,
        name: &str,
    ) -> Result<(), MidiError> {
        self.output = None;
        let thread = MidiOutThread::spawn(sink, name).map_err(|e| MidiError::Connect {
            port: name.to_owned(),
            reason: e.to_string(),
        })?;
        self.output = Some(thread);
        Ok(())
    }

    /// The MIDI output playback goes to, if not the built-in synth.
    pub fn output(&self) -> Option<&MidiOutThread> {
        self.output.as_ref()
    }

    /// Closes the output: every sounding note is released first.
    pub fn close_output(&mut self) {
        self.output = None;
    }

    /// What incoming notes do now.
    pub fn mode(&self) -> &InputMode {
        &self.mode
    }

    /// Starts a count-in and recording now (on the inbox's clock).
    pub fn start_recording(&mut self, config: RecordConfig) {
        self.inbox.drain();
        self.mode = InputMode::Recording(Recorder::new(config, self.inbox.now_micros()));
    }

    /// Stops recording now and returns what was played (`None` if nothing or not recording).
    pub fn stop_recording(&mut self) -> Option<Melody> {
        self.feed();
        let InputMode::Recording(mut r) = std::mem::take(&mut self.mode) else {
            return None;
        };
        r.stop(self.inbox.now_micros());
        r.melody()
    }

    /// Starts a jam's count-in now and the thread that runs it: it takes the inbox's
    /// messages from here on, and `play` plays its answers.
    pub fn start_jam(
        &mut self,
        config: JamConfig,
        model: AnswerModel,
        play: AnswerPlayer,
    ) -> std::io::Result<()> {
        let engine = JamEngine::start(config, self.inbox.clone(), model, play)?;
        self.mode = InputMode::Jamming(Box::new(engine));
        Ok(())
    }

    /// Stops the jam now and returns its session (`None` when not jamming).
    pub fn stop_jam(&mut self) -> Option<JamSession> {
        let InputMode::Jamming(engine) = std::mem::take(&mut self.mode) else {
            return None;
        };
        Some(engine.stop())
    }

    /// The jam's session (held briefly: its thread waits meanwhile) and the time now.
    pub fn jam(&self) -> Option<(std::sync::MutexGuard<'_, JamSession>, u64)> {
        match &self.mode {
            InputMode::Jamming(e) => Some((e.session(), e.now_micros())),
            _ => None,
        }
    }

    /// Starts step input at `cursor`.
    pub fn start_stepping(&mut self, cursor: u32, length: StepLength) {
        self.inbox.drain();
        self.mode = InputMode::Stepping(StepInput::new(cursor, length));
    }

    /// Ends step input (or recording, throwing it away).
    pub fn stop_input(&mut self) {
        self.mode = InputMode::Idle;
    }

    /// The step input, while stepping.
    pub fn stepping_mut(&mut self) -> Option<&mut StepInput> {
        match &mut self.mode {
            InputMode::Stepping(s) => Some(s),
            _ => None,
        }
    }

    /// The recorder's phase now, while recording.
    pub fn record_phase(&self) -> Option<RecordPhase> {
        match &self.mode {
            InputMode::Recording(r) => Some(r.phase(self.inbox.now_micros())),
            _ => None,
        }
    }

    /// Feeds waiting messages to the recorder or step input; ends an N-bar recording.
    pub fn poll(&mut self) -> Vec<MidiUpdate> {
        let mut updates = self.feed();
        if let InputMode::Recording(r) = &mut self.mode
            && r.tick(self.inbox.now_micros()) == RecordPhase::Finished
        {
            let melody = r.melody();
            self.mode = InputMode::Idle;
            updates.push(MidiUpdate::Recorded(melody));
        }
        updates
    }

    /// Drains the inbox into the current mode; returns thru and step updates.
    fn feed(&mut self) -> Vec<MidiUpdate> {
        if let InputMode::Jamming(engine) = &self.mode {
            // The jam's thread drains the inbox; here come its reports.
            return engine
                .poll()
                .into_iter()
                .map(|e| match e {
                    JamEvent::Thru { key, on } => MidiUpdate::Thru { key, on },
                    JamEvent::Answered(f) => MidiUpdate::JamAnswered(f),
                    JamEvent::Failed(why) => MidiUpdate::JamFailed(why),
                })
                .collect();
        }
        let mut updates = Vec::new();
        for (micros, bytes) in self.inbox.drain() {
            let step = match &mut self.mode {
                InputMode::Idle => continue,
                InputMode::Recording(r) => {
                    r.handle(micros, &bytes);
                    None
                }
                InputMode::Stepping(s) => s.handle(&bytes),
                InputMode::Jamming(_) => None,
            };
            match MidiEvent::parse(&bytes) {
                Some(MidiEvent::NoteOn { key, .. }) => {
                    updates.push(MidiUpdate::Thru { key, on: true })
                }
                Some(MidiEvent::NoteOff { key }) => {
                    updates.push(MidiUpdate::Thru { key, on: false })
                }
                None => {}
            }
            updates.extend(step.map(MidiUpdate::Step));
        }
        updates
    }

    /// The live recording for the roll: the recorder and the time now.
    pub fn recorder(&self) -> Option<(&Recorder, u64)> {
        match &self.mode {
            InputMode::Recording(r) => Some((r, self.inbox.now_micros())),
            _ => None,
        }
    }
}
