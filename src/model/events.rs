//! What training reports while it runs ([`TrainingEvent`]), each epoch's figures, and how a
//! run ended.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Loss and accuracy of one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss (nats per step).
    pub train_loss: f64,
    /// Training accuracy.
    pub train_accuracy: f64,
    /// Validation loss (nats per step); the training loss when there is no validation set.
    pub valid_loss: f64,
    /// Validation accuracy.
    pub valid_accuracy: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
}

/// What `train` reports while it runs.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainingEvent {
    /// Training begins (or resumes after `start_epoch - 1`).
    Started {
        /// Songs trained on.
        train_songs: usize,
        /// Songs validated on.
        valid_songs: usize,
        /// Batches per epoch.
        batches_per_epoch: usize,
        /// First epoch to run.
        start_epoch: usize,
        /// Last epoch.
        epochs: usize,
        /// The device.
        backend: String,
        /// The stale lock this run took over: the process that held the folder and died
        /// (killed or crashed) without releasing it.
        #[serde(skip_serializing_if = "Option::is_none")]
        took_over: Option<String>,
    },
    /// One batch done.
    Batch {
        /// Epoch.
        epoch: usize,
        /// 1-based batch index.
        batch: usize,
        /// Batches in the epoch.
        batches: usize,
        /// The batch's loss.
        loss: f64,
        /// Time steps per second so far in this epoch.
        steps_per_sec: f64,
        /// Seconds left for the whole run at this speed.
        eta_secs: f64,
    },
    /// One epoch done.
    Epoch {
        /// Its figures.
        stats: EpochStats,
        /// Whether it is the best so far (and was saved as the model).
        best: bool,
        /// Seconds left for the whole run.
        eta_secs: f64,
    },
    /// A checkpoint was written.
    Checkpoint {
        /// The epoch it holds.
        epoch: usize,
        /// Where.
        path: PathBuf,
    },
    /// Training ended. (A failure is not an event: `train` returns it.)
    Finished {
        /// The best epoch (the model folder holds its weights).
        best_epoch: usize,
        /// Its validation loss.
        best_valid_loss: f64,
        /// True when the stop flag ended it.
        stopped: bool,
    },
}

/// How a run ended.
#[derive(Clone, Debug)]
pub struct TrainingSummary {
    /// Every epoch run so far (including before a resume).
    pub history: Vec<EpochStats>,
    /// The kept epoch.
    pub best_epoch: usize,
    /// True when stopped by the flag.
    pub stopped: bool,
}
