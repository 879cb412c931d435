//! Limits on the work one input may cause: every reader, writer, the sampler, the renderer
//! and the model loader check their input against one [`Limits`] value.
//!
//! The defaults are far beyond any real melody (the longest Essen song has about 1,000
//! notes) and far below what would exhaust a desktop's memory. A limit that is hit is a
//! clear [`Error::Limit`](crate::Error::Limit) naming the file and the limit, never a panic,
//! a hang or a huge allocation.

use crate::music::{Melody, Ratio};
use serde::{Deserialize, Serialize};

/// Bounds on what one file, one melody or one model may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Most notes and rests in one melody (after repeats are expanded).
    pub max_notes: usize,
    /// Longest melody, in quarter notes (a 16th-step encoding of it has 4× as many steps).
    pub max_quarters: u64,
    /// Most notes and rests that repeat and ending expansion may produce from one tune.
    pub max_expanded_events: usize,
    /// Deepest XML element nesting accepted in MusicXML.
    pub max_xml_depth: usize,
    /// Most XML nodes in one MusicXML document.
    pub max_xml_nodes: usize,
    /// Largest uncompressed `.mxl` entry, in bytes.
    pub max_mxl_entry_bytes: u64,
    /// Largest input file read into memory, in bytes.
    pub max_file_bytes: u64,
    /// Largest SoundFont (`.sf2`) file loaded, in bytes: its samples are held in memory
    /// (General MIDI fonts are 6–150 MB; orchestral ones reach a few hundred).
    pub max_soundfont_bytes: u64,
    /// Most bars a writer emits for one melody.
    pub max_bars: usize,
    /// Most audio frames one render may produce (at 44.1 kHz, 2^27 frames is ~50 minutes).
    pub max_render_frames: u64,
    /// Most 16th-note steps in a primer or a generated melody.
    pub max_steps: usize,
    /// Most variations one generate or fill call writes (they run as one batch).
    pub max_variations: usize,
    /// Largest hidden size, embedding size or vocabulary a model folder may declare.
    pub max_model_width: usize,
    /// Most LSTM layers a model folder may declare.
    pub max_model_layers: usize,
    /// Most parameters a model folder may declare (about 400 MB of f32).
    pub max_model_parameters: usize,
}

impl Limits {
    /// The defaults: see each field.
    pub const DEFAULT: Limits = Limits {
        max_notes: 200_000,
        max_quarters: 1_000_000,
        max_expanded_events: 1_000_000,
        max_xml_depth: 64,
        max_xml_nodes: 5_000_000,
        max_mxl_entry_bytes: 64 * 1024 * 1024,
        max_file_bytes: 64 * 1024 * 1024,
        max_soundfont_bytes: 1024 * 1024 * 1024,
        max_bars: 100_000,
        max_render_frames: 1 << 27,
        max_steps: 25_000,
        max_variations: 64,
        max_model_width: 8_192,
        max_model_layers: 16,
        max_model_parameters: 100_000_000,
    };

    /// Checks `value <= limit`, else an [`Error::Limit`](crate::Error::Limit) naming it.
    pub fn check<T: PartialOrd + std::fmt::Display>(
        what: &'static str,
        value: T,
        limit: T,
    ) -> crate::Result<()> {
        if value <= limit {
            Ok(())
        } else {
            Err(limit_error(what, value.to_string(), limit.to_string()))
        }
    }
}

impl Limits {
    /// Checks a melody against [`max_notes`](Limits::max_notes) and
    /// [`max_quarters`](Limits::max_quarters): every reader checks what it read.
    pub fn check_melody(&self, melody: &Melody) -> crate::Result<()> {
        Limits::check(
            "notes and rests in a melody",
            melody.notes.len(),
            self.max_notes,
        )?;
        let quarters = melody.duration();
        let limit = Ratio::from_int(i64::try_from(self.max_quarters).unwrap_or(i64::MAX));
        if quarters > limit {
            return Err(limit_error(
                "length of a melody in quarter notes",
                format!("{:.0}", quarters.to_f64()),
                self.max_quarters.to_string(),
            ));
        }
        Ok(())
    }

    /// Checks a melody a writer is about to write: [`Limits::check_melody`], then the
    /// bars its meter cuts it into against [`max_bars`](Limits::max_bars) (a long note
    /// in a short meter is one tied piece per bar).
    pub fn check_writable(&self, melody: &Melody) -> crate::Result<()> {
        self.check_melody(melody)?;
        let Some(meter) = melody.meter else {
            return Ok(());
        };
        let bars = (melody.duration() / meter.bar_length())
            .floor()
            .saturating_add(2);
        let bars = u64::try_from(bars).unwrap_or(u64::MAX);
        Limits::check("bars in a written melody", bars, self.max_bars as u64)
    }
}

fn limit_error(what: &'static str, value: String, limit: String) -> crate::Error {
    crate::Error::Limit {
        what,
        value,
        limit,
        location: crate::error::Location::default(),
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_limit_and_the_value() {
        assert!(Limits::check("notes in a melody", 10, 10).is_ok());
        let e = Limits::check("notes in a melody", 11, 10).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("notes in a melody"), "{text}");
        assert!(text.contains("11") && text.contains("10"), "{text}");
        let e = e.in_file(std::path::Path::new("a.krn"));
        assert!(e.to_string().contains("a.krn"), "{e}");
    }
}
