//! Sampling: continue a primer with a trained model.
//!
//! - [`sampler`]: temperature, entropy-adaptive temperature, biasing, top-k/top-p, constraints.

pub mod sampler;

pub use sampler::{
    AdaptiveTemperature, Generated, Length, SamplerConfig, StepInfo, generate, primer_from_text,
};
