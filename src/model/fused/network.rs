//! The whole melody LSTM's loss and gradients on the host for one shard of a batch: the
//! first layer's input contribution, the fused layers, dropout, the output layer and the
//! masked cross-entropy, then the same backwards.

use super::batch::HostBatch;
use super::layer::{self, Dims, LayerWeights, Tape};
use crate::model::host::HostLstm;
use crate::model::kernels::{Operand, fast_exp, gemm, simd_dispatch};
use crate::rng::SplitMix64;

/// Gradients of every weight of a [`HostLstm`], in its layout.
#[derive(Clone, Debug, PartialEq)]
pub struct HostGrads {
    /// Of the embedding `[vocab, E]`.
    pub embedding: Option<Vec<f32>>,
    /// Of the structure-input weights `[width, 4H]`.
    pub structure: Option<Vec<f32>>,
    /// Per layer, bottom first.
    pub layers: Vec<LayerWeightGrads>,
    /// Output weights `[H, vocab]` and bias `[vocab]`.
    pub output: (Vec<f32>, Option<Vec<f32>>),
}

impl HostGrads {
    /// Adds `other` (of the same model) to these.
    pub fn add(&mut self, other: &HostGrads) {
        let add = |a: &mut Vec<f32>, b: &Vec<f32>| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        let add_opt = |a: &mut Option<Vec<f32>>, b: &Option<Vec<f32>>| {
            if let (Some(a), Some(b)) = (a, b) {
                add(a, b);
            }
        };
        add_opt(&mut self.embedding, &other.embedding);
        add_opt(&mut self.structure, &other.structure);
        for (mine, theirs) in self.layers.iter_mut().zip(&other.layers) {
            add(&mut mine.input, &theirs.input);
            add(&mut mine.recurrent, &theirs.recurrent);
            add_opt(&mut mine.bias, &theirs.bias);
        }
        add(&mut self.output.0, &other.output.0);
        add_opt(&mut self.output.1, &other.output.1);
    }
}

/// Gradients of one layer's weights.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LayerWeightGrads {
    /// Of the input weights `[input, 4H]`.
    pub input: Vec<f32>,
    /// Of the recurrent weights `[H, 4H]`.
    pub recurrent: Vec<f32>,
    /// Of the bias `[4H]`, for a layer that has one.
    pub bias: Option<Vec<f32>>,
}

/// What one shard contributes.
#[derive(Clone, Debug)]
pub struct ShardResult {
    /// Sum of the masked targets' negative log-likelihoods (nats).
    pub loss_sum: f64,
    /// Targets the arg-max predicted right.
    pub right: usize,
    /// Real targets.
    pub targets: usize,
    /// The gradients of `loss_sum · scale` (none for an evaluation).
    pub grads: Option<HostGrads>,
}

/// How a shard runs: dropout (probability and the batch's seed) for training, and the
/// factor its gradients are scaled by (one over the whole batch's targets).
#[derive(Clone, Copy, Debug)]
pub struct ShardMode {
    /// Dropout probability and seed; `None` for no dropout.
    pub dropout: Option<(f32, u64)>,
    /// Scale of the gradients; `None` runs the forward pass only.
    pub grad_scale: Option<f32>,
}

/// The forward pass's values that the backward pass reads.
struct Forward {
    /// Embedded inputs `[T·B, E]`, for a model with an embedding.
    embedded: Option<Vec<f32>>,
    /// Each layer's tape.
    tapes: Vec<Tape>,
    /// Each layer's input after dropout `[T·B, H]` (layers above the first).
    inputs: Vec<Vec<f32>>,
    /// Dropout masks (already scaled) of each layer's input (index 0 unused) and of the
    /// output layer's input (last), `[T·B, H]`.
    masks: Vec<Option<Vec<f32>>>,
    /// The output layer's input `[T·B, H]`.
    top: Vec<f32>,
}

/// Loss, accuracy and (when `mode.grad_scale` is set) gradients of one shard.
pub fn run_shard(w: &HostLstm, batch: &HostBatch, mode: ShardMode) -> ShardResult {
    let dims = Dims {
        steps: batch.steps,
        rows: batch.rows,
        hidden: w.hidden,
    };
    let fwd = forward(w, batch, dims, mode.dropout);
    let n = dims.steps * dims.rows;
    let mut logits = vec![0.0f32; n * w.vocab];
    if let Some(b) = &w.output.1 {
        logits
            .chunks_mut(w.vocab)
            .for_each(|r| r.copy_from_slice(b));
    }
    let ops = (Operand::plain(&fwd.top), Operand::plain(&w.output.0));
    gemm(&mut logits, ops, (n, w.hidden, w.vocab), true);
    let scale = mode.grad_scale.unwrap_or(0.0);
    let (loss_sum, right) = softmax_loss(&mut logits, batch, w.vocab, scale);
    let grads = mode
        .grad_scale
        .map(|_| backward(w, batch, dims, fwd, &logits));
    ShardResult {
        loss_sum,
        right,
        targets: batch.targets_count(),
        grads,
    }
}

fn forward(w: &HostLstm, batch: &HostBatch, dims: Dims, dropout: Option<(f32, u64)>) -> Forward {
    let n = dims.steps * dims.rows;
    let g = 4 * w.hidden;
    let (first, embedded) = first_layer_input(w, batch);
    let mut first = Some(first);
    let mut tapes: Vec<Tape> = Vec::with_capacity(w.layers.len());
    let mut inputs = vec![Vec::new()];
    let mut masks = vec![None];
    for (l, lw) in w.layers.iter().enumerate() {
        let gates = if let Some(first) = first.take() {
            first
        } else {
            let below = &tapes[l - 1].h;
            let mask = dropout.map(|(p, seed)| dropout_mask(batch, dims, p, seed, l as u64));
            let x = apply_mask(below, mask.as_deref());
            let mut gates = vec![0.0f32; n * g];
            let ops = (Operand::plain(&x), Operand::plain(&lw.input));
            gemm(&mut gates, ops, (n, w.hidden, g), false);
            inputs.push(x);
            masks.push(mask);
            gates
        };
        let weights = LayerWeights {
            recurrent: &lw.recurrent,
            bias: lw.bias.as_deref(),
        };
        tapes.push(layer::forward(gates, weights, dims, None));
    }
    let top_mask = dropout.map(|(p, seed)| dropout_mask(batch, dims, p, seed, 0));
    let top = apply_mask(&tapes[tapes.len() - 1].h, top_mask.as_deref());
    masks.push(top_mask);
    Forward {
        embedded,
        tapes,
        inputs,
        masks,
        top,
    }
}

/// The first layer's input contribution `[T·B, 4H]` (the symbol's row of the input
/// weights, or its embedding times them, plus the structure inputs' rows), and the
/// embedded inputs `[T·B, E]` when the model has an embedding.
fn first_layer_input(w: &HostLstm, batch: &HostBatch) -> (Vec<f32>, Option<Vec<f32>>) {
    let g = 4 * w.hidden;
    let n = batch.inputs.len();
    let input = &w.layers[0].input;
    let mut gates = vec![0.0f32; n * g];
    let embedded = match &w.embedding {
        None => {
            for (row, &t) in gates.chunks_mut(g).zip(&batch.inputs) {
                row.copy_from_slice(&input[t * g..(t + 1) * g]);
            }
            None
        }
        Some((e, size)) => {
            let x: Vec<f32> = batch
                .inputs
                .iter()
                .flat_map(|&t| e[t * size..(t + 1) * size].iter().copied())
                .collect();
            gemm(
                &mut gates,
                (Operand::plain(&x), Operand::plain(input)),
                (n, *size, g),
                false,
            );
            Some(x)
        }
    };
    if let (Some((sw, _)), Some(f)) = (&w.structure, &batch.features) {
        for (r, row) in gates.chunks_mut(g).enumerate() {
            for (j, v) in f.row(r) {
                simd_dispatch!(scatter_add(row, &sw[j * g..(j + 1) * g], v));
            }
        }
    }
    (gates, embedded)
}

/// A dropout mask `[T·B, H]`: 0 with probability `p`, else `1 / (1 − p)`. Each window's
/// values come from its own stream (the batch seed, the window's index in the whole
/// batch and `salt`), so a split batch draws the same masks as a whole one.
pub(crate) fn dropout_mask(
    batch: &HostBatch,
    dims: Dims,
    p: f32,
    seed: u64,
    salt: u64,
) -> Vec<f32> {
    let h = dims.hidden;
    let keep = 1.0 / (1.0 - p);
    // 16-bit draws, four per 64-bit random number: p is kept to 1/65,536.
    let threshold = (f64::from(p) * 65_536.0).round() as u64;
    let mut mask = vec![0.0f32; dims.steps * dims.rows * h];
    for b in 0..dims.rows {
        let row = (batch.first_row + b) as u64;
        let mut rng = SplitMix64(seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt << 56);
        for t in 0..dims.steps {
            let out = &mut mask[(t * dims.rows + b) * h..][..h];
            for quad in out.chunks_mut(4) {
                let bits = rng.next_u64();
                for (k, v) in quad.iter_mut().enumerate() {
                    let u = (bits >> (16 * k)) & 0xFFFF;
                    *v = if u < threshold { 0.0 } else { keep };
                }
            }
        }
    }
    mask
}

fn apply_mask(x: &[f32], mask: Option<&[f32]>) -> Vec<f32> {
    match mask {
        Some(m) => x.iter().zip(m).map(|(a, b)| a * b).collect(),
        None => x.to_vec(),
    }
}

/// Turns `logits` `[T·B, V]` into the gradient of `scale ·` the summed masked
/// cross-entropy with respect to them (`scale · mask · (softmax − one-hot)`), and returns
/// the summed loss and the number of arg-max hits.
fn softmax_loss(logits: &mut [f32], batch: &HostBatch, vocab: usize, scale: f32) -> (f64, usize) {
    let (mut loss, mut right) = (0.0f64, 0usize);
    for ((row, &target), &m) in logits
        .chunks_mut(vocab)
        .zip(&batch.targets)
        .zip(&batch.mask)
    {
        if m <= 0.0 {
            row.iter_mut().for_each(|v| *v = 0.0);
            continue;
        }
        let (best, max) =
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv { (i, v) } else { (bi, bv) }
                });
        right += usize::from(best == target);
        let mut sum = 0.0f32;
        row.iter_mut().for_each(|v| {
            *v = fast_exp(*v - max);
            sum += *v;
        });
        loss -= f64::from(m) * (f64::from(row[target] / sum)).ln();
        let k = scale * m / sum;
        row.iter_mut().for_each(|v| *v *= k);
        row[target] -= scale * m;
    }
    (loss, right)
}

/// The gradients of every weight, from `dlogits` `[T·B, V]`.
fn backward(
    w: &HostLstm,
    batch: &HostBatch,
    dims: Dims,
    mut fwd: Forward,
    dlogits: &[f32],
) -> HostGrads {
    let (n, h, v, g) = (dims.steps * dims.rows, w.hidden, w.vocab, 4 * w.hidden);
    let mut dw_out = vec![0.0f32; h * v];
    gemm(
        &mut dw_out,
        (Operand::t(&fwd.top), Operand::plain(dlogits)),
        (h, n, v),
        false,
    );
    let db_out = w.output.1.as_ref().map(|_| layer::column_sums(dlogits, v));
    let mut dh = vec![0.0f32; n * h];
    gemm(
        &mut dh,
        (Operand::plain(dlogits), Operand::t(&w.output.0)),
        (n, v, h),
        false,
    );
    let mut dh = apply_mask(&dh, fwd.masks[w.layers.len()].as_deref());
    let mut layers = vec![LayerWeightGrads::default(); w.layers.len()];
    let mut first_gates = Vec::new();
    for l in (0..w.layers.len()).rev() {
        let lw = &w.layers[l];
        let tape = fwd.tapes.pop().expect("one tape per layer");
        let with_bias = lw.bias.is_some();
        let grads = layer::backward(tape, &lw.recurrent, std::mem::take(&mut dh), with_bias);
        let dbias = grads.bias;
        if l == 0 {
            layers[0] = LayerWeightGrads {
                input: Vec::new(),
                recurrent: grads.recurrent,
                bias: dbias,
            };
            first_gates = grads.input_gates;
            continue;
        }
        let x = &fwd.inputs[l];
        let mut dw_in = vec![0.0f32; h * g];
        let dgates = &grads.input_gates;
        gemm(
            &mut dw_in,
            (Operand::t(x), Operand::plain(dgates)),
            (h, n, g),
            false,
        );
        let mut dx = vec![0.0f32; n * h];
        gemm(
            &mut dx,
            (Operand::plain(dgates), Operand::t(&lw.input)),
            (n, g, h),
            false,
        );
        dh = apply_mask(&dx, fwd.masks[l].as_deref());
        layers[l] = LayerWeightGrads {
            input: dw_in,
            recurrent: grads.recurrent,
            bias: dbias,
        };
    }
    let first = first_layer_grads(w, batch, &fwd, &first_gates);
    layers[0].input = first.input;
    HostGrads {
        embedding: first.embedding,
        structure: first.structure,
        layers,
        output: (dw_out, db_out),
    }
}

/// Gradients of the weights that feed the first layer.
struct FirstLayerGrads {
    input: Vec<f32>,
    embedding: Option<Vec<f32>>,
    structure: Option<Vec<f32>>,
}

/// Gradients of the first layer's input weights, the embedding and the structure-input
/// weights, from the first layer's gate gradients `[T·B, 4H]`.
fn first_layer_grads(
    w: &HostLstm,
    batch: &HostBatch,
    fwd: &Forward,
    dgates: &[f32],
) -> FirstLayerGrads {
    let g = 4 * w.hidden;
    let n = batch.inputs.len();
    let input = &w.layers[0].input;
    let mut dw_in = vec![0.0f32; input.len()];
    let embedding = match (&w.embedding, &fwd.embedded) {
        (Some((e, size)), Some(x)) => {
            gemm(
                &mut dw_in,
                (Operand::t(x), Operand::plain(dgates)),
                (*size, n, g),
                false,
            );
            let mut dx = vec![0.0f32; n * size];
            gemm(
                &mut dx,
                (Operand::plain(dgates), Operand::t(input)),
                (n, g, *size),
                false,
            );
            let mut de = vec![0.0f32; e.len()];
            for (&t, row) in batch.inputs.iter().zip(dx.chunks(*size)) {
                simd_dispatch!(scatter_add(&mut de[t * size..(t + 1) * size], row, 1.0));
            }
            Some(de)
        }
        _ => {
            for (&t, row) in batch.inputs.iter().zip(dgates.chunks(g)) {
                simd_dispatch!(scatter_add(&mut dw_in[t * g..(t + 1) * g], row, 1.0));
            }
            None
        }
    };
    let structure = match (&w.structure, &batch.features) {
        (Some((sw, _)), Some(f)) => {
            let mut ds = vec![0.0f32; sw.len()];
            for (r, row) in dgates.chunks(g).enumerate() {
                for (j, v) in f.row(r) {
                    simd_dispatch!(scatter_add(&mut ds[j * g..(j + 1) * g], row, v));
                }
            }
            Some(ds)
        }
        _ => None,
    };
    FirstLayerGrads {
        input: dw_in,
        embedding,
        structure,
    }
}

#[inline(always)]
fn scatter_add(dst: &mut [f32], src: &[f32], scale: f32) {
    dst.iter_mut().zip(src).for_each(|(a, b)| *a += scale * b);
}
