//! Evaluation: held-out scoring of a model, and statistics of generated melodies.
//!
//! - [`heldout`]: cross-entropy per step and per note onset on songs the model did not train on.
//! - [`melody_stats`]: melody features and mgeval-style comparison of a generated set with a corpus.

pub mod heldout;
pub mod melody_stats;

pub use heldout::{EvalReport, evaluate};
