//! The sampler: continue a primer with a trained model, one `step` per new symbol, with
//! temperature, entropy-adaptive temperature, symbol biasing, top-k/top-p and constraints.

use crate::corpus::data::{FillSpan, infill_window};
use crate::corpus::encoding::{GridConfig, Symbol, Vocabulary, decode, encode};
use crate::corpus::structure::{Segment, SongStructure, StepContext, StructureInputs};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::{HostLstm, HostState, ModelRef};
use crate::music::{Key, Melody, Meter, Mode, Note, Ratio};
use crate::sampling::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// How long to generate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Length {
    /// A number of 16th-note steps.
    Steps(usize),
    /// Whole bars of the melody's meter: the continuation ends on a bar line, this many
    /// bars after the bar the primer ends in (exactly this many bars when the primer ends
    /// on a bar line or is empty).
    Bars(usize),
}

/// Entropy-adaptive temperature: a confident model (low entropy) is made more
/// adventurous, an unsure one (high entropy) more careful.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdaptiveTemperature {
    /// How strongly the temperature follows the entropy (0 = not at all).
    pub strength: f32,
    /// Lowest temperature allowed.
    pub min: f32,
    /// Highest temperature allowed.
    pub max: f32,
}

impl Default for AdaptiveTemperature {
    fn default() -> Self {
        AdaptiveTemperature {
            strength: 1.0,
            min: 0.3,
            max: 1.5,
        }
    }
}

/// Every control of the sampler. The defaults give natural-sounding folk melodies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerConfig {
    /// Softmax temperature; 0 picks the most likely symbol every step. The default 1.0
    /// samples the model as it is: with the structure model, 100 unprimed 8-bar 3/4
    /// melodies match erk's notes per bar with an overlap of 0.86 (0.72 at 0.9, which
    /// favours held notes).
    pub temperature: f32,
    /// Entropy-adaptive temperature, when set.
    pub adaptive: Option<AdaptiveTemperature>,
    /// Subtracted from the rest symbol's logit (the seed's "rests penalised"). The default
    /// 1.0 brings the rest fraction of unprimed 8-bar melodies to the erk corpus's
    /// (4.5% against 4.8%; 6.6% with no penalty).
    pub rest_penalty: f32,
    /// Added to the hold (`_`) logit: positive gives longer notes.
    pub hold_bias: f32,
    /// Added to every note onset's logit (the seed's "notes favoured").
    pub note_bias: f32,
    /// Keep only the k most likely symbols (0 = off).
    pub top_k: usize,
    /// Keep the most likely symbols up to this probability mass (1 = off).
    pub top_p: f32,
    /// How much to generate after the primer.
    pub length: Length,
    /// Stop a variation when the model ends the song; otherwise the song end is masked.
    pub stop_at_end: bool,
    /// Seed of the random generator: the same seed and settings give the same melodies.
    pub seed: u64,
    /// Melodies per call (run together as one batch).
    pub variations: usize,
    /// Lowest and highest MIDI note allowed (in the output key).
    pub range: Option<(u8, u8)>,
    /// Only notes of this key's scale (in the output key).
    pub scale: Option<Key>,
    /// Make the last note the tonic (of `scale`, else of the output key), held for a beat.
    pub end_on_tonic: bool,
    /// Key of the output; default: the primer's key.
    pub output_key: Option<Key>,
    /// The meter of a melody whose primer has none (an unprimed one); default 4/4. A
    /// primer's own meter always wins.
    pub meter: Option<Meter>,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            temperature: 1.0,
            adaptive: None,
            rest_penalty: 1.0,
            hold_bias: 0.0,
            note_bias: 0.0,
            top_k: 0,
            top_p: 1.0,
            length: Length::Bars(8),
            stop_at_end: false,
            seed: 1,
            variations: 1,
            range: None,
            scale: None,
            end_on_tonic: false,
            output_key: None,
            meter: None,
        }
    }
}

/// One generated step: what was chosen, how likely the model thought it, and how unsure
/// the model was overall.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StepInfo {
    /// The chosen symbol (in the output key).
    pub symbol: Symbol,
    /// The model's probability of it, before biasing and constraints.
    pub probability: f32,
    /// Entropy of the model's distribution in nats.
    pub entropy: f32,
}

/// One generated melody.
#[derive(Clone, Debug)]
pub struct Generated {
    /// Primer and continuation (or, for a fill, the whole melody with the span rewritten),
    /// in the output key, with the primer's meter and tempo.
    pub melody: Melody,
    /// How many of the melody's notes come before the generated steps.
    pub primer_notes: usize,
    /// The steps the model wrote, as a range of 16th steps of `melody`; notes starting
    /// inside it are new, every other note is the input's.
    pub span: Range<usize>,
    /// Every generated step.
    pub steps: Vec<StepInfo>,
}

impl Generated {
    /// Mean entropy of the generated steps (nats).
    pub fn mean_entropy(&self) -> f64 {
        mean(self.steps.iter().map(|s| f64::from(s.entropy)))
    }

    /// Mean log-probability of the chosen symbols (nats).
    pub fn mean_log_probability(&self) -> f64 {
        mean(
            self.steps
                .iter()
                .map(|s| f64::from(s.probability.max(1e-12)).ln()),
        )
    }
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

/// The 16th-note step.
fn step() -> Ratio {
    Ratio::new(1, 4)
}

/// Parses the seed's text form (`"67 _ 67 _ 65 r _"`) into a melody.
pub fn primer_from_text(text: &str) -> Result<Melody> {
    let symbols = crate::corpus::encoding::parse_symbols(text)?;
    Ok(decode(&symbols, step()))
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

/// What the model reads before it writes, and where the written steps sit in the song.
struct Schedule {
    /// The song's meter and pickup.
    structure: SongStructure,
    /// Inputs fed before the first choice, each with the context of the step it predicts.
    prelude: Vec<(usize, StepContext)>,
    /// Song step of the first written symbol.
    first: usize,
    /// Symbols to write.
    steps: usize,
    /// Song step where the song (or the span) ends.
    end: usize,
    /// The segment of the written steps.
    segment: Segment,
    /// Step (of the written ones) from which end-on-tonic places the final note.
    tail_start: usize,
    /// Filling: the first written step must start a note or rest.
    onset_first: bool,
    /// Filling: the symbol right after the span.
    join: Option<Symbol>,
    /// The song's ids (the primer, or the melody being filled), for the neighbour inputs.
    song: Vec<usize>,
    /// Filling with notes after the span: the id of the first of them, where the fill joins.
    join_id: Option<usize>,
}

impl Schedule {
    fn context(&self, step: usize) -> StepContext {
        StepContext::new(step, self.end.saturating_sub(step), self.segment, self.join)
    }

    /// Continue the primer: `/ primer` then the new steps, up to the planned end.
    fn continuation(plan: &Plan, config: &SamplerConfig) -> Result<Schedule> {
        let first = plan.primer_steps;
        let steps = match config.length {
            Length::Steps(n) => n,
            Length::Bars(b) => {
                let bar = plan.structure.bar_steps().unwrap_or(16);
                let into = plan.structure.bar_position(first).unwrap_or(0);
                let rest_of_bar = if into == 0 { 0 } else { bar - into };
                b.checked_sub(usize::from(into != 0))
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
        };
        for (j, &id) in plan.primer_ids.iter().enumerate() {
            schedule.prelude.push((id, schedule.context(j)));
        }
        schedule.tail_start = schedule.strong_tail_start();
        Ok(schedule)
    }

    /// Fill `span` of the plan's melody: `/ suffix / prefix`, then the span's steps. With
    /// nothing after the span, it is a continuation of the prefix that ends with the span.
    fn fill(plan: &Plan, span: Range<usize>) -> Result<(Schedule, Vec<usize>)> {
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
                .ok_or_else(|| Error::Invalid(format!("cannot fill {a}..{b}")))?;
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
    fn strong_tail_start(&self) -> usize {
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

/// Chosen ids and step infos per row.
type Rows = Vec<(Vec<usize>, Vec<StepInfo>)>;

/// Where a row stands when it chooses: the written step `t`, what it wrote so far, and
/// the schedule.
#[derive(Clone, Copy)]
struct At<'a> {
    t: usize,
    so_far: &'a [usize],
    schedule: &'a Schedule,
}

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

fn validate(config: &SamplerConfig) -> Result<()> {
    let bad = |m: String| Err(Error::Invalid(m));
    if !(config.temperature >= 0.0 && config.temperature.is_finite()) {
        return bad(format!(
            "temperature must be 0 or more, got {}",
            config.temperature
        ));
    }
    if !(config.top_p > 0.0 && config.top_p <= 1.0) {
        return bad(format!("top-p must be in (0, 1], got {}", config.top_p));
    }
    if config.variations == 0 {
        return bad("variations must be at least 1".into());
    }
    Limits::check(
        "variations in one call",
        config.variations,
        Limits::DEFAULT.max_variations,
    )?;
    if let Some((lo, hi)) = config.range
        && lo > hi
    {
        return bad(format!("the range {lo}-{hi} is empty"));
    }
    if let Some(a) = config.adaptive
        && !(a.min > 0.0 && a.min <= a.max && a.max.is_finite() && a.strength.is_finite())
    {
        return bad(format!(
            "adaptive temperature bounds {}..{} (strength {}) are impossible",
            a.min, a.max, a.strength
        ));
    }
    for (name, value) in [
        ("rest penalty", config.rest_penalty),
        ("hold bias", config.hold_bias),
        ("note bias", config.note_bias),
    ] {
        if !value.is_finite() {
            return bad(format!("the {name} must be a finite number, got {value}"));
        }
    }
    let length = match config.length {
        Length::Steps(n) => n,
        Length::Bars(b) => b.saturating_mul(16),
    };
    Limits::check("16th steps to generate", length, Limits::DEFAULT.max_steps)
}

/// Everything fixed for one call: the primer in model space, masks, the meter.
struct Plan {
    /// Semitones from the output key into the model's key space.
    shift: i32,
    /// `/` and the primer's symbols, as ids.
    primer_ids: Vec<usize>,
    primer_steps: usize,
    delimiter: usize,
    rest: Option<usize>,
    hold: Option<usize>,
    /// Per symbol id: allowed by range and scale.
    allowed: Vec<bool>,
    /// The vocabulary's symbols (model key).
    symbols: Vec<Symbol>,
    /// Semitones from the primer's own key to the output key.
    primer_to_output: i32,
    /// The output key.
    output_key: Key,
    /// Per symbol id: the tonic, for `end_on_tonic`.
    tonic: Vec<bool>,
    is_note: Vec<bool>,
    meter: Meter,
    /// The melody's meter and pickup.
    structure: SongStructure,
}

impl Plan {
    fn new(vocab: &Vocabulary, primer: &Melody, config: &SamplerConfig) -> Result<Plan> {
        let primer_key = primer.key_or_estimate();
        let to_model = primer_key.map_or(0, Key::semitones_to_c_or_a);
        // Major songs were learnt in C major, minor ones in A minor.
        let model_mode = match primer_key {
            Some(k) if k.mode == Mode::Minor => Mode::Minor,
            _ => Mode::Major,
        };
        let model_key = Key::from_signature(0, model_mode);
        // The output key: the primer's, or the chosen one; `shift` maps output → model.
        let shift = match config.output_key {
            None => to_model,
            Some(k) => {
                let d = (model_key.tonic.pitch_class() as i32 - k.tonic.pitch_class() as i32)
                    .rem_euclid(12);
                if d > 6 { d - 12 } else { d }
            }
        };
        let output_key = config.output_key.or(primer_key).unwrap_or(model_key);
        let delimiter = vocab
            .id(Symbol::Delimiter)
            .ok_or_else(|| Error::Invalid("the vocabulary has no song delimiter".into()))?;
        let mut primer_ids = vec![delimiter];
        let grid = GridConfig {
            time_step: step(),
            split_ties: false,
        };
        let model_primer = primer.transposed(to_model);
        let primer_symbols = encode(&model_primer, &grid);
        Limits::check(
            "16th steps in a primer",
            primer_symbols.len(),
            Limits::DEFAULT.max_steps,
        )?;
        for s in &primer_symbols {
            primer_ids.push(fit_to_vocab(*s, vocab)?);
        }
        let meter = primer.meter.or(config.meter).unwrap_or_default();
        let structure = SongStructure::new(Some(meter), primer.pickup);
        let masks = SymbolMasks::new(vocab, shift, output_key, config)?;
        Ok(Plan {
            symbols: vocab.symbols().to_vec(),
            primer_to_output: to_model - shift,
            output_key,
            shift,
            primer_steps: primer_symbols.len(),
            primer_ids,
            delimiter,
            rest: vocab.id(Symbol::Rest),
            hold: vocab.id(Symbol::Hold),
            allowed: masks.allowed,
            tonic: masks.tonic,
            is_note: masks.is_note,
            meter,
            structure,
        })
    }

    /// Picks one symbol for a row at written step `at.t`.
    fn choose(
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

    /// Which ids may come at generated step `t`: the song may end only on a bar line
    /// (with "stop at the song end"), a fill starts with an onset and never ends the song,
    /// and end-on-tonic holds the tonic from a strong beat to the end.
    fn legal(&self, at: At<'_>, config: &SamplerConfig) -> Vec<bool> {
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

    fn finish(
        &self,
        primer: &Melody,
        chosen: &[usize],
        mut steps: Vec<StepInfo>,
        row: usize,
    ) -> Generated {
        let symbols: Vec<Symbol> = chosen
            .iter()
            .filter_map(|&i| self.symbols.get(i).copied())
            .collect();
        let continuation = decode(&symbols, step()).transposed(-self.shift);
        self.to_output_key(&mut steps, &symbols);
        let span = self.primer_steps..self.primer_steps + chosen.len();
        let mut melody = primer.transposed(self.primer_to_output);
        let mut notes = continuation.notes.into_iter();
        // Holds at the very start continue the primer's last note.
        if symbols.first() == Some(&Symbol::Hold)
            && let Some(first) = notes.next()
        {
            match melody.notes.last_mut() {
                Some(last) => last.duration += first.duration,
                None => melody.notes.push(Note::rest(first.duration)),
            }
        }
        melody.notes.extend(notes);
        self.label(&mut melody, primer, &format!("variation {}", row + 1));
        Generated {
            melody,
            primer_notes: primer.notes.len(),
            span,
            steps,
        }
    }

    /// Moves the written steps' symbols from the model's key to the output key.
    fn to_output_key(&self, steps: &mut [StepInfo], symbols: &[Symbol]) {
        for (info, sym) in steps.iter_mut().zip(symbols) {
            info.symbol = match sym {
                Symbol::Note(p) => p.transposed(-self.shift).map_or(*sym, Symbol::Note),
                other => *other,
            };
        }
    }

    /// Gives an output melody its meter, key and title: "TITLE (what)".
    fn label(&self, melody: &mut Melody, input: &Melody, what: &str) {
        if melody.meter.is_none() {
            melody.meter = Some(self.meter);
        }
        if self.primer_to_output != 0 || melody.key.is_none() {
            melody.key = Some(self.output_key);
            melody.key_signature = Some(self.output_key.signature_fifths());
        }
        let title = input.title.as_deref().unwrap_or("LSTMuse melody");
        melody.title = Some(format!("{title} ({what})"));
    }

    /// The melody with `span` rewritten by `chosen` (model ids of the span's steps);
    /// `song` is the input melody's ids in the model's key.
    fn finish_fill(
        &self,
        input: &Melody,
        song: &[usize],
        span: Range<usize>,
        (row, (chosen, mut steps)): (usize, (Vec<usize>, Vec<StepInfo>)),
    ) -> Generated {
        let ids = song[..span.start]
            .iter()
            .chain(&chosen)
            .chain(&song[span.end.min(song.len())..]);
        let symbols: Vec<Symbol> = ids.filter_map(|&i| self.symbols.get(i).copied()).collect();
        self.to_output_key(&mut steps, &symbols[span.start..]);
        let decoded = decode(&symbols, step()).transposed(-self.shift);
        let primer_notes = decode(&symbols[..span.start], step()).notes.len();
        let mut melody = Melody {
            notes: decoded.notes,
            ..input.clone()
        };
        self.label(&mut melody, input, &format!("fill {}", row + 1));
        Generated {
            melody,
            primer_notes,
            span,
            steps,
        }
    }
}

/// Per vocabulary id: allowed by the range and scale, a tonic for end-on-tonic, a note.
struct SymbolMasks {
    allowed: Vec<bool>,
    tonic: Vec<bool>,
    is_note: Vec<bool>,
}

impl SymbolMasks {
    /// The masks for output pitches `model pitch - shift`; an impossible constraint is an error.
    fn new(
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

/// The vocabulary id of a primer symbol; notes outside the model's range move by octaves.
fn fit_to_vocab(s: Symbol, vocab: &Vocabulary) -> Result<usize> {
    if let Some(id) = vocab.id(s) {
        return Ok(id);
    }
    if let Symbol::Note(p) = s {
        for oct in [12, -12, 24, -24, 36, -36] {
            if let Some(id) = p.transposed(oct).and_then(|q| vocab.id(Symbol::Note(q))) {
                return Ok(id);
            }
        }
        return Err(Error::Invalid(format!(
            "the primer note {} is outside the model's range",
            p.name()
        )));
    }
    Err(Error::Invalid(format!(
        "the model does not know the symbol `{s}`"
    )))
}

fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
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

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

/// Zeroes all but the top-k and the top-p mass, then renormalises.
fn filter_top(p: &mut [f32], top_k: usize, top_p: f32) {
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

fn sample(p: &[f32], rng: &mut SplitMix64) -> usize {
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
