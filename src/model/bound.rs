//! A trained model bound to a device: what sampling and evaluation need, in one value.

use crate::corpus::encoding::Vocabulary;
use crate::corpus::form::FormTable;
use crate::corpus::phrases::PhrasePrior;
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
    /// How its training songs repeated their phrases (for plans of new phrases), when it
    /// reads phrase inputs.
    pub phrase_prior: Option<&'a PhrasePrior>,
    /// Its training songs' form (for the critic), when it reads phrase inputs.
    pub form: Option<&'a FormTable>,
}

impl<'a> ModelRef<'a> {
    /// A loaded model folder on `device`.
    pub fn new(artifact: &'a ModelArtifact, device: &'a Device) -> ModelRef<'a> {
        ModelRef {
            model: &artifact.model,
            config: &artifact.config.model,
            vocab: &artifact.vocab,
            device,
            phrase_prior: artifact.config.phrase_prior.as_ref(),
            form: artifact.config.form.as_ref(),
        }
    }

    /// The structure inputs the model reads, if any.
    pub fn structure(&self) -> Option<&'a StructureInputs> {
        self.config.structure.as_ref()
    }
}
