//! Constraints: which symbols may come at a step (pitch range, scale lock, song ends on bar
//! lines, a fill's first onset, end on the tonic). An impossible constraint is an error.

use super::config::SamplerConfig;
use super::plan::Plan;
use super::schedule::At;
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::structure::Segment;
use crate::error::{Error, Result};
use crate::music::Key;

impl Plan {
    /// Which ids may come at generated step `t`: the song may end only on a bar line
    /// (with "stop at the song end"), a fill starts with an onset and never ends the song,
    /// and end-on-tonic holds the tonic from a strong beat to the end.
    pub(super) fn legal(&self, at: At<'_>, config: &SamplerConfig) -> Vec<bool> {
        let At {
            t,
            so_far,
            schedule,
        } = at;
        let mut legal = self.allowed.clone();
        let step = schedule.first + t;
        let may_end = config.stop_at_end
            && !config.end_on_tonic
            && !schedule.onset_first
            && schedule.segment == Segment::Plain
            && (schedule.structure.bar_steps().is_none() || schedule.structure.is_bar_line(step));
        if !may_end {
            legal[self.delimiter] = false;
        }
        if schedule.onset_first
            && t == 0
            && let Some(h) = self.hold
        {
            legal[h] = false;
        }
        if config.end_on_tonic && schedule.segment == Segment::Plain {
            let tail_start = schedule.tail_start;
            let tonic_placed =
                so_far.len() > tail_start && so_far[tail_start..].iter().any(|&i| self.tonic[i]);
            if t == tail_start || (t > tail_start && !tonic_placed) {
                for (id, l) in legal.iter_mut().enumerate() {
                    *l = *l && self.tonic[id];
                }
            } else if t > tail_start {
                for (id, l) in legal.iter_mut().enumerate() {
                    *l = *l && Some(id) == self.hold;
                }
            }
        }
        legal
    }
}

/// Per vocabulary id: allowed by the range and scale, a tonic for end-on-tonic, a note.
pub(super) struct SymbolMasks {
    pub(super) allowed: Vec<bool>,
    pub(super) tonic: Vec<bool>,
    pub(super) is_note: Vec<bool>,
}

impl SymbolMasks {
    /// The masks for output pitches `model pitch - shift`; an impossible constraint is an error.
    pub(super) fn new(
        vocab: &Vocabulary,
        shift: i32,
        output_key: Key,
        config: &SamplerConfig,
    ) -> Result<Self> {
        let scale = config.scale;
        let tonic_pc = scale.unwrap_or(output_key).tonic.pitch_class();
        let mut masks = SymbolMasks {
            allowed: Vec::with_capacity(vocab.len()),
            tonic: Vec::with_capacity(vocab.len()),
            is_note: Vec::with_capacity(vocab.len()),
        };
        for s in vocab.symbols() {
            let (ok, t, n) = match s {
                Symbol::Note(p) => {
                    let out = i32::from(p.midi()) - shift;
                    let in_range = config
                        .range
                        .is_none_or(|(lo, hi)| (i32::from(lo)..=i32::from(hi)).contains(&out));
                    let in_scale =
                        scale.is_none_or(|k| k.contains_pitch_class(out.rem_euclid(12) as u8));
                    (
                        in_range && in_scale,
                        out.rem_euclid(12) as u8 == tonic_pc,
                        true,
                    )
                }
                _ => (true, false, false),
            };
            masks.allowed.push(ok);
            masks.tonic.push(t && ok);
            masks.is_note.push(n);
        }
        if !masks
            .allowed
            .iter()
            .zip(&masks.is_note)
            .any(|(a, n)| *a && *n)
        {
            return Err(Error::Invalid(format!(
                "no note the model knows fits the constraints (range {:?}, scale {:?})",
                config.range, config.scale
            )));
        }
        if config.end_on_tonic && !masks.tonic.iter().any(|&t| t) {
            return Err(Error::Invalid(format!(
                "end on the tonic: no tonic of {} fits the range {:?}",
                scale.unwrap_or(output_key),
                config.range
            )));
        }
        Ok(masks)
    }
}
