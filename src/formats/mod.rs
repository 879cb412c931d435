//! File formats: one reader/writer per file, and dispatch by file extension.

pub mod abc;
pub mod kern;
mod line;
pub mod midi;
pub mod musicxml;

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::limits::Limits;
use crate::music::Melody;
use std::io::Read as _;
use std::path::Path;

/// The formats LSTMuse reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Humdrum `**kern` (`.krn`).
    Kern,
    /// ABC notation (`.abc`), possibly many tunes per file.
    Abc,
    /// Standard MIDI file (`.mid`, `.midi`).
    Midi,
    /// Uncompressed MusicXML (`.musicxml`, `.xml`).
    MusicXml,
    /// Compressed MusicXML (`.mxl`).
    Mxl,
}

impl Format {
    /// The format for a path's extension, if it is one we know.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "krn" | "kern" => Format::Kern,
            "abc" => Format::Abc,
            "mid" | "midi" => Format::Midi,
            "musicxml" | "xml" => Format::MusicXml,
            "mxl" => Format::Mxl,
            _ => return None,
        })
    }
}

/// Which tune, part and voice to read from a file that holds several.
///
/// By default the melody is the highest sounding line of the part across all its voices
/// (chords give their top note; a note that starts under a higher sounding one is left
/// out), as a notation program shows the top line. `voice` picks one voice instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// ABC: the tune whose reference number is `X:tune` (default: the first tune).
    pub tune: Option<u32>,
    /// The part, 0-based. Kern: the `**kern` spine (0 = leftmost; default: the top
    /// staff, the rightmost spine). MIDI: the track (default: the first track with
    /// pitched notes). MusicXML: the part (default: the first part). ABC has one part.
    pub part: Option<usize>,
    /// The voice of the part, 1-based, as the file numbers it. MusicXML: `<voice>N`.
    /// Kern: the N-th sub-spine of a split spine (1 = leftmost; where the spine is not
    /// split, voice 1 is the spine). MIDI: channel N (1–16). ABC: the voice `V:N`, or
    /// else the N-th voice declared. Default: the top line across all voices.
    pub voice: Option<usize>,
}
/// One tune read from a file: its number in the file (ABC `X:`), its first line, and
/// the melody or the reason it could not be read.
#[derive(Debug)]
pub struct TuneResult {
    /// ABC reference number, or `None` for single-melody formats.
    pub tune: Option<u32>,
    /// The line the tune starts on.
    pub line: Option<usize>,
    /// The melody, or what is wrong with it (with file, tune and line).
    pub melody: Result<Melody>,
}

/// Reads every tune in a file (one for all formats but ABC). The outer error is for
/// the whole file (unreadable, unknown type); per-tune errors sit inside.
pub fn read_tunes(path: &Path, options: &ReadOptions) -> Result<Vec<TuneResult>> {
    let format = Format::from_path(path).ok_or_else(|| Error::UnsupportedFormat {
        path: path.to_path_buf(),
    })?;
    let bytes = read_capped(path, Limits::DEFAULT.max_file_bytes)?;
    let text = || String::from_utf8_lossy(&bytes).into_owned();
    let single = |melody: Result<Melody>| {
        vec![TuneResult {
            tune: None,
            line: None,
            melody: melody.map_err(|e| e.in_file(path)),
        }]
    };
    let mut tunes = match format {
        Format::Kern => single(kern::parse(&text(), options)),
        Format::Midi => single(midi::parse(&bytes, options)),
        Format::MusicXml => single(musicxml::parse_bytes(&bytes, options)),
        Format::Mxl => single(musicxml::parse_mxl(&bytes, options)),
        Format::Abc => abc::parse_tunes_with(&text(), options)
            .into_iter()
            .map(|t| TuneResult {
                tune: Some(t.number),
                line: Some(t.line),
                melody: t.melody.map_err(|e| e.in_tune(t.number).in_file(path)),
            })
            .collect(),
    };
    for t in &mut tunes {
        if let Ok(m) = &t.melody
            && let Err(e) = Limits::DEFAULT.check_melody(m)
        {
            let e = match t.tune {
                Some(n) => e.in_tune(n),
                None => e,
            };
            t.melody = Err(e.in_file(path));
        }
        if let Ok(m) = &mut t.melody {
            m.source.path = Some(path.to_path_buf());
            m.source.tune = t.tune;
            m.source.line = t.line;
        }
    }
    Ok(tunes)
}

/// The bytes of a file, refusing one larger than `limit` before reading it (and, should
/// it grow meanwhile, reading no more than `limit + 1` bytes).
fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let too_big = |size: u64| {
        Limits::check("bytes in an input file", size, limit).map_err(|e| e.in_file(path))
    };
    too_big(size)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    too_big(bytes.len() as u64)?;
    Ok(bytes)
}

/// Input text as it may appear inside an error message: control characters (terminal
/// escape sequences, bells, carriage returns) are shown escaped (`\u{1b}`), and long
/// text is cut to 60 characters with an ellipsis.
pub fn echo(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads one melody: for ABC the tune `X:options.tune` (the first tune by default).
pub fn read_melody(path: &Path, options: &ReadOptions) -> Result<Melody> {
    let tunes = read_tunes(path, options)?;
    let pick = match options.tune {
        Some(n) if Format::from_path(path) == Some(Format::Abc) => tunes
            .into_iter()
            .find(|t| t.tune == Some(n))
            .ok_or_else(|| Error::Invalid(format!("no tune X:{n} in {}", path.display())))?,
        _ => tunes
            .into_iter()
            .next()
            .ok_or_else(|| Error::Invalid(format!("no tunes in {}", path.display())))?,
    };
    pick.melody
}

/// Serialises a melody in a format (`Mxl` writes compressed MusicXML).
///
/// A melody over the [`Limits`] (notes, length, or bars its meter would cut it into)
/// is an [`Error::Limit`] rather than a file of hundreds of megabytes.
pub fn to_bytes(melody: &Melody, format: Format) -> Result<Vec<u8>> {
    Limits::DEFAULT.check_writable(melody)?;
    Ok(match format {
        Format::Kern => kern::write(melody).into_bytes(),
        Format::Abc => abc::write(melody).into_bytes(),
        Format::Midi => midi::write(melody),
        Format::MusicXml => musicxml::write(melody).into_bytes(),
        Format::Mxl => musicxml::write_mxl(melody)?,
    })
}

/// Writes a melody to a file, in the format its extension names, atomically.
pub fn write_melody(melody: &Melody, path: &Path) -> Result<()> {
    let format = Format::from_path(path).ok_or_else(|| Error::UnsupportedFormat {
        path: path.to_path_buf(),
    })?;
    write_atomic(
        path,
        &to_bytes(melody, format).map_err(|e| e.in_file(path))?,
    )
}
