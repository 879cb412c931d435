//! The sampler's loop: continue a primer, or fill a span between notes, one host `step`
//! per new symbol for every variation at once.

use super::config::{SamplerConfig, validate};
use super::filters::softmax;
use super::generated::{Generated, StepInfo};
use super::plan::Plan;
use super::schedule::{At, Schedule};
use crate::corpus::encoding::decode;
use crate::corpus::structure::{StepContext, StructureInputs};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::artifact::WEIGHTS_FILE;
use crate::model::{HostLstm, HostState, ModelRef};
use crate::music::{Melody, Ratio};
use crate::rng::SplitMix64;
use std::ops::Range;

/// Parses the seed's text form (`"67 _ 67 _ 65 r _"`) into a melody.
pub fn primer_from_text(text: &str) -> Result<Melody> {
    let symbols = crate::corpus::encoding::parse_symbols(text)?;
    Ok(decode(&symbols, Ratio::STEP))
}

/// Generates `config.variations` continuations of `primer` (which may be empty).
pub fn generate(
    model: ModelRef<'_>,
    primer: &Melody,
    config: &SamplerConfig,
) -> Result<Vec<Generated>> {
    validate(config)?;
    let plan = Plan::new(model.vocab, primer, config)?;
    let schedule = Schedule::continuation(&plan, config)?;
    let (rows, _) = run(model, &plan, &schedule, config)?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(r, (chosen, infos))| plan.finish(primer, &chosen, infos, r))
        .collect())
}

/// Writes `config.variations` new versions of the 16th steps `span` of `melody`, each
/// conditioned on the notes before and after the span; everything outside the span stays
/// as it was. Needs a model trained to fill (structure inputs with infilling).
pub fn fill(
    model: ModelRef<'_>,
    melody: &Melody,
    span: Range<usize>,
    config: &SamplerConfig,
) -> Result<Vec<Generated>> {
    validate(config)?;
    if !model.config.structure.is_some_and(|s| s.infill) {
        return Err(Error::Invalid(
            "this model was trained before infilling: fill needs a model trained with \
             structure inputs (retrain it, or use the bundled model)"
                .into(),
        ));
    }
    // A fill keeps the melody's own key.
    let config = &SamplerConfig {
        output_key: None,
        ..config.clone()
    };
    let plan = Plan::new(model.vocab, melody, config)?;
    let (schedule, symbols) = Schedule::fill(&plan, span.clone())?;
    // Draw several candidates per variation and keep those that lead best into the note
    // after the span: the model's probability of that note once it has read the fill.
    let wanted = config.variations;
    let candidates = if schedule.join_id.is_some() {
        (wanted * FILL_CANDIDATES).min(Limits::DEFAULT.max_variations.max(wanted))
    } else {
        wanted
    };
    let run_config = SamplerConfig {
        variations: candidates,
        ..config.clone()
    };
    let (mut rows, joins) = run(model, &plan, &schedule, &run_config)?;
    let keep = best_joins(&joins, candidates, wanted);
    Ok(keep
        .into_iter()
        .enumerate()
        .map(|(r, i)| {
            let row = std::mem::take(&mut rows[i]);
            plan.finish_fill(melody, &symbols, span.clone(), (r, row))
        })
        .collect())
}

/// Candidates a fill draws per variation it returns (when there is a note after the span).
pub const FILL_CANDIDATES: usize = 16;

/// The `wanted` candidates with the highest join probabilities, best first (ties keep
/// the drawing order); the first `wanted` when there are no join probabilities.
fn best_joins(joins: &[f32], candidates: usize, wanted: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates).collect();
    if joins.len() == candidates {
        order.sort_by(|&a, &b| joins[b].total_cmp(&joins[a]));
    }
    order.truncate(wanted);
    order
}

/// Chosen ids and step infos per row.
type Rows = Vec<(Vec<usize>, Vec<StepInfo>)>;

/// Feeds the schedule's prelude once, then writes its steps for every row. The network
/// runs on the host ([`HostLstm`]): one small GEMM per layer and step.
fn run(
    model: ModelRef<'_>,
    plan: &Plan,
    schedule: &Schedule,
    config: &SamplerConfig,
) -> Result<(Rows, Vec<f32>)> {
    let engine = HostLstm::new(model.model)?;
    let inputs = model
        .config
        .structure
        .filter(|_| engine.structure_width() > 0);
    let features = Features {
        inputs: inputs.as_ref(),
        plan,
        schedule,
    };
    let rows = config.variations;
    let (mut state, mut logits) = warm_up(&engine, &features, rows)?;
    check_logits(&logits, 0)?;
    let (mut f, mut all) = (Vec::new(), Vec::new());
    let mut rngs: Vec<SplitMix64> = (0..rows)
        .map(|r| SplitMix64(config.seed.wrapping_mul(0x9E37_79B9).wrapping_add(r as u64)))
        .collect();
    let mut chosen: Vec<Vec<usize>> = vec![Vec::with_capacity(schedule.steps); rows];
    let mut infos: Vec<Vec<StepInfo>> = vec![Vec::with_capacity(schedule.steps); rows];
    let mut done = vec![false; rows];
    let v = plan.symbols.len();
    for t in 0..schedule.steps {
        let mut next = Vec::with_capacity(rows);
        for r in 0..rows {
            if done[r] {
                next.push(plan.delimiter);
                continue;
            }
            let row = &logits[r * v..(r + 1) * v];
            let at = At {
                t,
                so_far: &chosen[r],
                schedule,
            };
            let (id, info) = plan.choose(row, at, config, &mut rngs[r])?;
            if id == plan.delimiter {
                done[r] = true;
            } else {
                chosen[r].push(id);
                infos[r].push(info);
            }
            next.push(id);
        }
        let last = done.iter().all(|&d| d) || t + 1 == schedule.steps;
        if last && schedule.join_id.is_none() {
            break;
        }
        // The next step's inputs; after a fill's last step, its target is the suffix's
        // first symbol, where the fill must join.
        let ctx = schedule.context(schedule.first + t + 1);
        all.clear();
        for so_far in &chosen {
            if let Some(x) = features.write(ctx, so_far, &mut f) {
                all.extend_from_slice(x);
            }
        }
        let x = features.inputs.map(|_| &all[..]);
        engine.step(&next, x, &mut state, &mut logits)?;
        check_logits(&logits, t + 1)?;
        if last {
            break;
        }
    }
    let joins = schedule.join_id.map_or_else(Vec::new, |id| {
        logits
            .chunks(v)
            .map(|row| softmax(row, 1.0).get(id).copied().unwrap_or(0.0))
            .collect()
    });
    Ok((chosen.into_iter().zip(infos).collect(), joins))
}

/// An error when the network's output holds a NaN or an infinity (damaged weights): never
/// a melody drawn from it.
fn check_logits(logits: &[f32], step: usize) -> Result<()> {
    match logits.iter().find(|x| !x.is_finite()) {
        None => Ok(()),
        Some(x) => Err(Error::Invalid(format!(
            "the model's output for step {step} is {x}, not a finite number: its weights \
             ({WEIGHTS_FILE}) are damaged"
        ))),
    }
}

/// Feeds the schedule's prelude, which every row reads alike, once, and copies the state
/// and the last logits to `rows` rows.
fn warm_up(
    engine: &HostLstm,
    features: &Features<'_>,
    rows: usize,
) -> Result<(HostState, Vec<f32>)> {
    let mut one = engine.zeros(1);
    let mut logits = Vec::new();
    let mut f = Vec::new();
    for &(id, ctx) in &features.schedule.prelude {
        let x = features.write(ctx, &[], &mut f);
        engine.step(&[id], x, &mut one, &mut logits)?;
    }
    Ok((one.repeat(rows), logits.repeat(rows)))
}

/// The structure inputs of the steps a schedule feeds, with the neighbours each row has
/// read or written.
struct Features<'a> {
    inputs: Option<&'a StructureInputs>,
    plan: &'a Plan,
    schedule: &'a Schedule,
}

impl Features<'_> {
    /// Writes the inputs of the step `ctx` predicts, for a row that has written `so_far`
    /// from the schedule's first step on, into `out`; `None` for a model without them.
    fn write<'o>(
        &self,
        ctx: StepContext,
        so_far: &[usize],
        out: &'o mut Vec<f32>,
    ) -> Option<&'o [f32]> {
        let inputs = self.inputs?;
        let (first, song) = (self.schedule.first, &self.schedule.song);
        let id_at = |step: usize| {
            if step >= first && step - first < so_far.len() {
                Some(so_far[step - first])
            } else {
                song.get(step).copied()
            }
        };
        let ctx = ctx.with_neighbours(&self.schedule.structure, |step| {
            id_at(step).and_then(|id| self.plan.symbols.get(id).copied())
        });
        out.resize(inputs.width(), 0.0);
        inputs.write(&self.schedule.structure, ctx, out);
        Some(&out[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::encoding::{Symbol, Vocabulary};
    use crate::corpus::structure::{Segment, SongStructure};
    use crate::music::{Key, Meter};
    use crate::sampling::config::Length;

    /// The model's probabilities of `ids` (teacher-forced `window`, all on the CPU) for
    /// the targets that `keep` selects, in order.
    fn forced(
        model: ModelRef<'_>,
        window: &crate::corpus::data::Window,
        keep: impl Fn(&StepContext) -> bool,
    ) -> Vec<f32> {
        use burn::tensor::activation::softmax as tensor_softmax;
        let b = crate::corpus::data::batch(&[window], model.structure(), model.device);
        let logits = model.model.forward(b.inputs, b.features);
        let [_, len, v] = logits.dims();
        let p: Vec<f32> = tensor_softmax(logits.reshape([len, v]), 1)
            .into_data()
            .try_into_vec()
            .unwrap();
        (0..len)
            .filter(|&t| keep(&window.contexts[t]))
            .map(|t| p[t * v + window.ids[t + 1]])
            .collect()
    }

    /// What the sampler fed (its neighbour inputs built from each row's own notes) is what
    /// training and evaluation feed for the same melody: the recorded probabilities equal
    /// a teacher-forced pass over the result, for a continuation and for a fill.
    #[test]
    fn sampler_inputs_match_the_training_inputs() {
        use crate::corpus::data::{FillSpan, add_neighbours, infill_window, song_window};
        use crate::model::MelodyLstmConfig;
        use burn::module::Module;
        let device = burn::tensor::Device::flex();
        device.seed(5);
        let vocab = Vocabulary::new((55..80).map(|p| Symbol::Note(crate::music::Pitch(p))));
        let config = MelodyLstmConfig::new(vocab.len())
            .with_hidden_size(16)
            .with_structure(Some(StructureInputs::default()));
        let model = config.init(&device).valid();
        let bound = ModelRef {
            model: &model,
            config: &config,
            vocab: &vocab,
            device: &device,
        };
        let meter = Meter::new(3, 4);
        let structure = SongStructure {
            meter,
            pickup_steps: 0,
        };
        let sampler = SamplerConfig {
            length: Length::Bars(6),
            meter,
            variations: 2,
            rest_penalty: 0.0,
            ..SamplerConfig::default()
        };
        let ids = |g: &Generated| -> Vec<usize> {
            g.steps
                .iter()
                .map(|s| vocab.id(s.symbol).unwrap())
                .collect()
        };
        let close = |a: &[f32], b: &[f32]| {
            assert_eq!(a.len(), b.len());
            for (t, (x, y)) in a.iter().zip(b).enumerate() {
                assert!((x - y).abs() < 1e-5, "step {t}: {x} vs {y}");
            }
        };
        let delimiter = vocab.id(Symbol::Delimiter).unwrap();
        let melodies = generate(bound, &Melody::new(), &sampler).unwrap();
        for g in &melodies {
            let song = ids(g);
            assert_eq!(song.len(), 72, "6 bars of 3/4");
            let mut w = song_window(&song, structure, delimiter);
            add_neighbours(&mut w, &song, &vocab);
            let want = forced(bound, &w, |c| c.step < song.len());
            let got: Vec<f32> = g.steps.iter().map(|s| s.probability).collect();
            close(&want, &got);
        }
        // Fill bars 3-4 of the first melody (kept in C, as generated): the fill reads the
        // suffix's neighbours.
        let mut melody = melodies[0].melody.clone();
        melody.key = Key::parse("C");
        let original = ids(&melodies[0]);
        assert_ne!(
            vocab.symbol(original[48]),
            Some(Symbol::Hold),
            "the span ends on an onset"
        );
        let filled = fill(bound, &melody, 24..48, &sampler).unwrap();
        for g in &filled {
            let new = ids(g);
            let mut song = original.clone();
            song.splice(24..48, new.iter().copied());
            let span = FillSpan {
                steps: 24..48,
                join: vocab.symbol(song[48]),
            };
            let mut w = infill_window(&song, structure, &span, delimiter, usize::MAX).unwrap();
            add_neighbours(&mut w, &song, &vocab);
            let in_span =
                |c: &StepContext| c.segment == Segment::Fill && (24..48).contains(&c.step);
            let want = forced(bound, &w, in_span);
            let got: Vec<f32> = g.steps.iter().map(|s| s.probability).collect();
            close(&want, &got);
        }
    }

    #[test]
    fn fills_keep_the_candidates_that_join_best() {
        assert_eq!(best_joins(&[0.1, 0.7, 0.2, 0.7], 4, 2), vec![1, 3]);
        assert_eq!(best_joins(&[0.1, 0.7, 0.2, 0.5], 4, 3), vec![1, 3, 2]);
        assert_eq!(
            best_joins(&[], 3, 2),
            vec![0, 1],
            "no suffix: drawing order"
        );
    }

    #[test]
    fn primer_text_parses() {
        let m = primer_from_text("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _").unwrap();
        assert_eq!(m.notes.len(), 7);
        assert_eq!(m.notes[2].duration, Ratio::new(3, 4));
        assert!(primer_from_text("67 x").is_err());
    }
}
