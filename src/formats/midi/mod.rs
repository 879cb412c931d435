//! Standard MIDI files through `midly`: read the melody line of one track, write SMF type 1.
//!
//! Reading takes the first track with pitched notes (or [`ReadOptions::part`]) and its
//! highest sounding line across channels (or the channel [`ReadOptions::voice`] names);
//! channel 10 is percussion, whose notes are rests (counted in a warning). Time signature,
//! key signature and tempo events after the start become [`Melody::changes`].
//!
//! Writing produces type 1 at 480 PPQ: a conductor track (title, tempo, time and key
//! signature, and every change where it takes effect) and one melody track.

mod read;
#[cfg(test)]
mod tests;
mod write;

use super::ReadOptions;
use crate::error::Result;
use crate::music::Melody;

/// Ticks per quarter note in files we write.
pub const PPQ: u16 = 480;
/// The marker we write where the music starts after the padding before a pickup.
const PICKUP_MARKER: &[u8] = b"pickup";

/// Reads a standard MIDI file (type 0 or 1): the melody line of one track.
pub fn parse(bytes: &[u8], options: &ReadOptions) -> Result<Melody> {
    read::parse(bytes, options)
}

/// Writes SMF type 1 at 480 PPQ.
pub fn write(melody: &Melody) -> Vec<u8> {
    write::write(melody)
}
