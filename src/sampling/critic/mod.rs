//! The critic: each variation draws several candidate melodies, and the critic keeps one by
//! its form. Over all the candidates of a call, it finds the exponential tilt of each
//! variation's choice (weights on the candidates' form features: cadences, the close,
//! answered leaps, repeated bars, closing runs, the mean and spread of ambitus and of notes
//! per bar) under which the kept melodies' expected form meets the corpus's, as near the
//! model's own choice as that allows; the kept one is then drawn from the tilted
//! probabilities, reproducibly from the seed. The kept melodies' form follows the
//! corpus's instead of all piling onto the most common outcome.

use crate::corpus::form::{FormProfile, FormStats, PhraseEnd};
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use tilt::Row;

mod tilt;

/// Candidates a variation draws by default (chosen on the validation split).
pub const CANDIDATES: usize = 8;
/// Default weight of the form terms: the kept melodies' form is aimed a quarter past the
/// corpus's, since eight candidates rarely reach a target (validation split, two seeds,
/// total form error with the close on the downbeat: 35.3 and 34.6 at 1.25, 36.9 and 38.5
/// at 1, 40.7 and 41.1 at 1.5).
pub const FORM_WEIGHT: f32 = 1.25;

/// The critic's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Critic {
    /// Candidates drawn per variation; 1 turns the critic off. Only models with phrase
    /// inputs carry the corpus form the critic needs; others ignore it.
    pub candidates: usize,
    /// Weight of the model's mean log-probability per written step.
    pub log_probability: f32,
    /// How far the kept melodies' form is moved from the candidates' own toward the
    /// corpus's: 0 leaves it (a plain draw), 1 aims at the corpus's.
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

/// The kept melodies' form the critic aims at: for each measure, the candidates' own value
/// moved `weight` of the way to the corpus's (all the way at weight 1).
struct Targets {
    cadence: f64,
    final_tonic: f64,
    reversal: f64,
    repetition: f64,
    runs: f64,
    /// The share closing on the downbeat (`None`: the record predates the measure).
    downbeat: Option<f64>,
    /// Mean phrase ends, leaps and compared bars per candidate (to scale the features).
    per_candidate: [f64; 3],
    ambitus: Moments,
    density: Option<Moments>,
}

/// The target mean and variance of a quantity, with the corpus's spread as its unit.
#[derive(Clone, Copy, Debug)]
struct Moments {
    mean: f64,
    variance: f64,
    unit: f64,
}

/// Mean and variance of `(value, weight)` pairs.
fn moments(values: impl Iterator<Item = (f64, f64)> + Clone) -> (f64, f64) {
    let total: f64 = values.clone().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return (0.0, 0.0);
    }
    let mean = values.clone().map(|(v, w)| v * w).sum::<f64>() / total;
    let variance = values.map(|(v, w)| w * (v - mean).powi(2)).sum::<f64>() / total;
    (mean, variance)
}

/// The middle of an ambitus bucket, in semitones.
fn ambitus_value(bucket: usize) -> f64 {
    2.0 * bucket as f64 + 1.0
}

/// The middle of a density bucket, in notes per bar.
fn density_value(bucket: usize) -> f64 {
    (bucket as f64 + 0.5) / 2.0
}

impl Targets {
    fn of(profiles: &[FormProfile], corpus: &FormStats, weight: f64) -> Targets {
        let rate = |hits: usize, trials: usize| {
            if trials == 0 {
                None
            } else {
                Some(hits as f64 / trials as f64)
            }
        };
        let sum = |f: &dyn Fn(&FormProfile) -> usize| profiles.iter().map(f).sum::<usize>();
        let ends = sum(&|p| p.phrase_ends.len());
        let structural = sum(&|p| p.phrase_ends.iter().filter(|e| e.structural).count());
        let n = profiles.len().max(1);
        let towards = |own: Option<f64>, corpus: f64| {
            let own = own.unwrap_or(corpus);
            (own + weight * (corpus - own)).clamp(0.0, 1.0)
        };
        let mix = |own: (f64, f64), corpus: (f64, f64)| Moments {
            mean: own.0 + weight * (corpus.0 - own.0),
            variance: (own.1 + weight * (corpus.1 - own.1)).max(0.0),
            unit: corpus.1.sqrt().max(1.0),
        };
        let own_ambitus = moments(
            profiles
                .iter()
                .map(|p| (ambitus_value(p.ambitus_bucket()), 1.0)),
        );
        let corpus_ambitus = moments(
            corpus
                .ambitus
                .iter()
                .enumerate()
                .map(|(b, &w)| (ambitus_value(b), w)),
        );
        let density = (corpus.density.iter().sum::<f64>() > 0.0).then(|| {
            let own = moments(
                profiles
                    .iter()
                    .map(|p| (density_value(p.density_bucket()), 1.0)),
            );
            let c = moments(
                corpus
                    .density
                    .iter()
                    .enumerate()
                    .map(|(b, &w)| (density_value(b), w)),
            );
            Moments {
                unit: c.1.sqrt().max(0.25),
                ..mix(own, c)
            }
        });
        Targets {
            cadence: towards(rate(structural, ends), corpus.phrase_end_cadence),
            final_tonic: towards(
                rate(sum(&|p| usize::from(p.final_on_tonic)), n),
                corpus.final_on_tonic,
            ),
            reversal: towards(
                rate(sum(&|p| p.reversals), sum(&|p| p.leaps)),
                corpus.post_skip_reversal,
            ),
            repetition: towards(
                rate(sum(&|p| p.repeated_bars), sum(&|p| p.bars_compared)),
                corpus.bar_repetition,
            ),
            runs: towards(
                rate(sum(&|p| usize::from(p.end_run)), n),
                corpus.repeated_note_runs,
            ),
            downbeat: corpus
                .final_on_downbeat
                .map(|c| towards(rate(sum(&|p| usize::from(p.final_on_downbeat)), n), c)),
            per_candidate: [ends, sum(&|p| p.leaps), sum(&|p| p.bars_compared)]
                .map(|t| (t as f64 / n as f64).max(1.0)),
            ambitus: mix(own_ambitus, corpus_ambitus),
            density,
        }
    }

    /// One candidate's form features, each 0 on average over a kept set that meets the
    /// targets.
    fn features(&self, p: &FormProfile) -> [f64; tilt::FEATURES] {
        let centred = |hits: usize, trials: usize, target: f64, per: f64| {
            (hits as f64 - target * trials as f64) / per
        };
        let spread = |m: &Moments, x: f64| {
            let d = (x - m.mean) / m.unit;
            [d, d * d - m.variance / (m.unit * m.unit)]
        };
        let structural = p.phrase_ends.iter().filter(|e| e.structural).count();
        let [a1, a2] = spread(&self.ambitus, ambitus_value(p.ambitus_bucket()));
        let [d1, d2] = self
            .density
            .as_ref()
            .map_or([0.0, 0.0], |m| spread(m, density_value(p.density_bucket())));
        [
            centred(
                structural,
                p.phrase_ends.len(),
                self.cadence,
                self.per_candidate[0],
            ),
            f64::from(u8::from(p.final_on_tonic)) - self.final_tonic,
            centred(p.reversals, p.leaps, self.reversal, self.per_candidate[1]),
            centred(
                p.repeated_bars,
                p.bars_compared,
                self.repetition,
                self.per_candidate[2],
            ),
            f64::from(u8::from(p.end_run)) - self.runs,
            a1,
            a2,
            d1,
            d2,
            self.downbeat
                .map_or(0.0, |t| f64::from(u8::from(p.final_on_downbeat)) - t),
        ]
    }
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
    let targets = Targets::of(&profiles, corpus, f64::from(critic.form));
    let rows: Vec<Row> = candidates
        .iter()
        .map(|c| match &c.profile {
            Some(p) => Row {
                base: f64::from(critic.log_probability) * c.log_probability,
                features: targets.features(p),
            },
            None => Row {
                base: f64::NEG_INFINITY,
                features: [0.0; tilt::FEATURES],
            },
        })
        .collect();
    let lambda = if critic.form > 0.0 {
        tilt::solve(&rows, k)
    } else {
        [0.0; tilt::FEATURES]
    };
    rows.chunks(k)
        .enumerate()
        .map(|(g, group)| {
            let mut rng = SplitMix64(seed ^ 0xC817_1C00_u64.wrapping_add(g as u64));
            let best = group
                .iter()
                .enumerate()
                .map(|(i, r)| (i, tilt::score(r, &lambda) + gumbel(&mut rng)))
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

    /// One line for a variation card: "half cadence bar 4 · closes on the tonic" (plain text: the
    /// app's fonts have no check marks).
    pub fn reasons(&self) -> String {
        let mut parts = Vec::new();
        let inner = self.phrase_ends.len().saturating_sub(1);
        for end in &self.phrase_ends[..inner] {
            parts.push(match (end.structural, end.degree) {
                (true, 1) => format!("cadence on the tonic bar {}", end.bar),
                (true, _) => format!("half cadence bar {}", end.bar),
                (false, _) => format!("no cadence at bar {}", end.bar),
            });
        }
        let last = self.phrase_ends.last().map_or(0, |e| e.degree);
        parts.push(if self.final_on_tonic {
            "closes on the tonic".to_string()
        } else if last > 0 {
            format!("no close on the tonic (degree {last} at the end)")
        } else {
            "no close on the tonic".to_string()
        });
        let (leaps, answered) = self.leaps;
        if leaps > 0 {
            parts.push(format!("{answered} of {leaps} leaps answered by a step"));
        }
        parts.join(" · ")
    }
}
