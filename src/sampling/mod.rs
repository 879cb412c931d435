//! Sampling: continue a primer, or fill a span between notes, with a trained model.
//!
//! - [`sampler`]: the loop: continuations and fills, every variation in one batch.
//! - [`config`]: the settings (length, temperature, biases, filters, constraints).
//! - [`generated`]: what it returns, with each step's probability and entropy.
//! - [`placement`]: where the written notes go (after, from a step, a span) and [`write`].
//! - `schedule`: what the model reads before it writes; `plan`: the primer in the model's
//!   key and the way back; `constraints`: which symbols may come at a step; `filters`:
//!   temperature, top-k/top-p and the draw.

pub mod config;
mod constraints;
mod filters;
pub mod generated;
pub mod placement;
mod plan;
pub mod sampler;
mod schedule;

pub use config::{AdaptiveTemperature, Length, SamplerConfig};
pub use generated::{Generated, GridNote, StepInfo};
pub use placement::{Placement, write};
pub use sampler::{FILL_CANDIDATES, fill, generate, primer_from_text};
