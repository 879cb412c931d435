//! Playback: render with the built-in synth, play through the sound device, track the playhead.

use super::error::GuiError;
use crate::music::{Melody, STEPS_PER_QUARTER};
use crate::synth::{self, RenderConfig, Rendered};

/// What is playing: the render (its frames map to document steps).
pub struct Playing {
    /// The audio.
    pub rendered: Rendered,
}

/// The sound output, or why there is none.
pub struct Playback {
    #[cfg(feature = "audio")]
    player: Option<super::player::Player>,
    /// Keys from a MIDI keyboard sounding through.
    #[cfg(feature = "audio")]
    thru: super::app::midi::thru::Thru,
    /// Why there is no sound (shown as the Play button's tooltip).
    pub unavailable: Option<String>,
    /// What is playing.
    pub playing: Option<Playing>,
    /// A playhead without a device (benchmarks and tests), in steps.
    pub simulated: Option<f32>,
}

impl Playback {
    /// Opens the default sound device when `enabled`.
    pub fn open(enabled: bool) -> Playback {
        let mut audio = Playback {
            #[cfg(feature = "audio")]
            player: None,
            #[cfg(feature = "audio")]
            thru: Default::default(),
            unavailable: None,
            playing: None,
            simulated: None,
        };
        if !enabled {
            audio.unavailable = Some("Sound is switched off (--no-audio).".into());
            return audio;
        }
        #[cfg(feature = "audio")]
        match super::player::Player::open() {
            Ok(p) => audio.player = Some(p),
            Err(e) => {
                audio.unavailable = Some(format!(
                    "No audio device: {e}. You can still export WAV files."
                ))
            }
        }
        #[cfg(not(feature = "audio"))]
        {
            audio.unavailable = Some(
                "This build has no audio playback (feature `audio`). Export WAV instead.".into(),
            );
        }
        audio
    }

    /// Whether Play can work.
    pub fn available(&self) -> bool {
        self.unavailable.is_none()
    }

    /// Renders and plays `melody`; `loop_steps` repeats that range of 16th steps.
    pub fn play(
        &mut self,
        melody: &Melody,
        config: &RenderConfig,
        loop_steps: Option<(u32, u32)>,
    ) -> Result<(), GuiError> {
        let rendered = synth::try_render(melody, config)?;
        #[cfg(feature = "audio")]
        {
            let player = self
                .player
                .as_mut()
                .ok_or_else(|| GuiError::NoSound(self.unavailable.clone().unwrap_or_default()))?;
            let range = loop_steps.map(|(a, b)| {
                (
                    rendered.frame_at_quarter(f64::from(a) / STEPS_PER_QUARTER as f64),
                    rendered.frame_at_quarter(f64::from(b) / STEPS_PER_QUARTER as f64),
                )
            });
            player.play(&rendered, range)?;
            self.playing = Some(Playing { rendered });
            Ok(())
        }
        #[cfg(not(feature = "audio"))]
        {
            let _ = (rendered, loop_steps);
            Err(GuiError::NoSound(
                self.unavailable.clone().unwrap_or_default(),
            ))
        }
    }

    /// Plays a one-bar metronome click (accented downbeat) at `bpm` in `meter`, over and
    /// over until [`Self::stop`]: the count-in and click of a recording. Silent without a
    /// sound device.
    pub fn play_clicks(&mut self, bpm: f64, meter: crate::music::Meter, config: &RenderConfig) {
        let mut bar = Melody::new();
        bar.meter = Some(meter);
        bar.notes.push(crate::music::Note::rest(meter.bar_length()));
        let config = RenderConfig {
            bpm: Some(bpm),
            metronome: true,
            ..config.clone()
        };
        let Ok(rendered) = synth::try_render(&bar, &config) else {
            return;
        };
        let frames = rendered.frame_at_quarter(meter.bar_length().to_f64());
        #[cfg(feature = "audio")]
        if let Some(p) = self.player.as_mut()
            && p.play(&rendered, Some((0, frames))).is_err()
        {
            self.playing = None;
        }
        #[cfg(not(feature = "audio"))]
        let _ = (rendered, frames);
    }

    /// A MIDI key went down (`on`) or up: sound it through the current voice.
    pub fn thru(&mut self, key: u8, on: bool, config: &RenderConfig) {
        #[cfg(feature = "audio")]
        if let Some(p) = &self.player {
            if on {
                self.thru.on(p.mixer(), key, config);
            } else {
                self.thru.off(key);
            }
        }
        #[cfg(not(feature = "audio"))]
        let _ = (key, on, config);
    }

    /// What plays a jam's answers (on the jam's thread) through the current voice, from
    /// their bar line on the `inbox`'s clock, on the mixer the keys sound through; `None`
    /// without a sound device.
    pub fn answer_player(
        &self,
        config: RenderConfig,
        inbox: crate::midi_io::MidiInbox,
    ) -> Option<crate::midi_io::jam_engine::AnswerPlayer> {
        #[cfg(feature = "audio")]
        {
            let mixer = self.player.as_ref()?.mixer().clone();
            let voices = self.thru.answers();
            Some(Box::new(move |s: &crate::midi_io::jam::ScheduledAnswer| {
                let Ok(rendered) = synth::try_render(&s.melody, &config) else {
                    return;
                };
                let at = inbox.instant_at(s.start_micros);
                let delay = at.saturating_duration_since(std::time::Instant::now());
                let rate = rendered.sample_rate;
                let frames = (delay.as_secs_f64() * f64::from(rate)).round() as usize;
                voices.play(&mixer, &rendered.samples, rate, frames);
            }))
        }
        #[cfg(not(feature = "audio"))]
        {
            let _ = (config, inbox);
            None
        }
    }

    /// Keys and jam answers sounding through the built-in synth now.
    pub fn thru_sounding(&self) -> usize {
        #[cfg(feature = "audio")]
        return self.thru.sounding();
        #[cfg(not(feature = "audio"))]
        0
    }

    /// Releases every key sounding through, and a jam's answers.
    pub fn thru_all_off(&mut self) {
        #[cfg(feature = "audio")]
        self.thru.all_off();
    }

    /// Stops playback.
    pub fn stop(&mut self) {
        #[cfg(feature = "audio")]
        if let Some(p) = self.player.as_mut() {
            p.stop();
        }
        self.playing = None;
    }

    /// Moves playback to `step` (16th steps) and plays on from there to the end.
    pub fn seek(&mut self, step: u32) {
        #[cfg(feature = "audio")]
        if let (Some(p), Some(playing)) = (self.player.as_mut(), &self.playing) {
            let frame = playing
                .rendered
                .frame_at_quarter(f64::from(step) / STEPS_PER_QUARTER as f64);
            if p.is_playing() && p.play_from(&playing.rendered, frame).is_err() {
                self.playing = None;
            }
        }
        #[cfg(not(feature = "audio"))]
        let _ = step;
    }

    /// True while sound is playing.
    pub fn is_playing(&self) -> bool {
        #[cfg(feature = "audio")]
        if let Some(p) = &self.player {
            return self.playing.is_some() && p.is_playing();
        }
        self.simulated.is_some()
    }

    /// The playhead in 16th steps from the document start.
    pub fn playhead(&self) -> Option<f32> {
        if let Some(s) = self.simulated {
            return Some(s);
        }
        #[cfg(feature = "audio")]
        if let (Some(p), Some(playing)) = (&self.player, &self.playing) {
            let frame = p.position_frame()?;
            return Some(
                (playing.rendered.quarter_at_frame(frame) * STEPS_PER_QUARTER as f64) as f32,
            );
        }
        None
    }
}
