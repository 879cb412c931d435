//! What the model reads before it writes, and where the written steps sit in the song:
//! a continuation after the primer, or a fill between the notes around a span.

use super::config::{Length, SamplerConfig};
use super::plan::Plan;
use crate::corpus::data::{FillSpan, infill_window};
use crate::corpus::encoding::Symbol;
use crate::corpus::phrases::PhraseGrid;
use crate::corpus::structure::{Segment, SongStructure, StepContext};
use crate::error::{Error, Result};
use std::ops::Range;

/// What the model reads before it writes, and where the written steps sit in the song.
pub(super) struct Schedule {
    /// The song's meter and pickup.
    pub(super) structure: SongStructure,
    /// Inputs fed before the first choice, each with the context of the step it predicts.
    pub(super) prelude: Vec<(usize, StepContext)>,
    /// Song step of the first written symbol.
    pub(super) first: usize,
    /// Symbols to write.
    pub(super) steps: usize,
    /// Song step where the song (or the span) ends.
    pub(super) end: usize,
    /// The segment of the written steps.
    pub(super) segment: Segment,
    /// Step (of the written ones) from which end-on-tonic places the final note.
    pub(super) tail_start: usize,
    /// Filling: the first written step must start a note or rest.
    pub(super) onset_first: bool,
    /// Filling: the symbol right after the span.
    pub(super) join: Option<Symbol>,
    /// The song's ids (the primer, or the melody being filled), for the neighbour inputs.
    pub(super) song: Vec<usize>,
    /// Filling with notes after the span: the id of the first of them, where the fill joins.
    pub(super) join_id: Option<usize>,
    /// Step where the song ends (`end` for a continuation; the melody's end for a fill).
    pub(super) song_len: usize,
    /// The phrase grid, for a model that reads phrase inputs (its songs end only where a
    /// phrase ends).
    pub(super) phrases: Option<PhraseGrid>,
}

impl Schedule {
    pub(super) fn context(&self, step: usize) -> StepContext {
        let mut ctx =
            StepContext::new(step, self.end.saturating_sub(step), self.segment, self.join);
        ctx.song_end = Some(self.song_len);
        ctx
    }

    /// True when the song may end at `step`: on a bar line (any step without a meter),
    /// and for a model that knows phrases, where a phrase ends.
    pub(super) fn may_end_at(&self, step: usize) -> bool {
        if self.structure.bar_steps().is_none() {
            return true;
        }
        let phrase_end = self.phrases.is_none_or(|g| {
            self.structure
                .bar_of(step)
                .is_some_and(|bar| bar > 1 && (bar - 1) % g.bars.max(1) == 0)
        });
        self.structure.is_bar_line(step) && phrase_end
    }

    /// Continue the primer: `/ primer` then the new steps, up to the planned end.
    pub(super) fn continuation(plan: &Plan, config: &SamplerConfig) -> Result<Schedule> {
        let first = plan.primer_steps;
        let steps = match config.length {
            Length::Steps(n) => n,
            Length::Bars(b) => {
                let bar = plan.structure.bar_steps().unwrap_or(16);
                let into = plan.structure.bar_position(first).unwrap_or(0);
                let rest_of_bar = if into == 0 { 0 } else { bar - into };
                // A melody that starts with its pickup: the pickup, then `b` whole bars.
                let upbeat = first == 0 && into != 0;
                b.checked_sub(usize::from(into != 0 && !upbeat))
                    .and_then(|full| full.checked_mul(bar))
                    .and_then(|n| n.checked_add(rest_of_bar))
                    .ok_or_else(|| Error::Invalid(format!("{b} bars is too long")))?
            }
        };
        if steps == 0 {
            return Err(Error::Invalid(
                "the length must be at least one step".into(),
            ));
        }
        let end = first + steps;
        let mut schedule = Schedule {
            structure: plan.structure,
            prelude: Vec::with_capacity(first + 1),
            first,
            steps,
            end,
            segment: Segment::Plain,
            tail_start: 0,
            onset_first: false,
            join: None,
            song: plan.primer_ids[1..].to_vec(),
            join_id: None,
            song_len: end,
            phrases: None,
        };
        for (j, &id) in plan.primer_ids.iter().enumerate() {
            schedule.prelude.push((id, schedule.context(j)));
        }
        schedule.tail_start = schedule.strong_tail_start();
        Ok(schedule)
    }

    /// Fill `span` of the plan's melody: `/ suffix / prefix`, then the span's steps. With
    /// nothing after the span, it is a continuation of the prefix that ends with the span.
    pub(super) fn fill(plan: &Plan, span: Range<usize>) -> Result<(Schedule, Vec<usize>)> {
        let ids = &plan.primer_ids[1..];
        let (a, b) = (span.start, span.end);
        if a >= b || b > ids.len() {
            return Err(Error::Invalid(format!(
                "the span {}..{} is not inside the melody's {} steps",
                a,
                b,
                ids.len()
            )));
        }
        let mut schedule = Schedule {
            structure: plan.structure,
            prelude: Vec::with_capacity(ids.len() + 2),
            first: a,
            steps: b - a,
            end: b,
            segment: Segment::Fill,
            tail_start: b - a,
            onset_first: true,
            join: None,
            song: Vec::new(),
            join_id: None,
            song_len: ids.len(),
            phrases: None,
        };
        let mut song = ids.to_vec();
        // A note that the span's end cuts sounds again from the span's end.
        if b < song.len() && Some(song[b]) == plan.hold {
            let onset = song[..b]
                .iter()
                .rev()
                .find(|&&i| Some(i) != plan.hold)
                .copied();
            song[b] = onset.unwrap_or(plan.rest.unwrap_or(plan.delimiter));
        }
        if b == song.len() {
            // Nothing after the span: continue the prefix, ending where the span ends.
            schedule.segment = Segment::Plain;
            schedule.prelude.push((plan.delimiter, schedule.context(0)));
            for (step, &id) in song.iter().enumerate().take(a) {
                schedule.prelude.push((id, schedule.context(step + 1)));
            }
        } else {
            // The sequence the model was trained on: `/ suffix (backwards) / prefix`.
            schedule.join = plan.symbols.get(song[b]).copied();
            schedule.join_id = Some(song[b]);
            let span = FillSpan {
                steps: a..b,
                join: schedule.join,
            };
            let window = infill_window(&song, plan.structure, &span, plan.delimiter, usize::MAX)
                .ok_or_else(|| Error::Internal(format!("cannot fill {a}..{b}")))?;
            // Inputs up to s_{a-1}, whose target is the span's first step: every pair but
            // the span's (b - a) and the final s_b target.
            let prelude = window.ids.len() - 1 - (b - a);
            schedule.prelude = window.ids[..prelude]
                .iter()
                .copied()
                .zip(window.contexts[..prelude].iter().copied())
                .collect();
        }
        schedule.song.clone_from(&song);
        Ok((schedule, song))
    }

    /// Where end-on-tonic puts the final note: the last downbeat when the note from it to
    /// the end is at most a dotted half, else the last beat; 4 steps before the end without
    /// a meter.
    pub(super) fn strong_tail_start(&self) -> usize {
        let fallback = self.steps - 4.min(self.steps);
        let candidates = (self.first..self.end).rev();
        let level = |s: usize| self.structure.metrical_level(s);
        let downbeat = candidates
            .clone()
            .find(|&s| level(s) == Some(0))
            .filter(|&s| self.end - s <= 12 && self.end - s >= 2);
        let beat = candidates
            .clone()
            .find(|&s| level(s).is_some_and(|l| l <= 1) && self.end - s >= 2);
        downbeat.or(beat).map_or(fallback, |s| s - self.first)
    }
}

/// Where a row stands when it chooses: the written step `t`, what it wrote so far, and
/// the schedule.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) t: usize,
    pub(super) so_far: &'a [usize],
    pub(super) schedule: &'a Schedule,
}
