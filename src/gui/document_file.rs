//! The melody document on disk (`.lstmuse`): versioned JSON holding the melody with its
//! seed marking and where each note came from, the offered and kept variations, the sampler
//! settings that made them, the tempo and the model; written atomically.
//!
//! A file names its `version`. This build reads every version up to [`VERSION`] (fields a
//! later version added are filled with their defaults when an older file lacks them) and
//! refuses a newer one with an error that says so. Where a note came from is written as
//! its name (`"Seed"`, `"Generated"`, `"User"`, …); a name this build does not know (a kind
//! of note a newer LSTMuse added) opens as the composer's own note, and the open says how
//! many were.

use super::document::{Document, Origin, RollNote};
use super::generate_panel::Variation;
use super::jobs::ModelInfo;
use super::piano_roll::PhraseMark;
use super::settings::SamplerSettings;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::music::{Key, Meter, STEPS_PER_QUARTER};
use crate::sampling::Placement;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file extension of melody documents.
pub const EXTENSION: &str = "lstmuse";
/// The `format` field of every melody document.
pub const FORMAT: &str = "lstmuse-melody";
/// The newest format version this build writes and reads.
pub const VERSION: u32 = 1;

/// A melody document as written on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version it was written in.
    pub version: u32,
    /// The LSTMuse version that wrote it.
    #[serde(default)]
    pub written_by: String,
    /// The melody.
    pub melody: SavedMelody,
    /// The variations offered by the last generation (kept ones marked).
    #[serde(default)]
    pub variations: Vec<SavedVariation>,
    /// The variation shown in the roll, if one was.
    #[serde(default)]
    pub auditioned: Option<usize>,
    /// The Generate panel's settings that made the variations.
    #[serde(default)]
    pub sampler: SamplerSettings,
    /// The tempo it was played at, in quarter notes per minute.
    #[serde(default)]
    pub tempo_bpm: Option<f64>,
    /// The model it was written with.
    #[serde(default)]
    pub model: Option<ModelUsed>,
}

/// The melody: its notes on the 16th grid, with meter, key and pickup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedMelody {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// The meter bar lines follow.
    pub meter: Meter,
    /// The key, when known.
    #[serde(default)]
    pub key: Option<Key>,
    /// Steps before the first bar line.
    #[serde(default)]
    pub pickup: u32,
    /// The notes.
    #[serde(default)]
    pub notes: Vec<SavedNote>,
    /// The phrases of the form kept last, with their letters.
    #[serde(default)]
    pub phrases: Vec<PhraseMark>,
}

/// One note, in 16th steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedNote {
    /// First step.
    pub start: u32,
    /// Length in steps.
    pub len: u32,
    /// MIDI pitch.
    pub pitch: u8,
    /// Where it came from: the name of an [`Origin`].
    pub origin: String,
    /// The model's (probability, entropy) of each step of a generated note.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confidence: Vec<(f32, f32)>,
}

/// One offered variation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedVariation {
    /// Its notes, in document steps.
    pub notes: Vec<SavedNote>,
    /// Where its written steps begin.
    pub anchor: u32,
    /// Its length in steps.
    pub steps: u32,
    /// Where Keep puts it.
    pub placement: Placement,
    /// Mean probability of its symbols.
    #[serde(default)]
    pub mean_probability: f64,
    /// Mean entropy (nats).
    #[serde(default)]
    pub mean_entropy: f64,
    /// Kept into the melody.
    #[serde(default)]
    pub kept: bool,
    /// Steps before its first bar line (a melody from nothing with a pickup).
    #[serde(default)]
    pub pickup: u32,
    /// Its phrases with their letters, when it has a form.
    #[serde(default)]
    pub phrases: Vec<PhraseMark>,
    /// The critic's reasons.
    #[serde(default)]
    pub critique: String,
}

/// The model a document was written with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelUsed {
    /// Its folder.
    pub dir: PathBuf,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The SHA-256 of its weights, as its card recorded it.
    #[serde(default)]
    pub weights_sha256: Option<String>,
}

/// What a document holds besides the file's own fields: everything the app saves.
pub struct DocumentParts<'a> {
    /// The melody.
    pub doc: &'a Document,
    /// The phrases of the form kept last.
    pub phrases: &'a [PhraseMark],
    /// The variations.
    pub variations: &'a [Variation],
    /// The auditioned variation.
    pub auditioned: Option<usize>,
    /// The Generate panel's settings.
    pub sampler: &'a SamplerSettings,
    /// The tempo.
    pub tempo_bpm: f64,
    /// The loaded model.
    pub model: Option<&'a ModelInfo>,
}

/// The name a note's origin is written as.
fn origin_name(origin: Origin) -> String {
    match serde_json::to_value(origin) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{origin:?}"),
    }
}

/// The origin written as `name`; `None` for a name this build does not know.
fn origin_from_name(name: &str) -> Option<Origin> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

fn saved_note(n: &RollNote) -> SavedNote {
    SavedNote {
        start: n.start,
        len: n.len,
        pitch: n.pitch,
        origin: origin_name(n.origin),
        confidence: n.confidence.clone(),
    }
}

/// The note, and whether its origin was unknown (it is then the composer's own).
fn roll_note(n: &SavedNote) -> (RollNote, bool) {
    let origin = origin_from_name(&n.origin);
    let note = RollNote::new(n.start, n.len, n.pitch, origin.unwrap_or(Origin::User))
        .with_confidence(n.confidence.clone());
    (note, origin.is_none())
}

impl DocumentFile {
    /// The document of the app's state.
    pub fn new(parts: &DocumentParts<'_>) -> DocumentFile {
        let doc = parts.doc;
        DocumentFile {
            format: FORMAT.into(),
            version: VERSION,
            written_by: env!("CARGO_PKG_VERSION").into(),
            melody: SavedMelody {
                title: doc.title.clone(),
                meter: doc.meter,
                key: doc.key,
                pickup: doc.pickup,
                notes: doc.notes.iter().map(saved_note).collect(),
                phrases: parts.phrases.to_vec(),
            },
            variations: parts
                .variations
                .iter()
                .map(|v| SavedVariation {
                    notes: v.notes.iter().map(saved_note).collect(),
                    anchor: v.anchor,
                    steps: v.steps,
                    placement: v.placement,
                    mean_probability: v.mean_probability,
                    mean_entropy: v.mean_entropy,
                    kept: v.kept,
                    pickup: v.pickup,
                    phrases: v.phrases.clone(),
                    critique: v.critique.clone(),
                })
                .collect(),
            auditioned: parts.auditioned,
            sampler: parts.sampler.clone(),
            tempo_bpm: Some(parts.tempo_bpm),
            model: parts.model.map(|m| ModelUsed {
                dir: m.dir.clone(),
                name: m.name.clone(),
                weights_sha256: m.card.weights_sha256.clone(),
            }),
        }
    }

    /// The melody as the roll edits it, and how many notes had an origin this build does
    /// not know (they are the composer's own now).
    pub fn document(&self) -> (Document, usize) {
        let m = &self.melody;
        let mut doc = Document::default();
        doc.title.clone_from(&m.title);
        doc.meter = m.meter;
        doc.key = m.key;
        doc.pickup = m.pickup;
        let mut unknown = 0;
        for n in &m.notes {
            let (note, is_unknown) = roll_note(n);
            unknown += usize::from(is_unknown);
            doc.push(note);
        }
        (doc, unknown)
    }

    /// The variations as the Generate panel shows them.
    pub fn variations(&self) -> Vec<Variation> {
        self.variations
            .iter()
            .map(|v| Variation {
                notes: v.notes.iter().map(|n| roll_note(n).0).collect(),
                anchor: v.anchor,
                steps: v.steps,
                placement: v.placement,
                mean_probability: v.mean_probability,
                mean_entropy: v.mean_entropy,
                kept: v.kept,
                pickup: v.pickup,
                phrases: v.phrases.clone(),
                critique: v.critique.clone(),
            })
            .collect()
    }

    /// The document as JSON.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("cannot write a melody document: {e}")))
    }

    /// Writes the document to `path` atomically: the previous file stays intact until the
    /// new one is complete.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, &self.to_bytes()?)
    }

    /// Reads a melody document, refusing a file from a newer LSTMuse, one that is not a
    /// melody document, and one whose contents break the limits; errors name the file.
    pub fn read(path: &Path) -> Result<DocumentFile> {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        let limit = Limits::DEFAULT.max_file_bytes;
        if size > limit {
            return Err(limit_error("bytes in a melody document", size, limit, path));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        DocumentFile::from_bytes(&bytes).map_err(|e| e.in_file(path))
    }

    /// Reads a melody document from its bytes (the caller adds the file to errors).
    pub fn from_bytes(bytes: &[u8]) -> Result<DocumentFile> {
        let bad = |m: String| Error::parse(None, m);
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("not a melody document (not JSON: {e})")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(bad(format!(
                "not an LSTMuse melody document (no \"format\": \"{FORMAT}\")"
            )));
        }
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v > u64::from(VERSION) => {
                return Err(bad(format!(
                    "written by a newer LSTMuse (document version {v}; this one reads \
                     versions 1 to {VERSION}): update LSTMuse to open it"
                )));
            }
            Some(v) if v >= 1 => {}
            _ => return Err(bad("the document has no valid \"version\"".into())),
        }
        let file: DocumentFile = serde_json::from_value(value)
            .map_err(|e| bad(format!("not a valid melody document: {e}")))?;
        file.check()?;
        Ok(file)
    }

    /// Checks what the roll and the sampler rely on: a real meter and key, pitches and
    /// lengths in range, and no more notes or variations than the limits allow.
    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::parse(None, m));
        let m = &self.melody;
        if Meter::new(m.meter.numerator, m.meter.denominator).is_none() {
            return bad(format!(
                "the meter {}/{} is not a meter",
                m.meter.numerator, m.meter.denominator
            ));
        }
        if m.key
            .is_some_and(|k| k.tonic.step > 6 || k.tonic.alter.abs() > 3)
        {
            return bad("the key is not a key".into());
        }
        let limits = Limits::DEFAULT;
        let variations = self.variations.len();
        if variations > limits.max_variations {
            return Err(Error::Limit {
                what: "variations in a melody document",
                value: variations.to_string(),
                limit: limits.max_variations.to_string(),
                location: Default::default(),
            });
        }
        let all = std::iter::once(&m.notes).chain(self.variations.iter().map(|v| &v.notes));
        for notes in all {
            check_notes(notes, &limits)?;
        }
        Ok(())
    }
}

/// Checks one list of notes against the grid and the limits.
fn check_notes(notes: &[SavedNote], limits: &Limits) -> Result<()> {
    if notes.len() > limits.max_notes {
        return Err(Error::Limit {
            what: "notes in a melody document",
            value: notes.len().to_string(),
            limit: limits.max_notes.to_string(),
            location: Default::default(),
        });
    }
    let max_step = limits
        .max_quarters
        .saturating_mul(STEPS_PER_QUARTER.unsigned_abs());
    for n in notes {
        let end = u64::from(n.start) + u64::from(n.len);
        if n.pitch > 127 || n.len == 0 || end > max_step {
            return Err(Error::parse(
                None,
                format!(
                    "a note at step {} (length {}, pitch {}) is off the roll: pitches are 0-127, \
                     lengths at least 1, and a melody ends by step {max_step}",
                    n.start, n.len, n.pitch
                ),
            ));
        }
    }
    Ok(())
}

fn limit_error(what: &'static str, value: u64, limit: u64, path: &Path) -> Error {
    Error::Limit {
        what,
        value: value.to_string(),
        limit: limit.to_string(),
        location: crate::error::Location {
            path: Some(path.to_path_buf()),
            ..Default::default()
        },
    }
}

/// Whether `path` names a melody document (by its extension).
pub fn is_document(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION))
}

/// `path` with the `.lstmuse` extension added when it has another one (or none).
pub fn with_extension(path: PathBuf) -> PathBuf {
    if is_document(&path) {
        return path;
    }
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{EXTENSION}"));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        let mut d = Document::default();
        d.title = "Kuckuck".into();
        d.push(RollNote::new(0, 4, 67, Origin::Seed));
        d.push(
            RollNote::new(4, 2, 64, Origin::Generated)
                .with_confidence(vec![(0.5, 1.25), (0.9, 0.1)]),
        );
        d.push(RollNote::new(6, 2, 62, Origin::User));
        d
    }

    fn file() -> DocumentFile {
        let phrases = [PhraseMark {
            start: 0,
            end: 8,
            letter: "A'".into(),
        }];
        DocumentFile::new(&DocumentParts {
            doc: &doc(),
            phrases: &phrases,
            variations: &[],
            auditioned: None,
            sampler: &SamplerSettings::default(),
            tempo_bpm: 96.0,
            model: None,
        })
    }

    #[test]
    fn a_document_survives_a_round_trip() {
        let f = file();
        let back = DocumentFile::from_bytes(&f.to_bytes().unwrap()).unwrap();
        assert_eq!(back, f);
        let (d, unknown) = back.document();
        assert_eq!(unknown, 0);
        let shape = |d: &Document| -> Vec<_> {
            d.notes
                .iter()
                .map(|n| (n.start, n.len, n.pitch, n.origin, n.confidence.clone()))
                .collect()
        };
        assert_eq!(shape(&d), shape(&doc()));
    }

    #[test]
    fn newer_versions_and_other_files_are_clear_errors() {
        let mut f = file();
        f.version = VERSION + 1;
        let e = DocumentFile::from_bytes(&f.to_bytes().unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("newer LSTMuse") && e.contains(&format!("version {}", VERSION + 1)),
            "{e}"
        );
        let e = DocumentFile::from_bytes(b"{\"notes\": []}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an LSTMuse melody document"), "{e}");
        let e = DocumentFile::from_bytes(b"MThd").unwrap_err().to_string();
        assert!(e.contains("not JSON"), "{e}");
    }

    #[test]
    fn unknown_origins_open_as_own_notes_and_bad_notes_are_refused() {
        let mut f = file();
        f.melody.notes[1].origin = "Jam".into();
        let (d, unknown) = DocumentFile::from_bytes(&f.to_bytes().unwrap())
            .unwrap()
            .document();
        assert_eq!(unknown, 1);
        assert_eq!(d.notes[1].origin, Origin::User);
        f.melody.notes[1].len = 0;
        let e = DocumentFile::from_bytes(&f.to_bytes().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("step 4"), "{e}");
        let mut f = file();
        f.melody.meter.denominator = 0;
        assert!(DocumentFile::from_bytes(&f.to_bytes().unwrap()).is_err());
    }

    #[test]
    fn save_as_adds_the_extension() {
        assert_eq!(
            with_extension("a/song".into()),
            PathBuf::from("a/song.lstmuse")
        );
        assert_eq!(
            with_extension("song.mid".into()),
            PathBuf::from("song.mid.lstmuse")
        );
        assert_eq!(
            with_extension("s.LSTMUSE".into()),
            PathBuf::from("s.LSTMUSE")
        );
    }
}
