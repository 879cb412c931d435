//! Form measures: what a musician hears across a whole melody, computed the same way on
//! corpus songs and on generated melodies.
//!
//! - **phrase_end_cadence**: phrases of [`Meter::phrase_bars`](crate::music::Meter::phrase_bars)
//!   bars (4 in 2/4, 3/4, 4/4 and 6/8). At each phrase end (the final bar too) the cadence
//!   note is the last note starting on a strong beat of the phrase's last bar (else the
//!   note sounding at its downbeat); it is *structural* when it is on a strong beat, lasts
//!   at least a beat until the next note (or a rest follows it), and is scale degree 1 or 5,
//!   or 2 or 7 for a half cadence. The measure is the share of phrase ends that are.
//! - **final_on_tonic**: the last note is the tonic and starts on a strong beat.
//! - **final_on_downbeat**: the last note starts on a bar line. Beat 2 of 2/4 is a strong
//!   beat, but 68% of erk's 2/4 songs close on the downbeat and 29% on beat 2.
//! - **post_skip_reversal**: of the leaps larger than a major third (rests skipped), the
//!   share whose next interval moves back by a step (von Hippel & Huron 2000).
//! - **bar_repetition**: of the complete bars after the first (with a note onset), the share
//!   equal to an earlier complete bar, exactly or transposed (same rhythm, every pitch
//!   moved by one interval); the distance back to the nearest one (1, 2, 3, 4, 5–7, 8+
//!   bars) as a histogram.
//! - **ambitus**: highest minus lowest pitch, as a histogram in buckets of two semitones.
//! - **repeated_note_runs**: a run of three or more equal notes (rests break runs) with
//!   three of them in the last two bars.
//!
//! Strong beats are the downbeat and the middle beat of bars with an even number of beats
//! (`SongStructure::is_strong_beat`). Degrees are taken against the melody's key.

pub mod grid;
pub mod measures;
pub mod stats;
pub mod table;

pub use measures::{FormProfile, PhraseEnd};
pub use stats::{FormStats, stats};
pub use table::FormTable;

#[cfg(test)]
mod tests;
