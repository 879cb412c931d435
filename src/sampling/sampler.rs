//! The sampler's loop: continue a primer, or fill a span between notes, one host `step`
//! per new symbol for every variation at once.

use super::config::{SamplerConfig, Upbeat, validate};
use super::critic::{Candidate, Critique, choose};
use super::filters::softmax;
use super::generated::{Generated, StepInfo};
use super::phrase_plan::{RowPlans, row_plans};
use super::plan::Plan;
use super::schedule::{At, Schedule};
use crate::corpus::encoding::decode;
use crate::corpus::form::{FormProfile, FormStats};
use crate::corpus::phrases::PhraseGrid;
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
    let upbeat = with_upbeat(model, primer, config)?;
    let primer = upbeat.as_ref().unwrap_or(primer);
    let plan = Plan::new(model.vocab, primer, config)?;
    let mut schedule = Schedule::continuation(&plan, config)?;
    schedule.phrases = phrase_grid(model, &schedule);
    let corpus = corpus_form(model, &schedule, config);
    let per_variation = if corpus.is_some() {
        config.critic.candidates.max(1)
    } else {
        1
    };
    let run_config = SamplerConfig {
        variations: config.variations * per_variation,
        ..config.clone()
    };
    let rows = run_config.variations;
    let plans = row_plans(&schedule, &plan.symbols, config, model.phrase_prior, rows);
    let (chosen, _) = run(model, &plan, &schedule, (&run_config, &plans))?;
    let mut all: Vec<Generated> = chosen
        .into_iter()
        .enumerate()
        .map(|(r, (chosen, infos))| {
            let mut g = plan.finish(primer, &chosen, infos, r);
            g.phrases = plans.row(r).to_vec();
            g.phrase_bars = schedule.phrases.map_or(0, |p| p.bars);
            g
        })
        .collect();
    let Some(corpus) = corpus else {
        return Ok(all);
    };
    let candidates: Vec<Candidate> = all
        .iter()
        .map(|g| Candidate {
            profile: FormProfile::of(&measured_melody(g, primer, config), None),
            log_probability: g.mean_log_probability(),
        })
        .collect();
    let kept = choose(&candidates, corpus, &config.critic, config.seed);
    Ok(kept
        .into_iter()
        .enumerate()
        .map(|(v, i)| {
            let mut g = std::mem::replace(&mut all[i], Generated::empty());
            plan.label(&mut g.melody, primer, &format!("variation {}", v + 1));
            g.critique = candidates[i].profile.as_ref().map(Critique::of);
            g
        })
        .collect())
}

/// The corpus form the critic compares this schedule's melodies with: for a model that
/// carries it, in the melody's meter and planned length, when the critic is on.
fn corpus_form<'a>(
    model: ModelRef<'a>,
    schedule: &Schedule,
    config: &SamplerConfig,
) -> Option<&'a FormStats> {
    let meter = schedule.structure.meter?;
    let bars = schedule.structure.bar_of(schedule.end.checked_sub(1)?)?;
    model
        .form
        .filter(|_| config.critic.candidates > 1)?
        .lookup(meter, bars)
}

/// The melody the critic measures: as written, except that a melody started from nothing in
/// the model's own key (C major, or its relative minor) has its mode read from its notes.
fn measured_melody(g: &Generated, primer: &Melody, config: &SamplerConfig) -> Melody {
    let mut m = g.melody.clone();
    if primer.sounding().next().is_none() && config.output_key.is_none() && config.scale.is_none() {
        m.key_signature = m.key.map(|k| k.signature_fifths());
        m.key = None;
    }
    m
}

/// An empty primer with the pickup a melody started from nothing begins with, when it
/// has one (see [`Upbeat`]); `None` to keep the primer as it is. A pickup of a bar or
/// more is an error that names the meter.
pub(super) fn with_upbeat(
    model: ModelRef<'_>,
    primer: &Melody,
    config: &SamplerConfig,
) -> Result<Option<Melody>> {
    if primer.sounding().next().is_some() || !primer.pickup.is_zero() {
        return Ok(None);
    }
    let meter = primer.meter.or(config.meter).unwrap_or_default();
    let bar = meter.bar_length().to_steps();
    let steps = match config.upbeat {
        Upbeat::None => 0,
        Upbeat::Steps(n) if n >= bar => {
            return Err(Error::Invalid(format!(
                "a pickup of {n} sixteenths is not shorter than a bar of {meter} ({bar})"
            )));
        }
        Upbeat::Steps(n) => n,
        Upbeat::Drawn => {
            let Some(form) = model.form else {
                return Ok(None);
            };
            let counts = form.pickups(meter);
            let total: usize = counts.iter().map(|c| c.1).sum();
            let mut rng = SplitMix64(config.seed ^ 0x0055_5042_4541_u64);
            let mut pick = (rng.next_f64() * total as f64) as usize;
            counts
                .iter()
                .find(|&&(_, n)| {
                    let hit = pick < n;
                    pick = pick.saturating_sub(n);
                    hit
                })
                .map_or(0, |c| c.0)
        }
    };
    Ok((steps > 0 && steps < bar).then(|| Melody {
        pickup: Ratio::from_steps(steps),
        meter: Some(meter),
        ..primer.clone()
    }))
}

/// The phrase grid of the schedule's song, for a model that reads phrase inputs.
fn phrase_grid(model: ModelRef<'_>, schedule: &Schedule) -> Option<PhraseGrid> {
    model
        .structure()
        .filter(|s| s.phrase)
        .and_then(|_| PhraseGrid::of(schedule.structure))
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
    let (mut schedule, symbols) = Schedule::fill(&plan, span.clone())?;
    schedule.phrases = phrase_grid(model, &schedule);
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
    let plans = row_plans(
        &schedule,
        &plan.symbols,
        config,
        model.phrase_prior,
        candidates,
    );
    let (mut rows, joins) = run(model, &plan, &schedule, (&run_config, &plans))?;
    let keep = best_joins(&joins, candidates, wanted);
    Ok(keep
        .into_iter()
        .enumerate()
        .map(|(r, i)| {
            let row = std::mem::take(&mut rows[i]);
            let mut g = plan.finish_fill(melody, &symbols, span.clone(), (r, row));
            g.phrases = plans.row(i).to_vec();
            g.phrase_bars = schedule.phrases.map_or(0, |p| p.bars);
            g
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
    (config, plans): (&SamplerConfig, &RowPlans),
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
        plans,
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
        for (r, so_far) in chosen.iter().enumerate() {
            if let Some(x) = features.write(ctx, (so_far, r), &mut f) {
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
    let last = features.schedule.prelude.len().saturating_sub(1);
    for (i, &(id, ctx)) in features.schedule.prelude.iter().enumerate() {
        // Every row's plan gives the phrases read before the first choice the same labels.
        let x = features.write(ctx, (&[], 0), &mut f);
        if i == last {
            engine.step(&[id], x, &mut one, &mut logits)?;
        } else {
            engine.advance(&[id], x, &mut one)?;
        }
    }
    Ok((one.repeat(rows), logits.repeat(rows)))
}

/// The structure inputs of the steps a schedule feeds, with the neighbours each row has
/// read or written.
struct Features<'a> {
    inputs: Option<&'a StructureInputs>,
    plan: &'a Plan,
    schedule: &'a Schedule,
    plans: &'a RowPlans,
}

impl Features<'_> {
    /// Writes the inputs of the step `ctx` predicts, for row `row` that has written
    /// `so_far` from the schedule's first step on, into `out`; `None` for a model without
    /// them.
    fn write<'o>(
        &self,
        mut ctx: StepContext,
        (so_far, row): (&[usize], usize),
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
        if let Some(grid) = &self.plans.grid {
            let labels = self.plans.row(row);
            ctx.phrase = labels
                .get(grid.phrase_of(ctx.step))
                .copied()
                .unwrap_or_default();
        }
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
        let vocab = Vocabulary::new((55..80).map(|p| Symbol::Note(crate::music::Pitch(p))));
        let config = MelodyLstmConfig::new(vocab.len())
            .with_hidden_size(16)
            .with_structure(Some(StructureInputs::default()));
        let model = config.init_seeded(&device, 5).valid();
        let bound = ModelRef {
            model: &model,
            config: &config,
            vocab: &vocab,
            device: &device,
            phrase_prior: None,
            form: None,
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
