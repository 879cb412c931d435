//! Training: `TrainingConfig`, and one `train` function with events, a stop flag,
//! per-epoch checkpoints and resume, shared by the app and the CLI.

use crate::corpus::data::{
    Batch, SequenceOptions, SongIds, Window, batch, sequences, shuffle, windows,
};
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::folder::EncodedSong;
use crate::corpus::structure::{SongStructure, StructureInputs};
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::model::artifact::{
    CHECKPOINT_FILE, CONFIG_FILE, ModelArtifact, ModelCard, OPTIMIZER_FILE, WEIGHTS_FILE,
    now_rfc3339, weights_from_bytes, weights_to_bytes,
};
use crate::model::backend::{BackendChoice, ChosenDevice};
use crate::model::fused::{self, FusedOptions};
use crate::model::{MelodyLstm, MelodyLstmConfig};
use burn::config::Config;
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Bytes, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

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
        crate::model::artifact::check_model_config(&self.model, &crate::limits::Limits::DEFAULT)
    }
}

/// The songs to train on.
#[derive(Clone, Debug)]
pub struct TrainingData {
    /// The vocabulary (its size sets the model's).
    pub vocab: Vocabulary,
    /// All songs as ids; the validation split is taken from these.
    pub songs: SongIds,
    /// A name for the card, e.g. the corpus folder.
    pub corpus: String,
}

impl TrainingData {
    /// From encoded songs without their meters (every meter unknown); the vocabulary is
    /// built from them.
    pub fn from_songs(songs: &[Vec<Symbol>], corpus: impl Into<String>) -> TrainingData {
        let with_structure: Vec<(&[Symbol], SongStructure)> = songs
            .iter()
            .map(|s| (s.as_slice(), SongStructure::default()))
            .collect();
        TrainingData::build(&with_structure, corpus.into())
    }

    /// From a corpus's encoded songs with their meters and pickups.
    pub fn from_encoded(songs: &[EncodedSong], corpus: impl Into<String>) -> TrainingData {
        let with_structure: Vec<(&[Symbol], SongStructure)> = songs
            .iter()
            .map(|s| (s.symbols.as_slice(), s.structure))
            .collect();
        TrainingData::build(&with_structure, corpus.into())
    }

    fn build(songs: &[(&[Symbol], SongStructure)], corpus: String) -> TrainingData {
        let vocab = Vocabulary::from_songs(songs.iter().map(|(s, _)| *s));
        let (ids, _) = SongIds::from_symbols(songs.iter().copied(), &vocab);
        TrainingData {
            vocab,
            songs: ids,
            corpus,
        }
    }
}

/// The windows of one epoch: fixed windows of `seq_len` for a symbols-only model; whole
/// songs plus infilling sequences (spans drawn with `seed`) for one with structure inputs.
fn epoch_windows(
    config: &TrainingConfig,
    songs: &SongIds,
    vocab: &Vocabulary,
    seed: u64,
) -> Vec<Window> {
    let delimiter = vocab.id(Symbol::Delimiter).unwrap_or(0);
    if config.model.structure.is_none() {
        return windows(songs, config.seq_len, delimiter);
    }
    let options = SequenceOptions {
        max_len: config.seq_len,
        infill_per_song: config.infill_per_song.unwrap_or(0),
        seed,
    };
    sequences(songs, vocab, delimiter, &options)
}

/// Batches of window indices for one epoch: shuffled; windows of different lengths are
/// grouped by length inside blocks of 32 batches, so padding stays small.
fn epoch_batches(ws: &[Window], batch_size: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ws.len()).collect();
    shuffle(&mut order, seed);
    let uniform = ws.windows(2).all(|p| p[0].len() == p[1].len());
    if !uniform {
        for block in order.chunks_mut(batch_size * 32) {
            block.sort_by_key(|&i| ws[i].len());
        }
    }
    let mut batches: Vec<Vec<usize>> = order.chunks(batch_size).map(<[usize]>::to_vec).collect();
    if !uniform {
        shuffle(&mut batches, seed.rotate_left(17));
    }
    batches
}

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

/// The resume point, saved as `checkpoint.json` after each epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CheckpointState {
    epoch: usize,
    dir: String,
    best_epoch: usize,
    best_valid_loss: f64,
    history: Vec<EpochStats>,
    training_seconds: f64,
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

/// Trains a model on `data`, writing the best epoch's model folder to `options.out_dir`
/// and a checkpoint after every epoch. `on_event` hears about every batch and epoch;
/// setting `stop` ends training after the current batch (the saved best model stays).
/// A NaN or infinite loss ends training with an error and never saves that model.
/// An error is returned, not reported as an event, so the caller handles it once.
pub fn train(
    config: &TrainingConfig,
    data: &TrainingData,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(&TrainingEvent),
    stop: &AtomicBool,
) -> Result<TrainingSummary> {
    let (mut run, mut model) = Run::start(config, data, options)?;
    on_event(&run.started_event());
    let mut stopped = false;
    for epoch in run.state.epoch + 1..=config.epochs {
        if run.patience_is_over(epoch) {
            break;
        }
        let started = Instant::now();
        let (trained, figures) = run.train_epoch(model, (epoch, started), on_event, stop)?;
        model = trained;
        let Some(figures) = figures else {
            stopped = true;
            break;
        };
        run.end_epoch(&model, (epoch, started), figures, on_event)?;
    }
    on_event(&TrainingEvent::Finished {
        best_epoch: run.state.best_epoch,
        best_valid_loss: run.state.best_valid_loss,
        stopped,
    });
    Ok(TrainingSummary {
        history: run.state.history,
        best_epoch: run.state.best_epoch,
        stopped,
    })
}

/// One training run: its data, optimizer and resume point (the model travels beside it,
/// by value, as the optimizer takes and returns it).
struct Run<'a> {
    config: &'a TrainingConfig,
    data: &'a TrainingData,
    out: &'a Path,
    train_songs: SongIds,
    train_windows: Vec<Window>,
    valid_windows: Vec<Window>,
    batches_per_epoch: usize,
    /// The device for validation (no autodiff).
    device: Device,
    /// The device for training (autodiff).
    train_device: Device,
    optim: ModuleOptimizer,
    /// Threads of the fused CPU path; `None` trains with Burn's autodiff.
    fused_threads: Option<usize>,
    state: CheckpointState,
    info: RunInfo,
    seconds_per_epoch: Option<f64>,
}

impl<'a> Run<'a> {
    /// Checks the settings, splits the songs, and builds (or resumes) the model.
    fn start(
        config: &'a TrainingConfig,
        data: &'a TrainingData,
        options: &'a TrainOptions,
    ) -> Result<(Run<'a>, MelodyLstm)> {
        config.validate()?;
        if config.model.vocab_size != data.vocab.len() {
            return Err(Error::Invalid(format!(
                "the model expects {} symbols but the data has {}",
                config.model.vocab_size,
                data.vocab.len()
            )));
        }
        if data.songs.songs.is_empty() {
            return Err(Error::Invalid("no songs to train on".into()));
        }
        let out = options.out_dir.as_path();
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let (train_songs, valid_songs) = data.songs.split(config.valid_fraction, config.seed)?;
        let train_windows = epoch_windows(config, &train_songs, &data.vocab, config.seed);
        let valid_windows = epoch_windows(config, &valid_songs, &data.vocab, config.seed ^ 0xA11D);
        let device = options.device.device.clone();
        let train_device = device.clone().autodiff();
        train_device.seed(config.seed);
        let mut model = config.model.init(&train_device);
        touch(&model, &config.model, &train_device);
        // Start from the weights exactly as a checkpoint stores them, so a fresh run and a
        // resumed one compute with identical parameter tensors (resume is bit for bit).
        let initial = weights_to_bytes(&model)?;
        model = weights_from_bytes(config, initial, Path::new("initial weights"), &train_device)?;
        let mut optim = optimizer(config);
        let mut state = CheckpointState::default();
        if options.resume {
            let (m, o, s) = load_checkpoint(config, out, &train_device)?;
            model = m;
            optim = optim.load_record(o);
            state = s;
        }
        let info = RunInfo {
            backend: options.device.name.clone(),
            train_songs: train_songs.songs.len(),
            valid_songs: valid_songs.songs.len(),
        };
        let fused_threads = options.fused_threads()?;
        let run = Run {
            fused_threads,
            config,
            data,
            out,
            batches_per_epoch: train_windows.len().div_ceil(config.batch_size),
            train_songs,
            train_windows,
            valid_windows,
            device,
            train_device,
            optim,
            state,
            info,
            seconds_per_epoch: None,
        };
        Ok((run, model))
    }

    fn started_event(&self) -> TrainingEvent {
        TrainingEvent::Started {
            train_songs: self.info.train_songs,
            valid_songs: self.info.valid_songs,
            batches_per_epoch: self.batches_per_epoch,
            start_epoch: self.state.epoch + 1,
            epochs: self.config.epochs,
            backend: self.info.backend.clone(),
        }
    }

    /// True when the validation loss has not improved for `patience` epochs.
    fn patience_is_over(&self, epoch: usize) -> bool {
        let p = self.config.patience;
        p > 0 && self.state.best_epoch > 0 && epoch - 1 - self.state.best_epoch >= p
    }

    /// Trains one epoch: `(loss, accuracy)`, or `None` when the stop flag ended it.
    fn train_epoch(
        &mut self,
        mut model: MelodyLstm,
        (epoch, started): (usize, Instant),
        on_event: &mut dyn FnMut(&TrainingEvent),
        stop: &AtomicBool,
    ) -> Result<(MelodyLstm, Option<(f64, f64)>)> {
        let config = self.config;
        self.train_device
            .seed(config.seed.wrapping_add(epoch as u64 * 7919));
        let epoch_seed = config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9);
        if epoch > 1 && config.infill_per_song.unwrap_or(0) > 0 {
            // Fresh infilling spans every epoch.
            self.train_windows =
                epoch_windows(config, &self.train_songs, &self.data.vocab, epoch_seed);
        }
        let (mut loss_sum, mut correct, mut count) = (0.0f64, 0usize, 0usize);
        let batches = epoch_batches(&self.train_windows, config.batch_size, epoch_seed);
        for (b, chunk) in batches.iter().enumerate() {
            let (trained, value, right, targets) = self.train_batch(model, (epoch, b), chunk)?;
            model = trained;
            loss_sum += value * targets as f64;
            correct += right;
            count += targets;
            on_event(&self.batch_event((epoch, started), b, value, count));
            if stop.load(Ordering::Relaxed) {
                return Ok((model, None));
            }
        }
        let figures = (
            loss_sum / count.max(1) as f64,
            correct as f64 / count.max(1) as f64,
        );
        Ok((model, Some(figures)))
    }

    /// One optimizer step on the windows `chunk` (batch `b` of `epoch`): the model, the
    /// loss, the targets predicted right, and the number of targets.
    fn train_batch(
        &mut self,
        model: MelodyLstm,
        (epoch, b): (usize, usize),
        chunk: &[usize],
    ) -> Result<(MelodyLstm, f64, usize, usize)> {
        let ws: Vec<&Window> = chunk.iter().map(|&i| &self.train_windows[i]).collect();
        if let Some(threads) = self.fused_threads {
            let options = FusedOptions {
                structure: self.config.model.structure.as_ref(),
                dropout: self.config.model.dropout,
                seed: batch_seed(self.config.seed, epoch, b),
                threads,
            };
            let step = fused::gradients(&model, &ws, &options, &self.device)?;
            self.check_loss(step.loss, (epoch, b))?;
            let model = self
                .optim
                .step(self.config.learning_rate, model, step.grads);
            return Ok((model, step.loss, step.right, step.targets));
        }
        let bt = batch(
            &ws,
            self.config.model.structure.as_ref(),
            &self.train_device,
        );
        let (loss, right) = masked_loss(&model, &bt)?;
        let value = f64::from(
            loss.clone()
                .try_into_scalar::<f32>()
                .map_err(|e| read_error("the loss", e))?,
        );
        self.check_loss(value, (epoch, b))?;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let model = self.optim.step(self.config.learning_rate, model, grads);
        Ok((model, value, right, bt.targets_count))
    }

    /// An error when batch `b`'s loss is not a finite number.
    fn check_loss(&self, value: f64, (epoch, b): (usize, usize)) -> Result<()> {
        if value.is_finite() {
            return Ok(());
        }
        Err(Error::Invalid(format!(
            "the loss became {value} at epoch {epoch}, batch {}: lower the learning rate; \
             the last good model is kept in {}",
            b + 1,
            self.out.display()
        )))
    }

    /// The progress event after batch `b`; `count` targets so far this epoch.
    fn batch_event(
        &self,
        (epoch, started): (usize, Instant),
        b: usize,
        loss: f64,
        count: usize,
    ) -> TrainingEvent {
        let per_epoch = self.batches_per_epoch;
        let elapsed = started.elapsed().as_secs_f64();
        let per_batch = elapsed / (b + 1) as f64;
        let remaining = (per_epoch - b - 1) + (self.config.epochs - epoch) * per_epoch;
        TrainingEvent::Batch {
            epoch,
            batch: b + 1,
            batches: per_epoch,
            loss,
            // Time steps trained on so far (real targets, padding left out).
            steps_per_sec: count as f64 / elapsed.max(1e-9),
            eta_secs: self
                .seconds_per_epoch
                .map_or(per_batch * remaining as f64, |s| {
                    s * (remaining as f64 / per_epoch.max(1) as f64)
                }),
        }
    }

    /// Validates, keeps the model when it is the best so far, and writes the checkpoint.
    fn end_epoch(
        &mut self,
        model: &MelodyLstm,
        (epoch, started): (usize, Instant),
        (train_loss, train_accuracy): (f64, f64),
        on_event: &mut dyn FnMut(&TrainingEvent),
    ) -> Result<()> {
        let (valid_loss, valid_accuracy) = if self.valid_windows.is_empty() {
            (train_loss, train_accuracy)
        } else if let Some(threads) = self.fused_threads {
            let options = FusedOptions {
                structure: self.config.model.structure.as_ref(),
                dropout: 0.0,
                seed: 0,
                threads,
            };
            evaluate_windows_fused(model, &self.valid_windows, self.config.batch_size, &options)?
        } else {
            evaluate_windows(
                &model.valid(),
                &self.valid_windows,
                self.config.batch_size,
                self.config.model.structure.as_ref(),
                &self.device,
            )?
        };
        if !valid_loss.is_finite() {
            return Err(Error::Invalid(format!(
                "the validation loss became {valid_loss} at epoch {epoch}"
            )));
        }
        let seconds = started.elapsed().as_secs_f64();
        self.seconds_per_epoch = Some(seconds);
        let stats = EpochStats {
            epoch,
            train_loss,
            train_accuracy,
            valid_loss,
            valid_accuracy,
            seconds,
        };
        self.state.history.push(stats.clone());
        self.state.epoch = epoch;
        self.state.training_seconds += seconds;
        let best = valid_loss < self.state.best_valid_loss;
        if best {
            self.state.best_valid_loss = valid_loss;
            self.state.best_epoch = epoch;
            self.save_model(model, &stats)?;
        }
        on_event(&TrainingEvent::Epoch {
            stats,
            best,
            eta_secs: seconds * (self.config.epochs - epoch) as f64,
        });
        let path = save_checkpoint(model, &self.optim, &mut self.state, self.out)?;
        on_event(&TrainingEvent::Checkpoint { epoch, path });
        Ok(())
    }

    /// Saves the model folder (weights, config, vocabulary, card) for the epoch in `stats`.
    fn save_model(&self, model: &MelodyLstm, stats: &EpochStats) -> Result<()> {
        let card = ModelCard {
            name: self
                .out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            corpus: self.data.corpus.clone(),
            train_songs: self.info.train_songs,
            valid_songs: self.info.valid_songs,
            epochs: self.state.epoch,
            best_epoch: self.state.best_epoch,
            train_loss: stats.train_loss,
            valid_loss: stats.valid_loss,
            valid_accuracy: stats.valid_accuracy,
            training_seconds: self.state.training_seconds,
            backend: self.info.backend.clone(),
            date: now_rfc3339(),
            lstmuse_version: env!("CARGO_PKG_VERSION").to_owned(),
            held_out: Vec::new(),
            notes: String::new(),
        };
        ModelArtifact {
            config: self.config.clone(),
            vocab: self.data.vocab.clone(),
            model: model.valid(),
            card,
            dir: None,
        }
        .save(self.out)
    }
}

/// Forces lazy parameters to initialise now, so the seed decides them. The backward pass
/// consumes the autodiff graph the forward pass built; left alone, that graph was never
/// freed (about 30 KB a training start).
fn touch(model: &MelodyLstm, config: &MelodyLstmConfig, device: &Device) {
    let t = Tensor::<2, Int>::from_data(TensorData::new(vec![0i64], [1, 1]), device);
    let width = config.structure_width();
    let f = (width > 0).then(|| Tensor::<3>::zeros([1, 1, width], device));
    let _ = model.forward(t, f).sum().backward();
}

/// The optimizer a run uses: Adam with the config's weight decay and gradient clipping.
pub fn optimizer(config: &TrainingConfig) -> ModuleOptimizer {
    let mut adam = AdamConfig::new();
    if config.weight_decay > 0.0 {
        adam = adam.with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)));
    }
    if config.grad_clip_norm > 0.0 {
        adam = adam.with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(
            config.grad_clip_norm as f32,
        )));
    }
    adam.init()
}

/// A tensor that could not be read back from the device.
fn read_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("cannot read {what} back from the device: {e}"))
}

/// Mean cross-entropy over the masked targets `[1]`, and the number predicted right; an
/// error when the predictions cannot be read back from the device.
pub fn masked_loss(model: &MelodyLstm, b: &Batch) -> Result<(Tensor<1>, usize)> {
    let logits = model.forward(b.inputs.clone(), b.features.clone());
    let [n, len, vocab] = logits.dims();
    let logp = log_softmax(logits.reshape([n * len, vocab]), 1);
    let targets = b.targets.clone().reshape([n * len, 1]);
    let picked = logp.clone().gather(1, targets.clone()).reshape([n * len]);
    let mask = b.mask.clone().reshape([n * len]);
    let loss = (picked * mask.clone())
        .sum()
        .neg()
        .div_scalar(b.targets_count.max(1) as f32);
    let predicted: Vec<i64> = logp
        .argmax(1)
        .reshape([n * len])
        .try_into_vec_as::<i64>()
        .map_err(|e| read_error("the predictions", e))?;
    let wanted: Vec<i64> = targets
        .reshape([n * len])
        .try_into_vec_as::<i64>()
        .map_err(|e| read_error("the targets", e))?;
    let weights: Vec<f32> = mask
        .try_into_vec_as::<f32>()
        .map_err(|e| read_error("the mask", e))?;
    let right = predicted
        .iter()
        .zip(&wanted)
        .zip(&weights)
        .filter(|((p, t), w)| **w > 0.0 && p == t)
        .count();
    Ok((loss, right))
}

/// Loss (nats per step) and accuracy over windows, in inference mode; `structure`: the
/// model's structure inputs, if it reads them.
pub fn evaluate_windows(
    model: &MelodyLstm,
    ws: &[Window],
    batch_size: usize,
    structure: Option<&crate::corpus::structure::StructureInputs>,
    device: &Device,
) -> Result<(f64, f64)> {
    by_length(ws, batch_size, |refs| {
        let b = batch(refs, structure, device);
        let (loss, right) = masked_loss(model, &b)?;
        let loss = loss
            .try_into_scalar::<f32>()
            .map_err(|e| read_error("the loss", e))?;
        Ok((
            f64::from(loss) * b.targets_count as f64,
            right,
            b.targets_count,
        ))
    })
}

/// Mean loss and accuracy over `ws` in batches of similar length; `score` gives a batch's
/// summed loss, right predictions and targets.
fn by_length(
    ws: &[Window],
    batch_size: usize,
    mut score: impl FnMut(&[&Window]) -> Result<(f64, usize, usize)>,
) -> Result<(f64, f64)> {
    let mut order: Vec<&Window> = ws.iter().collect();
    order.sort_by_key(|w| w.len());
    let (mut sum, mut right, mut count) = (0.0, 0, 0);
    for refs in order.chunks(batch_size.max(1)) {
        let (s, r, c) = score(refs)?;
        sum += s;
        right += r;
        count += c;
    }
    Ok((
        sum / count.max(1) as f64,
        right as f64 / count.max(1) as f64,
    ))
}

/// [`evaluate_windows`] on the fused CPU path: the same batches (sorted by length), the
/// same figures.
pub fn evaluate_windows_fused(
    model: &MelodyLstm,
    ws: &[Window],
    batch_size: usize,
    options: &FusedOptions<'_>,
) -> Result<(f64, f64)> {
    by_length(ws, batch_size, |refs| fused::evaluate(model, refs, options))
}

/// The seed of batch `b`'s dropout masks in `epoch` on the fused path: fixed by the run's
/// seed, so a resumed run draws the masks an uninterrupted one would.
fn batch_seed(seed: u64, epoch: usize, b: usize) -> u64 {
    let mut rng = crate::sampling::rng::SplitMix64(
        seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(32),
    );
    rng.next_u64()
}

/// What the card says about the run, fixed for its whole length.
struct RunInfo {
    backend: String,
    train_songs: usize,
    valid_songs: usize,
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
/// checkpoint loadable.
fn save_checkpoint(
    model: &MelodyLstm,
    optim: &ModuleOptimizer,
    state: &mut CheckpointState,
    out: &Path,
) -> Result<PathBuf> {
    let dir = out.join(checkpoint_dir_name(state.epoch));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    write_atomic(&dir.join(WEIGHTS_FILE), &weights_to_bytes(model)?)?;
    let optim_bytes = optim
        .to_record()
        .into_bytes()
        .map_err(|e| Error::Invalid(format!("cannot serialise the optimizer state: {e}")))?;
    write_atomic(&dir.join(OPTIMIZER_FILE), &optim_bytes)?;
    state.dir = checkpoint_dir_name(state.epoch);
    let json = serde_json::to_string_pretty(state).map_err(|e| Error::Invalid(e.to_string()))?;
    write_atomic(&out.join(CHECKPOINT_FILE), json.as_bytes())?;
    remove_old_checkpoints(out, &state.dir);
    Ok(dir)
}

fn load_checkpoint(
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
    let opath = dir.join(OPTIMIZER_FILE);
    let obytes = std::fs::read(&opath).map_err(|e| Error::io(&opath, e))?;
    let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(obytes))
        .map_err(|e| Error::parse(None, format!("corrupt optimizer state: {e}")).in_file(&opath))?;
    Ok((model, record, state))
}
