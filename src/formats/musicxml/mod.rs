//! MusicXML: read one part's melody line; write a melody as a one-part score.
//!
//! Reading takes `score-partwise` or `score-timewise` and the first part (or
//! [`ReadOptions::part`]). The melody is the part's highest sounding line across its
//! voices (or the voice [`ReadOptions::voice`] names): chords give their top note, grace
//! and cue notes are dropped, tied notes become one [`Note`](crate::music::Note) with
//! `tie_parts`, and unpitched (percussion) notes are rests, counted in a warning.
//! Measures are played as a player reads them: repeats (nested too), endings for the
//! passes they name (`number="1, 2"`), and `<sound>` D.C. / D.S. al Fine / al Coda.
//! Every `<transpose>` applies from where it is written; meter, key and tempo changes
//! become [`Melody::changes`]. A first measure marked `implicit="yes"` is a pickup; any
//! other short first measure stays a bar, its missing beats a rest. Durations come from
//! `<duration>` and `<divisions>` as exact ratios.
//!
//! Writing produces MusicXML 4.0 that MuseScore imports: bar lines from the meter, a
//! pickup measure numbered 0, notes split and tied across bar lines, dotted values and
//! triplets spelled with `<type>`, `<dot/>` and `<time-modification>`.
//!
//! ```
//! use lstmuse::formats::musicxml;
//! use lstmuse::{Melody, Meter, Note, Pitch, Ratio};
//!
//! let mut melody = Melody::new();
//! melody.meter = Meter::new(3, 4);
//! melody.notes = vec![Note::new(Pitch(67), Ratio::ONE), Note::new(Pitch(72), Ratio::from_int(3))];
//! melody.pickup = Ratio::ONE;
//! let xml = musicxml::write(&melody);
//! let back = musicxml::parse(&xml, &Default::default()).unwrap();
//! assert_eq!(back.notes.len(), 2);
//! assert_eq!(back.notes[1].duration, Ratio::from_int(3));
//! assert_eq!(back.pickup, Ratio::ONE);
//! ```

mod assemble;
mod attributes;
mod directions;
mod durations;
mod guard;
mod markup;
mod measure;
mod mxl;
mod notes;
mod numbers;
mod playback;
mod read;
mod repeats;
mod spell;
mod write;
mod xml;

use super::ReadOptions;
use crate::error::Result;
use crate::music::Melody;

/// Parses uncompressed MusicXML: the first part (or `options.part`), its top line (or
/// `options.voice`).
pub fn parse(text: &str, options: &ReadOptions) -> Result<Melody> {
    read::parse(text, options)
}

/// Parses uncompressed MusicXML from a file's bytes: UTF-16 with a byte-order mark is
/// decoded as it is inside `.mxl` archives, anything else is read as UTF-8.
pub fn parse_bytes(bytes: &[u8], options: &ReadOptions) -> Result<Melody> {
    read::parse(&mxl::decode(bytes), options)
}

/// Parses compressed MusicXML (`.mxl`): the score named in `META-INF/container.xml`,
/// or the first `.musicxml`/`.xml` file in the archive.
pub fn parse_mxl(bytes: &[u8], options: &ReadOptions) -> Result<Melody> {
    read::parse(&mxl::score_text(bytes)?, options)
}

/// Writes partwise MusicXML 4.0.
pub fn write(melody: &Melody) -> String {
    write::write(melody)
}

/// Writes compressed MusicXML (`.mxl`).
pub fn write_mxl(melody: &Melody) -> Result<Vec<u8>> {
    mxl::pack(&write(melody))
}
