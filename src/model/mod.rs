//! The model: the LSTM, its training loop, the model folder on disk, and where it runs.
//!
//! - [`lstm`]: the melody LSTM (`forward` over a sequence, `step` for generation).
//! - [`training`]: the training run: events, validation, early stopping; [`config`]: its
//!   settings; [`engine`]: where and how it runs; [`events`]: what it reports;
//!   [`checkpoint`]: the resume point after every epoch; [`loss`]: the loss and scoring.
//! - [`artifact`]: the model folder (config, vocabulary, weights, card); [`bundled`]: where
//!   the bundled one is found.
//! - [`corpus_record`]: what a folder records of its training songs (plan prior, form).
//! - [`shape`]: a network's shape checked against the limits, and its parameter count.
//! - [`host`]: the same network stepped on plain `f32` slices, for fast generation.
//! - [`fused`]: training on the CPU with a fused LSTM layer and its own backward pass.
//! - [`kernels`]: the host GEMM and activation functions both of those use.
//! - [`seeded`]: seeded draws from Burn's process-wide random generator, made atomic.
//! - [`backend`]: the CPU/GPU choice; [`bound`]: a model bound to a device ([`ModelRef`]).

pub mod artifact;
pub mod backend;
pub mod bound;
pub mod bundled;
pub mod checkpoint;
pub mod config;
pub mod corpus_record;
pub mod engine;
pub mod events;
pub mod fused;
pub mod host;
pub mod kernels;
pub mod loss;
pub mod lstm;
pub mod seeded;
pub mod shape;
pub mod training;

pub use bound::ModelRef;
pub use config::TrainingConfig;
pub use engine::{Engine, TrainOptions};
pub use events::{EpochStats, TrainingEvent, TrainingSummary};
pub use host::{HostLstm, HostState};
pub use lstm::{DropoutMasks, LstmLayer, LstmState, MelodyLstm, MelodyLstmConfig};
pub use training::train;
