//! The training configuration: the network, the optimizer's settings, batches, epochs,
//! early stopping and infilling; saved as `config.json` beside the weights.

use crate::corpus::form::FormTable;
use crate::corpus::phrases::PhrasePrior;
use crate::corpus::structure::StructureInputs;
use crate::error::{Error, Result};
use crate::model::MelodyLstmConfig;
use burn::config::Config;

/// Everything about a training run; saved as `config.json` beside the weights.
///
/// The defaults here are the recommended settings (the bundled model's); the CLI and the
/// Training tab both start from [`TrainingConfig::recommended`].
#[derive(Config, Debug)]
pub struct TrainingConfig {
    /// The network.
    pub model: MelodyLstmConfig,
    /// Adam's learning rate.
    #[config(default = 3e-3)]
    pub learning_rate: f64,
    /// L2 weight decay (0 = none).
    #[config(default = 1e-5)]
    pub weight_decay: f64,
    /// Gradient-norm clipping (0 = none).
    #[config(default = 1.0)]
    pub grad_clip_norm: f64,
    /// Windows per batch.
    #[config(default = 32)]
    pub batch_size: usize,
    /// Steps per window. A model with structure inputs trains on whole songs and
    /// infilling sequences, and this is the longest window (longer songs are cut).
    #[config(default = 400)]
    pub seq_len: usize,
    /// Maximum epochs.
    #[config(default = 40)]
    pub epochs: usize,
    /// Stop when the validation loss has not improved for this many epochs (0 = never).
    #[config(default = 4)]
    pub patience: usize,
    /// Fraction of songs held back for validation, split by song.
    #[config(default = 0.1)]
    pub valid_fraction: f64,
    /// Seed for initialisation, the split, shuffling and dropout.
    #[config(default = 42)]
    pub seed: u64,
    /// Infilling sequences per song and epoch (spans drawn anew each epoch), for a model
    /// with structure inputs; `None` or 0 trains left to right only.
    pub infill_per_song: Option<usize>,
    /// How the training songs repeat their phrases, counted when training starts (for a
    /// model with phrase inputs): generation draws plans for new phrases from it.
    pub phrase_prior: Option<PhrasePrior>,
    /// The training songs' form by meter and length (for a model with phrase inputs): the
    /// critic's reference when it chooses among candidate melodies.
    pub form: Option<FormTable>,
}

/// Dropout of the recommended model (the network's own default is lower).
pub const RECOMMENDED_DROPOUT: f64 = 0.35;

/// Infilling sequences per song and epoch of the recommended model.
pub const RECOMMENDED_INFILL_PER_SONG: usize = 1;

impl TrainingConfig {
    /// The recommended settings for a vocabulary of `vocab_size` symbols: a one-layer,
    /// 256-unit LSTM with one-hot input, dropout 0.35 and every structure input, trained
    /// with one infilling sequence per song and epoch, and this struct's defaults (Adam at
    /// 3e-3, weight decay 1e-5, batches of 32 windows of up to 400 steps, at most 40
    /// epochs, patience 4, 10 % validation, seed 42). The CLI and the Training tab start
    /// from these.
    pub fn recommended(vocab_size: usize) -> TrainingConfig {
        let model = MelodyLstmConfig::new(vocab_size)
            .with_dropout(RECOMMENDED_DROPOUT)
            .with_structure(Some(StructureInputs::default()));
        TrainingConfig::new(model).with_infill_per_song(Some(RECOMMENDED_INFILL_PER_SONG))
    }

    /// Rejects impossible settings with a message that names them.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Invalid(m));
        if self.batch_size == 0 || self.seq_len == 0 || self.epochs == 0 {
            return bad("batch size, sequence length and epochs must be at least 1".into());
        }
        if self.model.hidden_size == 0 || self.model.layers == 0 {
            return bad("hidden units and layers must be at least 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(format!(
                "learning rate must be positive, got {}",
                self.learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.model.dropout) {
            return bad(format!(
                "dropout must be in [0, 1), got {}",
                self.model.dropout
            ));
        }
        crate::model::shape::check_model_config(&self.model, &crate::limits::Limits::DEFAULT)
    }
}
