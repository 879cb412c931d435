//! The phrase plan: what each phrase of a melody does with the ones before it (new, a
//! repeat, a varied repeat), as a model with phrase inputs reads it while it writes.

use super::config::SamplerConfig;
use super::schedule::Schedule;
use crate::corpus::encoding::Symbol;
use crate::corpus::phrases::{PhraseGrid, PhraseLabel, PhrasePrior, labels};
use crate::corpus::structure::Segment;
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// How the phrases the sampler writes are planned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhrasePlan {
    /// Each new phrase's label drawn from how the model's training songs repeat theirs,
    /// separately for every variation; the phrases already written keep their own.
    #[default]
    Drawn,
    /// No plan: every new phrase is unknown, and the model decides as it writes.
    Open,
    /// These labels, phrase by phrase from the melody's first (phrases already written
    /// keep their own; phrases past the list are unknown).
    Given(Vec<PhraseLabel>),
}

/// The labels of every phrase of the song, per row, for a model that reads them.
#[derive(Clone, Debug, Default)]
pub(super) struct RowPlans {
    /// The phrase grid, when the model reads phrase inputs and the meter is known.
    pub(super) grid: Option<PhraseGrid>,
    /// Per row, a label per phrase.
    pub(super) rows: Vec<Vec<PhraseLabel>>,
}

impl RowPlans {
    /// The labels of `row` (empty without phrase inputs).
    pub(super) fn row(&self, row: usize) -> &[PhraseLabel] {
        self.rows.get(row).map_or(&[], Vec::as_slice)
    }
}

/// The plans of `rows` rows writing `schedule`'s steps into its song (`symbols` is the
/// vocabulary): phrases before the written steps keep the labels the song's own bars give
/// them, and the written phrases follow `config.plan`. A fill without a given plan leaves
/// every label unknown, as training does for a share of its songs.
pub(super) fn row_plans(
    schedule: &Schedule,
    symbols: &[Symbol],
    config: &SamplerConfig,
    prior: Option<&PhrasePrior>,
    rows: usize,
) -> RowPlans {
    let Some(grid) = schedule.phrases else {
        return RowPlans::default();
    };
    let song: Vec<Symbol> = schedule
        .song
        .iter()
        .filter_map(|&id| symbols.get(id).copied())
        .collect();
    let own = labels(&song, &grid);
    let phrases = grid.phrase_of(schedule.song_len.saturating_sub(1)) + 1;
    let first = grid.phrase_of(schedule.first);
    // A phrase is written when it starts inside the written steps, or holds the first one.
    let written = |j: usize| {
        let start = phrase_start(&grid, j);
        j == first || (schedule.first..schedule.end).contains(&start)
    };
    let rows = (0..rows)
        .map(|row| {
            let mut rng = SplitMix64(config.seed ^ 0x5048_5241_5345_u64.wrapping_add(row as u64));
            (0..phrases)
                .map(|j| {
                    let mine = own.get(j).copied().unwrap_or_default();
                    let fill = schedule.segment == Segment::Fill;
                    match &config.plan {
                        PhrasePlan::Given(given) if written(j) || fill => {
                            given.get(j).copied().unwrap_or_default()
                        }
                        _ if !written(j) && !fill => mine,
                        PhrasePlan::Given(_) | PhrasePlan::Open => PhraseLabel::Unknown,
                        PhrasePlan::Drawn if fill => PhraseLabel::Unknown,
                        PhrasePlan::Drawn
                            if j < first || phrase_start(&grid, j) < schedule.first =>
                        {
                            // The primer's part of this phrase already says what it is.
                            mine
                        }
                        PhrasePlan::Drawn => {
                            prior.map_or(PhraseLabel::Unknown, |p| p.draw(phrases, j, &mut rng))
                        }
                    }
                })
                .collect()
        })
        .collect();
    RowPlans {
        grid: Some(grid),
        rows,
    }
}

/// The first step of phrase `j` (phrase 0 starts with the pickup, at step 0).
pub(super) fn phrase_start(grid: &PhraseGrid, j: usize) -> usize {
    if j == 0 {
        0
    } else {
        grid.structure
            .bar_start(j * grid.bars + 1)
            .unwrap_or(usize::MAX)
    }
}
