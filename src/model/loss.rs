//! The training loss (masked cross-entropy) and the loss and accuracy of a set of windows,
//! on Burn's ops or on the fused CPU path.

use crate::corpus::data::{Batch, Window, batch};
use crate::error::{Error, Result};
use crate::model::MelodyLstm;
use crate::model::fused::{self, FusedOptions};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};

/// A tensor that could not be read back from the device.
pub(crate) fn read_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("cannot read {what} back from the device: {e}"))
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
