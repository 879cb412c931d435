//! Where the written notes go: after the melody, from a step on, or in place of a span.

use super::config::SamplerConfig;
use super::generated::Generated;
use super::sampler::{fill, generate};
use crate::error::Result;
use crate::model::ModelRef;
use crate::music::{Melody, Ratio};
use serde::{Deserialize, Serialize};

/// Where the sampler writes, in 16th steps of the melody it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    /// After the melody's last step: a continuation (the melody may be empty).
    After,
    /// From this step on: the steps before it are the primer, the rest is written anew
    /// ("regenerate from here").
    From(usize),
    /// Exactly the steps `start..end`, leading from the notes before into the notes after
    /// them; every other note stays ("fill").
    Span(usize, usize),
}

/// Writes `config.variations` melodies into `melody` at `placement`: [`generate`] after it
/// (or after its first `step` steps), or [`fill`] a span of it.
pub fn write(
    model: ModelRef<'_>,
    melody: &Melody,
    placement: Placement,
    config: &SamplerConfig,
) -> Result<Vec<Generated>> {
    match placement {
        Placement::After => generate(model, melody, config),
        Placement::From(step) => {
            generate(model, &melody.truncated(Ratio::from_steps(step)), config)
        }
        Placement::Span(start, end) => fill(model, melody, start..end, config),
    }
}
