//! A generated set's form against a corpus's, measure by measure (the measures are
//! [`crate::corpus::form`]'s).

use crate::corpus::form::{FormStats, stats};
use crate::eval::melody_stats::overlap;
use crate::music::Melody;
use serde::Serialize;

/// How a measure is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A share (with a histogram beside it for bar repetition).
    Rate,
    /// A distribution, judged by its overlap (its mean is shown for reading).
    Histogram,
}

/// One measure of a corpus and a generated set; histogram measures carry their overlap.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measure {
    /// The corpus's value.
    pub corpus: f64,
    /// The generated set's value.
    pub generated: f64,
    /// The overlap of the two histograms (1 = the same distribution), for histogram measures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<f64>,
}

impl Measure {
    fn rate(corpus: f64, generated: f64) -> Measure {
        Measure {
            corpus,
            generated,
            overlap: None,
        }
    }

    /// True when the generated set matches the corpus: a rate within 10 % of the corpus's
    /// (relative) or 0.02 (absolute), whichever is wider; a histogram overlapping at least
    /// 0.85; a rate with a histogram, both.
    pub fn matches(&self, kind: Kind) -> bool {
        let slack = (0.1 * self.corpus.abs()).max(0.02);
        let close = (self.generated - self.corpus).abs() <= slack;
        let overlaps = self.overlap.is_none_or(|o| o >= 0.85);
        match kind {
            Kind::Rate => close && overlaps,
            Kind::Histogram => overlaps,
        }
    }
}

/// A generated set's form against a corpus's, as `eval --generate --json` writes it under
/// `"form"`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormComparison {
    /// Phrase ends on a structural note.
    pub phrase_end_cadence: Measure,
    /// The last note is the tonic, on a strong beat.
    pub final_on_tonic: Measure,
    /// Leaps answered by a step back.
    pub post_skip_reversal: Measure,
    /// Bars repeating an earlier bar; the overlap is of the distance-back histograms.
    pub bar_repetition: Measure,
    /// Mean ambitus; the overlap is of the ambitus histograms.
    pub ambitus: Measure,
    /// Runs of three equal notes in the last two bars.
    pub repeated_note_runs: Measure,
    /// The last note starts on a bar line (0 for a record counted before it was measured).
    pub final_on_downbeat: Measure,
}

impl FormComparison {
    /// Measure by measure.
    pub fn new(corpus: &FormStats, generated: &FormStats) -> FormComparison {
        FormComparison {
            phrase_end_cadence: Measure::rate(
                corpus.phrase_end_cadence,
                generated.phrase_end_cadence,
            ),
            final_on_tonic: Measure::rate(corpus.final_on_tonic, generated.final_on_tonic),
            post_skip_reversal: Measure::rate(
                corpus.post_skip_reversal,
                generated.post_skip_reversal,
            ),
            bar_repetition: Measure {
                overlap: Some(overlap(&corpus.repeat_distance, &generated.repeat_distance)),
                ..Measure::rate(corpus.bar_repetition, generated.bar_repetition)
            },
            ambitus: Measure {
                corpus: corpus.ambitus_mean,
                generated: generated.ambitus_mean,
                overlap: Some(overlap(&corpus.ambitus, &generated.ambitus)),
            },
            repeated_note_runs: Measure::rate(
                corpus.repeated_note_runs,
                generated.repeated_note_runs,
            ),
            final_on_downbeat: Measure::rate(
                corpus.final_on_downbeat.unwrap_or(0.0),
                generated.final_on_downbeat.unwrap_or(0.0),
            ),
        }
    }

    /// Each measure with its name and kind, in the order printed.
    pub fn rows(&self) -> [(&'static str, &Measure, Kind); 7] {
        [
            ("phrase_end_cadence", &self.phrase_end_cadence, Kind::Rate),
            ("final_on_tonic", &self.final_on_tonic, Kind::Rate),
            ("post_skip_reversal", &self.post_skip_reversal, Kind::Rate),
            ("bar_repetition", &self.bar_repetition, Kind::Rate),
            ("ambitus", &self.ambitus, Kind::Histogram),
            ("repeated_note_runs", &self.repeated_note_runs, Kind::Rate),
            ("final_on_downbeat", &self.final_on_downbeat, Kind::Rate),
        ]
    }

    /// True when every measure matches the corpus ([`Measure::matches`]).
    pub fn all_match(&self) -> bool {
        self.rows().iter().all(|(_, m, kind)| m.matches(*kind))
    }
}

/// A generated set's form against a corpus's.
pub fn compare(generated: &[Melody], corpus: &[Melody]) -> FormComparison {
    FormComparison::new(&stats(corpus), &stats(generated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_judges_rates_and_histograms() {
        let close = Measure {
            corpus: 0.5,
            generated: 0.46,
            overlap: None,
        };
        assert!(close.matches(Kind::Rate));
        let far = Measure {
            generated: 0.4,
            ..close
        };
        assert!(!far.matches(Kind::Rate));
        let small = Measure {
            corpus: 0.05,
            generated: 0.069,
            overlap: None,
        };
        assert!(small.matches(Kind::Rate), "0.02 absolute for small rates");
        let spread = Measure {
            corpus: 12.0,
            generated: 9.0,
            overlap: Some(0.86),
        };
        assert!(spread.matches(Kind::Histogram));
        assert!(
            !Measure {
                overlap: Some(0.8),
                ..spread
            }
            .matches(Kind::Histogram)
        );
    }
}
