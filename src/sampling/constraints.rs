//! Constraints: which symbols may come at a step (pitch range, scale lock, song ends on bar
//! lines, a fill's first onset, end on the tonic). An impossible constraint is an error.

use super::config::SamplerConfig;
use super::plan::Plan;
use super::schedule::At;
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::structure::Segment;
use crate::error::{Error, Result};
use crate::music::{Key, Mode};
use crate::music::{KeyProfile, estimate_key};

impl Plan {
    /// Which ids may come at generated step `t`: the song may end only on a bar line
    /// (with "stop at the song end"; where a phrase ends, for a model that knows phrases),
    /// a fill starts with an onset and never ends the song, each landing puts its note on
    /// its step and holds it, and end-on-tonic holds the tonic from a strong beat to the end.
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
            && schedule.may_end_at(step);
        if !may_end {
            legal[self.delimiter] = false;
        }
        if schedule.onset_first
            && t == 0
            && let Some(h) = self.hold
        {
            legal[h] = false;
        }
        for landing in &config.landings {
            if step == landing.step {
                let fits = |id: usize| {
                    self.out_pc[id].is_some_and(|pc| landing.pitch_classes[usize::from(pc)])
                };
                self.land(&mut legal, at, fits);
            } else if step > landing.step && step < landing.step + landing.hold {
                legal
                    .iter_mut()
                    .enumerate()
                    .for_each(|(id, l)| *l = *l && Some(id) == self.hold);
            } else if step > landing.step
                && step < landing.quiet_until
                && schedule.structure.is_strong_beat(step)
            {
                legal
                    .iter_mut()
                    .enumerate()
                    .for_each(|(id, l)| *l = *l && !self.is_note[id]);
            }
        }
        if config.end_on_tonic && schedule.segment == Segment::Plain {
            let tonic = if schedule.phrases.is_some() {
                self.closing_tonic(so_far)
            } else {
                &self.tonic
            };
            let tail_start = schedule.tail_start;
            let tonic_placed =
                so_far.len() > tail_start && so_far[tail_start..].iter().any(|&i| tonic[i]);
            if t == tail_start || (t > tail_start && !tonic_placed) {
                self.land(&mut legal, at, |id| tonic[id]);
            } else if t > tail_start {
                for (id, l) in legal.iter_mut().enumerate() {
                    *l = *l && Some(id) == self.hold;
                }
            }
        }
        if schedule.phrases.is_some() && t + 1 < schedule.steps {
            self.sung_lengths(&mut legal, at);
        }
        legal
    }

    /// Notes and rests end only at lengths the corpus's songs have (1, 2, 3, 4, 6, 8, 12
    /// or 16 sixteenths, or longer): a note that would end at 5 or 7 sixteenths holds on.
    /// Nothing changes where holding is not allowed here (a cadence's note must start).
    fn sung_lengths(&self, legal: &mut [bool], at: At<'_>) {
        let Some(hold) = self.hold.filter(|&h| legal[h]) else {
            return;
        };
        let earlier = at.schedule.song[..at.schedule.first.min(at.schedule.song.len())].iter();
        let mut length = 0;
        for &id in at.so_far.iter().rev().chain(earlier.rev()) {
            length += 1;
            if id != hold {
                break;
            }
        }
        if length > 0 && length <= 16 && !SUNG_LENGTHS.contains(&length) {
            for (id, l) in legal.iter_mut().enumerate() {
                *l = *l && id == hold;
            }
        }
    }

    /// Keeps only the notes `fits` allows, and (for a model that knows phrases) of those the
    /// ones within a fifth of the note before, when any is: a close or a cadence is reached
    /// by a step or a small leap, not by an octave.
    fn land(&self, legal: &mut [bool], at: At<'_>, fits: impl Fn(usize) -> bool) {
        if at.schedule.phrases.is_none() {
            for (id, l) in legal.iter_mut().enumerate() {
                *l = *l && fits(id);
            }
            return;
        }
        let previous = at
            .so_far
            .iter()
            .rev()
            .chain(
                at.schedule.song[..at.schedule.first.min(at.schedule.song.len())]
                    .iter()
                    .rev(),
            )
            .find_map(|&id| self.out_pitch[id]);
        let near = |id: usize| {
            previous.is_none_or(|p| {
                self.out_pitch[id].is_some_and(|q| (i32::from(q) - i32::from(p)).abs() <= 7)
            })
        };
        let any_near = (0..legal.len()).any(|id| legal[id] && fits(id) && near(id));
        for (id, l) in legal.iter_mut().enumerate() {
            *l = *l && fits(id) && (!any_near || near(id));
        }
    }

    /// The tonic a melody closes on: the output key's, or, for a melody whose key is open
    /// (started from nothing, no key or scale asked for), that of C major or A minor,
    /// whichever its notes so far are in.
    fn closing_tonic(&self, so_far: &[usize]) -> &[bool] {
        let Some(relative) = &self.relative_tonic else {
            return &self.tonic;
        };
        let mut histogram = [0.0; 12];
        let mut last: Option<u8> = None;
        for &id in so_far {
            if let Some(p) = self.out_pitch[id] {
                last = Some(p % 12);
            }
            if let Some(pc) = last.filter(|_| self.is_note[id] || Some(id) == self.hold) {
                histogram[usize::from(pc)] += 1.0;
            }
            if Some(id) == self.rest {
                last = None;
            }
        }
        let keys = [self.output_key, relative_key(self.output_key)];
        match estimate_key(&histogram, &keys, KeyProfile::KrumhanslKessler) {
            Some(k) if k == keys[1] => relative,
            _ => &self.tonic,
        }
    }
}

/// The lengths (in sixteenths, up to a whole note) the preprocessing accepts: the corpus's.
const SUNG_LENGTHS: [usize; 8] = [1, 2, 3, 4, 6, 8, 12, 16];

/// The relative minor of a major key (the relative major of a minor one).
fn relative_key(key: Key) -> Key {
    let mode = if key.mode == Mode::Minor {
        Mode::Major
    } else {
        Mode::Minor
    };
    Key::from_signature(key.signature_fifths(), mode)
}

/// Per vocabulary id: allowed by the range and scale, a tonic for end-on-tonic, a note,
/// and its pitch in the output key.
pub(super) struct SymbolMasks {
    pub(super) allowed: Vec<bool>,
    pub(super) tonic: Vec<bool>,
    /// The relative key's tonic, when the key is open (a melody started from nothing).
    pub(super) relative_tonic: Option<Vec<bool>>,
    pub(super) is_note: Vec<bool>,
    pub(super) out_pitch: Vec<Option<u8>>,
    pub(super) out_pc: Vec<Option<u8>>,
}

impl SymbolMasks {
    /// The masks for output pitches `model pitch - shift`; an impossible constraint is an error.
    pub(super) fn new(
        vocab: &Vocabulary,
        (shift, output_key, open_key): (i32, Key, bool),
        config: &SamplerConfig,
    ) -> Result<Self> {
        let scale = config.scale;
        let tonic_pc = scale.unwrap_or(output_key).tonic.pitch_class();
        let mut masks = SymbolMasks {
            allowed: Vec::with_capacity(vocab.len()),
            tonic: Vec::with_capacity(vocab.len()),
            relative_tonic: None,
            is_note: Vec::with_capacity(vocab.len()),
            out_pitch: Vec::with_capacity(vocab.len()),
            out_pc: Vec::with_capacity(vocab.len()),
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
            let out = match s {
                Symbol::Note(p) => u8::try_from(i32::from(p.midi()) - shift).ok(),
                _ => None,
            };
            masks.out_pitch.push(out);
            masks.out_pc.push(out.map(|p| p % 12));
        }
        if open_key {
            let pc = relative_key(output_key).tonic.pitch_class();
            masks.relative_tonic = Some(
                (0..masks.allowed.len())
                    .map(|id| masks.allowed[id] && masks.out_pc[id] == Some(pc))
                    .collect(),
            );
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
