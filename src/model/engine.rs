//! Where and how training runs: the model folder to write, resume, the device, and the
//! engine that computes the gradients (the fused CPU layer or Burn's composed ops).

use crate::error::{Error, Result};
use crate::model::backend::{BackendChoice, ChosenDevice};
use crate::model::fused;
use std::path::PathBuf;

/// Where and how to train.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// The model folder to write (weights of the best epoch, config, vocab, card, checkpoints).
    pub out_dir: PathBuf,
    /// Continue from the folder's last checkpoint.
    pub resume: bool,
    /// The device.
    pub device: ChosenDevice,
    /// How the gradients are computed.
    pub engine: Engine,
    /// Threads of the fused engine; `None` for [`fused::default_threads`].
    pub threads: Option<usize>,
    /// Who is writing the folder, as a refused second writer is told ("lstmuse train").
    pub writer: String,
}

/// How training computes its gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Engine {
    /// The fused layer on the CPU ([`crate::model::fused`]); Burn's ops on a GPU.
    #[default]
    Auto,
    /// The fused layer; CPU only.
    Fused,
    /// Burn's composed ops and autodiff, on any device.
    Composed,
}

impl TrainOptions {
    /// Options for a folder and a backend choice.
    pub fn new(out_dir: impl Into<PathBuf>, backend: BackendChoice) -> Result<TrainOptions> {
        Ok(TrainOptions {
            out_dir: out_dir.into(),
            resume: false,
            device: crate::model::backend::choose(backend)?,
            engine: Engine::Auto,
            threads: None,
            writer: "LSTMuse training".into(),
        })
    }

    /// Threads of the fused path, or `None` when training runs on Burn's composed ops.
    pub fn fused_threads(&self) -> Result<Option<usize>> {
        let threads = self.threads.unwrap_or_else(fused::default_threads).max(1);
        match (self.engine, self.device.is_gpu) {
            (Engine::Composed, _) | (Engine::Auto, true) => Ok(None),
            (Engine::Auto | Engine::Fused, false) => Ok(Some(threads)),
            (Engine::Fused, true) => Err(Error::Invalid(format!(
                "the fused LSTM runs on the CPU only, not on {}",
                self.device.name
            ))),
        }
    }
}
