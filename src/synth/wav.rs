//! WAV export with `hound`: encoded in memory, then written atomically.

use super::Rendered;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use std::io::Cursor;
use std::path::Path;

/// The sample format of a WAV file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WavFormat {
    /// 16-bit integer PCM: the most widely read.
    #[default]
    Pcm16,
    /// 32-bit IEEE float: no quantisation.
    Float32,
}

/// Encodes rendered audio as a WAV file in memory.
pub fn wav_bytes(rendered: &Rendered, format: WavFormat) -> Result<Vec<u8>> {
    let (bits_per_sample, sample_format) = match format {
        WavFormat::Pcm16 => (16, hound::SampleFormat::Int),
        WavFormat::Float32 => (32, hound::SampleFormat::Float),
    };
    let spec = hound::WavSpec {
        channels: rendered.channels,
        sample_rate: rendered.sample_rate,
        bits_per_sample,
        sample_format,
    };
    let bytes_per_sample = usize::from(bits_per_sample / 8);
    let mut buffer = Cursor::new(Vec::with_capacity(
        44 + rendered.samples.len() * bytes_per_sample,
    ));
    let encode = |e: hound::Error| Error::Internal(format!("could not encode WAV: {e}"));
    let mut writer = hound::WavWriter::new(&mut buffer, spec).map_err(encode)?;
    match format {
        WavFormat::Pcm16 => {
            for &s in &rendered.samples {
                let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
                writer.write_sample(v).map_err(encode)?;
            }
        }
        WavFormat::Float32 => {
            for &s in &rendered.samples {
                writer.write_sample(s).map_err(encode)?;
            }
        }
    }
    writer.finalize().map_err(encode)?;
    Ok(buffer.into_inner())
}

/// Writes rendered audio to `path` as 16-bit PCM WAV. The file appears complete or
/// not at all (it is written beside the target, then renamed).
pub fn write_wav(rendered: &Rendered, path: &Path) -> Result<()> {
    write_wav_as(rendered, path, WavFormat::Pcm16)
}

/// Writes rendered audio to `path` as WAV in the given sample format, atomically.
pub fn write_wav_as(rendered: &Rendered, path: &Path, format: WavFormat) -> Result<()> {
    let bytes = wav_bytes(rendered, format)?;
    write_atomic(path, &bytes)
}
