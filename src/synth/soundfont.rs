//! SoundFont (`.sf2`) voices through rustysynth: load a font (size-bounded, its chunk structure checked first, never a panic), list its presets, render notes with a General MIDI program.
//!
//! ```no_run
//! use lstmuse::formats::kern;
//! use lstmuse::synth::{GmProgram, RenderConfig, SoundFont, SoundFontVoice, try_render};
//! use std::sync::Arc;
//!
//! let font = Arc::new(SoundFont::load("/usr/share/sounds/sf2/TimGM6mb.sf2".as_ref())?);
//! let violin = GmProgram::new(40).expect("0–127");
//! let melody = kern::parse("**kern\n4a\n4cc\n2ee\n*-\n", &Default::default())?;
//! let config = RenderConfig {
//!     soundfont: Some(SoundFontVoice::new(font, violin)),
//!     ..RenderConfig::default()
//! };
//! let rendered = try_render(&melody, &config)?;
//! assert_eq!(rendered.channels, 2);
//! # Ok::<(), lstmuse::Error>(())
//! ```

use super::gm::GmProgram;
use crate::error::{Error, Result};
use crate::limits::Limits;
use std::fmt;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes read per step while loading, between progress reports.
const READ_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// The key velocity of every note (MIDI 1–127).
const VELOCITY: i32 = 100;
/// The longest release and reverb tail rendered after the last note, in seconds.
pub const MAX_TAIL_SECS: f64 = 2.0;
/// The tail is cut where both channels stay below this level (−80 dBFS).
const SILENCE: f32 = 1e-4;
/// The lowest sample rate rustysynth renders at, in frames per second.
pub const MIN_SAMPLE_RATE: u32 = 16_000;

/// One preset of a SoundFont: its bank, its program and the font's name for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The bank (0 for the General MIDI melodic set, 128 for drum kits).
    pub bank: u16,
    /// The program number within the bank, 0–127.
    pub program: u8,
    /// The font's name for it (`Grand Piano`, `Violin`, …).
    pub name: String,
}

/// A loaded SoundFont: its samples in memory, shared by every render that uses it.
pub struct SoundFont {
    path: PathBuf,
    name: String,
    presets: Vec<Preset>,
    font: Arc<rustysynth::SoundFont>,
}

impl fmt::Debug for SoundFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoundFont")
            .field("path", &self.path)
            .field("name", &self.name)
            .field("presets", &self.presets.len())
            .finish_non_exhaustive()
    }
}

impl SoundFont {
    /// Loads an `.sf2` file within the default [`Limits`].
    pub fn load(path: &Path) -> Result<SoundFont> {
        SoundFont::load_with_progress(path, &Limits::DEFAULT, |_| {})
    }

    /// Loads an `.sf2` file no larger than [`Limits::max_soundfont_bytes`], calling
    /// `progress` with the fraction read so far (0–1) as it goes. Every error names the
    /// file: a missing file, one over the limit, a truncated or malformed one.
    pub fn load_with_progress(
        path: &Path,
        limits: &Limits,
        mut progress: impl FnMut(f32),
    ) -> Result<SoundFont> {
        let bytes = read_bounded(path, limits.max_soundfont_bytes, &mut progress)?;
        SoundFont::from_bytes(&bytes, path)
    }

    /// Parses an `.sf2` file held in memory; `path` is the name errors give.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<SoundFont> {
        check_structure(bytes).map_err(|why| unusable(path, &why))?;
        // The structure check bounds every allocation by the file's size; rustysynth may
        // still index out of range on inconsistent preset data, which is caught here.
        let parsed = catch_unwind(|| rustysynth::SoundFont::new(&mut &bytes[..]));
        let font = match parsed {
            Ok(Ok(font)) => font,
            Ok(Err(e)) => return Err(unusable(path, &e.to_string())),
            Err(_) => return Err(unusable(path, "its preset and sample tables do not agree")),
        };
        let mut presets: Vec<Preset> = font
            .get_presets()
            .iter()
            .map(|p| Preset {
                bank: u16::try_from(p.get_bank_number().max(0)).unwrap_or(u16::MAX),
                program: u8::try_from(p.get_patch_number().clamp(0, 127)).unwrap_or(0),
                name: p.get_name().trim().to_string(),
            })
            .collect();
        if presets.is_empty() {
            return Err(unusable(path, "it has no presets"));
        }
        presets.sort_by_key(|p| (p.bank, p.program));
        let bank_name = font.get_info().get_bank_name().trim();
        let name = if bank_name.is_empty() {
            path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into(),
            )
        } else {
            bank_name.to_string()
        };
        Ok(SoundFont {
            path: path.to_path_buf(),
            name,
            presets,
            font: Arc::new(font),
        })
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its name: the bank name it declares, else the file name without extension.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every preset, by bank and program.
    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    /// The melodic (bank 0) preset for a General MIDI program, if the font has one.
    /// Without it, rustysynth plays the font's first preset instead.
    pub fn preset(&self, program: GmProgram) -> Option<&Preset> {
        self.presets
            .iter()
            .find(|p| p.bank == 0 && p.program == program.number())
    }
}

/// A SoundFont instrument for a render: a loaded font and the General MIDI program it plays.
#[derive(Clone)]
pub struct SoundFontVoice {
    /// The font (shared, never copied).
    pub font: Arc<SoundFont>,
    /// The program (bank 0).
    pub program: GmProgram,
}

impl SoundFontVoice {
    /// `program` of `font`.
    pub fn new(font: Arc<SoundFont>, program: GmProgram) -> SoundFontVoice {
        SoundFontVoice { font, program }
    }

    /// `TimGM6mb: 40 Violin`.
    pub fn label(&self) -> String {
        format!("{}: {}", self.font.name(), self.program)
    }
}

impl PartialEq for SoundFontVoice {
    /// The same loaded font (not merely the same file) and the same program.
    fn eq(&self, other: &SoundFontVoice) -> bool {
        Arc::ptr_eq(&self.font, &other.font) && self.program == other.program
    }
}

impl fmt::Debug for SoundFontVoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoundFontVoice")
            .field("font", &self.font.path)
            .field("program", &self.program)
            .finish()
    }
}

/// One note for the SoundFont renderer: its MIDI key, its first frame and the frame of its
/// note-off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyedNote {
    pub key: u8,
    pub start: usize,
    pub stop: usize,
}

/// Frames of tail rendered after the last note at most.
pub(crate) fn tail_frames(sample_rate: u32) -> usize {
    (MAX_TAIL_SECS * f64::from(sample_rate)).round() as usize
}

impl SoundFontVoice {
    /// Renders `notes` into `frames` frames of interleaved stereo at `sample_rate` (at
    /// least [`MIN_SAMPLE_RATE`]). A panic inside rustysynth is an error naming the font.
    pub(crate) fn render(
        &self,
        notes: &[KeyedNote],
        frames: usize,
        sample_rate: u32,
    ) -> Result<Vec<f32>> {
        let work = || self.render_unguarded(notes, frames, sample_rate);
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
            Err(unusable(
                self.font.path(),
                &format!("it failed while playing program {}", self.program),
            ))
        })
    }

    fn render_unguarded(
        &self,
        notes: &[KeyedNote],
        frames: usize,
        sample_rate: u32,
    ) -> Result<Vec<f32>> {
        let rate = i32::try_from(sample_rate.max(MIN_SAMPLE_RATE)).unwrap_or(i32::MAX);
        let settings = rustysynth::SynthesizerSettings::new(rate);
        let mut synth = rustysynth::Synthesizer::new(&self.font.font, &settings)
            .map_err(|e| unusable(self.font.path(), &e.to_string()))?;
        // Program change on channel 1 (bank 0, the General MIDI set).
        synth.process_midi_message(0, 0xC0, i32::from(self.program.number()), 0);
        let mut events: Vec<(usize, bool, u8)> = Vec::with_capacity(notes.len() * 2);
        for n in notes {
            events.push((n.start, true, n.key));
            events.push((n.stop, false, n.key));
        }
        // At the same frame, note-offs come first: a repeated key is released, then struck.
        events.sort_by_key(|&(frame, on, _)| (frame, on));
        let mut left = vec![0.0_f32; frames];
        let mut right = vec![0.0_f32; frames];
        let mut at = 0;
        for (frame, on, key) in events {
            let frame = frame.min(frames);
            if frame > at {
                synth.render(&mut left[at..frame], &mut right[at..frame]);
                at = frame;
            }
            if on {
                synth.note_on(0, i32::from(key), VELOCITY);
            } else {
                synth.note_off(0, i32::from(key));
            }
        }
        synth.render(&mut left[at..], &mut right[at..]);
        Ok(left
            .iter()
            .zip(&right)
            .flat_map(|(&l, &r)| [l, r])
            .collect())
    }
}

/// Cuts interleaved stereo after the last frame louder than −80 dBFS, keeping at least
/// `keep_frames` frames.
pub(crate) fn trim_silent_tail(samples: &mut Vec<f32>, keep_frames: usize) {
    let last_loud = samples
        .iter()
        .rposition(|s| s.abs() > SILENCE)
        .map_or(0, |i| i / 2 + 1);
    let frames = last_loud.max(keep_frames).min(samples.len() / 2);
    samples.truncate(frames * 2);
}

/// A SoundFont that cannot be used, naming the file.
fn unusable(path: &Path, why: &str) -> Error {
    Error::parse(None, format!("not a usable SoundFont: {why}")).in_file(path)
}

/// Reads a file of at most `max_bytes`, reporting the fraction read.
fn read_bounded(path: &Path, max_bytes: u64, progress: &mut dyn FnMut(f32)) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    Limits::check("bytes in a SoundFont file", len, max_bytes).map_err(|e| e.in_file(path))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // One byte over the limit is enough to tell that a growing file went past it.
    let mut reader = file.take(max_bytes.saturating_add(1));
    let mut chunk = vec![0_u8; READ_CHUNK_BYTES];
    loop {
        let n = reader.read(&mut chunk).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        progress((bytes.len() as f64 / len.max(1) as f64).min(1.0) as f32);
    }
    Limits::check("bytes in a SoundFont file", bytes.len() as u64, max_bytes)
        .map_err(|e| e.in_file(path))?;
    Ok(bytes)
}

/// The little-endian `u32` at `at` (the caller has checked that 4 bytes are there).
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0_u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// A chunk id for messages: printable ASCII, else escaped.
fn four_cc(id: &[u8]) -> String {
    id.iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

/// Checks the RIFF chunk tree before rustysynth reads it: a `RIFF`/`sfbk` header, and every
/// chunk (and every chunk inside a `LIST`) within its parent and the file. rustysynth
/// allocates each chunk's declared size before reading it, so a garbage size could ask
/// for gigabytes; after this check no size exceeds the file.
fn check_structure(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.len() < 12 {
        return Err(format!("the file has only {} bytes", bytes.len()));
    }
    if &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"sfbk" {
        return Err("it does not start with a RIFF `sfbk` header (is it an .sf2 file?)".into());
    }
    let declared = 8 + u64::from(u32_at(bytes, 4));
    if declared > bytes.len() as u64 {
        return Err(format!(
            "the file is truncated: its header promises {declared} bytes, but it has {}",
            bytes.len()
        ));
    }
    check_chunks(bytes, 12, declared as usize, true)
}

/// Checks the chunks in `bytes[start..end]`; at the top level, also those inside `LIST`s.
fn check_chunks(
    bytes: &[u8],
    start: usize,
    end: usize,
    top: bool,
) -> std::result::Result<(), String> {
    let mut at = start;
    while at < end {
        if end - at < 8 {
            return Err(format!(
                "the file is cut off in a chunk header at byte {at}"
            ));
        }
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4) as usize;
        let body = at + 8;
        let Some(chunk_end) = body.checked_add(size).filter(|&e| e <= end) else {
            return Err(format!(
                "the file is truncated: chunk `{}` at byte {at} declares {size} bytes, but only {} follow",
                four_cc(id),
                end - body
            ));
        };
        if top && id == b"LIST" {
            if size < 4 {
                return Err(format!("the LIST chunk at byte {at} is empty"));
            }
            check_chunks(bytes, body + 4, chunk_end, false)?;
        }
        at = chunk_end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A RIFF file of `form` type holding `chunks`, with a declared size of `declared`.
    fn riff(form: &[u8; 4], chunks: &[u8], declared: Option<u32>) -> Vec<u8> {
        let mut out = b"RIFF".to_vec();
        let size = declared.unwrap_or(4 + chunks.len() as u32);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(form);
        out.extend_from_slice(chunks);
        out
    }

    fn message(bytes: &[u8]) -> String {
        let e = SoundFont::from_bytes(bytes, Path::new("x.sf2")).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("x.sf2"), "{text}");
        text
    }

    #[test]
    fn garbage_is_refused_with_the_reason_and_the_file() {
        assert!(message(b"").contains("only 0 bytes"));
        assert!(message(b"hello, this is not a font").contains("RIFF `sfbk`"));
        assert!(message(&riff(b"WAVE", &[], None)).contains("RIFF `sfbk`"));
        let text = message(&riff(b"sfbk", &[], Some(1_000)));
        assert!(
            text.contains("truncated") && text.contains("1008"),
            "{text}"
        );
    }

    #[test]
    fn a_chunk_longer_than_the_file_is_refused_before_any_allocation() {
        // A LIST whose sub-chunk claims 4 GB: rustysynth would allocate that much.
        let mut list = b"LIST".to_vec();
        list.extend_from_slice(&16_u32.to_le_bytes());
        list.extend_from_slice(b"sdta");
        list.extend_from_slice(b"smpl");
        list.extend_from_slice(&u32::MAX.to_le_bytes());
        list.extend_from_slice(&[0; 4]);
        let text = message(&riff(b"sfbk", &list, None));
        assert!(
            text.contains("`smpl`") && text.contains("truncated"),
            "{text}"
        );
        // A well-formed tree with nothing in it is passed on, and rustysynth says why.
        let mut empty = b"LIST".to_vec();
        empty.extend_from_slice(&4_u32.to_le_bytes());
        empty.extend_from_slice(b"INFO");
        assert!(message(&riff(b"sfbk", &empty, None)).starts_with("not a usable SoundFont"));
    }

    #[test]
    fn the_tail_is_cut_after_the_last_audible_frame() {
        let mut s = vec![0.5, 0.5, 0.0, 0.2, 1e-6, 0.0, 0.0, 0.0];
        trim_silent_tail(&mut s, 1);
        assert_eq!(s, vec![0.5, 0.5, 0.0, 0.2]);
        let mut quiet = vec![0.0; 8];
        trim_silent_tail(&mut quiet, 3);
        assert_eq!(quiet.len(), 6);
    }
}
