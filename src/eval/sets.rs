//! The two sets `eval --generate` compares: the corpus songs a generated melody should be
//! like (same meter, no longer than it may be), and melodies generated in the corpus's own
//! meter mix.

use crate::corpus::preprocess::{PreprocessConfig, check_durations, transposition_to_c_or_a};
use crate::corpus::structure::SongStructure;
use crate::error::Result;
use crate::model::ModelRef;
use crate::music::{Melody, Meter, Ratio};
use crate::sampling::{Generated, SamplerConfig, generate};

/// Fewer songs of a melody's length than this, and `eval` compares with every song of
/// the meter instead.
pub const MIN_REFERENCE_SONGS: usize = 10;

/// The corpus songs generated melodies are compared with: those the preprocessing keeps
/// (accepted durations, at least one note), moved to C major / A minor; of `meter` when one
/// is given; and of at most `max_bars` bars when given (an 8-bar melody is compared with
/// songs of up to 8 bars, not with 24-bar ballads).
pub fn reference_songs(
    melodies: &[Melody],
    config: &PreprocessConfig,
    meter: Option<Meter>,
    max_bars: Option<usize>,
) -> Vec<Melody> {
    melodies
        .iter()
        .filter(|m| check_durations(m, config).is_ok() && m.sounding().next().is_some())
        .filter(|m| meter.is_none_or(|meter| m.meter == Some(meter)))
        .filter(|m| max_bars.is_none_or(|b| bars(m).is_some_and(|n| n <= b)))
        .filter_map(|m| transposition_to_c_or_a(m).map(|s| m.transposed(s)))
        .collect()
}

/// Bars of a melody after its pickup, a shortened last bar counting as one; `None`
/// without a meter.
pub fn bars(melody: &Melody) -> Option<usize> {
    let structure = SongStructure::new(melody.meter, melody.pickup);
    let steps = melody.duration().to_steps();
    structure.bar_of(steps.checked_sub(1)?)
}

/// How many of `n` melodies to generate in each meter, in proportion to the meters of
/// `songs` (largest remainders round; ties go to the commoner meter, then the smaller
/// one). Songs without a meter are left out; none with a meter gives 4/4.
pub fn meter_mix(songs: &[Melody], n: usize) -> Vec<(Meter, usize)> {
    let mut counts: Vec<(Meter, usize)> = Vec::new();
    for m in songs.iter().filter_map(|m| m.meter) {
        match counts.iter_mut().find(|(meter, _)| *meter == m) {
            Some((_, c)) => *c += 1,
            None => counts.push((m, 1)),
        }
    }
    let total: usize = counts.iter().map(|(_, c)| c).sum();
    if total == 0 {
        return vec![(Meter::default(), n)];
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.bar_length().cmp(&b.0.bar_length())));
    let mut shares: Vec<(Meter, usize, usize)> = counts
        .iter()
        .map(|&(m, c)| (m, c * n / total, c * n % total))
        .collect();
    let given: usize = shares.iter().map(|s| s.1).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2));
    for &i in order.iter().take(n - given) {
        shares[i].1 += 1;
    }
    shares
        .into_iter()
        .filter(|s| s.1 > 0)
        .map(|(m, k, _)| (m, k))
        .collect()
}

/// One generated melody for a comparison: the continuation (primer notes dropped, its
/// bar structure kept), moved to C major / A minor like the corpus.
#[derive(Clone, Debug)]
pub struct GeneratedMelody {
    /// The continuation.
    pub melody: Melody,
    /// The whole melody ends on a bar line.
    pub ends_on_bar_line: bool,
}

/// Generates `n` melodies per `(meter, n)` of `mix` after `primer`, at most 32 per sampler
/// call, the seed moving up by one per call.
pub fn generate_set(
    model: ModelRef<'_>,
    primer: &Melody,
    config: &SamplerConfig,
    mix: &[(Meter, usize)],
) -> Result<Vec<GeneratedMelody>> {
    const BATCH: usize = 32;
    let mut out = Vec::new();
    let mut call = 0u64;
    for &(meter, n) in mix {
        let mut done = 0;
        while done < n {
            let batch = SamplerConfig {
                variations: (n - done).min(BATCH),
                seed: config.seed.wrapping_add(call),
                meter: Some(meter),
                ..config.clone()
            };
            for g in generate(model, primer, &batch)? {
                out.push(for_comparison(g));
            }
            done += batch.variations;
            call += 1;
        }
    }
    Ok(out)
}

/// A generated melody as the comparison reads it.
fn for_comparison(g: Generated) -> GeneratedMelody {
    let m = &g.melody;
    let structure = SongStructure::new(m.meter, m.pickup);
    let ends_on_bar_line = structure.is_bar_line(m.duration().to_steps());
    let bar = structure.bar_steps().unwrap_or(16);
    let into_bar = structure.bar_position(g.span.start).unwrap_or(0);
    let mut melody = g.melody;
    let start = g.primer_notes.min(melody.notes.len());
    melody.notes.drain(..start);
    melody.pickup = Ratio::from_steps((bar - into_bar) % bar);
    if let Some(shift) = melody.key.map(crate::music::Key::semitones_to_c_or_a) {
        melody = melody.transposed(shift);
    }
    // The sampler names C major for a melody it started from nothing; which of C major and
    // A minor it wrote is read from its notes, as for a corpus song without a stated key.
    melody.key = None;
    melody.key_signature = Some(0);
    GeneratedMelody {
        melody,
        ends_on_bar_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn song(n: u32, d: u32) -> Melody {
        Melody {
            meter: Meter::new(n, d),
            ..Melody::new()
        }
    }

    #[test]
    fn the_meter_mix_follows_the_corpus() {
        let songs: Vec<Melody> = [(2, 4); 5]
            .into_iter()
            .chain([(3, 4); 3])
            .chain([(6, 8); 2])
            .map(|(n, d)| song(n, d))
            .collect();
        let mix = meter_mix(&songs, 7);
        let two = Meter::new(2, 4).unwrap();
        let three = Meter::new(3, 4).unwrap();
        let six = Meter::new(6, 8).unwrap();
        assert_eq!(mix, vec![(two, 4), (three, 2), (six, 1)]);
        assert_eq!(mix.iter().map(|m| m.1).sum::<usize>(), 7);
        assert_eq!(meter_mix(&[Melody::new()], 3), vec![(Meter::default(), 3)]);
    }

    #[test]
    fn bars_count_from_the_pickup() {
        // 2/4 with an eighth of pickup, eight quarters long: the pickup, three full bars and
        // a fourth short by the pickup's eighth.
        let mut m = song(2, 4);
        m.pickup = Ratio::new(1, 2);
        m.notes.push(crate::music::Note::rest(Ratio::from_int(8)));
        assert_eq!(bars(&m), Some(4));
        assert_eq!(bars(&Melody::new()), None);
    }
}
