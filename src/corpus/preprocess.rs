//! The seed's preprocessing: keep songs with acceptable durations, move them to C major or
//! A minor, and encode them on the 16th-note grid.

use crate::corpus::encoding::{GridConfig, Symbol, encode};
use crate::music::{Melody, Ratio};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Settings of the preprocessing; the defaults are the seed's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PreprocessConfig {
    /// Durations (in quarter notes) a song may contain; an empty list accepts all.
    /// The seed: 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4.
    pub acceptable_durations: Vec<Ratio>,
    /// Move major songs to C major and minor songs to A minor.
    pub transpose: bool,
    /// The encoding grid.
    pub grid: GridConfig,
}

impl Default for PreprocessConfig {
    fn default() -> Self {
        PreprocessConfig {
            acceptable_durations: [
                (1, 4),
                (1, 2),
                (3, 4),
                (1, 1),
                (3, 2),
                (2, 1),
                (3, 1),
                (4, 1),
            ]
            .iter()
            .map(|&(n, d)| Ratio::new(n, d))
            .collect(),
            transpose: true,
            grid: GridConfig::default(),
        }
    }
}

/// Why a song is left out of the training set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// A note or rest (or one written piece of a tied note) has a duration outside the set.
    Duration {
        /// The offending duration in quarter notes.
        duration: Ratio,
        /// Its position (0-based) among the melody's events.
        index: usize,
    },
    /// The melody has no notes, so no key.
    NoNotes,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::Duration { duration, index } => write!(
                f,
                "duration {duration} quarter notes (event {}) is not in the accepted set",
                index + 1
            ),
            Exclusion::NoNotes => f.write_str("no notes"),
        }
    }
}

/// Checks every written duration against the accepted set (the seed's filter; it sees
/// each piece of a tied note separately when `grid.split_ties` is set).
pub fn check_durations(melody: &Melody, config: &PreprocessConfig) -> Result<(), Exclusion> {
    if config.acceptable_durations.is_empty() {
        return Ok(());
    }
    for (index, note) in melody.notes.iter().enumerate() {
        let parts: &[Ratio] = if config.grid.split_ties {
            note.written_parts()
        } else {
            std::slice::from_ref(&note.duration)
        };
        for &duration in parts {
            if !config.acceptable_durations.contains(&duration) {
                return Err(Exclusion::Duration { duration, index });
            }
        }
    }
    Ok(())
}

/// The semitones that move a melody to C major or A minor, as the seed does it: the
/// stated key where there is one, otherwise one estimated from the notes.
pub fn transposition_to_c_or_a(melody: &Melody) -> Option<i32> {
    melody.key_or_estimate().map(|k| k.semitones_to_c_or_a())
}

/// Filters, transposes and encodes one song. The result has no delimiter.
pub fn prepare(melody: &Melody, config: &PreprocessConfig) -> Result<Vec<Symbol>, Exclusion> {
    check_durations(melody, config)?;
    if melody.sounding().next().is_none() {
        return Err(Exclusion::NoNotes);
    }
    if config.transpose {
        let shift = transposition_to_c_or_a(melody).ok_or(Exclusion::NoNotes)?;
        Ok(encode(&melody.transposed(shift), &config.grid))
    } else {
        Ok(encode(melody, &config.grid))
    }
}

/// Joins encoded songs into one training stream, each song followed by `length`
/// delimiters (the seed uses the sequence length, 64).
pub fn join_songs<'a>(songs: impl IntoIterator<Item = &'a [Symbol]>, length: usize) -> Vec<Symbol> {
    let mut out = Vec::new();
    for song in songs {
        out.extend_from_slice(song);
        out.extend(std::iter::repeat_n(Symbol::Delimiter, length));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Key, Note, Pitch};

    fn melody(notes: &[(u8, i64, i64)], key: &str) -> Melody {
        let mut m = Melody::new();
        m.key = Key::parse(key);
        for &(p, n, d) in notes {
            m.notes.push(Note::new(Pitch(p), Ratio::new(n, d)));
        }
        m
    }

    #[test]
    fn filter_rejects_triplets_and_names_them() {
        let m = melody(&[(60, 1, 1), (62, 1, 3)], "C");
        let e = check_durations(&m, &PreprocessConfig::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "duration 1/3 quarter notes (event 2) is not in the accepted set"
        );
    }

    #[test]
    fn transposes_like_the_seed() {
        // B major moves down 11 semitones; C minor moves up 9.
        let b = melody(&[(71, 1, 1)], "B");
        assert_eq!(transposition_to_c_or_a(&b), Some(-11));
        let c = melody(&[(60, 1, 1)], "Cm");
        assert_eq!(transposition_to_c_or_a(&c), Some(9));
        let s = prepare(&c, &PreprocessConfig::default()).unwrap();
        assert_eq!(crate::corpus::encoding::symbols_to_string(&s), "69 _ _ _");
    }
}
