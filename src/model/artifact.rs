//! The model folder: `config.json`, `vocab.json`, `model.bpk` (weights) and `card.json`,
//! each written atomically; loading names the file that is missing or corrupt.

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
        .init(device)
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

    /// Writes the folder: weights first, then config, vocabulary and card; each file
    /// atomically.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        write_atomic(&dir.join(WEIGHTS_FILE), &weights_to_bytes(&self.model)?)?;
        let config = serde_json::to_string_pretty(&self.config)
            .map_err(|e| json_error(&dir.join(CONFIG_FILE), e))?;
        write_atomic(&dir.join(CONFIG_FILE), config.as_bytes())?;
        self.vocab.save(&dir.join(VOCAB_FILE))?;
        save_card(&self.card, dir)
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
        let weights_path = dir.join(WEIGHTS_FILE);
        let model = weights_from_bytes(&config, read(&weights_path)?, &weights_path, device)?;
        let card_path = dir.join(CARD_FILE);
        let card = match std::fs::read(&card_path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| json_error(&card_path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ModelCard::default(),
            Err(e) => return Err(Error::io(&card_path, e)),
        };
        Ok(ModelArtifact {
            config,
            vocab,
            model: model.valid(),
            card,
            dir: Some(dir.to_path_buf()),
        })
    }
}

/// Writes `card.json` atomically.
pub fn save_card(card: &ModelCard, dir: &Path) -> Result<()> {
    let path = dir.join(CARD_FILE);
    let text = serde_json::to_string_pretty(card).map_err(|e| json_error(&path, e))?;
    write_atomic(&path, text.as_bytes())
}

/// The current time as RFC 3339 UTC (seconds precision), without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Adds (or replaces, by corpus name) a held-out score in a model folder's `card.json`.
pub fn record_held_out(dir: &Path, score: HeldOutScore) -> Result<()> {
    let path = dir.join(CARD_FILE);
    let mut card: ModelCard = match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| json_error(&path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ModelCard::default(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    card.held_out.retain(|s| s.corpus != score.corpus);
    card.held_out.push(score);
    save_card(&card, dir)
}
