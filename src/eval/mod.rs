//! Evaluation: held-out scoring of a model, and statistics of generated melodies.
//!
//! - [`heldout`]: cross-entropy per step, per note onset and per pitch on songs the model did
//!   not train on, and the bits of a masked span from one side or both.
//! - [`form`]: a generated set's form measures against a corpus's.
//! - [`joins`]: how well fills and continuations lead into the notes after their span.
//! - [`sets`]: the corpus songs a generated set is compared with, and that set, in the
//!   corpus's meter mix.
//! - [`melody_stats`]: melody features and mgeval-style comparison of a generated set with a corpus.

pub mod form;
pub mod heldout;
pub mod joins;
pub mod melody_stats;
pub mod sets;

pub use heldout::{EvalReport, InfillReport, evaluate, evaluate_infill, infill_spans};
pub use joins::{JoinReport, join_intervals};
