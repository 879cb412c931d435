//! Playback: render with the built-in synth, play through the sound device, track the playhead.

use super::error::GuiError;
use crate::music::Melody;
use crate::synth::{self, RenderConfig, Rendered};

/// What is playing: the render (its frames map to document steps).
pub struct Playing {
    /// The audio.
    pub rendered: Rendered,
}

/// The sound output, or why there is none.
pub struct Audio {
    #[cfg(feature = "audio")]
    player: Option<super::audio::Player>,
    /// Why there is no sound (shown as the Play button's tooltip).
    pub unavailable: Option<String>,
    /// What is playing.
    pub playing: Option<Playing>,
    /// A playhead without a device (benchmarks and tests), in steps.
    pub simulated: Option<f32>,
}

impl Audio {
    /// Opens the default sound device when `enabled`.
    pub fn open(enabled: bool) -> Audio {
        let mut audio = Audio {
            #[cfg(feature = "audio")]
            player: None,
            unavailable: None,
            playing: None,
            simulated: None,
        };
        if !enabled {
            audio.unavailable = Some("Sound is switched off (--no-audio).".into());
            return audio;
        }
        #[cfg(feature = "audio")]
        match super::audio::Player::open() {
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
                    rendered.frame_at_quarter(f64::from(a) / 4.0),
                    rendered.frame_at_quarter(f64::from(b) / 4.0),
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

    /// Stops playback.
    pub fn stop(&mut self) {
        #[cfg(feature = "audio")]
        if let Some(p) = self.player.as_mut() {
            p.stop();
        }
        self.playing = None;
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
            return Some((playing.rendered.quarter_at_frame(frame) * 4.0) as f32);
        }
        None
    }
}
