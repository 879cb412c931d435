//! How well written spans join the notes after them: the interval from a fill's (or a plain
//! continuation's) last note to the first note after the span, against the corpus's own
//! mean interval between consecutive notes.

use crate::corpus::data::SongIds;
use crate::corpus::encoding::decode;
use crate::error::Result;
use crate::eval::heldout::infill_spans;
use crate::model::ModelRef;
use crate::music::{Melody, Ratio};
use crate::sampling::{Length, SamplerConfig, fill, generate};
use serde::Serialize;

/// Mean absolute intervals in semitones at the span's end, and in the corpus.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JoinReport {
    /// Spans measured (songs whose span and suffix both hold a note).
    pub join_songs: usize,
    /// From a fill's last note to the first note after the span.
    pub fill_join_interval: f64,
    /// From a left-to-right continuation's last note (same span, same prefix) to the first
    /// note after the span.
    pub continuation_join_interval: f64,
    /// Between consecutive notes of the same songs, as written.
    pub corpus_mean_interval: f64,
    /// From the song's own last note in the span to the first note after it: what the
    /// composer wrote at the same place.
    pub original_join_interval: f64,
}

/// The pitch of the last note starting in `steps` of `melody` (16th steps), and of the
/// first note starting at or after `from`.
fn last_note_in(melody: &Melody, steps: std::ops::Range<usize>) -> Option<u8> {
    onsets(melody)
        .filter(|(on, _)| steps.contains(on))
        .last()
        .map(|(_, p)| p)
}

fn first_note_from(melody: &Melody, from: usize) -> Option<u8> {
    onsets(melody).find(|(on, _)| *on >= from).map(|(_, p)| p)
}

/// Sounding notes as `(onset step, MIDI pitch)`.
fn onsets(melody: &Melody) -> impl Iterator<Item = (usize, u8)> + '_ {
    melody.with_onsets().filter_map(|(on, n)| {
        let step = on.to_steps();
        n.pitch.map(|p| (step, p.midi()))
    })
}

/// Fills `bars` bars from bar 3 of every long-enough song (as [`infill_spans`] chooses
/// them), and continues the same prefixes left to right for the same number of steps; one
/// sample each with `config` (its seed moves on per song).
pub fn join_intervals(
    model: ModelRef<'_>,
    songs: &SongIds,
    bars: usize,
    config: &SamplerConfig,
) -> Result<JoinReport> {
    let vocab = model.vocab;
    let step = Ratio::STEP;
    let (mut fill_sum, mut cont_sum, mut original_sum, mut n) = (0.0, 0.0, 0.0, 0usize);
    let (mut corpus_sum, mut corpus_n) = (0.0, 0usize);
    for (k, (i, a, b)) in infill_spans(songs, bars).into_iter().enumerate() {
        let structure = songs.structure_of(i);
        let symbols: Vec<_> = songs.songs[i]
            .iter()
            .filter_map(|&id| vocab.symbol(id))
            .collect();
        let mut melody = decode(&symbols, step);
        melody.meter = structure.meter;
        melody.pickup = step * Ratio::from_int(structure.pickup_steps as i64);
        // The songs are in the model's keys already (C major or A minor): no key signature
        // keeps the sampler from moving them again.
        melody.key_signature = Some(0);
        let pitches: Vec<u8> = onsets(&melody).map(|(_, p)| p).collect();
        for w in pitches.windows(2) {
            corpus_sum += f64::from(w[0].abs_diff(w[1]));
            corpus_n += 1;
        }
        let Some(target) = first_note_from(&melody, b) else {
            continue;
        };
        let one = SamplerConfig {
            variations: 1,
            seed: config.seed.wrapping_add(k as u64),
            ..config.clone()
        };
        let filled = fill(model, &melody, a..b, &one)?;
        let mut prefix = decode(&symbols[..a], step);
        prefix.meter = melody.meter;
        prefix.pickup = melody.pickup;
        prefix.key_signature = Some(0);
        let continued = SamplerConfig {
            length: Length::Steps(b - a),
            stop_at_end: false,
            end_on_tonic: false,
            ..one
        };
        let cont = generate(model, &prefix, &continued)?;
        let (Some(f), Some(c), Some(o)) = (
            filled.first().and_then(|g| last_note_in(&g.melody, a..b)),
            cont.first().and_then(|g| last_note_in(&g.melody, a..b)),
            last_note_in(&melody, a..b),
        ) else {
            continue;
        };
        fill_sum += f64::from(f.abs_diff(target));
        cont_sum += f64::from(c.abs_diff(target));
        original_sum += f64::from(o.abs_diff(target));
        n += 1;
    }
    let per = |s: f64, n: usize| s / n.max(1) as f64;
    Ok(JoinReport {
        join_songs: n,
        fill_join_interval: per(fill_sum, n),
        continuation_join_interval: per(cont_sum, n),
        corpus_mean_interval: per(corpus_sum, corpus_n),
        original_join_interval: per(original_sum, n),
    })
}
