//! Training: one `train` function with events, a stop flag, per-epoch checkpoints and
//! resume, shared by the app and the CLI.

use crate::corpus::data::{
    SequenceOptions, SongIds, Window, batch, epoch_batches, sequences, windows,
};
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::form::FormTable;
use crate::corpus::phrases::PhrasePrior;
use crate::corpus::training_set::TrainingData;
use crate::error::{Error, Result};
use crate::folder_lock::FolderLock;
use crate::fsutil::write_atomic;
use crate::model::artifact::{ModelArtifact, ModelCard, weights_from_bytes, weights_to_bytes};
use crate::model::checkpoint::{CheckpointState, load_checkpoint, save_checkpoint};
use crate::model::config::TrainingConfig;
use crate::model::corpus_record::{form_table, phrase_prior};
use crate::model::engine::TrainOptions;
use crate::model::events::{EpochStats, TrainingEvent, TrainingSummary};
use crate::model::fused::{self, FusedOptions};
use crate::model::loss::{evaluate_windows, evaluate_windows_fused, masked_loss, read_error};
use crate::model::seeded::seed_draws;
use crate::model::{MelodyLstm, MelodyLstmConfig};
use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The windows of one epoch: fixed windows of `seq_len` for a symbols-only model; whole
/// songs plus infilling sequences (spans drawn with `seed`) for one with structure inputs.
/// Training songs carry their phrase labels (most of them); validation songs never do, so
/// the validation loss scores prediction without a plan, comparable across models.
fn epoch_windows(
    config: &TrainingConfig,
    songs: &SongIds,
    vocab: &Vocabulary,
    (seed, training): (u64, bool),
) -> Vec<Window> {
    let delimiter = vocab.id(Symbol::Delimiter).unwrap_or(0);
    if config.model.structure.is_none() {
        return windows(songs, config.seq_len, delimiter);
    }
    let options = SequenceOptions {
        max_len: config.seq_len,
        infill_per_song: config.infill_per_song.unwrap_or(0),
        seed,
        phrases: training && config.model.structure.is_some_and(|s| s.phrase),
    };
    sequences(songs, vocab, delimiter, &options)
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
    /// The folder's writer lock, held for the whole run.
    lock: FolderLock,
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
        // One writer per model folder: a second run (or the app) is refused here.
        let lock = FolderLock::acquire(out, &options.writer)?;
        let (train_songs, valid_songs) = data.songs.split(config.valid_fraction, config.seed)?;
        write_validation_list(data, config, out)?;
        let train_windows = epoch_windows(config, &train_songs, &data.vocab, (config.seed, true));
        let valid_windows = epoch_windows(
            config,
            &valid_songs,
            &data.vocab,
            (config.seed ^ 0xA11D, false),
        );
        let device = options.device.device.clone();
        let train_device = device.clone().autodiff();
        let initial = initial_weights(config, &train_device)?;
        // Start from the weights exactly as a checkpoint stores them, so a fresh run and a
        // resumed one compute with identical parameter tensors (resume is bit for bit).
        let mut model =
            weights_from_bytes(config, initial, Path::new("initial weights"), &train_device)?;
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
            phrase_prior: config
                .model
                .structure
                .filter(|s| s.phrase)
                .map(|_| phrase_prior(&train_songs, &data.vocab)),
            form: config
                .model
                .structure
                .filter(|s| s.phrase)
                .map(|_| form_table(&train_songs, &data.vocab)),
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
            lock,
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
            took_over: self.lock.took_over().map(ToString::to_string),
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
        let epoch_seed = config.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9);
        if epoch > 1 && config.infill_per_song.unwrap_or(0) > 0 {
            // Fresh infilling spans every epoch.
            self.train_windows = epoch_windows(
                config,
                &self.train_songs,
                &self.data.vocab,
                (epoch_seed, true),
            );
        }
        // The composed pass draws its dropout masks from Burn's generator, seeded once an
        // epoch; the fused pass draws them from seeds of its own (`batch_seed`).
        let _draws = self.fused_threads.is_none().then(|| {
            seed_draws(
                &self.train_device,
                config.seed.wrapping_add(epoch as u64 * 7919),
            )
        });
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
        Err(Error::Diverged(format!(
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
            return Err(Error::Diverged(format!(
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
            date: crate::fsutil::now_rfc3339(),
            lstmuse_version: env!("CARGO_PKG_VERSION").to_owned(),
            held_out: Vec::new(),
            notes: String::new(),
            weights_sha256: None,
            previous_weights_sha256: None,
        };
        ModelArtifact {
            config: TrainingConfig {
                phrase_prior: self.info.phrase_prior.clone(),
                form: self.info.form.clone(),
                ..self.config.clone()
            },
            vocab: self.data.vocab.clone(),
            model: model.valid(),
            card,
            dir: None,
        }
        .save(self.out)
    }
}

/// The run's first weights, drawn from its seed: the model is built and touched (every
/// lazily initialised weight drawn, in forward order) under one [`seed_draws`] lock.
fn initial_weights(config: &TrainingConfig, device: &Device) -> Result<Vec<u8>> {
    let _draws = seed_draws(device, config.seed);
    let model = config.model.init(device);
    touch(&model, &config.model, device);
    weights_to_bytes(&model)
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

/// The seed of batch `b`'s dropout masks in `epoch` on the fused path: fixed by the run's
/// seed, so a resumed run draws the masks an uninterrupted one would.
fn batch_seed(seed: u64, epoch: usize, b: usize) -> u64 {
    let mut rng = crate::rng::SplitMix64(
        seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(32),
    );
    rng.next_u64()
}

/// The file in a model folder that lists the songs of its validation split.
pub const VALIDATION_FILE: &str = "validation.txt";

/// Writes the sources of the validation songs (one per line), so that a choice made on
/// the validation split can be checked on exactly those songs (`eval --split validation`).
fn write_validation_list(data: &TrainingData, config: &TrainingConfig, out: &Path) -> Result<()> {
    if data.sources.is_empty() {
        return Ok(());
    }
    let (_, valid) = data
        .songs
        .split_indices(config.valid_fraction, config.seed)?;
    let mut text = String::new();
    for i in valid {
        text.push_str(&data.sources[i].replace('\n', " "));
        text.push('\n');
    }
    write_atomic(&out.join(VALIDATION_FILE), text.as_bytes())
}

/// What the card says about the run, fixed for its whole length.
struct RunInfo {
    backend: String,
    train_songs: usize,
    valid_songs: usize,
    /// How the training songs repeat their phrases (a model with phrase inputs).
    phrase_prior: Option<PhrasePrior>,
    /// The training songs' form (a model with phrase inputs).
    form: Option<FormTable>,
}
