//! A trained model bound to a device: what sampling and evaluation need, in one value.

use crate::corpus::encoding::Vocabulary;
use crate::corpus::structure::StructureInputs;
use crate::model::artifact::ModelArtifact;
use crate::model::{MelodyLstm, MelodyLstmConfig};
use burn::tensor::Device;

/// The network, its shape, its vocabulary and the device it runs on.
#[derive(Clone, Copy, Debug)]
pub struct ModelRef<'a> {
    /// The network (in inference mode).
    pub model: &'a MelodyLstm,
    /// Its shape and inputs.
    pub config: &'a MelodyLstmConfig,
    /// Its symbols.
    pub vocab: &'a Vocabulary,
    /// Where it runs.
    pub device: &'a Device,
}

impl<'a> ModelRef<'a> {
    /// A loaded model folder on `device`.
    pub fn new(artifact: &'a ModelArtifact, device: &'a Device) -> ModelRef<'a> {
        ModelRef {
            model: &artifact.model,
            config: &artifact.config.model,
            vocab: &artifact.vocab,
            device,
        }
    }

    /// The structure inputs the model reads, if any.
    pub fn structure(&self) -> Option<&'a StructureInputs> {
        self.config.structure.as_ref()
    }
}
