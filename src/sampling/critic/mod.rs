//! The critic: each variation draws several candidate melodies, and the critic keeps one by
//! its form. A candidate's score is the model's mean log-probability (weighted) plus, for
//! each form measure, the log of how much likelier its outcome is in the corpus than among
//! this call's candidates; the kept one is drawn in proportion to `exp(score)`, reproducibly
//! from the seed. That is importance resampling (sharpened by the form weight): the kept melodies' cadences, final notes,
//! leaps, repeated bars, ambitus and closing runs follow the corpus's, instead of all piling
//! onto the most common outcome.

use crate::corpus::form::measures::{AMBITUS_BUCKETS, DENSITY_BUCKETS};
use crate::corpus::form::{FormProfile, FormStats, PhraseEnd};
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// Candidates a variation draws by default (chosen on the validation split).
pub const CANDIDATES: usize = 8;
/// Default weight of the form terms (chosen on the validation split). Weight 1 is exact
/// importance resampling in the limit of many candidates; with eight, the candidates' own
/// rates are estimated from few draws and weight 2 lands nearer the corpus's.
pub const FORM_WEIGHT: f32 = 2.0;

/// The critic's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Critic {
    /// Candidates drawn per variation; 1 turns the critic off. Only models with phrase
    /// inputs carry the corpus form the critic needs; others ignore it.
    pub candidates: usize,
    /// Weight of the model's mean log-probability per written step.
    pub log_probability: f32,
    /// Weight of the form terms.
    pub form: f32,
}

impl Default for Critic {
    fn default() -> Self {
        Critic {
            candidates: CANDIDATES,
            log_probability: 0.0,
            form: FORM_WEIGHT,
        }
    }
}

/// Observations the candidates' own rates are pulled toward the corpus's by.
const PSEUDO_COUNT: f64 = 4.0;
/// Rates are kept inside `[FLOOR, 1 - FLOOR]` before their logs are taken.
const FLOOR: f64 = 0.02;

/// Successes and trials of one measure over a set of candidates.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    hits: f64,
    trials: f64,
}

impl Tally {
    fn add(&mut self, hits: usize, trials: usize) {
        self.hits += hits as f64;
        self.trials += trials as f64;
    }

    /// The rate, pulled toward `corpus` by [`PSEUDO_COUNT`] observations.
    fn rate(&self, corpus: f64) -> f64 {
        (self.hits + PSEUDO_COUNT * corpus) / (self.trials + PSEUDO_COUNT)
    }
}

/// The candidates' own form, as rates to compare the corpus's with.
struct Own {
    cadence: f64,
    final_tonic: f64,
    reversal: f64,
    repetition: f64,
    runs: f64,
    ambitus: [f64; AMBITUS_BUCKETS],
    density: [f64; DENSITY_BUCKETS],
}

impl Own {
    fn of(profiles: &[FormProfile], corpus: &FormStats) -> Own {
        let (mut cadence, mut final_tonic, mut reversal, mut repetition, mut runs) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        let mut ambitus = [0.0; AMBITUS_BUCKETS];
        let mut density = [0.0; DENSITY_BUCKETS];
        for p in profiles {
            density[p.density_bucket()] += 1.0;
            let structural = p.phrase_ends.iter().filter(|e| e.structural).count();
            cadence.add(structural, p.phrase_ends.len());
            final_tonic.add(usize::from(p.final_on_tonic), 1);
            reversal.add(p.reversals, p.leaps);
            repetition.add(p.repeated_bars, p.bars_compared);
            runs.add(usize::from(p.end_run), 1);
            ambitus[p.ambitus_bucket()] += 1.0;
        }
        let n = profiles.len() as f64;
        for (a, c) in ambitus.iter_mut().zip(&corpus.ambitus) {
            *a = (*a + PSEUDO_COUNT * c) / (n + PSEUDO_COUNT);
        }
        for (d, c) in density.iter_mut().zip(&corpus.density) {
            *d = (*d + PSEUDO_COUNT * c) / (n + PSEUDO_COUNT);
        }
        Own {
            cadence: cadence.rate(corpus.phrase_end_cadence),
            final_tonic: final_tonic.rate(corpus.final_on_tonic),
            reversal: reversal.rate(corpus.post_skip_reversal),
            repetition: repetition.rate(corpus.bar_repetition),
            runs: runs.rate(corpus.repeated_note_runs),
            ambitus,
            density,
        }
    }
}

/// `ln(corpus / own)` for `hits` of `trials` outcomes of a measure whose rates these are.
fn log_ratio(hits: usize, trials: usize, corpus: f64, own: f64) -> f64 {
    let c = corpus.clamp(FLOOR, 1.0 - FLOOR);
    let o = own.clamp(FLOOR, 1.0 - FLOOR);
    let misses = trials.saturating_sub(hits) as f64;
    hits as f64 * (c / o).ln() + misses * ((1.0 - c) / (1.0 - o)).ln()
}

/// The form term of one candidate: how much likelier its outcomes are in the corpus than
/// among the candidates, summed over the measures (and its density, when the corpus's form
/// records densities; tables from before them do not).
fn form_term(p: &FormProfile, corpus: &FormStats, own: &Own) -> f64 {
    let structural = p.phrase_ends.iter().filter(|e| e.structural).count();
    let ends = p.phrase_ends.len();
    let bucket = p.ambitus_bucket();
    let ratio = |c: f64, o: f64| (c.max(FLOOR) / o.max(FLOOR)).ln();
    let density = if corpus.density.iter().sum::<f64>() > 0.0 {
        let b = p.density_bucket();
        ratio(corpus.density[b], own.density[b])
    } else {
        0.0
    };
    log_ratio(structural, ends, corpus.phrase_end_cadence, own.cadence)
        + log_ratio(
            usize::from(p.final_on_tonic),
            1,
            corpus.final_on_tonic,
            own.final_tonic,
        )
        + log_ratio(
            p.reversals,
            p.leaps,
            corpus.post_skip_reversal,
            own.reversal,
        )
        + log_ratio(
            p.repeated_bars,
            p.bars_compared,
            corpus.bar_repetition,
            own.repetition,
        )
        + log_ratio(
            usize::from(p.end_run),
            1,
            corpus.repeated_note_runs,
            own.runs,
        )
        + ratio(corpus.ambitus[bucket], own.ambitus[bucket])
        + density
}

/// One candidate as the critic sees it.
pub struct Candidate {
    /// Its form, when it has one (a melody without notes or meter has none).
    pub profile: Option<FormProfile>,
    /// The model's mean log-probability of its written steps.
    pub log_probability: f64,
}

/// Keeps one of each group of `critic.candidates` consecutive candidates: the index of the
/// kept one per group. `corpus` is the corpus's form for these melodies; `seed` makes the
/// draw reproducible.
pub fn choose(
    candidates: &[Candidate],
    corpus: &FormStats,
    critic: &Critic,
    seed: u64,
) -> Vec<usize> {
    let k = critic.candidates.max(1);
    let profiles: Vec<FormProfile> = candidates
        .iter()
        .filter_map(|c| c.profile.clone())
        .collect();
    let own = Own::of(&profiles, corpus);
    let score = |c: &Candidate| {
        let form = c
            .profile
            .as_ref()
            .map_or(f64::NEG_INFINITY, |p| form_term(p, corpus, &own));
        f64::from(critic.log_probability) * c.log_probability + f64::from(critic.form) * form
    };
    candidates
        .chunks(k)
        .enumerate()
        .map(|(g, group)| {
            let mut rng = SplitMix64(seed ^ 0xC817_1C00_u64.wrapping_add(g as u64));
            let best = group
                .iter()
                .enumerate()
                .map(|(i, c)| (i, score(c) + gumbel(&mut rng)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |(i, _)| i);
            g * k + best
        })
        .collect()
}

/// A draw from the standard Gumbel distribution (the Gumbel-max trick: the argmax of
/// `score + gumbel` is distributed as `softmax(score)`).
fn gumbel(rng: &mut SplitMix64) -> f64 {
    let u = rng.next_f64().clamp(1e-12, 1.0 - 1e-12);
    -(-u.ln()).ln()
}

/// What the critic says about a melody, in a line: its cadences and how it closes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Critique {
    /// Each phrase end (the last is the close).
    pub phrase_ends: Vec<PhraseEnd>,
    /// The last note is the tonic on a strong beat.
    pub final_on_tonic: bool,
    /// Leaps, and those answered by a step back.
    pub leaps: (usize, usize),
    /// Bars that repeat an earlier one, of those compared.
    pub repeated_bars: (usize, usize),
}

impl Critique {
    /// The critique of a melody's form.
    pub fn of(p: &FormProfile) -> Critique {
        Critique {
            phrase_ends: p.phrase_ends.clone(),
            final_on_tonic: p.final_on_tonic,
            leaps: (p.leaps, p.reversals),
            repeated_bars: (p.repeated_bars, p.bars_compared),
        }
    }

    /// One line for a variation card: "half cadence bar 4 ✓ · closes on the tonic ✓".
    pub fn reasons(&self) -> String {
        let mut parts = Vec::new();
        let inner = self.phrase_ends.len().saturating_sub(1);
        for end in &self.phrase_ends[..inner] {
            parts.push(match (end.structural, end.degree) {
                (true, 1) => format!("cadence on the tonic bar {} ✓", end.bar),
                (true, _) => format!("half cadence bar {} ✓", end.bar),
                (false, _) => format!("no cadence at bar {} ✗", end.bar),
            });
        }
        let last = self.phrase_ends.last().map_or(0, |e| e.degree);
        parts.push(if self.final_on_tonic {
            "closes on the tonic ✓".to_string()
        } else if last > 0 {
            format!("no close on the tonic (degree {last} at the end) ✗")
        } else {
            "no close on the tonic ✗".to_string()
        });
        let (leaps, answered) = self.leaps;
        if leaps > 0 {
            parts.push(format!("{answered} of {leaps} leaps answered by a step"));
        }
        parts.join(" · ")
    }
}
