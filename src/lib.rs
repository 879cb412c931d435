//! LSTMuse: read folk melodies, encode them for an LSTM, and write them back out.
//!
//! The library is the core of the app and the CLI. Only [`gui`] talks to windows and
//! sound devices, and `midi_io::ports` to MIDI ports; everything else is plain data and
//! numbers. Modules:
//!
//! - [`music`]: `Pitch`, `Note`, `Melody`, `Meter`, `Key`; transposition and key finding.
//! - [`formats`]: `**kern`, ABC, MIDI and MusicXML readers and writers.
//! - [`corpus`]: load a folder of melodies, the seed's preprocessing, the 16th-note
//!   encoding, each song's meter and pickup (structure), training windows, the Essen fetch.
//! - [`model`]: the LSTM, its training loop with checkpoints, the model folder, CPU or GPU.
//! - [`sampling`]: continue a primer, or fill a span between notes, with the model.
//! - [`eval`]: score a model on held-out songs; compare generated melodies with a corpus.
//! - [`midi_io`]: MIDI keyboards in (record, step input) and MIDI ports out; no window.
//! - [`synth`]: the built-in synthesizer (flute, pluck, electric piano) and WAV export; offline.
//! - [`rng`]: the seeded random generator that corpus, model and sampling share;
//!   [`sha256`]: the checksum a model folder records of its weights.
//! - [`fsutil`]: atomic file writes and file dates; [`folder_lock`]: one writer per folder;
//!   [`error`]: the library's error type; [`limits`]: the bounds on the work one input may
//!   cause.
//! - [`gui`]: the desktop front end; `gui::player` (feature `audio`) plays renders.
//!
//! ```
//! use lstmuse::formats::kern;
//! use lstmuse::corpus::{encoding, preprocess};
//!
//! let text = "**kern\n*M2/4\n*k[b-]\n*F:\n=1\n8f\n8a\n4cc\n=2\n2f\n==\n*-\n";
//! let melody = kern::parse(text, &Default::default()).unwrap();
//! let config = preprocess::PreprocessConfig::default();
//! let song = preprocess::prepare(&melody, &config).unwrap();
//! // F major moves down to C major; eighths hold one extra 16th step.
//! assert_eq!(encoding::symbols_to_string(&song), "60 _ 64 _ 67 _ _ _ 60 _ _ _ _ _ _ _");
//! ```

pub mod corpus;
pub mod error;
pub mod eval;
pub mod folder_lock;
pub mod formats;
pub mod fsutil;
pub mod gui;
pub mod limits;
pub mod midi_io;
pub mod model;
pub mod music;
pub mod rng;
pub mod sampling;
pub mod sha256;
pub mod synth;

pub use error::{Error, Result};

pub use model::bundled::default_model_dir;
pub use music::{Key, Melody, Meter, Mode, Note, Pitch, Ratio};
