//! LSTMuse: read folk melodies, encode them for an LSTM, and write them back out.
//!
//! The library is the core of the app and the CLI; it never touches a window or a
//! sound card. Modules:
//!
//! - [`music`]: `Pitch`, `Note`, `Melody`, `Meter`, `Key`; transposition and key finding.
//! - [`formats`]: `**kern`, ABC, MIDI and MusicXML readers and writers.
//! - [`preprocess`]: the seed's duration filter and transposition to C major / A minor.
//! - [`encoding`]: the 16th-note symbol encoding and the symbol↔integer [`encoding::Vocabulary`].
//! - [`corpus`]: load a folder of melodies in parallel, with per-file errors and statistics.
//! - [`fetch`]: get the Essen Folksong Collection from the music21 package.
//! - [`fsutil`]: atomic file writes.
//! - [`bench`]: figures for `lstmuse bench`.
//!
//! ```
//! use lstmuse::formats::kern;
//! use lstmuse::{encoding, preprocess};
//!
//! let text = "**kern\n*M2/4\n*k[b-]\n*F:\n=1\n8f\n8a\n4cc\n=2\n2f\n==\n*-\n";
//! let melody = kern::parse(text, &Default::default()).unwrap();
//! let config = preprocess::PreprocessConfig::default();
//! let song = preprocess::prepare(&melody, &config).unwrap();
//! // F major moves down to C major; eighths hold one extra 16th step.
//! assert_eq!(encoding::symbols_to_string(&song), "60 _ 64 _ 67 _ _ _ 60 _ _ _ _ _ _ _");
//! ```

pub mod bench;
pub mod corpus;
pub mod encoding;
pub mod error;
pub mod fetch;
pub mod formats;
pub mod fsutil;
pub mod music;
pub mod preprocess;

pub use error::{Error, Result};
pub use music::{Key, Melody, Meter, Mode, Note, Pitch, Ratio};
