//! The sampler's settings (length, temperature, biases, filters, constraints), checked
//! before a run.

use super::critic::Critic;
use super::phrase_plan::PhrasePlan;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::music::{Key, Meter};
use serde::{Deserialize, Serialize};

/// How long to generate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Length {
    /// A number of 16th-note steps.
    Steps(usize),
    /// Whole bars of the melody's meter: the continuation ends on a bar line, this many
    /// bars after the bar the primer ends in (exactly this many bars when the primer ends
    /// on a bar line or is empty).
    Bars(usize),
}

/// Entropy-adaptive temperature: a confident model (low entropy) is made more
/// adventurous, an unsure one (high entropy) more careful.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdaptiveTemperature {
    /// How strongly the temperature follows the entropy (0 = not at all).
    pub strength: f32,
    /// Lowest temperature allowed.
    pub min: f32,
    /// Highest temperature allowed.
    pub max: f32,
}

impl Default for AdaptiveTemperature {
    fn default() -> Self {
        AdaptiveTemperature {
            strength: 1.0,
            min: 0.3,
            max: 1.5,
        }
    }
}

/// Every control of the sampler. The defaults give natural-sounding folk melodies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerConfig {
    /// Softmax temperature; 0 picks the most likely symbol every step. The default 1.0
    /// samples the model as it is: with the structure model, 100 unprimed 8-bar 3/4
    /// melodies match erk's notes per bar with an overlap of 0.86 (0.72 at 0.9, which
    /// favours held notes).
    pub temperature: f32,
    /// Entropy-adaptive temperature, when set.
    pub adaptive: Option<AdaptiveTemperature>,
    /// Subtracted from the rest symbol's logit (the seed's "rests penalised"). The default
    /// 1.0 brings the rest fraction of unprimed 8-bar melodies to the erk corpus's
    /// (4.5% against 4.8%; 6.6% with no penalty).
    pub rest_penalty: f32,
    /// Added to the hold (`_`) logit: positive gives longer notes.
    pub hold_bias: f32,
    /// Added to every note onset's logit (the seed's "notes favoured").
    pub note_bias: f32,
    /// Keep only the k most likely symbols (0 = off).
    pub top_k: usize,
    /// Keep the most likely symbols up to this probability mass (1 = off).
    pub top_p: f32,
    /// How much to generate after the primer.
    pub length: Length,
    /// Stop a variation when the model ends the song; otherwise the song end is masked.
    pub stop_at_end: bool,
    /// Seed of the random generator: the same seed and settings give the same melodies.
    pub seed: u64,
    /// Melodies per call (run together as one batch).
    pub variations: usize,
    /// Lowest and highest MIDI note allowed (in the output key).
    pub range: Option<(u8, u8)>,
    /// Only notes of this key's scale (in the output key).
    pub scale: Option<Key>,
    /// Make the last note the tonic (of `scale`, else of the output key), held for a beat.
    pub end_on_tonic: bool,
    /// Key of the output; default: the primer's key.
    pub output_key: Option<Key>,
    /// The meter of a melody whose primer has none (an unprimed one); default 4/4. A
    /// primer's own meter always wins.
    pub meter: Option<Meter>,
    /// How the written phrases are planned, for a model with phrase inputs.
    pub plan: PhrasePlan,
    /// The critic that chooses among candidate melodies by their form (a model with phrase
    /// inputs; continuations only).
    pub critic: Critic,
    /// Notes that must land on given steps (a form's cadences), in song steps of the melody
    /// being continued.
    pub landings: Vec<Landing>,
    /// How a melody started from nothing begins.
    pub upbeat: Upbeat,
}

/// How a melody started from nothing (no primer notes) begins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Upbeat {
    /// With a pickup drawn from how the model's training songs in the meter begin (most
    /// folk songs begin with one); on the downbeat for a model without that record.
    #[default]
    Drawn,
    /// On the downbeat.
    None,
    /// With a pickup of this many 16th steps (less than a bar).
    Steps(usize),
}

/// A note that must start on a given step, on one of some pitch classes, and hold: the
/// cadence at a phrase's end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Landing {
    /// The song step where the note starts.
    pub step: usize,
    /// The pitch classes it may have (index 0 = C), in the output key.
    pub pitch_classes: [bool; 12],
    /// Steps it holds for at least (its own included).
    pub hold: usize,
    /// Until this song step, no other note starts on a strong beat (the cadence note, or a
    /// rest after it, fills its bar's strong beats).
    pub quiet_until: usize,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            temperature: 1.0,
            adaptive: None,
            rest_penalty: 1.0,
            hold_bias: 0.0,
            note_bias: 0.0,
            top_k: 0,
            top_p: 1.0,
            length: Length::Bars(8),
            stop_at_end: false,
            seed: 1,
            variations: 1,
            range: None,
            scale: None,
            end_on_tonic: false,
            output_key: None,
            meter: None,
            plan: PhrasePlan::Drawn,
            critic: Critic::default(),
            landings: Vec::new(),
            upbeat: Upbeat::Drawn,
        }
    }
}

/// Rejects impossible settings with a message that names them.
pub(crate) fn validate(config: &SamplerConfig) -> Result<()> {
    let bad = |m: String| Err(Error::Invalid(m));
    if !(config.temperature >= 0.0 && config.temperature.is_finite()) {
        return bad(format!(
            "temperature must be 0 or more, got {}",
            config.temperature
        ));
    }
    if !(config.top_p > 0.0 && config.top_p <= 1.0) {
        return bad(format!("top-p must be in (0, 1], got {}", config.top_p));
    }
    if config.variations == 0 {
        return bad("variations must be at least 1".into());
    }
    Limits::check(
        "variations in one call",
        config.variations,
        Limits::DEFAULT.max_variations,
    )?;
    if let Some((lo, hi)) = config.range
        && lo > hi
    {
        return bad(format!("the range {lo}-{hi} is empty"));
    }
    if let Some(a) = config.adaptive
        && !(a.min > 0.0 && a.min <= a.max && a.max.is_finite() && a.strength.is_finite())
    {
        return bad(format!(
            "adaptive temperature bounds {}..{} (strength {}) are impossible",
            a.min, a.max, a.strength
        ));
    }
    for (name, value) in [
        ("rest penalty", config.rest_penalty),
        ("hold bias", config.hold_bias),
        ("note bias", config.note_bias),
    ] {
        if !value.is_finite() {
            return bad(format!("the {name} must be a finite number, got {value}"));
        }
    }
    let length = match config.length {
        Length::Steps(n) => n,
        Length::Bars(b) => b.saturating_mul(16),
    };
    Limits::check("16th steps to generate", length, Limits::DEFAULT.max_steps)
}
