//! LSTMuse: read folk melodies, encode them for an LSTM, and write them back out.
//!
//! The library is the core of the app and the CLI. Only [`gui`] talks to windows and
//! sound devices; everything else is plain data and numbers. Modules:
//!
//! - [`music`]: `Pitch`, `Note`, `Melody`, `Meter`, `Key`; transposition and key finding.
//! - [`formats`]: `**kern`, ABC, MIDI and MusicXML readers and writers.
//! - [`preprocess`]: the seed's duration filter and transposition to C major / A minor.
//! - [`encoding`]: the 16th-note symbol encoding and the symbol↔integer [`encoding::Vocabulary`].
//! - [`corpus`]: load a folder of melodies in parallel, with per-file errors and statistics.
//! - [`melody_stats`]: melody features and mgeval-style comparison of a generated set with a corpus.
//! - [`fetch`]: get the Essen Folksong Collection from the music21 package.
//! - [`fsutil`]: atomic file writes.
//! - [`bench`]: figures for `lstmuse bench`.
//! - [`synth`]: the built-in synthesizer (flute, pluck, electric piano) and WAV export; offline.
//! - [`model`], [`data`], [`training`], [`artifact`], [`backend`]: the LSTM, its data,
//!   its training loop with checkpoints, the model folder, and the CPU/GPU choice.
//! - [`sampling`]: continue a primer with the model; [`eval`]: score it on held-out songs.
//! - [`gui`]: the desktop front end; `gui::audio` (feature `audio`) plays renders.
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
pub mod formats;
pub mod fsutil;
pub mod gui;
pub mod model;
pub mod music;
pub mod sampling;
pub mod synth;

pub use error::{Error, Result};

/// The bundled default model: `$LSTMUSE_MODEL_DIR`, else `models/essen-erk` in the
/// current folder, beside the executable, or in the source tree it was built from.
pub fn default_model_dir() -> Option<std::path::PathBuf> {
    let candidates = [
        std::env::var_os("LSTMUSE_MODEL_DIR").map(std::path::PathBuf::from),
        Some(std::path::PathBuf::from("models/essen-erk")),
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|p| p.join("models/essen-erk"))),
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/essen-erk")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| model::artifact::ModelArtifact::is_model_folder(p))
}
pub use music::{Key, Melody, Meter, Mode, Note, Pitch, Ratio};
