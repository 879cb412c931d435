//! The seed tutorial's way of generating, re-reading a 64-step window for every new symbol:
//! the reference the generation bench measures against.

use burn::tensor::{Device, Int, Tensor, TensorData, s};
use lstmuse::corpus::encoding::{Symbol, Vocabulary};
use lstmuse::error::{Error, Result};
use lstmuse::model::MelodyLstm;
use lstmuse::rng::SplitMix64;

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
                .map_err(|e| Error::Internal(format!("cannot read the model's output: {e}")))
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
    fn sampling_skips_the_banned_id() {
        let mut rng = SplitMix64(9);
        for _ in 0..200 {
            assert_ne!(sample_without(&[5.0, 0.0, 0.0], 0, 0.9, &mut rng), 0);
        }
    }
}
