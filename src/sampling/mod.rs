//! Sampling: continue a primer, or fill a span between notes, with a trained model.
//!
//! - [`sampler`]: the loop: continuations and fills, every variation in one batch.
//! - [`config`]: the settings (length, temperature, biases, filters, constraints).
//! - [`generated`]: what it returns, with each step's probability and entropy.
//! - [`form`]: melodies planned as phrases (period, AABA, AABB, ABAC) from copies, fills
//!   and cadence landings.
//! - [`critic`]: keeps one of several candidates per variation by its form.
//! - [`jam`]: call and response: answers to a player's phrases.
//! - [`phrase_plan`]: what each written phrase does (new, a repeat, varied): drawn from
//!   the model's training songs, open, or given.
//! - [`placement`]: where the written notes go (after, from a step, a span) and [`write`].
//! - `schedule`: what the model reads before it writes; `plan`: the primer in the model's
//!   key and the way back; `constraints`: which symbols may come at a step; `filters`:
//!   temperature, top-k/top-p and the draw.

pub mod config;
mod constraints;
pub mod critic;
mod filters;
pub mod form;
pub mod generated;
pub mod jam;
pub mod phrase_plan;
pub mod placement;
mod plan;
pub mod sampler;
mod schedule;

pub use config::{AdaptiveTemperature, Length, SamplerConfig, Upbeat};
pub use critic::{Critic, Critique};
pub use form::{Form, generate_form};
pub use generated::{Generated, GridNote, StepInfo};
pub use phrase_plan::PhrasePlan;
pub use placement::{Placement, write};
pub use sampler::{FILL_CANDIDATES, fill, generate, primer_from_text};
