//! Corpora: from a folder of melody files to the model's training data.
//!
//! - [`folder`]: load every melody under a folder in parallel, with per-file errors and statistics.
//! - [`preprocess`]: the seed's duration filter and transposition to C major / A minor.
//! - [`encoding`]: the 16th-note symbol encoding and the symbol↔integer [`encoding::Vocabulary`].
//! - [`structure`]: each song's meter and pickup, and the per-step structure inputs.
//! - [`data`]: songs as id sequences, cut into windows (plain and infilling) and batches.
//! - [`training_set`]: the songs to train on, as ids, with their vocabulary.
//! - [`form`]: the form of a melody (phrase cadences, the final note, leaps, repeated
//!   bars, ambitus, runs at the end) and of a set.
//! - [`phrases`]: phrases of a meter's usual length and which earlier one each repeats.
//! - [`overlap`]: near-variants across corpora (shared runs of 8 intervals).
//! - [`fetch`]: get the Essen Folksong Collection from the music21 package.

pub mod data;
pub mod encoding;
pub mod fetch;
pub mod folder;
pub mod form;
pub mod overlap;
pub mod phrases;
pub mod preprocess;
pub mod structure;
pub mod training_set;

pub use folder::{
    Corpus, CorpusStats, EncodedCorpus, EncodedSong, LoadProgress, encode, encode_song, find_files,
    load, load_with_progress, source_label, stats,
};
pub use training_set::TrainingData;
