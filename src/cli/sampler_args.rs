//! The sampler's flags, shared by `generate` and `eval --generate`, and the model they use.

use super::args;
use anyhow::{Context, Result};
use clap::Args;
use lstmuse::model::artifact::ModelArtifact;
use std::path::PathBuf;

/// The sampler options shared by `lstmuse generate` and `lstmuse eval --generate`.
#[derive(Args, Debug, Clone)]
pub struct SamplerArgs {
    /// Length in 16th-note steps (1 to 25,000).
    #[arg(long, conflicts_with = "bars", value_parser = args::steps)]
    pub steps: Option<usize>,
    /// Length in whole bars of the melody's meter (default 8, at most 1,562); the melody
    /// ends on a bar line.
    #[arg(long, value_parser = args::bars)]
    pub bars: Option<usize>,
    /// The meter of an unprimed melody (or of a primer without one), e.g. 3/4 or 6/8; a
    /// primer's own meter wins. With `eval --generate`, the corpus songs of this meter are
    /// the reference.
    #[arg(long, value_parser = parse_meter)]
    pub meter: Option<lstmuse::Meter>,
    /// Let a melody end where the model ends the song (always on a bar line; for a model
    /// that knows phrases, where a phrase ends) instead of running to the full length.
    #[arg(long)]
    pub stop_at_end: bool,
    /// How a melody from nothing begins: `drawn` (a pickup as often and as long as the
    /// model's training songs in the meter have one), `none` (on the downbeat), or a
    /// pickup of N sixteenths.
    #[arg(long, default_value = "drawn", value_parser = args::upbeat)]
    pub upbeat: lstmuse::sampling::Upbeat,
    /// Candidate melodies the critic draws per variation and chooses among by their form
    /// (cadences, close, leaps, repeated bars, ambitus), 1 to 64; 1 turns the critic off.
    /// Only models that know phrases carry the corpus form the critic needs.
    #[arg(long, default_value_t = lstmuse::sampling::critic::CANDIDATES, value_parser = args::candidates)]
    pub candidates: usize,
    /// How far the critic moves the kept melodies' form from the candidates' own toward
    /// the corpus's (0 to 100; 1: aim at the corpus's; default 1.25; 0: a plain draw).
    #[arg(long, value_parser = args::weight)]
    pub critic_form: Option<f32>,
    /// The critic's weight on the model's mean log-probability per step (0 to 100).
    #[arg(long, value_parser = args::weight)]
    pub critic_likelihood: Option<f32>,
    /// Softmax temperature, 0 to 100 (0 = always the most likely symbol).
    #[arg(long, default_value_t = 1.0, value_parser = args::temperature)]
    pub temperature: f32,
    /// Entropy-adaptive temperature.
    #[arg(long)]
    pub adaptive: bool,
    /// Penalty on rests (subtracted from the rest logit, -100 to 100; 0 = the model's own
    /// rate).
    #[arg(long, default_value_t = 1.0, value_parser = args::logit_shift, allow_negative_numbers = true)]
    pub rest_penalty: f32,
    /// Bias on holds (`_`), -100 to 100: positive for longer notes.
    #[arg(long, default_value_t = 0.0, value_parser = args::logit_shift, allow_negative_numbers = true)]
    pub hold_bias: f32,
    /// Nucleus sampling mass, in (0, 1] (1 = off).
    #[arg(long, default_value_t = 1.0, value_parser = args::top_p)]
    pub top_p: f32,
    /// Keep only the k most likely symbols (0 = off).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Pitch range as LOW-HIGH MIDI numbers, e.g. 60-79.
    #[arg(long, value_parser = args::midi_range)]
    pub range: Option<(u8, u8)>,
    /// Only notes of this key, e.g. G, Em, Dmix.
    #[arg(long, value_parser = args::key)]
    pub scale: Option<lstmuse::Key>,
    /// End on the tonic.
    #[arg(long)]
    pub end_on_tonic: bool,
    /// Random seed (same seed and settings, same melody).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A meter such as `3/4` or `6/8`.
pub fn parse_meter(text: &str) -> Result<lstmuse::Meter, String> {
    let (n, d) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a meter: write it like 3/4 or 6/8"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: the upper number is not a number"))?;
    let d: u32 = d
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: the lower number is not a number"))?;
    lstmuse::Meter::new(n, d).ok_or_else(|| {
        format!("`{text}` is not a meter: 1 to 64 beats of a power-of-two unit up to 64")
    })
}

/// Loads the model folder, or the bundled one; a folder whose weights could not be
/// verified (no checksum in its card) says so on stderr.
pub fn load_model(dir: Option<PathBuf>, device: &burn::tensor::Device) -> Result<ModelArtifact> {
    let dir = match dir {
        Some(d) => d,
        None => lstmuse::default_model_dir().context("no bundled model found: pass --model DIR")?,
    };
    let artifact = ModelArtifact::load(&dir, device)?;
    if let Some(note) = artifact.unverified_note() {
        eprintln!("note: {note}");
    }
    Ok(artifact)
}

/// "the model in DIR": the context of an error from running a loaded model.
pub fn model_context(artifact: &ModelArtifact) -> String {
    let dir = artifact.dir.as_deref().unwrap_or(std::path::Path::new("."));
    format!("the model in {}", dir.display())
}

/// The sampler settings a command line asks for, for `variations` melodies per call.
pub fn sampler_config(
    args: &SamplerArgs,
    variations: usize,
) -> Result<lstmuse::sampling::SamplerConfig> {
    use lstmuse::sampling::{AdaptiveTemperature, Length, SamplerConfig};
    Ok(SamplerConfig {
        temperature: args.temperature,
        adaptive: args.adaptive.then(AdaptiveTemperature::default),
        rest_penalty: args.rest_penalty,
        hold_bias: args.hold_bias,
        top_p: args.top_p,
        top_k: args.top_k,
        length: match (args.steps, args.bars) {
            (Some(s), _) => Length::Steps(s),
            (None, b) => Length::Bars(b.unwrap_or(8)),
        },
        range: args.range,
        scale: args.scale,
        end_on_tonic: args.end_on_tonic,
        stop_at_end: args.stop_at_end,
        meter: args.meter,
        seed: args.seed,
        variations,
        upbeat: args.upbeat,
        critic: {
            let d = lstmuse::sampling::Critic::default();
            lstmuse::sampling::Critic {
                candidates: args.candidates,
                form: args.critic_form.unwrap_or(d.form),
                log_probability: args.critic_likelihood.unwrap_or(d.log_probability),
            }
        },
        ..SamplerConfig::default()
    })
}
