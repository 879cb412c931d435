//! Compressed MusicXML (`.mxl`): a zip archive with `META-INF/container.xml` naming the score.

use super::guard;
use crate::error::{Error, Result};
use crate::limits::Limits;
use std::io::{Cursor, Read, Write};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

/// The most bytes read from `META-INF/container.xml` (a few hundred in practice).
const CONTAINER_BYTES: u64 = 1 << 20;

/// The score's file name inside archives we write.
const SCORE_NAME: &str = "score.musicxml";

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::parse(None, format!("not a readable .mxl (zip) archive: {e}"))
}

/// Decodes XML bytes: UTF-16 with a byte-order mark, otherwise UTF-8 (lossy).
pub fn decode(bytes: &[u8]) -> String {
    let utf16 = |units: Vec<u16>| String::from_utf16_lossy(&units);
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(
            rest.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        [0xFE, 0xFF, rest @ ..] => utf16(
            rest.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
        ),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// An entry's text, inflating at most `limit` bytes of it (a zip bomb stops there,
/// whatever size its header claims).
fn read_entry(archive: &mut Archive, name: &str, limit: u64) -> Result<String> {
    let entry = archive.by_name(name).map_err(zip_error)?;
    let check = |size: u64| Limits::check("uncompressed bytes in an .mxl entry", size, limit);
    check(entry.size())?;
    let mut bytes = Vec::new();
    entry
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(zip_error)?;
    check(bytes.len() as u64)?;
    Ok(decode(&bytes))
}

/// The root file named by `META-INF/container.xml`, if it names one in the archive.
fn container_rootfile(archive: &mut Archive) -> Option<String> {
    let text = read_entry(archive, "META-INF/container.xml", CONTAINER_BYTES).ok()?;
    guard::check(&text, Limits::DEFAULT.max_xml_depth).ok()?;
    let doc = roxmltree::Document::parse(&text).ok()?;
    let path = doc
        .descendants()
        .filter(|n| n.has_tag_name("rootfile"))
        .filter(|n| {
            n.attribute("media-type")
                .is_none_or(|m| m.contains("musicxml") && !m.contains("pdf"))
        })
        .find_map(|n| n.attribute("full-path"))?
        .to_string();
    archive.file_names().any(|f| f == path).then_some(path)
}

/// The first `.musicxml` or `.xml` file outside `META-INF/`.
fn first_score(archive: &Archive) -> Option<String> {
    archive
        .file_names()
        .filter(|f| !f.starts_with("META-INF/"))
        .find(|f| {
            let lower = f.to_ascii_lowercase();
            lower.ends_with(".musicxml") || lower.ends_with(".xml")
        })
        .map(str::to_string)
}

/// The MusicXML text of the score inside an `.mxl` archive.
pub fn score_text(bytes: &[u8]) -> Result<String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    let name = container_rootfile(&mut archive)
        .or_else(|| first_score(&archive))
        .ok_or_else(|| Error::parse(None, "the .mxl archive holds no MusicXML score"))?;
    read_entry(&mut archive, &name, Limits::DEFAULT.max_mxl_entry_bytes)
}

/// Packs MusicXML text into an `.mxl` archive (stored `mimetype`, container, deflated score).
pub fn pack(score: &str) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Error::Internal(format!("could not write .mxl: {e}"));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let container = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container>\n  <rootfiles>\n    \
         <rootfile full-path=\"{SCORE_NAME}\" media-type=\"application/vnd.recordare.musicxml+xml\"/>\n  \
         </rootfiles>\n</container>\n"
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let files: [(&str, &[u8], SimpleFileOptions); 3] = [
        ("mimetype", b"application/vnd.recordare.musicxml", stored),
        ("META-INF/container.xml", container.as_bytes(), deflated),
        (SCORE_NAME, score.as_bytes(), deflated),
    ];
    for (name, data, options) in files {
        zip.start_file(name, options).map_err(|e| fail(&e))?;
        zip.write_all(data).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_and_unpack() {
        let bytes = pack("<score-partwise/>").unwrap();
        assert_eq!(score_text(&bytes).unwrap(), "<score-partwise/>");
    }

    #[test]
    fn junk_is_an_error() {
        assert!(score_text(b"PK\x03\x04 not really").is_err());
        assert!(score_text(&[]).is_err());
    }

    #[test]
    fn truncated_archives_are_errors() {
        let bytes = pack("<score-partwise/>").unwrap();
        assert!(score_text(&bytes).is_ok());
        for end in 0..bytes.len() {
            assert!(
                score_text(&bytes[..end]).is_err(),
                "{end} of {} bytes read as a score",
                bytes.len()
            );
        }
        // Flipped bytes may still read (a date in a header) but never panic.
        let mut flipped = bytes.clone();
        for i in (0..flipped.len()).step_by(7) {
            flipped[i] ^= 0x5A;
            let _ = score_text(&flipped);
        }
    }

    #[test]
    fn utf16_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("<a/>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&bytes), "<a/>");
    }
}
