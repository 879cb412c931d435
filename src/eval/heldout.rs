//! Scoring a model on songs it did not train on: cross-entropy per step and per note onset.

use crate::corpus::data::SongIds;
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::model::MelodyLstm;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Serialize;

/// A model's figures on a set of songs, each song scored from a fresh state.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// Songs scored.
    pub songs: usize,
    /// Songs skipped because they use symbols outside the model's vocabulary.
    pub skipped_songs: usize,
    /// Nats per 16th-note step, averaged over every target inside songs (every target
    /// but the closing delimiter).
    pub nll_per_step: f64,
    /// Bits per note onset: the same, over the targets that are note onsets.
    pub bits_per_note: f64,
    /// Next-step accuracy over the targets inside songs.
    pub accuracy: f64,
    /// Targets scored inside songs.
    pub steps: usize,
    /// Note-onset targets.
    pub onsets: usize,
}

/// Scores songs: each is fed as `/ song` from a zero state and must predict `song`
/// (the closing `/` is not scored). Songs are run in batches of `batch_size`.
pub fn evaluate(
    model: &MelodyLstm,
    vocab: &Vocabulary,
    songs: &SongIds,
    skipped_songs: usize,
    batch_size: usize,
    device: &Device,
) -> EvalReport {
    let delimiter = vocab.id(Symbol::Delimiter).unwrap_or(0) as i64;
    let is_onset: Vec<bool> = vocab
        .symbols()
        .iter()
        .map(|s| matches!(s, Symbol::Note(_)))
        .collect();
    let mut order: Vec<&Vec<usize>> = songs.songs.iter().filter(|s| !s.is_empty()).collect();
    order.sort_by_key(|s| s.len());
    let (mut nll, mut onset_nll, mut right, mut steps, mut onsets) = (0.0f64, 0.0f64, 0, 0, 0);
    for group in order.chunks(batch_size.max(1)) {
        let len = group.iter().map(|s| s.len()).max().unwrap_or(0);
        let b = group.len();
        let mut inputs = Vec::with_capacity(b * len);
        let mut targets = Vec::with_capacity(b * len);
        for song in group {
            inputs.push(delimiter);
            inputs.extend(song[..song.len() - 1].iter().map(|&i| i as i64));
            inputs.extend(std::iter::repeat_n(delimiter, len - song.len()));
            targets.extend(song.iter().map(|&i| i as i64));
            targets.extend(std::iter::repeat_n(-1, len - song.len()));
        }
        let x = Tensor::<2, Int>::from_data(TensorData::new(inputs, [b, len]), device);
        let logits = model.forward(x);
        let vocab_size = vocab.len();
        let logp: Vec<f32> = log_softmax(logits.reshape([b * len, vocab_size]), 1)
            .into_data()
            .convert::<f32>()
            .try_to_vec()
            .unwrap_or_default();
        for (i, &t) in targets.iter().enumerate() {
            if t < 0 {
                continue;
            }
            let row = &logp[i * vocab_size..(i + 1) * vocab_size];
            let lp = f64::from(row[t as usize]);
            let best = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(j, _)| j);
            nll -= lp;
            steps += 1;
            right += usize::from(best == t as usize);
            if is_onset.get(t as usize).copied().unwrap_or(false) {
                onset_nll -= lp;
                onsets += 1;
            }
        }
    }
    EvalReport {
        songs: order.len(),
        skipped_songs,
        nll_per_step: nll / steps.max(1) as f64,
        bits_per_note: onset_nll / onsets.max(1) as f64 / std::f64::consts::LN_2,
        accuracy: right as f64 / steps.max(1) as f64,
        steps,
        onsets,
    }
}
