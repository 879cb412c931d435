//! ADSR envelopes computed sample by sample, with no `powf` in the loop.

/// Attack, decay, sustain and release settings of one voice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Adsr {
    /// Linear rise from 0 to 1.
    pub attack_secs: f32,
    /// Exponential fall from 1 towards `sustain_level` (time constant).
    pub decay_secs: f32,
    /// The level held until the note ends (0…1).
    pub sustain_level: f32,
    /// Linear fall from the level at the note's end to exactly 0.
    pub release_secs: f32,
}

impl Adsr {
    /// Release length in frames (at least one).
    pub fn release_frames(&self, sample_rate: u32) -> usize {
        secs_to_frames(self.release_secs, sample_rate).max(1)
    }
}

/// Seconds to whole frames, rounded.
pub(crate) fn secs_to_frames(secs: f32, sample_rate: u32) -> usize {
    (f64::from(secs.max(0.0)) * f64::from(sample_rate)).round() as usize
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Attack,
    Decay,
    Release,
    Done,
}

/// One note's envelope: call [`Envelope::next_level`] once per frame. The gate closes
/// after `gate_frames`; the release then falls linearly to exactly zero, so a note
/// lasts `gate_frames + release_frames` frames and never ends in a jump.
#[derive(Clone, Debug)]
pub(crate) struct Envelope {
    stage: Stage,
    level: f32,
    frame: usize,
    gate_frames: usize,
    attack_step: f32,
    decay_coeff: f32,
    sustain_level: f32,
    release_frames: usize,
    release_left: usize,
    release_step: f32,
}

impl Envelope {
    /// An envelope for a note held `gate_frames` frames.
    pub fn new(adsr: &Adsr, gate_frames: usize, sample_rate: u32) -> Envelope {
        let attack_frames = secs_to_frames(adsr.attack_secs, sample_rate).max(1);
        let decay_frames = f64::from(adsr.decay_secs.max(1e-4)) * f64::from(sample_rate);
        Envelope {
            stage: Stage::Attack,
            level: 0.0,
            frame: 0,
            gate_frames,
            attack_step: 1.0 / attack_frames as f32,
            decay_coeff: (-1.0 / decay_frames).exp() as f32,
            sustain_level: adsr.sustain_level.clamp(0.0, 1.0),
            release_frames: adsr.release_frames(sample_rate),
            release_left: 0,
            release_step: 0.0,
        }
    }

    /// Total frames this envelope sounds: gate plus release.
    pub fn total_frames(&self) -> usize {
        self.gate_frames + self.release_frames
    }

    /// The level for the next frame (0…1).
    #[inline]
    pub fn next_level(&mut self) -> f32 {
        if self.frame == self.gate_frames && self.stage != Stage::Done {
            self.stage = Stage::Release;
            self.release_left = self.release_frames;
            self.release_step = self.level / self.release_frames as f32;
        }
        self.frame += 1;
        match self.stage {
            Stage::Attack => {
                self.level += self.attack_step;
                if self.level >= 1.0 {
                    self.level = 1.0;
                    self.stage = Stage::Decay;
                }
            }
            Stage::Decay => {
                self.level =
                    self.sustain_level + (self.level - self.sustain_level) * self.decay_coeff;
            }
            Stage::Release => {
                self.release_left = self.release_left.saturating_sub(1);
                self.level -= self.release_step;
                if self.release_left == 0 || self.level <= 0.0 {
                    self.level = 0.0;
                    self.stage = Stage::Done;
                }
            }
            Stage::Done => self.level = 0.0,
        }
        self.level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rises_holds_and_releases_to_exact_zero() {
        let adsr = Adsr {
            attack_secs: 0.01,
            decay_secs: 0.05,
            sustain_level: 0.5,
            release_secs: 0.02,
        };
        let mut env = Envelope::new(&adsr, 44100, 44100);
        let levels: Vec<f32> = (0..env.total_frames()).map(|_| env.next_level()).collect();
        assert_eq!(levels.len(), 44100 + 882);
        assert!(levels[0] > 0.0 && levels[0] < 0.01);
        assert!((levels[440] - 1.0).abs() < 1e-3);
        assert!((levels[44000] - 0.5).abs() < 1e-4);
        assert_eq!(*levels.last().unwrap_or(&1.0), 0.0);
        let max_step = levels
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step < 0.003, "{max_step}");
    }

    #[test]
    fn a_short_note_releases_from_its_partial_level() {
        let adsr = Adsr {
            attack_secs: 0.01,
            decay_secs: 0.05,
            sustain_level: 0.5,
            release_secs: 0.01,
        };
        let mut env = Envelope::new(&adsr, 100, 44100);
        let levels: Vec<f32> = (0..env.total_frames()).map(|_| env.next_level()).collect();
        let peak = levels.iter().copied().fold(0.0, f32::max);
        assert!(peak < 0.25, "{peak}");
        assert_eq!(levels[levels.len() - 1], 0.0);
    }
}
