//! Fused LSTM training on the CPU: the whole network's forward pass and a hand-written
//! backward pass (BPTT) on host slices, with GEMMs from the `gemm` crate and vectorised
//! gate math, handed to Burn's optimizer as [`GradientsParams`].
//!
//! - [`layer`]: one LSTM layer over a sequence, forward and backward, given its input
//!   contribution `[T, B, 4H]`.
//! - [`network`]: the first layer's inputs, the layers, dropout, the output layer and the
//!   loss of one shard of a batch.
//! - [`batch`]: the batch on the host, time-major, structure inputs sparse.
//!
//! A batch is split into shards of whole windows, one per thread; their gradients are
//! summed in a fixed order, so a run is repeatable for a given thread count.

pub mod batch;
pub mod layer;
pub mod network;

use crate::corpus::data::Window;
use crate::corpus::structure::StructureInputs;
use crate::error::{Error, Result};
use crate::model::MelodyLstm;
use crate::model::host::HostLstm;
use batch::HostBatch;
use burn::module::Param;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use network::{HostGrads, ShardMode, ShardResult, run_shard};
use rayon::prelude::*;

/// Steps (windows × padded length) above which a batch is split into more shards than
/// threads: the shards run a few at a time, which bounds the memory a batch of long songs
/// takes (erk's whole songs: 219 MiB peak with one shard per thread, see the README).
const MAX_SHARD_STEPS: usize = 4096;

/// How [`gradients`] and [`evaluate`] run.
#[derive(Clone, Copy, Debug)]
pub struct FusedOptions<'a> {
    /// The structure inputs the model reads, if any.
    pub structure: Option<&'a StructureInputs>,
    /// Dropout probability (training only).
    pub dropout: f64,
    /// Seed of this batch's dropout masks.
    pub seed: u64,
    /// Shards (threads) a batch is split into.
    pub threads: usize,
}

/// One batch's loss and gradients.
#[derive(Debug)]
pub struct FusedStep {
    /// Mean cross-entropy over the real targets (nats per step).
    pub loss: f64,
    /// Targets the arg-max predicted right.
    pub right: usize,
    /// Real targets.
    pub targets: usize,
    /// The gradient of the mean loss for every parameter, on the plain device, ready for
    /// `optimizer.step`.
    pub grads: GradientsParams,
}

/// Threads for fused training on this machine: one per core, at most 8. On the 2-core
/// machine this was measured on, two shards beat one (see `lstmuse bench train`).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// The mean masked cross-entropy of `windows` under `model` (in training mode: dropout
/// as in `options`) and its gradients, on `device` (the plain device of the model's
/// autodiff device).
pub fn gradients(
    model: &MelodyLstm,
    windows: &[&Window],
    options: &FusedOptions<'_>,
    device: &Device,
) -> Result<FusedStep> {
    let weights = HostLstm::new(model)?;
    let dropout = (options.dropout > 0.0).then_some((options.dropout as f32, options.seed));
    let total: usize = windows.iter().map(|w| real_targets(w)).sum();
    let mode = ShardMode {
        dropout,
        grad_scale: Some(1.0 / total.max(1) as f32),
    };
    let results = run_shards(&weights, windows, options, mode)?;
    let (loss, right, targets) = totals(&results);
    let mut sum: Option<HostGrads> = None;
    for r in results {
        let g = r
            .grads
            .ok_or_else(|| Error::Internal("a shard returned no gradients".into()))?;
        match &mut sum {
            Some(s) => s.add(&g),
            None => sum = Some(g),
        }
    }
    let sum = sum.ok_or_else(|| Error::Internal("no windows to train on".into()))?;
    Ok(FusedStep {
        loss: loss / targets.max(1) as f64,
        right,
        targets,
        grads: to_params(model, sum, device),
    })
}

/// Summed loss (nats), right predictions and real targets of `windows` under `model` in
/// inference mode (no dropout).
pub fn evaluate(
    model: &MelodyLstm,
    windows: &[&Window],
    options: &FusedOptions<'_>,
) -> Result<(f64, usize, usize)> {
    let weights = HostLstm::new(model)?;
    let mode = ShardMode {
        dropout: None,
        grad_scale: None,
    };
    Ok(totals(&run_shards(&weights, windows, options, mode)?))
}

fn real_targets(w: &Window) -> usize {
    w.mask.iter().filter(|&&m| m > 0.0).count()
}

fn totals(results: &[ShardResult]) -> (f64, usize, usize) {
    results.iter().fold((0.0, 0, 0), |(l, r, t), s| {
        (l + s.loss_sum, r + s.right, t + s.targets)
    })
}

/// Splits `windows` into shards of consecutive windows (one per thread, more for long
/// batches) and runs them, `options.threads` at a time; results in shard order.
fn run_shards(
    weights: &HostLstm,
    windows: &[&Window],
    options: &FusedOptions<'_>,
    mode: ShardMode,
) -> Result<Vec<ShardResult>> {
    if let Some(bad) = windows
        .iter()
        .flat_map(|w| &w.ids)
        .find(|&&id| id >= weights.vocab)
    {
        return Err(Error::Internal(format!(
            "symbol id {bad} is outside the model's {} symbols",
            weights.vocab
        )));
    }
    // One shard per thread, and more for long batches, so that a shard's buffers stay
    // small (each shard holds about 60 KiB per step of its windows for H = 256).
    let padded_steps = windows.len() * windows.iter().map(|w| w.len()).max().unwrap_or(0);
    let shards = options
        .threads
        .max(padded_steps.div_ceil(MAX_SHARD_STEPS))
        .clamp(1, windows.len().max(1));
    let size = windows.len().div_ceil(shards).max(1);
    let parts: Vec<(usize, &[&Window])> = windows
        .chunks(size)
        .enumerate()
        .map(|(i, c)| (i * size, c))
        .collect();
    let run = |(first, part): &(usize, &[&Window])| {
        let batch = HostBatch::new(part, options.structure, *first);
        run_shard(weights, &batch, mode)
    };
    // In waves of `threads` shards, so that no more than that many run at once.
    let threads = options.threads.max(1);
    Ok(parts
        .chunks(threads)
        .flat_map(|wave| -> Vec<ShardResult> {
            if wave.len() == 1 {
                wave.iter().map(run).collect()
            } else {
                wave.par_iter().map(run).collect()
            }
        })
        .collect())
}

fn register<const D: usize>(
    grads: &mut GradientsParams,
    param: &Param<Tensor<D>>,
    values: Vec<f32>,
    device: &Device,
) {
    let shape = param.val().dims();
    grads.register(
        param.id,
        Tensor::<D>::from_data(TensorData::new(values, shape), device),
    );
}

/// The host gradients as Burn tensors on `device`, keyed by `model`'s parameter ids.
fn to_params(model: &MelodyLstm, g: HostGrads, device: &Device) -> GradientsParams {
    let mut out = GradientsParams::new();
    if let (Some(p), Some(v)) = (&model.embedding, g.embedding) {
        register(&mut out, p, v, device);
    }
    if let (Some(p), Some(v)) = (&model.structure_weights, g.structure) {
        register(&mut out, p, v, device);
    }
    for (layer, grads) in model.layers.iter().zip(g.layers) {
        register(&mut out, &layer.input_weights, grads.input, device);
        register(&mut out, &layer.hidden_weights, grads.recurrent, device);
        if let (Some(p), Some(v)) = (&layer.bias, grads.bias) {
            register(&mut out, p, v, device);
        }
    }
    register(&mut out, &model.output.weight, g.output.0, device);
    if let (Some(p), Some(v)) = (&model.output.bias, g.output.1) {
        register(&mut out, p, v, device);
    }
    out
}

#[cfg(test)]
mod tests;
