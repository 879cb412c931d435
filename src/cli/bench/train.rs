//! `lstmuse bench train`: training throughput of the fused and composed engines, the time to
//! the Keras score on a corpus, and where the time goes.

use super::measure::{median_ms, peak_rss_mib};
use super::{pytorch, release_note};
use crate::cli::corpus::load_and_encode;
use anyhow::{Context, Result};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use lstmuse::corpus::data::{Window, batch};
use lstmuse::error::{Error, Result as LibResult};
use lstmuse::model::TrainingConfig;
use lstmuse::model::loss::masked_loss;
use lstmuse::rng::SplitMix64;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Untimed batches before the training bench measures.
pub const TRAIN_WARMUP: usize = 3;

/// Training throughput of one configuration, averaged over the timed batches.
#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    /// Windows per batch.
    pub batch_size: usize,
    /// Steps per window.
    pub seq_len: usize,
    /// Timed batches (after the warm-up).
    pub batches: usize,
    /// Time steps per second: `batch × seq × batches / s`.
    pub steps_per_sec: f64,
    /// Wall time of one batch.
    pub ms_per_batch: f64,
    /// Building the batch tensors.
    pub data_ms: f64,
    /// Forward pass and loss, up to reading the loss value (as the training loop does).
    pub forward_ms: f64,
    /// `loss.backward()`.
    pub backward_ms: f64,
    /// Gradients to parameters, clipping and the Adam step.
    pub optimizer_ms: f64,
    /// Arithmetic rate implied by [`train_flops`].
    pub gflops: f64,
}

impl TrainBench {
    /// The figures of `batches` timed batches that took `elapsed` seconds, from the total
    /// seconds spent on data, forward, backward and the optimizer.
    fn from_totals(
        config: &TrainingConfig,
        (batches, elapsed): (usize, f64),
        [data, forward, backward, step]: [f64; 4],
    ) -> TrainBench {
        let bs = config.batch_size.max(1);
        let n = batches.max(1) as f64;
        let flops = train_flops(
            bs,
            config.seq_len,
            config.model.hidden_size,
            config.model.vocab_size,
        );
        TrainBench {
            batch_size: bs,
            seq_len: config.seq_len,
            batches,
            steps_per_sec: (bs * config.seq_len) as f64 * n / elapsed,
            ms_per_batch: elapsed * 1e3 / n,
            data_ms: data * 1e3 / n,
            forward_ms: forward * 1e3 / n,
            backward_ms: backward * 1e3 / n,
            optimizer_ms: step * 1e3 / n,
            gflops: flops * n / elapsed / 1e9,
        }
    }
}

/// `count` windows of `seq_len + 1` uniformly random ids below `vocab`, all targets real.
pub fn random_windows(count: usize, seq_len: usize, vocab: usize, seed: u64) -> Vec<Window> {
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| Window {
            ids: (0..=seq_len)
                .map(|_| (rng.next_u64() % vocab.max(1) as u64) as usize)
                .collect(),
            mask: vec![1.0; seq_len],
            structure: Default::default(),
            contexts: Vec::new(),
        })
        .collect()
}

/// Floating-point operations of one training step of a one-layer LSTM on one-hot input:
/// the recurrent `[B,H]×[H,4H]` and output `[B·T,H]×[H,V]` products forward, and twice
/// that backward (gradients of inputs and of weights). The one-hot input is a row lookup.
pub fn train_flops(batch: usize, seq: usize, hidden: usize, vocab: usize) -> f64 {
    let (b, t, h, v) = (batch as f64, seq as f64, hidden as f64, vocab as f64);
    let forward = 2.0 * b * t * h * 4.0 * h + 2.0 * b * t * h * v;
    3.0 * forward
}

/// Times the training step of `train.rs` (batch, masked loss, reading the loss, backward,
/// Adam) on `device` with autodiff, over `windows` taken in order (wrapping around).
pub fn measure_composed(
    config: &TrainingConfig,
    windows: &[Window],
    warmup: usize,
    batches: usize,
    device: &Device,
) -> LibResult<TrainBench> {
    if windows.is_empty() {
        return Err(Error::Invalid("no training windows to benchmark".into()));
    }
    let device = device.clone().autodiff();
    let mut model = config.model.init_seeded(&device, config.seed);
    let mut optim = lstmuse::model::training::optimizer(config);
    let bs = config.batch_size.max(1);
    let mut next = 0usize;
    let (mut data, mut forward, mut backward, mut step) = (0.0, 0.0, 0.0, 0.0);
    let mut started = Instant::now();
    for b in 0..warmup + batches {
        if b == warmup {
            (data, forward, backward, step) = (0.0, 0.0, 0.0, 0.0);
            started = Instant::now();
        }
        let ws: Vec<&Window> = (0..bs)
            .map(|i| &windows[(next + i) % windows.len()])
            .collect();
        next = (next + bs) % windows.len();
        let t0 = Instant::now();
        let bt = batch(&ws, None, &device);
        let t1 = Instant::now();
        let (loss, _right) = masked_loss(&model, &bt)?;
        let value = loss
            .clone()
            .try_into_scalar::<f32>()
            .map_err(|e| Error::Internal(format!("cannot read the loss: {e}")))?;
        if !value.is_finite() {
            return Err(Error::Diverged(format!("the loss became {value}")));
        }
        let t2 = Instant::now();
        let grads = loss.backward();
        let t3 = Instant::now();
        let grads = GradientsParams::from_grads(grads, &model);
        model = optim.step(config.learning_rate, model, grads);
        let t4 = Instant::now();
        data += (t1 - t0).as_secs_f64();
        forward += (t2 - t1).as_secs_f64();
        backward += (t3 - t2).as_secs_f64();
        step += (t4 - t3).as_secs_f64();
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(TrainBench::from_totals(
        config,
        (batches, elapsed),
        [data, forward, backward, step],
    ))
}

/// Times the fused CPU training step (`lstmuse::model::fused`, as `train` runs it on the
/// CPU) with `threads` shards per batch: gradients on the host, then Adam through Burn.
/// `forward_ms` is the same batch's forward pass and loss alone; `backward_ms` the rest
/// of the gradients; `data_ms` is inside both (the host batch is built per shard).
pub fn measure_fused(
    config: &TrainingConfig,
    windows: &[Window],
    (warmup, batches): (usize, usize),
    threads: usize,
    device: &Device,
) -> LibResult<TrainBench> {
    use lstmuse::model::fused::{self, FusedOptions};
    if windows.is_empty() {
        return Err(Error::Invalid("no training windows to benchmark".into()));
    }
    let train_device = device.clone().autodiff();
    let mut model = config.model.init_seeded(&train_device, config.seed);
    let mut optim = lstmuse::model::training::optimizer(config);
    let bs = config.batch_size.max(1);
    let (mut forward, mut grads_time, mut step) = (0.0, 0.0, 0.0);
    let mut started = Instant::now();
    for b in 0..warmup + batches {
        if b == warmup {
            (forward, grads_time, step) = (0.0, 0.0, 0.0);
            started = Instant::now();
        }
        let ws: Vec<&Window> = (0..bs)
            .map(|i| &windows[(b * bs + i) % windows.len()])
            .collect();
        let mut options = FusedOptions {
            structure: config.model.structure.as_ref(),
            dropout: 0.0,
            seed: b as u64,
            threads,
        };
        let t0 = Instant::now();
        fused::evaluate(&model, &ws, &options)?;
        let t1 = Instant::now();
        options.dropout = config.model.dropout;
        let out = fused::gradients(&model, &ws, &options, device)?;
        if !out.loss.is_finite() {
            return Err(Error::Diverged(format!("the loss became {}", out.loss)));
        }
        let t2 = Instant::now();
        model = optim.step(config.learning_rate, model, out.grads);
        let t3 = Instant::now();
        forward += (t1 - t0).as_secs_f64();
        grads_time += (t2 - t1).as_secs_f64();
        step += (t3 - t2).as_secs_f64();
    }
    // The forward-only passes are not part of a training step.
    let elapsed = started.elapsed().as_secs_f64() - forward;
    let backward = (grads_time - forward).max(0.0);
    Ok(TrainBench::from_totals(
        config,
        (batches, elapsed),
        [0.0, forward, backward, step],
    ))
}

/// This machine's peak FP32 rate: cores × SIMD lanes × 2 (an FMA is two operations) ×
/// FMA units per core × clock.
#[derive(Clone, Debug, Serialize)]
pub struct PeakRate {
    /// Cores this process may use.
    pub cores: usize,
    /// `f32` lanes of the widest vector unit the CPU reports (16 for AVX-512, 8 for AVX2).
    pub lanes: usize,
    /// FMA units per core (2 on AVX-512 server cores; not reported by the CPU, assumed).
    pub fma_units: usize,
    /// Clock in GHz (`cpu MHz` of `/proc/cpuinfo`; base clock where turbo is hidden).
    pub ghz: f64,
    /// The product, in GFLOP/s.
    pub gflops: f64,
}

/// [`PeakRate`] of this machine, where the platform tells its clock.
pub fn peak_rate() -> Option<PeakRate> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mhz: f64 = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    let has = |flag: &str| {
        info.lines()
            .find(|l| l.starts_with("flags"))
            .is_some_and(|l| l.split_whitespace().any(|f| f == flag))
    };
    let (lanes, fma_units) = if has("avx512f") {
        (16, 2)
    } else if has("avx2") && has("fma") {
        (8, 2)
    } else {
        (4, 1)
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ghz = mhz / 1000.0;
    Some(PeakRate {
        cores,
        lanes,
        fma_units,
        ghz,
        gflops: cores as f64 * lanes as f64 * 2.0 * fma_units as f64 * ghz,
    })
}

/// Where Burn's time goes apart from arithmetic.
#[derive(Clone, Debug, Serialize)]
pub struct Overhead {
    /// The forward pass's matrix products alone: `seq` times `[B,H]×[H,4H]` plus the
    /// output `[B·T,H]×[H,V]`, on the plain device.
    pub matmul_forward_ms: f64,
    /// The model's forward pass on the plain device (no autodiff), same batch.
    pub inference_forward_ms: f64,
    /// One full training step at batch 1: the arithmetic is 1/64 of batch 64, so this is
    /// mostly the fixed cost of the operations.
    pub batch1_step_ms: f64,
    /// One small element-wise op (`[1, 4H]` add) on the plain device, in µs.
    pub tiny_op_us: f64,
    /// One small element-wise op on the autodiff device (with graph bookkeeping), in µs.
    pub tiny_op_autodiff_us: f64,
}

/// Measures [`Overhead`] for `config`'s model.
pub fn bench_overhead(config: &TrainingConfig, device: &Device) -> LibResult<Overhead> {
    let (b, t) = (config.batch_size.max(1), config.seq_len.max(1));
    let (h, v) = (config.model.hidden_size, config.model.vocab_size);
    let x = Tensor::<2>::ones([b, h], device);
    let w = Tensor::<2>::ones([h, 4 * h], device);
    let hs = Tensor::<2>::ones([b * t, h], device);
    let out = Tensor::<2>::ones([h, v], device);
    let matmul_forward_ms = median_ms(5, || {
        for _ in 0..t {
            let _ = x.clone().matmul(w.clone());
        }
        let _ = hs.clone().matmul(out.clone());
    });
    let model = config.model.init_seeded(device, config.seed);
    let ws = random_windows(b, t, v, 3);
    let refs: Vec<&Window> = ws.iter().collect();
    let bt = batch(&refs, None, device);
    let inference_forward_ms = median_ms(5, || {
        let _ = model.forward(bt.inputs.clone(), None);
    });
    let one = TrainingConfig {
        batch_size: 1,
        ..config.clone()
    };
    let windows = random_windows(16, t, v, 5);
    let batch1_step_ms = measure_composed(&one, &windows, 2, 10, device)?.ms_per_batch;
    let tiny_op_us = tiny_op_us(device);
    let tiny_op_autodiff_us = tiny_op_us_tracked(&device.clone().autodiff());
    Ok(Overhead {
        matmul_forward_ms,
        inference_forward_ms,
        batch1_step_ms,
        tiny_op_us,
        tiny_op_autodiff_us,
    })
}

fn tiny_op_us(device: &Device) -> f64 {
    let a = Tensor::<2>::ones([1, 1024], device);
    let n = 2000;
    median_ms(5, || {
        for _ in 0..n {
            let _ = a.clone() + a.clone();
        }
    }) * 1e3
        / n as f64
}

fn tiny_op_us_tracked(device: &Device) -> f64 {
    let a = Tensor::<2>::ones([1, 1024], device).require_grad();
    let n = 2000;
    median_ms(5, || {
        let mut acc = a.clone();
        for _ in 0..n {
            acc = acc + a.clone();
        }
        let _ = acc;
    }) * 1e3
        / n as f64
}

/// The windows to train on: the corpus's training windows, or random ids; and what
/// they are. With a corpus, the vocabulary size follows it.
fn bench_windows(
    corpus_dir: Option<&std::path::Path>,
    config: &mut lstmuse::model::TrainingConfig,
) -> Result<(Vec<lstmuse::corpus::data::Window>, String)> {
    use lstmuse::corpus::TrainingData;
    use lstmuse::corpus::data::windows;
    use lstmuse::corpus::encoding::Symbol;

    Ok(match corpus_dir {
        Some(dir) => {
            let (_, encoded, _) = load_and_encode(dir)?;
            let symbols: Vec<Vec<Symbol>> = encoded.songs.into_iter().map(|s| s.symbols).collect();
            let data = TrainingData::from_songs(&symbols, dir.display().to_string());
            config.model.vocab_size = data.vocab.len();
            let delimiter = data.vocab.id(Symbol::Delimiter).unwrap_or(0);
            let (train, _) = data.songs.split(config.valid_fraction, config.seed)?;
            let ws = windows(&train, config.seq_len, delimiter);
            (ws, format!("training windows of {}", dir.display()))
        }
        None => (
            random_windows(256, config.seq_len, config.model.vocab_size, 1),
            "random ids".to_owned(),
        ),
    })
}

/// One line of training-bench figures.
fn print_train_line(name: &str, b: &TrainBench, extra: &str) {
    println!(
        "{name:<8} {:>8.0} steps/s  {:>7.1} ms/batch  (forward+loss {:.1}, backward {:.1}, optimizer {:.1})  {:.1} GFLOP/s{extra}",
        b.steps_per_sec, b.ms_per_batch, b.forward_ms, b.backward_ms, b.optimizer_ms, b.gflops,
    );
}

/// The fused engine at 1, 2, … threads (up to the cores): the fastest, and the count
/// training chooses by default.
fn bench_fused_threads(
    config: &lstmuse::model::TrainingConfig,
    windows: &[lstmuse::corpus::data::Window],
    batches: usize,
    device: &burn::tensor::Device,
) -> Result<TrainBench> {
    let chosen = lstmuse::model::fused::default_threads();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let peak = peak_rate();
    let mut at_chosen = None;
    for threads in 1..=cores.clamp(1, 8) {
        let b = measure_fused(config, windows, (TRAIN_WARMUP, batches), threads, device)?;
        let share = peak.as_ref().map_or(String::new(), |p| {
            format!(" ({:.0}% of peak)", 100.0 * b.gflops / p.gflops)
        });
        let mark = if threads == chosen {
            ", the default"
        } else {
            ""
        };
        print_train_line("fused", &b, &format!("{share}  {threads} thread(s){mark}"));
        if threads == chosen {
            at_chosen = Some(b);
        }
    }
    if let Some(p) = &peak {
        println!(
            "peak FP32: {} cores × {} lanes × 2 (FMA) × {} FMA units × {:.2} GHz = {:.0} GFLOP/s (lanes from the CPU flags; FMA units assumed; clock from /proc/cpuinfo)",
            p.cores, p.lanes, p.fma_units, p.ghz, p.gflops
        );
    }
    at_chosen.ok_or_else(|| anyhow::anyhow!("no fused measurement at {chosen} threads"))
}

/// Trains the recommended model on `corpus_dir` (as `lstmuse train` does, with a
/// validation pass per epoch) until its validation loss beats the Keras seed model's
/// kinder score, and prints the time, the epoch time and the peak memory.
fn bench_time_to_target(corpus_dir: &std::path::Path) -> Result<()> {
    use lstmuse::corpus::TrainingData;
    use lstmuse::model::{TrainOptions, TrainingConfig, TrainingEvent};
    use std::sync::atomic::{AtomicBool, Ordering};
    const KERAS_KINDER: f64 = 1.054;
    let (_, encoded, _) = load_and_encode(corpus_dir)?;
    let data = TrainingData::from_encoded(&encoded, corpus_dir.display().to_string());
    let config = TrainingConfig::recommended(data.vocab.len()).with_epochs(6);
    let dir = tempfile_dir()?;
    let options = TrainOptions::new(&dir, lstmuse::model::backend::BackendChoice::Cpu)?;
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut reached = None;
    let mut first_epoch = None;
    lstmuse::model::train(
        &config,
        &data,
        &options,
        &mut |e| {
            if let TrainingEvent::Epoch { stats, .. } = e {
                first_epoch.get_or_insert(stats.seconds);
                println!(
                    "erk epoch {}: {:.1} s, validation {:.4} nats/step",
                    stats.epoch, stats.seconds, stats.valid_loss
                );
                if stats.valid_loss < KERAS_KINDER && reached.is_none() {
                    reached = Some(started.elapsed().as_secs_f64());
                    stop.store(true, Ordering::Relaxed);
                }
            }
        },
        &stop,
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    match reached {
        Some(s) => println!(
            "time to a validation loss below the Keras model's kinder score ({KERAS_KINDER}): {s:.1} s (recommended model, erk, from the start of training)"
        ),
        None => println!(
            "the validation loss did not reach {KERAS_KINDER} in {} epochs",
            config.epochs
        ),
    }
    if let Some(s) = first_epoch {
        println!("one erk epoch (training + validation, recommended model): {s:.1} s");
    }
    println!(
        "peak memory so far: {}",
        peak_rss_mib().map_or("n/a".into(), |r| format!("{r:.0} MiB"))
    );
    Ok(())
}

/// A fresh folder under the system's temporary folder.
fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lstmuse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Runs `lstmuse bench train`.
pub fn run(corpus_dir: Option<&std::path::Path>, batches: usize, pytorch: bool) -> Result<()> {
    use lstmuse::model::MelodyLstmConfig;
    use lstmuse::model::TrainingConfig;

    if let Some(dir) = corpus_dir {
        bench_time_to_target(dir)?;
    }
    // The shape benches/pytorch_lstm.py measures: batches of 64 windows of 64 steps.
    let mut config = TrainingConfig::new(MelodyLstmConfig::new(38))
        .with_batch_size(64)
        .with_seq_len(64);
    let (train_windows, source) = bench_windows(corpus_dir, &mut config)?;
    let device = lstmuse::model::backend::cpu();
    let m = &config.model;
    println!(
        "model: {}×{} LSTM, one-hot input of {} symbols, dropout {}, batch {}, seq {}, Adam, grad clip {}; {}",
        m.layers,
        m.hidden_size,
        m.vocab_size,
        m.dropout,
        config.batch_size,
        config.seq_len,
        config.grad_clip_norm,
        device.name
    );
    println!("data: {source}; {TRAIN_WARMUP} warm-up + {batches} timed batches");
    let fused = bench_fused_threads(&config, &train_windows, batches, &device.device)?;
    if corpus_dir.is_some() {
        let per_epoch = train_windows.len().div_ceil(config.batch_size);
        println!(
            "epoch of {}-step windows (the seed's way, no structure inputs): {} windows = {per_epoch} batches ≈ {:.1} s fused",
            config.seq_len,
            train_windows.len(),
            per_epoch as f64 * fused.ms_per_batch / 1e3
        );
    }
    let composed = measure_composed(
        &config,
        &train_windows,
        TRAIN_WARMUP,
        batches,
        &device.device,
    )?;
    print_train_line("composed", &composed, "  (Burn ops + autodiff)");
    println!(
        "fused/composed: {:.1}× the throughput",
        fused.steps_per_sec / composed.steps_per_sec
    );
    let over = bench_overhead(&config, &device.device)?;
    println!(
        "composed, where the time goes: forward matmuls alone {:.1} ms; forward without autodiff {:.1} ms; a training step at batch 1 {:.1} ms; a tiny op {:.1} µs ({:.1} µs tracked)",
        over.matmul_forward_ms,
        over.inference_forward_ms,
        over.batch1_step_ms,
        over.tiny_op_us,
        over.tiny_op_autodiff_us
    );
    if pytorch {
        pytorch::bench_pytorch(&config, batches, (&fused, &composed))?;
    }
    release_note("train");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_windows_and_flops() {
        let ws = random_windows(4, 8, 38, 1);
        assert_eq!(ws.len(), 4);
        assert!(ws.iter().all(|w| w.ids.len() == 9 && w.mask.len() == 8));
        assert!(ws.iter().flat_map(|w| &w.ids).all(|&i| i < 38));
        // 1×256 LSTM, batch 64, seq 64: 3 × (2.15 + 0.08) GFLOP.
        let f = train_flops(64, 64, 256, 38);
        assert!((f / 1e9 - 6.68).abs() < 0.01, "{f}");
    }
}
