//! A small built-in synthesizer: renders a melody to stereo samples, offline and deterministic.
//!
//! Three voices ([`Voice`]) with ADSR envelopes whose short attack and release ramps
//! keep note boundaries click-free; a note's release rings into the next note's attack
//! (summed, never cut). Rests are exact zeros apart from that release tail (≤ 30 ms).
//! A fourth source is any SoundFont ([`SoundFont`], [`SoundFontVoice`]) playing one of the
//! 128 General MIDI programs ([`GmProgram`]), through the same [`try_render`].
//! [`render`] never touches a sound device; [`write_wav`] saves the result.
//!
//! ```
//! use lstmuse::formats::kern;
//! use lstmuse::synth::{RenderConfig, Voice, render};
//!
//! let melody = kern::parse("**kern\n4c\n4e\n2g\n*-\n", &Default::default()).unwrap();
//! let config = RenderConfig { voice: Voice::Pluck, bpm: Some(120.0), ..Default::default() };
//! let rendered = render(&melody, &config);
//! // Two seconds of 44.1 kHz stereo, plus a short release tail.
//! assert!(rendered.duration_secs() >= 2.0 && rendered.duration_secs() < 2.05);
//! assert_eq!(rendered.channels, 2);
//! assert_eq!(rendered.note_spans[1], (22050, 44100));
//! ```

mod envelope;
mod gm;
mod soundfont;
mod voices;
mod wav;

use crate::error::Error;
use crate::limits::Limits;
use crate::music::{Melody, Ratio, STEPS_PER_QUARTER};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use voices::{NoteSpec, VoiceRenderer, add_click, click_frames};

pub use gm::{GM_FAMILIES, GM_PROGRAM_NAMES, GmProgram};
pub use soundfont::{MAX_TAIL_SECS, MIN_SAMPLE_RATE, Preset, SoundFont, SoundFontVoice};
pub use wav::{WavFormat, wav_bytes, write_wav, write_wav_as};

/// The tempo used when neither the config nor the melody gives one, in quarter notes per minute.
pub const DEFAULT_BPM: f64 = 120.0;
/// The slowest and fastest tempi rendered, in quarter notes per minute.
pub const BPM_RANGE: (f64, f64) = (10.0, 600.0);
/// The peak a loud render is scaled down to.
pub const NORMALIZE_PEAK: f32 = 0.9;
/// Stereo output.
const CHANNELS: u16 = 2;

/// A synth voice.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Voice {
    /// A soft sine with a breath puff and gentle vibrato.
    #[default]
    Flute,
    /// A plucked string (Karplus–Strong).
    Pluck,
    /// An electric piano (2-operator FM with a decaying modulation index).
    EPiano,
}

impl Voice {
    /// Every voice, in menu order.
    pub const ALL: [Voice; 3] = [Voice::Flute, Voice::Pluck, Voice::EPiano];

    /// The name used on the command line and in settings: `flute`, `pluck`, `epiano`.
    pub fn name(self) -> &'static str {
        match self {
            Voice::Flute => "flute",
            Voice::Pluck => "pluck",
            Voice::EPiano => "epiano",
        }
    }

    /// A label for menus.
    pub fn label(self) -> &'static str {
        match self {
            Voice::Flute => "Flute",
            Voice::Pluck => "Plucked string",
            Voice::EPiano => "Electric piano",
        }
    }
}

impl fmt::Display for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Voice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Voice, Error> {
        let wanted = s.trim().to_ascii_lowercase();
        Voice::ALL
            .into_iter()
            .find(|v| v.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Voice::ALL.iter().map(|v| v.name()).collect();
                Error::Invalid(format!(
                    "unknown voice `{s}`: choose one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// How to render a melody.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RenderConfig {
    /// Frames per second (clamped to 8 000…192 000).
    pub sample_rate: u32,
    /// Tempo in quarter notes per minute; `None` takes the melody's tempo, or 120.
    pub bpm: Option<f64>,
    /// The voice.
    pub voice: Voice,
    /// Output gain, 0…1 (loud results are still scaled to peak at 0.9).
    pub volume: f32,
    /// Add a click on every beat (accented on the downbeat).
    pub metronome: bool,
    /// A SoundFont instrument that plays instead of `voice` (not saved: a loaded font).
    #[serde(skip)]
    pub soundfont: Option<SoundFontVoice>,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            sample_rate: 44_100,
            bpm: None,
            voice: Voice::Flute,
            volume: 0.8,
            metronome: false,
            soundfont: None,
        }
    }
}

impl RenderConfig {
    /// The tempo actually used for `melody`, in quarter notes per minute: the config's,
    /// else the melody's, else 120; clamped to [`BPM_RANGE`].
    pub fn resolved_bpm(&self, melody: &Melody) -> f64 {
        let bpm = self
            .bpm
            .or(melody.tempo_qpm)
            .filter(|b| b.is_finite() && *b > 0.0)
            .unwrap_or(DEFAULT_BPM);
        bpm.clamp(BPM_RANGE.0, BPM_RANGE.1)
    }

    /// The sample rate actually used, in frames per second (at least
    /// [`MIN_SAMPLE_RATE`] with a SoundFont).
    pub fn resolved_sample_rate(&self) -> u32 {
        let lowest = if self.soundfont.is_some() {
            MIN_SAMPLE_RATE
        } else {
            8_000
        };
        self.sample_rate.clamp(lowest, 192_000)
    }
}

/// The frame where a position in quarter notes falls, at `bpm` quarter notes per minute.
pub fn frame_at_quarter(quarters: f64, bpm: f64, sample_rate: u32) -> usize {
    (quarters.max(0.0) * 60.0 / bpm * f64::from(sample_rate)).round() as usize
}

/// The position in quarter notes of a frame, at `bpm` quarter notes per minute.
pub fn quarter_at_frame(frame: usize, bpm: f64, sample_rate: u32) -> f64 {
    frame as f64 / f64::from(sample_rate) * bpm / 60.0
}

/// Rendered audio: interleaved stereo samples in −1…1, and where each event sounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// Interleaved samples, `channels` per frame.
    pub samples: Vec<f32>,
    /// Frames per second.
    pub sample_rate: u32,
    /// Samples per frame (2: stereo).
    pub channels: u16,
    /// The tempo it was rendered at, in quarter notes per minute.
    pub bpm: f64,
    /// For each melody event (notes and rests, in order): its first frame and the frame
    /// after its end (the release tail is not included).
    pub note_spans: Vec<(usize, usize)>,
}

impl Rendered {
    /// Length in frames.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.secs_at_frame(self.frames())
    }

    /// The time of a frame in seconds.
    pub fn secs_at_frame(&self, frame: usize) -> f64 {
        frame as f64 / f64::from(self.sample_rate)
    }

    /// The frame at a time in seconds (clamped to the audio).
    pub fn frame_at_secs(&self, secs: f64) -> usize {
        ((secs.max(0.0) * f64::from(self.sample_rate)).round() as usize).min(self.frames())
    }

    /// The frame where a position in quarter notes falls.
    pub fn frame_at_quarter(&self, quarters: f64) -> usize {
        frame_at_quarter(quarters, self.bpm, self.sample_rate)
    }

    /// The position in quarter notes of a frame.
    pub fn quarter_at_frame(&self, frame: usize) -> f64 {
        quarter_at_frame(frame, self.bpm, self.sample_rate)
    }

    /// The 16th-note step (0-based, as in the symbol encoding) a frame falls in.
    pub fn step16_at_frame(&self, frame: usize) -> usize {
        (self.quarter_at_frame(frame) * STEPS_PER_QUARTER as f64 + 1e-9).floor() as usize
    }

    /// The index of the melody event sounding at a frame (for a playhead), if any.
    pub fn event_at_frame(&self, frame: usize) -> Option<usize> {
        let i = self
            .note_spans
            .partition_point(|&(start, _)| start <= frame);
        let index = i.checked_sub(1)?;
        let (start, end) = self.note_spans[index];
        (start..end).contains(&frame).then_some(index)
    }
}

/// Renders a melody: every event at the config's tempo, then a short release tail (with
/// a SoundFont, its release and reverb, up to [`MAX_TAIL_SECS`]).
/// The same melody and config always give the same samples.
///
/// Audio longer than [`Limits::max_render_frames`] is an [`Error::Limit`] (a 34-byte
/// ABC file can ask for hours), checked before anything is allocated. A SoundFont that
/// fails while playing is an error naming its file.
pub fn try_render(melody: &Melody, config: &RenderConfig) -> Result<Rendered, Error> {
    let plan = Plan::new(melody, config);
    Limits::check(
        "audio frames in a render",
        plan.total,
        Limits::DEFAULT.max_render_frames,
    )?;
    plan.synthesize(melody, config)
}

/// Renders a melody as [`try_render`] does, but audio longer than
/// [`Limits::max_render_frames`] (about 50 minutes at 44.1 kHz) is cut off there, and a
/// SoundFont that fails while playing is replaced by the built-in `config.voice`.
pub fn render(melody: &Melody, config: &RenderConfig) -> Rendered {
    let mut plan = Plan::new(melody, config);
    plan.total = plan.total.min(Limits::DEFAULT.max_render_frames);
    match plan.synthesize(melody, config) {
        Ok(rendered) => rendered,
        Err(_) => render(
            melody,
            &RenderConfig {
                soundfont: None,
                ..config.clone()
            },
        ),
    }
}

/// What a render will produce: rate, tempo, event spans and length in frames.
struct Plan {
    sample_rate: u32,
    bpm: f64,
    note_spans: Vec<(usize, usize)>,
    voice: VoiceRenderer,
    /// Frames of audio, tail included (saturated, never wrapped).
    total: u64,
}

impl Plan {
    fn new(melody: &Melody, config: &RenderConfig) -> Plan {
        let sample_rate = config.resolved_sample_rate();
        let bpm = config.resolved_bpm(melody);
        let note_spans = event_spans(melody, bpm, sample_rate);
        let voice = VoiceRenderer::new(config.voice, sample_rate);
        let end = note_spans.last().map_or(0, |&(_, end)| end);
        let release = match config.soundfont {
            Some(_) => soundfont::tail_frames(sample_rate),
            None => voice.release_frames(),
        };
        let tail = if config.metronome {
            release.max(click_frames(sample_rate))
        } else {
            release
        };
        let total = if note_spans.is_empty() {
            0
        } else {
            (end as u64).saturating_add(tail as u64)
        };
        Plan {
            sample_rate,
            bpm,
            note_spans,
            voice,
            total,
        }
    }

    /// The samples of the first `self.total` frames (events past them are dropped); a
    /// SoundFont's silent tail is cut off.
    fn synthesize(mut self, melody: &Melody, config: &RenderConfig) -> Result<Rendered, Error> {
        let total = usize::try_from(self.total).unwrap_or(usize::MAX);
        let end = self.note_spans.last().map_or(0, |&(_, end)| end.min(total));
        let mut samples = match &config.soundfont {
            Some(font) => font.render(&self.keyed_notes(melody, total), total, self.sample_rate)?,
            None => interleave_stereo(&self.builtin_mono(melody, total)),
        };
        if config.metronome {
            let mut clicks = vec![0.0_f32; total];
            add_metronome(melody, self.bpm, self.sample_rate, end, &mut clicks);
            for (frame, click) in samples.chunks_exact_mut(2).zip(clicks) {
                frame[0] += click;
                frame[1] += click;
            }
        }
        if config.soundfont.is_some() {
            soundfont::trim_silent_tail(&mut samples, end);
        }
        finish(&mut samples, config.volume);
        let frames = samples.len() / usize::from(CHANNELS);
        for span in &mut self.note_spans {
            *span = (span.0.min(frames), span.1.min(frames));
        }
        Ok(Rendered {
            samples,
            sample_rate: self.sample_rate,
            channels: CHANNELS,
            bpm: self.bpm,
            note_spans: self.note_spans,
        })
    }

    /// The built-in voice's mono samples of the first `total` frames.
    fn builtin_mono(&mut self, melody: &Melody, total: usize) -> Vec<f32> {
        let mut mono = vec![0.0_f32; total];
        for (index, (note, &(start, stop))) in melody.notes.iter().zip(&self.note_spans).enumerate()
        {
            let Some(pitch) = note.pitch else { continue };
            if start >= total {
                break;
            }
            let spec = NoteSpec {
                midi: pitch.midi(),
                freq_hz: pitch.frequency_hz(),
                gate_frames: stop.min(total) - start,
                index,
            };
            self.voice.add_note(&spec, &mut mono[start..]);
        }
        mono
    }

    /// The sounding notes that start within the first `total` frames, for a SoundFont.
    fn keyed_notes(&self, melody: &Melody, total: usize) -> Vec<soundfont::KeyedNote> {
        melody
            .notes
            .iter()
            .zip(&self.note_spans)
            .filter(|&(_, &(start, _))| start < total)
            .filter_map(|(note, &(start, stop))| {
                Some(soundfont::KeyedNote {
                    key: note.pitch?.midi(),
                    start,
                    stop: stop.min(total),
                })
            })
            .collect()
    }
}

/// Start and end frames of every event, from exact onsets (no drift).
fn event_spans(melody: &Melody, bpm: f64, sample_rate: u32) -> Vec<(usize, usize)> {
    melody
        .with_onsets()
        .map(|(onset, note)| {
            let start = frame_at_quarter(onset.to_f64(), bpm, sample_rate);
            let stop = frame_at_quarter((onset + note.duration).to_f64(), bpm, sample_rate);
            (start, stop.max(start))
        })
        .collect()
}

/// Clicks on every beat up to `end_frame`; the downbeat of each bar is accented.
fn add_metronome(melody: &Melody, bpm: f64, sample_rate: u32, end_frame: usize, out: &mut [f32]) {
    let meter = melody.meter.unwrap_or_default();
    // Compound meters (6/8, 9/8, 12/8) click on dotted quarters.
    let beat = if meter.denominator == 8 && meter.numerator.is_multiple_of(3) && meter.numerator > 3
    {
        Ratio::new(3, 2)
    } else {
        Ratio::new(4, i64::from(meter.denominator))
    };
    let bar = meter.bar_length();
    let total = melody.duration();
    // With a pickup, the first full bar starts at `pickup`: count beats from there
    // (the last beat at or before the start).
    let mut t = if melody.pickup.is_positive() {
        let beats_back = -((Ratio::ZERO - melody.pickup) / beat).floor();
        melody.pickup - beat * Ratio::from_int(beats_back)
    } else {
        melody.pickup
    };
    while t < total {
        if t >= Ratio::ZERO {
            let frame = frame_at_quarter(t.to_f64(), bpm, sample_rate);
            if frame >= end_frame {
                break;
            }
            let from_bar = t - melody.pickup;
            let accent = (from_bar - bar * Ratio::from_int((from_bar / bar).floor())).is_zero();
            add_click(&mut out[frame..], accent, sample_rate);
        }
        t += beat;
    }
}

/// Applies the volume, then scales the peak down to [`NORMALIZE_PEAK`] if it is over.
/// Silence stays silence (never amplified).
fn finish(samples: &mut [f32], volume: f32) {
    let volume = if volume.is_finite() {
        volume.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let peak = samples.iter().fold(0.0_f32, |m, s| m.max(s.abs())) * volume;
    let scale = if peak > NORMALIZE_PEAK {
        volume * NORMALIZE_PEAK / peak
    } else {
        volume
    };
    for s in samples.iter_mut() {
        *s *= scale;
    }
}

fn interleave_stereo(mono: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(mono.len() * usize::from(CHANNELS));
    for &s in mono {
        out.push(s);
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Meter, Note, Pitch};

    fn melody(notes: &[(Option<u8>, i64, i64)]) -> Melody {
        let mut m = Melody::new();
        for &(p, num, den) in notes {
            let d = Ratio::new(num, den);
            m.notes.push(match p {
                Some(p) => Note::new(Pitch(p), d),
                None => Note::rest(d),
            });
        }
        m
    }

    #[test]
    fn voice_names_round_trip() {
        for v in Voice::ALL {
            assert_eq!(v.to_string().parse::<Voice>().ok(), Some(v));
            let json = serde_json::to_string(&v).unwrap_or_default();
            assert_eq!(json, format!("\"{v}\""));
        }
        let err = "tuba".parse::<Voice>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown voice `tuba`: choose one of flute, pluck, epiano")
        );
    }

    #[test]
    fn tempo_comes_from_config_then_melody_then_default() {
        let mut m = melody(&[(Some(60), 1, 1)]);
        let mut c = RenderConfig::default();
        assert_eq!(c.resolved_bpm(&m), 120.0);
        m.tempo_qpm = Some(90.0);
        assert_eq!(c.resolved_bpm(&m), 90.0);
        c.bpm = Some(f64::NAN);
        assert_eq!(c.resolved_bpm(&m), 120.0);
        c.bpm = Some(60.0);
        let r = render(&m, &c);
        assert_eq!(r.bpm, 60.0);
        assert_eq!(r.note_spans, vec![(0, 44_100)]);
    }

    #[test]
    fn time_mapping_round_trips() {
        let m = melody(&[(Some(60), 1, 4), (None, 1, 4), (Some(62), 3, 2)]);
        let r = render(&m, &RenderConfig::default());
        assert_eq!(r.frame_at_quarter(1.0), 22_050);
        assert!((r.quarter_at_frame(22_050) - 1.0).abs() < 1e-12);
        assert_eq!(r.step16_at_frame(0), 0);
        assert_eq!(r.step16_at_frame(5_513), 1);
        assert_eq!(r.step16_at_frame(11_025), 2);
        assert_eq!(r.event_at_frame(0), Some(0));
        assert_eq!(r.event_at_frame(6_000), Some(1));
        assert_eq!(r.event_at_frame(12_000), Some(2));
        assert_eq!(r.event_at_frame(r.frames()), None);
        assert_eq!(r.frame_at_secs(0.5), 22_050);
        assert!((r.secs_at_frame(44_100) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn metronome_clicks_on_beats_and_rests_stay_silent_without_it() {
        let mut m = melody(&[(None, 4, 1)]);
        m.meter = Meter::new(4, 4);
        let silent = render(&m, &RenderConfig::default());
        assert!(silent.samples.iter().all(|&s| s == 0.0));
        let config = RenderConfig {
            metronome: true,
            ..RenderConfig::default()
        };
        let clicks = render(&m, &config);
        for beat in 0..4 {
            let f = clicks.frame_at_quarter(f64::from(beat));
            let energy: f32 = clicks.samples[2 * f..2 * (f + 400)]
                .iter()
                .map(|s| s.abs())
                .sum();
            assert!(energy > 1.0, "beat {beat}");
            let mid = clicks.frame_at_quarter(f64::from(beat) + 0.5);
            assert_eq!(clicks.samples[2 * mid], 0.0);
        }
    }

    #[test]
    fn empty_melody_renders_nothing() {
        let r = render(&Melody::new(), &RenderConfig::default());
        assert_eq!(r.frames(), 0);
        assert!(r.note_spans.is_empty());
    }

    #[test]
    fn loud_input_is_normalized_and_quiet_input_is_not() {
        let mut loud = vec![0.0, 2.0, -4.0];
        finish(&mut loud, 1.0);
        assert_eq!(loud, vec![0.0, 0.45, -0.9]);
        let mut quiet = vec![0.0, 0.1, -0.2];
        finish(&mut quiet, 1.0);
        assert_eq!(quiet, vec![0.0, 0.1, -0.2]);
        let mut silence = vec![0.0; 4];
        finish(&mut silence, 1.0);
        assert_eq!(silence, vec![0.0; 4]);
    }
}
