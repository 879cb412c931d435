//! Sampling: continue a primer, or fill a span between notes, with a trained model.
//!
//! - [`sampler`]: continuations and fills, with temperature, entropy-adaptive temperature,
//!   biasing, top-k/top-p, and constraints (range, scale, meter, bar lines, tonic).
//! - [`rng`]: the seedable random generator (also used to shuffle training data).

pub mod rng;
pub mod sampler;

pub use sampler::{
    AdaptiveTemperature, Generated, Length, SamplerConfig, StepInfo, fill, generate,
    primer_from_text,
};
