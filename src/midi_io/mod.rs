//! MIDI in and out without a window: record or step-enter a seed, play a melody to a port.
//!
//! Everything here except [`ports`] is plain data and time arithmetic, so it is tested
//! without a device. Incoming messages arrive as `(micros, bytes)` through
//! [`MidiInbox::receive`], the one function midir's input callback calls; the app drains
//! the inbox into a [`Recorder`] or a [`StepInput`]. Outgoing messages go to a
//! [`MidiSink`], which midir's output connection implements.
//!
//! - [`message`]: note-on/off parsing and the bytes we send; [`timing`]: tempo and meter.
//! - [`inbox`]: the input callback's end; [`recorder`]: count-in, record, stop or N bars;
//!   [`quantize`]: onto the 16th grid, top line only; [`step`]: step input.
//! - [`computer_keys`]: the computer keyboard as a piano, sending what a keyboard would.
//! - [`jam`]: call and response live: whose turn it is, when the model must answer, and
//!   where its answer goes; [`jam_engine`]: the thread that runs a jam with its own model.
//! - [`scheduler`]: a melody as timed note-ons/offs with guaranteed note-offs;
//!   [`output`]: the thread that sends them; [`ports`]: the thin midir wrapper.
//!
//! ```
//! use lstmuse::midi_io::{RecordConfig, Recorder, Tempo};
//! use lstmuse::Meter;
//!
//! // 120 BPM in 4/4: a 16th lasts 125 ms and the count-in bar 2 s.
//! let tempo = Tempo::new(120.0, Meter::default());
//! let mut rec = Recorder::new(RecordConfig::new(tempo), 0);
//! rec.handle(2_010_000, &[0x90, 60, 100]); // 10 ms late for the downbeat
//! rec.handle(2_490_000, &[0x80, 60, 0]);
//! rec.stop(3_000_000);
//! let melody = rec.melody().unwrap();
//! assert_eq!(melody.notes[0].pitch.unwrap().midi(), 60);
//! assert_eq!(melody.notes[0].duration, lstmuse::Ratio::ONE); // four 16ths
//! ```

pub mod computer_keys;
pub mod inbox;
pub mod jam;
pub mod jam_engine;
pub mod message;
pub mod output;
pub mod ports;
pub mod quantize;
pub mod recorder;
pub mod scheduler;
pub mod step;
pub mod timing;

pub use computer_keys::ComputerKeyboard;
pub use inbox::MidiInbox;
pub use message::MidiEvent;
pub use output::MidiOutThread;
pub use ports::MidiError;
pub use recorder::{RecordConfig, RecordPhase, Recorder};
pub use scheduler::{MidiSink, Scheduler};
pub use step::{StepAction, StepInput, StepLength};
pub use timing::Tempo;
