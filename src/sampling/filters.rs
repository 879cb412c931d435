//! Choosing one symbol from a row's logits: biases, constraints, temperature (fixed or
//! entropy-adaptive), top-k/top-p, and the draw.

use super::config::SamplerConfig;
use super::generated::StepInfo;
use super::plan::Plan;
use super::schedule::At;
use crate::corpus::encoding::Symbol;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

impl Plan {
    /// Picks one symbol for a row at written step `at.t`.
    pub(super) fn choose(
        &self,
        logits: &[f32],
        at: At<'_>,
        config: &SamplerConfig,
        rng: &mut SplitMix64,
    ) -> Result<(usize, StepInfo)> {
        let raw = softmax(logits, 1.0);
        let entropy = -raw
            .iter()
            .filter(|&&p| p > 0.0)
            .map(|&p| p * p.ln())
            .sum::<f32>();
        let mut adjusted: Vec<f32> = logits.to_vec();
        for (id, a) in adjusted.iter_mut().enumerate() {
            if Some(id) == self.rest {
                *a -= config.rest_penalty;
            } else if Some(id) == self.hold {
                *a += config.hold_bias;
            } else if self.is_note[id] {
                *a += config.note_bias;
            }
        }
        let legal = self.legal(at, config);
        for (a, ok) in adjusted.iter_mut().zip(&legal) {
            if !ok {
                *a = f32::NEG_INFINITY;
            }
        }
        if adjusted.iter().all(|a| *a == f32::NEG_INFINITY) {
            return Err(Error::Invalid(format!(
                "no symbol satisfies the constraints at step {} (range {:?}, scale {:?}, end on tonic {}): widen the range or drop the scale lock",
                at.schedule.first + at.t + 1,
                config.range,
                config.scale,
                config.end_on_tonic
            )));
        }
        let mut temperature = config.temperature;
        if let Some(a) = config.adaptive {
            let normalised = entropy / (logits.len().max(2) as f32).ln();
            temperature =
                (temperature * (1.0 + a.strength * (0.5 - normalised) * 2.0)).clamp(a.min, a.max);
        }
        let id = if temperature < 1e-4 {
            argmax(&adjusted)
        } else {
            let mut p = softmax(&adjusted, temperature);
            filter_top(&mut p, config.top_k, config.top_p);
            sample(&p, rng)
        };
        let symbol = self.symbols.get(id).copied().unwrap_or(Symbol::Delimiter);
        Ok((
            id,
            StepInfo {
                symbol,
                probability: raw[id],
                entropy,
            },
        ))
    }
}

pub(super) fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return vec![0.0; logits.len()];
    }
    let mut p: Vec<f32> = logits
        .iter()
        .map(|&l| ((l - max) / temperature).exp())
        .collect();
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

pub(super) fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// Zeroes all but the top-k and the top-p mass, then renormalises.
pub(super) fn filter_top(p: &mut [f32], top_k: usize, top_p: f32) {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let mut keep = vec![false; p.len()];
    let mut mass = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        if (top_k > 0 && rank >= top_k) || p[i] == 0.0 {
            break;
        }
        keep[i] = true;
        mass += p[i];
        if mass >= top_p {
            break;
        }
    }
    for (v, k) in p.iter_mut().zip(&keep) {
        if !k {
            *v = 0.0;
        }
    }
    let sum: f32 = p.iter().sum();
    if sum > 0.0 {
        p.iter_mut().for_each(|v| *v /= sum);
    }
}

pub(super) fn sample(p: &[f32], rng: &mut SplitMix64) -> usize {
    let u = rng.next_f64() as f32;
    let mut acc = 0.0;
    let mut last = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > 0.0 {
            last = i;
            acc += v;
            if u < acc {
                return i;
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_p_and_top_k_keep_the_head() {
        let mut p = vec![0.5, 0.3, 0.15, 0.05];
        filter_top(&mut p, 0, 0.8);
        assert!((p[0] - 0.625).abs() < 1e-6 && p[2] == 0.0);
        let mut p = vec![0.1, 0.6, 0.3];
        filter_top(&mut p, 1, 1.0);
        assert_eq!(p, vec![0.0, 1.0, 0.0]);
    }

    #[test]
    fn sampling_follows_the_distribution() {
        let mut rng = SplitMix64(3);
        let p = [0.2, 0.8];
        let ones = (0..10_000).filter(|_| sample(&p, &mut rng) == 1).count();
        assert!((7_700..8_300).contains(&ones), "{ones}");
    }
}
