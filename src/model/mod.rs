//! The model: the LSTM, its training loop, the model folder on disk, and where it runs.
//!
//! - [`lstm`]: the melody LSTM (`forward` over a sequence, `step` for generation).
//! - [`training`]: training with events, validation, early stopping and checkpoints.
//! - [`artifact`]: the model folder (config, vocabulary, weights, card).
//! - [`host`]: the same network stepped on plain `f32` slices, for fast generation.
//! - [`fused`]: training on the CPU with a fused LSTM layer and its own backward pass.
//! - [`kernels`]: the host GEMM and activation functions both of those use.
//! - [`backend`]: the CPU/GPU choice; [`bound`]: a model bound to a device ([`ModelRef`]).

pub mod artifact;
pub mod backend;
pub mod bound;
pub mod fused;
pub mod host;
pub mod kernels;
pub mod lstm;
pub mod training;

pub use bound::ModelRef;
pub use host::{HostLstm, HostState};
pub use lstm::{DropoutMasks, LstmLayer, LstmState, MelodyLstm, MelodyLstmConfig};
