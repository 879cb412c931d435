//! Playback of rendered audio on the default sound device (rodio), with a playhead and loops.

use crate::synth::Rendered;
use rodio::Source;
use std::num::NonZero;
use std::time::{Duration, Instant};

/// Why playback could not start.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    /// No sound device could be opened (none present, busy, or a headless machine).
    #[error("no audio device available: {0}")]
    NoDevice(String),
    /// The audio to play has no frames, a zero sample rate or no channels.
    #[error("nothing to play: {0}")]
    Empty(String),
}

/// Length of the fade at each end of a looped selection, in frames: the seam never clicks.
const LOOP_FADE_FRAMES: usize = 96;

/// What is playing now.
struct Playback {
    player: rodio::Player,
    started: Instant,
    sample_rate: u32,
    /// The rendered frame the sound started from.
    start_frame: usize,
    /// Frames in the loop, when looping.
    loop_frames: Option<usize>,
    /// Frames from `start_frame` to the end of the sound (when not looping).
    length_frames: usize,
}

/// Where a sound lies in the render it was cut from.
#[derive(Clone, Copy, Debug)]
struct Span {
    sample_rate: u32,
    /// The rendered frame it starts at.
    start_frame: usize,
    /// Its length in frames.
    frames: usize,
    /// It repeats until stopped.
    looping: bool,
}

/// A connection to the default sound device. Dropping it stops the sound.
pub struct Player {
    sink: rodio::MixerDeviceSink,
    current: Option<Playback>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("sink", &self.sink)
            .field("playing", &self.is_playing())
            .finish()
    }
}

impl Player {
    /// Opens the default output device. Fails (without panicking or blocking for long)
    /// when there is no device, it is busy, or the machine is headless.
    pub fn open() -> Result<Player, PlayerError> {
        let mut sink = rodio::DeviceSinkBuilder::open_default_sink()
            .map_err(|e| PlayerError::NoDevice(error_chain(&e)))?;
        sink.log_on_drop(false);
        Ok(Player {
            sink,
            current: None,
        })
    }

    /// Plays `rendered` from the start, or repeats the frames `loop_range` (start, end)
    /// until stopped. Stops whatever was playing.
    pub fn play(
        &mut self,
        rendered: &Rendered,
        loop_range: Option<(usize, usize)>,
    ) -> Result<(), PlayerError> {
        match loop_range {
            None => self.play_from(rendered, 0),
            Some((start, end)) => {
                let (channels, rate) = formats(rendered)?;
                let end = end.min(rendered.frames());
                if start >= end {
                    return Err(PlayerError::Empty(format!(
                        "the loop {start}..{end} holds no frames"
                    )));
                }
                let ch = usize::from(channels.get());
                let mut samples = rendered.samples[start * ch..end * ch].to_vec();
                fade_ends(&mut samples, ch, LOOP_FADE_FRAMES);
                let source = rodio::buffer::SamplesBuffer::new(channels, rate, samples);
                self.start(
                    source.repeat_infinite(),
                    Span {
                        sample_rate: rendered.sample_rate,
                        start_frame: start,
                        frames: end - start,
                        looping: true,
                    },
                );
                Ok(())
            }
        }
    }

    /// Plays `rendered` once from `start_frame` to its end. Stops whatever was playing.
    pub fn play_from(
        &mut self,
        rendered: &Rendered,
        start_frame: usize,
    ) -> Result<(), PlayerError> {
        let (channels, rate) = formats(rendered)?;
        let start_frame = start_frame.min(rendered.frames());
        let ch = usize::from(channels.get());
        let mut samples = rendered.samples[start_frame * ch..].to_vec();
        if start_frame > 0 {
            // Starting mid-note: ramp in so it does not click.
            fade_ends(&mut samples, ch, LOOP_FADE_FRAMES);
        }
        let length_frames = samples.len() / ch;
        let source = rodio::buffer::SamplesBuffer::new(channels, rate, samples);
        self.start(
            source,
            Span {
                sample_rate: rendered.sample_rate,
                start_frame,
                frames: length_frames,
                looping: false,
            },
        );
        Ok(())
    }

    fn start<S>(&mut self, source: S, span: Span)
    where
        S: rodio::Source + Send + 'static,
    {
        let Span {
            sample_rate,
            start_frame,
            frames,
            looping,
        } = span;
        self.stop();
        let player = rodio::Player::connect_new(self.sink.mixer());
        player.append(source);
        self.current = Some(Playback {
            player,
            started: Instant::now(),
            sample_rate,
            start_frame,
            loop_frames: looping.then_some(frames),
            length_frames: frames,
        });
    }

    /// The device's mixer, for sounds beside the main one (MIDI thru).
    pub fn mixer(&self) -> &rodio::mixer::Mixer {
        self.sink.mixer()
    }

    /// Stops the sound. Never blocks: the old rodio player is dropped, which the
    /// audio thread notices within a few milliseconds.
    pub fn stop(&mut self) {
        if let Some(playback) = self.current.take() {
            playback.player.stop();
        }
    }

    /// True while something is playing (a loop plays until stopped).
    pub fn is_playing(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|p| p.loop_frames.is_some() || p.elapsed_frames() < p.length_frames)
    }

    /// The rendered frame being heard now, for a playhead; `None` when stopped.
    pub fn position_frame(&self) -> Option<usize> {
        if !self.is_playing() {
            return None;
        }
        let p = self.current.as_ref()?;
        let elapsed = p.elapsed_frames();
        Some(match p.loop_frames {
            Some(len) if len > 0 => p.start_frame + elapsed % len,
            _ => p.start_frame + elapsed.min(p.length_frames),
        })
    }

    /// The time being heard now in seconds from the start of the rendering; `None` when stopped.
    pub fn position_secs(&self) -> Option<f64> {
        let p = self.current.as_ref()?;
        let frame = self.position_frame()?;
        Some(frame as f64 / f64::from(p.sample_rate.max(1)))
    }
}

impl Playback {
    /// Frames heard since the start. Rodio's position counts samples the device has
    /// pulled, which runs ahead of what is audible by up to one buffer (and far ahead on
    /// a null device); the wall clock since `play` does not see stalls. While the sound
    /// is queued the smaller of the two is the better estimate; once rodio has pulled
    /// the last sample, the final buffer is still being heard and the clock tells how far.
    fn elapsed_frames(&self) -> usize {
        let clock = self.started.elapsed();
        let heard: Duration = if self.player.empty() {
            clock
        } else {
            clock.min(self.player.get_pos())
        };
        (heard.as_secs_f64() * f64::from(self.sample_rate)) as usize
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The channel count and sample rate as rodio wants them, or why they are unusable.
fn formats(rendered: &Rendered) -> Result<(NonZero<u16>, NonZero<u32>), PlayerError> {
    let channels = NonZero::new(rendered.channels)
        .ok_or_else(|| PlayerError::Empty("the audio has no channels".into()))?;
    let rate = NonZero::new(rendered.sample_rate)
        .ok_or_else(|| PlayerError::Empty("the audio has a zero sample rate".into()))?;
    if rendered.frames() == 0 {
        return Err(PlayerError::Empty("the audio has no frames".into()));
    }
    Ok((channels, rate))
}

/// Linear fade in at the start and out at the end of interleaved samples.
fn fade_ends(samples: &mut [f32], channels: usize, fade_frames: usize) {
    let frames = samples.len() / channels.max(1);
    let fade = fade_frames.min(frames / 2).max(1);
    for i in 0..fade.min(frames) {
        let gain = i as f32 / fade as f32;
        let tail = frames - 1 - i;
        for c in 0..channels {
            samples[i * channels + c] *= gain;
            samples[tail * channels + c] *= gain;
        }
    }
}

/// An error with its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_reach_zero_at_both_ends() {
        let mut s = vec![1.0_f32; 2 * 1000];
        fade_ends(&mut s, 2, 96);
        assert_eq!(s[0], 0.0);
        assert_eq!(s[1], 0.0);
        assert_eq!(s[1998], 0.0);
        assert_eq!(s[1000], 1.0);
        assert!(
            s.windows(2)
                .all(|w| (w[1] - w[0]).abs() <= 1.0 / 96.0 + 1e-6)
        );
    }
}
