//! The model folder: `config.json`, `vocab.json`, `model.bpk` (weights) and `card.json`,
//! each written atomically; loading names the file that is missing or corrupt, checks the
//! weights against the SHA-256 the card records, and refuses weights that are not finite.

use crate::corpus::encoding::Vocabulary;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::limits::Limits;
use crate::model::MelodyLstm;
use crate::model::TrainingConfig;
use crate::model::shape::check_model_config;
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The training configuration (and the network's shape) inside a model folder.
pub const CONFIG_FILE: &str = "config.json";
/// The vocabulary.
pub use crate::corpus::encoding::VOCAB_FILE;
/// The weights (Burn's burnpack format, full precision); also inside each checkpoint.
pub const WEIGHTS_FILE: &str = "model.bpk";
/// The model card.
pub const CARD_FILE: &str = "card.json";
/// The optimizer state inside each checkpoint.
pub const OPTIMIZER_FILE: &str = "optimizer.bpk";
/// The resume point: which checkpoint is the last one, and the run so far.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

/// What a model is and how it was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelCard {
    /// A short name.
    pub name: String,
    /// The corpus it was trained on.
    pub corpus: String,
    /// Songs trained on.
    pub train_songs: usize,
    /// Songs held back for validation.
    pub valid_songs: usize,
    /// Epochs run when these weights were saved.
    pub epochs: usize,
    /// The kept epoch (lowest validation loss).
    pub best_epoch: usize,
    /// Training loss (nats per step) at the kept epoch.
    pub train_loss: f64,
    /// Validation loss (nats per step) at the kept epoch.
    pub valid_loss: f64,
    /// Validation accuracy at the kept epoch.
    pub valid_accuracy: f64,
    /// Seconds of training.
    pub training_seconds: f64,
    /// The backend it was trained on.
    pub backend: String,
    /// When it was written (UTC, RFC 3339).
    pub date: String,
    /// The LSTMuse version that wrote it.
    pub lstmuse_version: String,
    /// The SHA-256 of `model.bpk` (lowercase hex), checked on every load; absent in cards
    /// written before LSTMuse recorded it (their weights load unverified, with a note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_sha256: Option<String>,
    /// Only while a save replaces the weights: the SHA-256 of the weights being replaced,
    /// also accepted, so a crash between writing the card and the weights leaves a folder
    /// that loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_weights_sha256: Option<String>,
    /// Scores on held-out corpora, when measured.
    pub held_out: Vec<HeldOutScore>,
    /// Free notes: how it was trained.
    pub notes: String,
}

/// A model's score on a corpus it did not train on (see `lstmuse eval`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeldOutScore {
    /// The corpus.
    pub corpus: String,
    /// Songs scored.
    pub songs: usize,
    /// Nats per 16th-note step, over targets inside songs.
    pub nll_per_step: f64,
    /// Bits per note onset.
    pub bits_per_note: f64,
    /// Next-step accuracy inside songs.
    pub accuracy: f64,
    /// Bits of each note's pitch given that a note starts there (absent in older cards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch_bits_per_note: Option<f64>,
}

/// A loaded model folder.
#[derive(Clone, Debug)]
pub struct ModelArtifact {
    /// How it was configured and trained.
    pub config: TrainingConfig,
    /// Its symbols.
    pub vocab: Vocabulary,
    /// The network, in inference mode.
    pub model: MelodyLstm,
    /// The card.
    pub card: ModelCard,
    /// The folder it came from, if any.
    pub dir: Option<PathBuf>,
}

fn json_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Serialises a module's weights to bytes.
pub fn weights_to_bytes(model: &MelodyLstm) -> Result<Vec<u8>> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::Internal(format!("cannot serialise the weights: {e}")))?;
    Ok(bytes.to_vec())
}

/// Loads weights from bytes into a model built from `config`; `path` names the file in errors.
pub fn weights_from_bytes(
    config: &TrainingConfig,
    bytes: Vec<u8>,
    path: &Path,
    device: &Device,
) -> Result<MelodyLstm> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| Error::parse(None, format!("corrupt weights: {e}")).in_file(path))?;
    config
        .model
        .init_for_load(device)
        .try_load_record(record)
        .map_err(|e| {
            Error::parse(
                None,
                format!("weights do not fit the model in {CONFIG_FILE}: {e}"),
            )
            .in_file(path)
        })
}

impl ModelArtifact {
    /// Whether `dir` looks like a model folder (it has a `config.json`); [`load`] says
    /// what else is missing or corrupt.
    ///
    /// [`load`]: ModelArtifact::load
    pub fn is_model_folder(dir: &Path) -> bool {
        dir.join(CONFIG_FILE).is_file()
    }

    /// Whether `dir` holds every file a model needs (config, vocabulary and weights); a
    /// folder in the middle of its first save does not.
    pub fn is_complete_folder(dir: &Path) -> bool {
        [CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE]
            .iter()
            .all(|f| dir.join(f).is_file())
    }

    /// Writes the folder, each file atomically: when it replaces weights, first a card that
    /// accepts both the old and the new weights' SHA-256, then the weights, config and
    /// vocabulary, then the card with the new checksum alone. A crash at any point leaves
    /// a folder whose weights match its card.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let weights = weights_to_bytes(&self.model)?;
        let new = crate::sha256::hex_digest(&weights);
        let path = dir.join(WEIGHTS_FILE);
        let previous = std::fs::read(&path)
            .ok()
            .map(|old| crate::sha256::hex_digest(&old))
            .filter(|old| *old != new);
        let card = ModelCard {
            weights_sha256: Some(new),
            previous_weights_sha256: None,
            ..self.card.clone()
        };
        if previous.is_some() {
            let both = ModelCard {
                previous_weights_sha256: previous,
                ..card.clone()
            };
            save_card(&both, dir)?;
        }
        write_atomic(&path, &weights)?;
        let config = serde_json::to_string_pretty(&self.config)
            .map_err(|e| json_error(&dir.join(CONFIG_FILE), e))?;
        write_atomic(&dir.join(CONFIG_FILE), config.as_bytes())?;
        self.vocab.save(&dir.join(VOCAB_FILE))?;
        save_card(&card, dir)
    }

    /// A note for a folder whose card records no checksum of its weights (it was saved
    /// before LSTMuse recorded one): they loaded as finite numbers, but unverified.
    pub fn unverified_note(&self) -> Option<String> {
        if self.card.weights_sha256.is_some() {
            return None;
        }
        let dir = self.dir.as_deref().unwrap_or(Path::new("."));
        Some(format!(
            "{} records no checksum of its weights (saved by an older LSTMuse), so {WEIGHTS_FILE} \
             could not be verified; saving the folder again (e.g. `lstmuse train --resume`) adds one",
            dir.join(CARD_FILE).display()
        ))
    }

    /// Reads a model folder onto `device`, in inference mode.
    pub fn load(dir: &Path, device: &Device) -> Result<ModelArtifact> {
        if !dir.is_dir() {
            return Err(Error::Invalid(format!(
                "model folder not found: {}",
                dir.display()
            )));
        }
        let config_path = dir.join(CONFIG_FILE);
        let config: TrainingConfig = serde_json::from_slice(&read(&config_path)?)
            .map_err(|e| json_error(&config_path, e))?;
        // Before anything is allocated: the shape decides how much memory the weights take.
        check_model_config(&config.model, &Limits::DEFAULT).map_err(|e| e.in_file(&config_path))?;
        let vocab = Vocabulary::load(&dir.join(VOCAB_FILE))?;
        if vocab.len() != config.model.vocab_size {
            return Err(Error::parse(
                None,
                format!(
                    "model.vocab_size is {} but {VOCAB_FILE} has {} symbols",
                    config.model.vocab_size,
                    vocab.len(),
                ),
            )
            .in_file(&config_path));
        }
        let card = read_card(dir)?;
        let weights_path = dir.join(WEIGHTS_FILE);
        let bytes = read(&weights_path)?;
        verify_checksum(&bytes, &card, &weights_path)?;
        let model = weights_from_bytes(&config, bytes, &weights_path, device)?;
        check_finite(&model, &weights_path)?;
        Ok(ModelArtifact {
            config,
            vocab,
            model: model.valid(),
            card,
            dir: Some(dir.to_path_buf()),
        })
    }
}

/// Reads `card.json` (a default card when there is none).
fn read_card(dir: &Path) -> Result<ModelCard> {
    let path = dir.join(CARD_FILE);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| json_error(&path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ModelCard::default()),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// An error when the card records a SHA-256 of the weights and `bytes` do not have it.
fn verify_checksum(bytes: &[u8], card: &ModelCard, path: &Path) -> Result<()> {
    let Some(recorded) = &card.weights_sha256 else {
        return Ok(());
    };
    let actual = crate::sha256::hex_digest(bytes);
    let accepted = std::iter::once(recorded).chain(&card.previous_weights_sha256);
    if accepted
        .into_iter()
        .any(|r| actual.eq_ignore_ascii_case(r.trim()))
    {
        return Ok(());
    }
    Err(Error::parse(
        None,
        format!(
            "the weights are damaged or were changed: their SHA-256 is {actual}, but \
             {CARD_FILE} records {recorded}"
        ),
    )
    .in_file(path))
}

/// An error naming the first tensor of `model` that holds a NaN or an infinity.
pub(crate) fn check_finite(model: &MelodyLstm, path: &Path) -> Result<()> {
    let Some(what) = crate::model::HostLstm::new(model)?.first_non_finite() else {
        return Ok(());
    };
    Err(Error::parse(
        None,
        format!("the weights are damaged: {what} contains values that are not finite numbers (NaN or infinity)"),
    )
    .in_file(path))
}

/// Writes `card.json` atomically.
pub fn save_card(card: &ModelCard, dir: &Path) -> Result<()> {
    let path = dir.join(CARD_FILE);
    let text = serde_json::to_string_pretty(card).map_err(|e| json_error(&path, e))?;
    write_atomic(&path, text.as_bytes())
}

/// Adds (or replaces, by corpus name) a held-out score in a model folder's `card.json`,
/// holding the folder's writer lock.
pub fn record_held_out(dir: &Path, score: HeldOutScore) -> Result<()> {
    let _writer = crate::folder_lock::FolderLock::acquire(dir, "lstmuse eval --record")?;
    let mut card = read_card(dir)?;
    card.held_out.retain(|s| s.corpus != score.corpus);
    card.held_out.push(score);
    save_card(&card, dir)
}
