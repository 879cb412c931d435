//! MusicXML reader and writer (work in progress by a helper).

use super::ReadOptions;
use crate::error::{Error, Result};
use crate::music::Melody;

/// Parses uncompressed MusicXML: the first part (or `options.voice`), top voice.
pub fn parse(_text: &str, _options: &ReadOptions) -> Result<Melody> {
    Err(Error::parse(None, "MusicXML reader not written yet"))
}

/// Parses compressed MusicXML (`.mxl`).
pub fn parse_mxl(_bytes: &[u8], _options: &ReadOptions) -> Result<Melody> {
    Err(Error::parse(None, "MusicXML reader not written yet"))
}

/// Writes partwise MusicXML.
pub fn write(_melody: &Melody) -> String {
    String::new()
}

/// Writes compressed MusicXML.
pub fn write_mxl(_melody: &Melody) -> Result<Vec<u8>> {
    Ok(Vec::new())
}
