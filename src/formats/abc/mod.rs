//! ABC notation (2.1) reader for multi-tune files, and a simple single-tune writer.
//!
//! Every `X:` tune of a file is read into a [`Melody`] (the first voice only): key
//! signatures and modes, bar accidentals, ties, broken rhythm, tuplets, chords (top
//! note), inline fields, and repeats with first and second endings played out as
//! abc2midi plays them. Decorations, chord symbols, grace notes and lyrics are
//! ignored. A tune that cannot be read gives an error with its line in the file;
//! the other tunes of the file are unaffected.
//!
//! A `K:` with only a tonic (`K:G`, as the Essen collection writes even for E-minor
//! songs) fixes the key signature; the mode (major or relative minor) is then
//! estimated from the notes. A stated mode (`K:Em`, `K:Dmix`) is used as written.

mod body;
mod build;
mod header;
mod lex;
mod repeats;
#[cfg(test)]
mod tests;
mod tune;
#[cfg(test)]
mod voice_tests;
mod voices;
mod writer;

use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::music::Melody;
pub use writer::write;

/// One tune of an ABC file.
#[derive(Debug)]
pub struct AbcTune {
    /// The reference number from `X:`.
    pub number: u32,
    /// The 1-based line of the `X:` header.
    pub line: usize,
    /// The melody, or what is wrong with this tune.
    pub melody: Result<Melody>,
}

/// Parses every tune of an ABC file, in file order.
///
/// Text before the first `X:` is the file header; its `M:`, `L:`, `Q:` and `K:`
/// fields are defaults for every tune. A tune ends at a blank line or the next `X:`.
/// A file without any `X:` but with a `K:` is read as one tune; a file with neither
/// gives one error entry.
pub fn parse_tunes(text: &str) -> Vec<AbcTune> {
    parse_tunes_with(text, &ReadOptions::default())
}

/// Parses every tune of an ABC file, reading the voice `options.voice` of each (its
/// `V:` id, else its place among the tune's voices; default: the top line of all).
pub fn parse_tunes_with(text: &str, options: &ReadOptions) -> Vec<AbcTune> {
    let lines = split_lines(text);
    let first_x = lines.iter().position(|&(_, l)| is_tune_start(l));
    let Some(first_x) = first_x else {
        return vec![headerless_tune(&lines, options)];
    };
    let mut defaults = tune::Header::default();
    for &(line, text) in &lines[..first_x] {
        if let Some((name, value)) = tune::split_field(text, false) {
            // A broken default cannot be pinned on a tune: ignore it.
            let _ = defaults.field(name, value, line);
        }
    }
    let mut tunes = Vec::new();
    let mut k = first_x;
    while k < lines.len() {
        let (line, text) = lines[k];
        if !is_tune_start(text) {
            k += 1;
            continue;
        }
        let end = lines[k + 1..]
            .iter()
            .position(|&(_, l)| l.trim().is_empty() || is_tune_start(l))
            .map_or(lines.len(), |p| k + 1 + p);
        let number = tune_number(&text[2..]).unwrap_or_else(|| ordinal(tunes.len()));
        let melody = tune::parse_tune(line, &lines[k + 1..end], &defaults, options.voice);
        tunes.push(AbcTune {
            number,
            line,
            melody,
        });
        k = end;
    }
    tunes
}

/// A file without `X:`: one tune if it has a `K:` line, else an error entry.
fn headerless_tune(lines: &[(usize, &str)], options: &ReadOptions) -> AbcTune {
    let has_key = lines.iter().any(|&(_, l)| l.starts_with("K:"));
    let melody = if has_key {
        tune::parse_tune(1, lines, &tune::Header::default(), options.voice)
    } else {
        Err(Error::parse(
            Some(1),
            "no ABC tune found (no X: or K: line)",
        ))
    };
    AbcTune {
        number: 1,
        line: 1,
        melody,
    }
}

fn ordinal(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn is_tune_start(line: &str) -> bool {
    line.starts_with("X:")
}

fn tune_number(value: &str) -> Option<u32> {
    let v = value.trim_start();
    let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    v[..end].parse().ok()
}

/// Lines with their 1-based numbers; old Mac files (`\r` only) are split on `\r`.
fn split_lines(text: &str) -> Vec<(usize, &str)> {
    if !text.contains('\n') && text.contains('\r') {
        text.split('\r')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .collect()
    } else {
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
    }
}
