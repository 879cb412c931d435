//! MIDI thru: keys played on a MIDI keyboard sound through the current voice while a seed
//! is recorded, step-entered or jammed. Each key is one rendered note on the sound
//! device's mixer, faded out when the key comes up; a jam's answer is one rendered phrase
//! on the same mixer, faded out when the jam stops.

use crate::music::{Melody, Note, Pitch, Ratio};
use crate::synth::{self, RenderConfig, Voice};
use std::collections::HashMap;
use std::num::NonZero;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How long a held key can sound, in seconds (the render's length).
const HOLD_SECS: f64 = 4.0;
/// The fade when a key comes up, in seconds: short, but never a click.
const RELEASE_SECS: f32 = 0.04;
/// Rendered notes kept for the next press of the same key.
const CACHE_LIMIT: usize = 128;

/// A rendered note that plays until released, then fades out and ends.
struct ThruSource {
    samples: Arc<Vec<f32>>,
    at: usize,
    channels: NonZero<u16>,
    rate: NonZero<u32>,
    released: Arc<AtomicBool>,
    /// Samples left in the release fade, and its length, once released.
    fade: Option<(usize, usize)>,
}

impl Iterator for ThruSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        let s = *self.samples.get(self.at)?;
        self.at += 1;
        if self.fade.is_none() && self.released.load(Ordering::Relaxed) {
            let len =
                (RELEASE_SECS * self.rate.get() as f32) as usize * usize::from(self.channels.get());
            self.fade = Some((len.max(1), len.max(1)));
        }
        match self.fade.as_mut() {
            None => Some(s),
            Some((0, _)) => None,
            Some((left, len)) => {
                *left -= 1;
                Some(s * *left as f32 / *len as f32)
            }
        }
    }
}

impl rodio::Source for ThruSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> NonZero<u16> {
        self.channels
    }

    fn sample_rate(&self) -> NonZero<u32> {
        self.rate
    }

    fn total_duration(&self) -> Option<std::time::Duration> {
        None
    }
}

/// The keys sounding through, and notes rendered before.
#[derive(Default)]
pub struct Thru {
    sounding: Vec<(u8, rodio::Player, Arc<AtomicBool>)>,
    /// A jam's answers playing (the jam's thread starts them).
    answers: AnswerVoices,
    cache: HashMap<(Voice, u8, u32), Arc<Vec<f32>>>,
}

impl Thru {
    /// Sounds `key` with `config`'s voice and volume on `mixer` until [`Self::off`].
    pub fn on(&mut self, mixer: &rodio::mixer::Mixer, key: u8, config: &RenderConfig) {
        self.off(key);
        let rate = config.resolved_sample_rate();
        let cache_key = (config.voice, key, config.volume.to_bits());
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        let samples = self
            .cache
            .entry(cache_key)
            .or_insert_with(|| Arc::new(render_key(key, config)))
            .clone();
        let (Some(channels), Some(rate)) = (NonZero::new(2), NonZero::new(rate)) else {
            return;
        };
        let released = Arc::new(AtomicBool::new(false));
        let player = rodio::Player::connect_new(mixer);
        player.append(ThruSource {
            samples,
            at: 0,
            channels,
            rate,
            released: released.clone(),
            fade: None,
        });
        self.sounding.push((key, player, released));
    }

    /// Fades `key` out.
    pub fn off(&mut self, key: u8) {
        let (gone, kept) = std::mem::take(&mut self.sounding)
            .into_iter()
            .partition(|s| s.0 == key);
        self.sounding = kept;
        let gone: Vec<(u8, rodio::Player, Arc<AtomicBool>)> = gone;
        for (_, player, released) in gone {
            // The source fades itself out and ends; the mixer drops it then.
            released.store(true, Ordering::Relaxed);
            player.detach();
        }
    }

    /// Fades every key out, and every answer.
    pub fn all_off(&mut self) {
        let keys: Vec<u8> = self.sounding.iter().map(|s| s.0).collect();
        for k in keys {
            self.off(k);
        }
        self.answers.release_all();
    }

    /// The jam's answers, for the jam's thread to play on.
    pub fn answers(&self) -> AnswerVoices {
        self.answers.clone()
    }

    /// Keys and answers sounding (not yet released or ended).
    pub fn sounding(&self) -> usize {
        self.sounding.len() + self.answers.sounding()
    }
}

/// A rendered sound playing on the mixer, and the flag that fades it out.
type Sounding = (rodio::Player, Arc<AtomicBool>);

/// A jam's answers playing on the mixer, each with its release flag; clones share them.
#[derive(Clone, Default)]
pub struct AnswerVoices(Arc<Mutex<Vec<Sounding>>>);

impl AnswerVoices {
    /// Plays `samples` (stereo at `rate`) on `mixer` after `delay_frames` frames of
    /// silence: an answer waiting for its bar line. It plays to its end unless
    /// [`Self::release_all`] fades it out first.
    pub fn play(
        &self,
        mixer: &rodio::mixer::Mixer,
        samples: &[f32],
        rate: u32,
        delay_frames: usize,
    ) {
        let (Some(channels), Some(rate)) = (NonZero::new(2), NonZero::new(rate)) else {
            return;
        };
        let mut all = vec![0.0; delay_frames * 2];
        all.extend_from_slice(samples);
        let released = Arc::new(AtomicBool::new(false));
        let player = rodio::Player::connect_new(mixer);
        player.append(ThruSource {
            samples: Arc::new(all),
            at: 0,
            channels,
            rate,
            released: released.clone(),
            fade: None,
        });
        if let Ok(mut v) = self.0.lock() {
            v.retain(|(p, _)| !p.empty());
            v.push((player, released));
        }
    }

    /// Fades every answer out.
    pub fn release_all(&self) {
        if let Ok(mut v) = self.0.lock() {
            for (player, released) in v.drain(..) {
                released.store(true, Ordering::Relaxed);
                player.detach();
            }
        }
    }

    /// Answers sounding (not yet released or ended).
    pub fn sounding(&self) -> usize {
        self.0
            .lock()
            .map_or(0, |v| v.iter().filter(|(p, _)| !p.empty()).count())
    }
}

/// One held note of `key`, stereo, [`HOLD_SECS`] long.
fn render_key(key: u8, config: &RenderConfig) -> Vec<f32> {
    let Some(pitch) = Pitch::from_midi(i32::from(key)) else {
        return Vec::new();
    };
    let mut m = Melody::new();
    // At 60 BPM a quarter lasts one second.
    m.notes
        .push(Note::new(pitch, Ratio::from_int(HOLD_SECS as i64)));
    let config = RenderConfig {
        bpm: Some(60.0),
        metronome: false,
        ..config.clone()
    };
    synth::render(&m, &config).samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_waits_for_its_bar_line_and_stop_silences_it() {
        use rodio::Source;
        let rate = 44_100;
        let (mixer, mut out) =
            rodio::mixer::mixer(NonZero::new(2).unwrap(), NonZero::new(rate).unwrap());
        let mut phrase = Melody::new();
        phrase
            .notes
            .push(Note::new(Pitch::from_midi(67).unwrap(), Ratio::from_int(2)));
        let config = RenderConfig {
            bpm: Some(120.0),
            ..RenderConfig::default()
        };
        let rendered = synth::render(&phrase, &config);
        let mut thru = Thru::default();
        thru.answers().play(&mixer, &rendered.samples, rate, 4_410);
        assert_eq!(thru.sounding(), 1);
        assert_eq!(out.channels().get(), 2);
        let first: Vec<f32> = out.by_ref().take(2 * 8_820).collect();
        assert!(
            first[..2 * 4_000].iter().all(|s| s.abs() < 1e-6),
            "silent before its bar line"
        );
        assert!(
            first[2 * 4_500..].iter().any(|s| s.abs() > 0.01),
            "then sounds"
        );
        thru.all_off();
        assert_eq!(thru.sounding(), 0, "Stop leaves no answer sounding");
        // A 40 ms fade, then silence (the mixer may end once nothing is left in it).
        let tail: Vec<f32> = out.by_ref().take(2 * 8_820).collect();
        assert!(
            tail.iter().skip(2 * 2_205).all(|s| s.abs() < 1e-6),
            "silent 50 ms after Stop"
        );
    }

    #[test]
    fn a_released_key_fades_out_and_ends_without_a_click() {
        let config = RenderConfig::default();
        let samples = Arc::new(render_key(69, &config));
        let frames = samples.len() / 2;
        assert!(frames as f64 >= HOLD_SECS * 44_100.0);
        let released = Arc::new(AtomicBool::new(false));
        let mut source = ThruSource {
            samples: samples.clone(),
            at: 0,
            channels: NonZero::new(2).unwrap(),
            rate: NonZero::new(44_100).unwrap(),
            released: released.clone(),
            fade: None,
        };
        // Held: the render itself, sample for sample.
        let held: Vec<f32> = source.by_ref().take(44_100).collect();
        assert_eq!(held[..], samples[..44_100]);
        assert!(held.iter().any(|s| s.abs() > 0.05));
        // Released: a 40 ms fade to silence, then the source ends.
        released.store(true, Ordering::Relaxed);
        let tail: Vec<f32> = source.collect();
        assert_eq!(tail.len(), (RELEASE_SECS * 44_100.0) as usize * 2);
        assert!(tail.last().unwrap().abs() < 1e-3);
        let step = tail
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(step < 0.1, "largest jump {step}");
    }
}
