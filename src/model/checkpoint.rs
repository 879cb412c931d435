//! Checkpoints: after every epoch, the weights and optimizer state in
//! `checkpoints/epoch-NNNN`, and `checkpoint.json`, the resume point that names it.

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::model::MelodyLstm;
use crate::model::artifact::{
    CHECKPOINT_FILE, CONFIG_FILE, OPTIMIZER_FILE, WEIGHTS_FILE, check_finite, weights_from_bytes,
    weights_to_bytes,
};
use crate::model::config::TrainingConfig;
use crate::model::events::EpochStats;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The resume point, saved as `checkpoint.json` after each epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CheckpointState {
    pub(crate) epoch: usize,
    pub(crate) dir: String,
    pub(crate) best_epoch: usize,
    pub(crate) best_valid_loss: f64,
    pub(crate) history: Vec<EpochStats>,
    pub(crate) training_seconds: f64,
}

impl Default for CheckpointState {
    /// Before the first epoch.
    fn default() -> Self {
        CheckpointState {
            epoch: 0,
            dir: String::new(),
            best_epoch: 0,
            best_valid_loss: f64::INFINITY,
            history: Vec::new(),
            training_seconds: 0.0,
        }
    }
}

/// The folder inside a model folder that holds its checkpoints.
const CHECKPOINTS_DIR: &str = "checkpoints";

/// Where the checkpoint of `epoch` lives, relative to the model folder: the only value
/// `checkpoint.json`'s `dir` may have.
fn checkpoint_dir_name(epoch: usize) -> String {
    format!("{CHECKPOINTS_DIR}/epoch-{epoch:04}")
}

/// True when `dir` names a checkpoint inside its model folder: `checkpoints/epoch-NNNN`,
/// four or more digits, nothing else (no `.`, `..`, separators or absolute paths).
fn is_checkpoint_dir_name(dir: &str) -> bool {
    dir.strip_prefix(CHECKPOINTS_DIR)
        .and_then(|rest| rest.strip_prefix("/epoch-"))
        .is_some_and(|digits| digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()))
}

impl CheckpointState {
    /// Checks a state read from `path` before anything is read or removed on its word:
    /// `dir` is this epoch's checkpoint inside the model folder, and the epoch counters
    /// agree with each other and with the history.
    fn check(&self, path: &Path) -> Result<()> {
        let bad = |m: String| Err(Error::parse(None, m).in_file(path));
        let expected = checkpoint_dir_name(self.epoch);
        if self.dir != expected || !is_checkpoint_dir_name(&self.dir) {
            return bad(format!(
                "dir must be {expected:?} (a checkpoint inside this model folder), got {:?}",
                self.dir
            ));
        }
        let epochs_in_order = self.history.iter().zip(1..).all(|(h, e)| h.epoch == e);
        if self.epoch == 0 || self.history.len() != self.epoch || !epochs_in_order {
            return bad(format!(
                "epoch {} does not match the history of {} epochs",
                self.epoch,
                self.history.len()
            ));
        }
        if self.best_epoch == 0 || self.best_epoch > self.epoch {
            return bad(format!(
                "best_epoch {} is not one of the epochs 1..={}",
                self.best_epoch, self.epoch
            ));
        }
        if !self.best_valid_loss.is_finite() || !self.training_seconds.is_finite() {
            return bad("best_valid_loss and training_seconds must be finite numbers".into());
        }
        Ok(())
    }
}

/// Removes every checkpoint of `out` but `keep`: the `epoch-NNNN` folders found in
/// `out/checkpoints` (never a path read from a file), and only when `checkpoints` is a
/// real folder of `out`, not a link into another one. Checkpoints left behind by a run
/// killed before it could remove them go too. A checkpoint that cannot be removed only
/// costs disk space, so that is not an error.
fn remove_old_checkpoints(out: &Path, keep: &str) {
    let parent = out.join(CHECKPOINTS_DIR);
    let is_own_folder = std::fs::symlink_metadata(&parent).is_ok_and(|m| m.is_dir());
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return;
    };
    for entry in entries.flatten().filter(|_| is_own_folder) {
        let name = format!("{CHECKPOINTS_DIR}/{}", entry.file_name().to_string_lossy());
        if name != keep && is_checkpoint_dir_name(&name) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes `checkpoints/epoch-N/{model,optimizer}.bpk`, then points `checkpoint.json` at it
/// (atomically), then removes older checkpoints. A crash at any point leaves the previous
/// checkpoint loadable; a failed write (a full disk) removes what it wrote of the new one.
pub(crate) fn save_checkpoint(
    model: &MelodyLstm,
    optim: &ModuleOptimizer,
    state: &mut CheckpointState,
    out: &Path,
) -> Result<PathBuf> {
    let name = checkpoint_dir_name(state.epoch);
    let dir = out.join(&name);
    let written = write_checkpoint_files(model, optim, &dir);
    if let Err(e) = written {
        // Only this epoch's own folder, and never the one checkpoint.json names.
        if name != state.dir && is_checkpoint_dir_name(&name) {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return Err(e);
    }
    state.dir = name;
    let json = serde_json::to_string_pretty(state).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(&out.join(CHECKPOINT_FILE), json.as_bytes())?;
    remove_old_checkpoints(out, &state.dir);
    Ok(dir)
}

/// Writes the weights and optimizer state of a checkpoint into `dir`.
fn write_checkpoint_files(model: &MelodyLstm, optim: &ModuleOptimizer, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_atomic(&dir.join(WEIGHTS_FILE), &weights_to_bytes(model)?)?;
    let optim_bytes = optim
        .to_record()
        .into_bytes()
        .map_err(|e| Error::Internal(format!("cannot serialise the optimizer state: {e}")))?;
    write_atomic(&dir.join(OPTIMIZER_FILE), &optim_bytes)
}

/// Reads the resume point of `out` and the model and optimizer state it names, checking
/// each before it is trusted.
pub(crate) fn load_checkpoint(
    config: &TrainingConfig,
    out: &Path,
    device: &Device,
) -> Result<(MelodyLstm, OptimizerRecord, CheckpointState)> {
    let path = out.join(CHECKPOINT_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let state: CheckpointState = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
        path: path.clone(),
        message: e.to_string(),
    })?;
    state.check(&path)?;
    if state.epoch > config.epochs {
        return Err(Error::Invalid(format!(
            "cannot resume: {} is at epoch {}, past the {} epochs asked for (ask for more)",
            path.display(),
            state.epoch,
            config.epochs
        )));
    }
    let saved_config = out.join(CONFIG_FILE);
    if let Ok(b) = std::fs::read(&saved_config)
        && let Ok(saved) = serde_json::from_slice::<TrainingConfig>(&b)
        && saved.model != config.model
    {
        return Err(Error::Invalid(format!(
            "cannot resume: {} describes a different model",
            saved_config.display()
        )));
    }
    let dir = out.join(&state.dir);
    let weights = dir.join(WEIGHTS_FILE);
    let wbytes = std::fs::read(&weights).map_err(|e| Error::io(&weights, e))?;
    let model = weights_from_bytes(config, wbytes, &weights, device)?;
    check_finite(&model, &weights)?;
    let opath = dir.join(OPTIMIZER_FILE);
    let obytes = std::fs::read(&opath).map_err(|e| Error::io(&opath, e))?;
    let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(obytes))
        .map_err(|e| Error::parse(None, format!("corrupt optimizer state: {e}")).in_file(&opath))?;
    Ok((model, record, state))
}
