//! Figures for `lstmuse bench`: training throughput (with a PyTorch reference), generation
//! speed against the seed's re-read-the-window method, and peak memory of this process.

use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData, s};
use lstmuse::corpus::data::{Window, batch};
use lstmuse::corpus::encoding::{Symbol, Vocabulary};
use lstmuse::error::{Error, Result};
use lstmuse::model::training::{TrainingConfig, masked_loss};
use lstmuse::model::{HostLstm, LstmState, MelodyLstm, ModelRef};
use lstmuse::music::Melody;
use lstmuse::sampling::rng::SplitMix64;
use lstmuse::sampling::{self, Length, SamplerConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if the platform tells.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The PyTorch reference script, carried in the binary so a release build runs it anywhere.
pub const PYTORCH_SCRIPT: &str = include_str!("../../benches/pytorch_lstm.py");

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
pub fn bench_train(
    config: &TrainingConfig,
    windows: &[Window],
    warmup: usize,
    batches: usize,
    device: &Device,
) -> Result<TrainBench> {
    if windows.is_empty() {
        return Err(Error::Invalid("no training windows to benchmark".into()));
    }
    let device = device.clone().autodiff();
    device.seed(config.seed);
    let mut model = config.model.init(&device);
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
            .map_err(|e| Error::Invalid(format!("cannot read the loss: {e}")))?;
        if !value.is_finite() {
            return Err(Error::Invalid(format!("the loss became {value}")));
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
pub fn bench_train_fused(
    config: &TrainingConfig,
    windows: &[Window],
    (warmup, batches): (usize, usize),
    threads: usize,
    device: &Device,
) -> Result<TrainBench> {
    use lstmuse::model::fused::{self, FusedOptions};
    if windows.is_empty() {
        return Err(Error::Invalid("no training windows to benchmark".into()));
    }
    let train_device = device.clone().autodiff();
    train_device.seed(config.seed);
    let mut model = config.model.init(&train_device);
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
            return Err(Error::Invalid(format!("the loss became {}", out.loss)));
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

/// Median of `runs` timings of `f` in ms (after one untimed call).
pub fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Measures [`Overhead`] for `config`'s model.
pub fn bench_overhead(config: &TrainingConfig, device: &Device) -> Result<Overhead> {
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
    let model = config.model.init(device);
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
    let batch1_step_ms = bench_train(&one, &windows, 2, 10, device)?.ms_per_batch;
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

/// The PyTorch reference's figures (`benches/pytorch_lstm.py`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PytorchBench {
    /// PyTorch's version.
    pub torch: String,
    /// Intra-op threads.
    pub threads: usize,
    /// Time steps per second.
    pub steps_per_sec: f64,
    /// Wall time of one batch.
    pub ms_per_batch: f64,
    /// Forward pass and loss.
    pub forward_ms: f64,
    /// `loss.backward()`.
    pub backward_ms: f64,
    /// Clipping and the Adam step.
    pub optimizer_ms: f64,
    /// Peak resident memory of the Python process.
    pub peak_rss_mib: f64,
}

/// Runs the PyTorch reference with `python` (a venv's interpreter) and parses its JSON line.
pub fn run_pytorch(
    python: &Path,
    config: &TrainingConfig,
    warmup: usize,
    batches: usize,
) -> Result<PytorchBench> {
    let dir = std::env::temp_dir().join(format!("lstmuse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let script = dir.join("pytorch_lstm.py");
    std::fs::write(&script, PYTORCH_SCRIPT).map_err(|e| Error::io(&script, e))?;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let output = std::process::Command::new(python)
        .arg(&script)
        .args(["--batches", &batches.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--batch", &config.batch_size.to_string()])
        .args(["--seq", &config.seq_len.to_string()])
        .args(["--hidden", &config.model.hidden_size.to_string()])
        .args(["--vocab", &config.model.vocab_size.to_string()])
        .output()
        .map_err(|e| Error::io(python, e));
    let _ = std::fs::remove_dir_all(&dir);
    let output = output?;
    if !output.status.success() {
        return Err(Error::Invalid(format!(
            "the PyTorch benchmark failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| {
        Error::Invalid(format!(
            "cannot read the PyTorch benchmark's output ({e}): {stdout}"
        ))
    })
}

/// The context the seed's method feeds the model for its next step: the last `window`
/// ids of `history`, padded at the front with `pad` (the seed starts from `window`
/// delimiters), so every step re-reads a full window.
pub fn seed_window(history: &[usize], window: usize, pad: usize) -> Vec<usize> {
    let tail = &history[history.len().saturating_sub(window)..];
    let mut out = vec![pad; window - tail.len()];
    out.extend_from_slice(tail);
    out
}

/// The shape of a run of the seed's method.
#[derive(Clone, Copy, Debug)]
pub struct SeedShape {
    /// Melodies generated side by side.
    pub rows: usize,
    /// New ids per melody.
    pub steps: usize,
    /// Steps the model re-reads for every new one.
    pub window: usize,
    /// The id that pads a short history (the delimiter).
    pub pad: usize,
}

/// The seed's generation loop for `rows` melodies of `steps` new ids each: every step asks
/// `logits_of` for the next-step logits of each row's [`seed_window`] (`rows × vocab`
/// values) and `pick`s one id per row. Returns the new ids per row.
pub fn window_loop(
    shape: SeedShape,
    mut logits_of: impl FnMut(&[Vec<usize>]) -> Result<Vec<f32>>,
    mut pick: impl FnMut(usize, &[f32]) -> usize,
) -> Result<Vec<Vec<usize>>> {
    let SeedShape {
        rows,
        steps,
        window,
        pad,
    } = shape;
    let mut history = vec![Vec::with_capacity(steps); rows];
    for _ in 0..steps {
        let contexts: Vec<Vec<usize>> = history
            .iter()
            .map(|h| seed_window(h, window, pad))
            .collect();
        let logits = logits_of(&contexts)?;
        let vocab = logits.len() / rows.max(1);
        for (r, h) in history.iter_mut().enumerate() {
            h.push(pick(r, &logits[r * vocab..(r + 1) * vocab]));
        }
    }
    Ok(history)
}

/// The seed's method on a Burn model: re-run `forward` over the last `window` steps for
/// every new step and sample from the last position (temperature 0.9, no delimiter).
pub fn seed_method(
    model: &MelodyLstm,
    shape: SeedShape,
    device: &Device,
) -> Result<Vec<Vec<usize>>> {
    let SeedShape {
        rows,
        window,
        pad: delimiter,
        ..
    } = shape;
    let mut rngs: Vec<SplitMix64> = (0..rows).map(|r| SplitMix64(r as u64 + 1)).collect();
    window_loop(
        shape,
        |contexts| {
            let ids: Vec<i64> = contexts.iter().flatten().map(|&i| i as i64).collect();
            let input = Tensor::<2, Int>::from_data(TensorData::new(ids, [rows, window]), device);
            let logits = model.forward(input, None);
            let [_, _, vocab] = logits.dims();
            logits
                .slice(s![.., window - 1..window, ..])
                .reshape([rows * vocab])
                .try_into_vec_as::<f32>()
                .map_err(|e| Error::Invalid(format!("cannot read the model's output: {e}")))
        },
        |r, logits| sample_without(logits, delimiter, 0.9, &mut rngs[r]),
    )
}

fn sample_without(logits: &[f32], banned: usize, temperature: f32, rng: &mut SplitMix64) -> usize {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let p: Vec<f32> = logits
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            if i == banned {
                0.0
            } else {
                ((l - max) / temperature).exp()
            }
        })
        .collect();
    let mut u = rng.next_f64() as f32 * p.iter().sum::<f32>();
    for (i, &v) in p.iter().enumerate() {
        if u < v {
            return i;
        }
        u -= v;
    }
    p.iter().rposition(|&v| v > 0.0).unwrap_or(0)
}

/// A 38-symbol vocabulary (delimiter, rest, hold, MIDI 45–79), the size of the Essen erk one.
pub fn default_vocabulary() -> Vocabulary {
    Vocabulary::new(
        [Symbol::Delimiter, Symbol::Rest, Symbol::Hold]
            .into_iter()
            .chain((45..=79).map(|m| Symbol::Note(lstmuse::music::Pitch(m)))),
    )
}

/// Generation timings in ms (medians over the runs).
#[derive(Clone, Debug, Serialize)]
pub struct GenerateBench {
    /// `sampling::generate`: one melody of 512 steps.
    pub one_512_ms: f64,
    /// `sampling::generate`: 16 variations of 256 steps, batched.
    pub batch_16x256_ms: f64,
    /// The seed's method, one melody of 512 steps.
    pub seed_one_512_ms: f64,
    /// The seed's method, 16 × 256 (the 16 windows batched).
    pub seed_16x256_ms: f64,
    /// 512 host-engine steps alone (what generation runs), no sampler.
    pub host_steps_512_ms: f64,
    /// 512 `model.step` calls alone (id tensor in, logits to host), no sampler.
    pub steps_512_ms: f64,
    /// 512 `model.step` calls without reading the logits back.
    pub steps_512_no_read_ms: f64,
    /// 256 `model.step` calls on 16 rows, logits to host.
    pub steps_16x256_ms: f64,
    /// 512 recurrent products `[1,H]×[H,4H]` alone: the arithmetic floor of 512 steps.
    pub matvec_512_ms: f64,
    /// 512 × 14 small element-wise ops on `[1, 4H]`, about the rest of a step's ops.
    pub small_ops_512_ms: f64,
    /// `sampling::fill`: 8 variations of bars 5–6 of a 16-bar 4/4 melody (the model reads
    /// the 14 other bars first); `None` for a model that cannot fill.
    pub fill_2bars_8_ms: Option<f64>,
}

/// A 16-bar 4/4 melody of quarter notes on a C-major scale pattern, for the fill bench.
fn bench_melody() -> Melody {
    let mut m = Melody::new();
    m.meter = lstmuse::music::Meter::new(4, 4);
    m.key = lstmuse::music::Key::parse("C");
    for i in 0..64 {
        let pitch = [60, 62, 64, 65, 67, 65, 64, 62][i % 8];
        m.notes.push(lstmuse::music::Note::new(
            lstmuse::music::Pitch(pitch),
            lstmuse::music::Ratio::ONE,
        ));
    }
    m
}

/// Times `sampling::fill` of bars 5–6 of [`bench_melody`], 8 variations; `None` for a
/// model that cannot fill.
fn time_fill(bound: ModelRef<'_>, runs: usize) -> Result<Option<f64>> {
    if !bound.structure().is_some_and(|s| s.infill) {
        return Ok(None);
    }
    let melody = bench_melody();
    let c = SamplerConfig {
        variations: 8,
        ..SamplerConfig::default()
    };
    let mut failure = None;
    let ms = median_ms(runs, || {
        if let Err(e) = sampling::fill(bound, &melody, 64..96, &c) {
            failure = Some(e);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(Some(ms)),
    }
}

/// Times `steps` calls of `model.step` on `rows` rows, reading the logits back when `read`
/// (the tensor path, for comparison with the host engine generation uses).
fn time_steps(bound: ModelRef<'_>, runs: usize, (steps, rows): (usize, usize), read: bool) -> f64 {
    let ModelRef {
        model,
        config,
        vocab,
        device,
    } = bound;
    median_ms(runs, || {
        let mut state = LstmState::zeros(config, rows, device);
        for i in 0..steps {
            let ids = vec![(i % vocab.len()) as i64; rows];
            let t = Tensor::<1, Int>::from_data(TensorData::new(ids, [rows]), device);
            let (logits, next) = model.step(t, None, state);
            state = next;
            if read {
                let _ = logits.into_data();
            }
        }
    })
}

/// Times `steps` steps of the host engine ([`HostLstm`], what generation runs) on `rows`
/// rows, structure inputs included for a model that reads them.
fn time_host_steps(bound: ModelRef<'_>, runs: usize, (steps, rows): (usize, usize)) -> Result<f64> {
    let engine = HostLstm::new(bound.model)?;
    let width = engine.structure_width();
    // A typical multi-hot row: one value per input group.
    let features: Vec<f32> = (0..rows * width)
        .map(|i| f32::from(u8::from(i % 29 == 0)))
        .collect();
    let mut failure = None;
    let ms = median_ms(runs, || {
        let mut state = engine.zeros(rows);
        let mut logits = Vec::new();
        for i in 0..steps {
            let ids = vec![i % engine.vocab_size(); rows];
            let f = (width > 0).then_some(&features[..]);
            if let Err(e) = engine.step(&ids, f, &mut state, &mut logits) {
                failure = Some(e);
            }
        }
    });
    failure.map_or(Ok(ms), Err)
}

/// Times 512 recurrent products `[1,H]×[H,4H]` and 512 × 14 small element-wise ops.
fn time_ops(hidden: usize, runs: usize, device: &Device) -> (f64, f64) {
    let x = Tensor::<2>::ones([1, hidden], device);
    let w = Tensor::<2>::ones([hidden, 4 * hidden], device);
    let matvec = median_ms(runs, || {
        for _ in 0..512 {
            let _ = x.clone().matmul(w.clone());
        }
    });
    let g = Tensor::<2>::ones([1, 4 * hidden], device);
    let small_ops = median_ms(runs, || {
        for _ in 0..512 * 14 {
            let _ = g.clone() + g.clone();
        }
    });
    (matvec, small_ops)
}

/// Times `sampling::generate` and the seed's method with `model` on `device`.
pub fn bench_generate(bound: ModelRef<'_>, runs: usize) -> Result<GenerateBench> {
    let ModelRef {
        model,
        config: model_config,
        vocab,
        device,
    } = bound;
    let primer = Melody::new();
    let config = |steps, variations| SamplerConfig {
        length: Length::Steps(steps),
        variations,
        ..SamplerConfig::default()
    };
    let mut failure = None;
    let mut timed = |steps, rows| {
        let c = config(steps, rows);
        median_ms(runs, || {
            if let Err(e) = sampling::generate(bound, &primer, &c) {
                failure = Some(e);
            }
        })
    };
    let one_512_ms = timed(512, 1);
    let batch_16x256_ms = timed(256, 16);
    if let Some(e) = failure {
        return Err(e);
    }
    let fill_2bars_8_ms = time_fill(bound, runs)?;
    let steps = |steps, rows, read| time_steps(bound, runs, (steps, rows), read);
    let host_steps_512_ms = time_host_steps(bound, runs, (512, 1))?;
    let steps_512_ms = steps(512, 1, true);
    let steps_512_no_read_ms = steps(512, 1, false);
    let steps_16x256_ms = steps(256, 16, true);
    let (matvec_512_ms, small_ops_512_ms) = time_ops(model_config.hidden_size, runs, device);
    let seed = |rows, steps| {
        let shape = SeedShape {
            rows,
            steps,
            window: 64,
            pad: vocab.id(Symbol::Delimiter).unwrap_or(0),
        };
        let mut result = Ok(());
        let ms = median_ms(1, || {
            if let Err(e) = seed_method(model, shape, device) {
                result = Err(e);
            }
        });
        result.map(|()| ms)
    };
    let seed_one_512_ms = seed(1, 512)?;
    let seed_16x256_ms = seed(16, 256)?;
    Ok(GenerateBench {
        one_512_ms,
        batch_16x256_ms,
        seed_one_512_ms,
        seed_16x256_ms,
        host_steps_512_ms,
        steps_512_ms,
        steps_512_no_read_ms,
        steps_16x256_ms,
        matvec_512_ms,
        small_ops_512_ms,
        fill_2bars_8_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_window_pads_then_slides() {
        assert_eq!(seed_window(&[], 3, 0), vec![0, 0, 0]);
        assert_eq!(seed_window(&[5, 6], 3, 0), vec![0, 5, 6]);
        assert_eq!(seed_window(&[4, 5, 6, 7], 3, 0), vec![5, 6, 7]);
    }

    #[test]
    fn window_loop_makes_every_step_and_rereads_full_windows() {
        let mut calls = 0;
        let shape = SeedShape {
            rows: 3,
            steps: 10,
            window: 4,
            pad: 0,
        };
        let out = window_loop(
            shape,
            |contexts| {
                calls += 1;
                assert_eq!(contexts.len(), 3);
                assert!(contexts.iter().all(|c| c.len() == 4));
                Ok(vec![0.0; 3 * 5])
            },
            |r, logits| {
                assert_eq!(logits.len(), 5);
                r + 1
            },
        )
        .unwrap();
        assert_eq!(calls, 10);
        assert_eq!(out, vec![vec![1; 10], vec![2; 10], vec![3; 10]]);
    }

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

    #[test]
    fn sampling_skips_the_banned_id() {
        let mut rng = SplitMix64(9);
        for _ in 0..200 {
            assert_ne!(sample_without(&[5.0, 0.0, 0.0], 0, 0.9, &mut rng), 0);
        }
    }
}
