//! Tempo and meter as time: how long a 16th step and a bar last.

use crate::music::{Meter, Ratio, STEPS_PER_QUARTER};

/// Slowest and fastest tempo, in quarter notes per minute.
pub const BPM_RANGE: (f64, f64) = (20.0, 400.0);

/// A tempo in a meter: the clock of recording and playback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tempo {
    /// Quarter notes per minute.
    pub bpm: f64,
    /// The time signature.
    pub meter: Meter,
}

impl Tempo {
    /// A tempo, clamped to [`BPM_RANGE`] (120 when not a finite number).
    pub fn new(bpm: f64, meter: Meter) -> Tempo {
        let bpm = if bpm.is_finite() { bpm } else { 120.0 };
        Tempo {
            bpm: bpm.clamp(BPM_RANGE.0, BPM_RANGE.1),
            meter,
        }
    }

    /// Microseconds per 16th step.
    pub fn micros_per_step(&self) -> f64 {
        60e6 / self.bpm / STEPS_PER_QUARTER as f64
    }

    /// 16th steps per bar (at least 1).
    pub fn steps_per_bar(&self) -> u32 {
        (self.meter.bar_length() / Ratio::STEP)
            .to_f64()
            .round()
            .max(1.0) as u32
    }

    /// Microseconds per bar.
    pub fn bar_micros(&self) -> u64 {
        (f64::from(self.steps_per_bar()) * self.micros_per_step()).round() as u64
    }

    /// The step position of a time, in steps (fractional).
    pub fn steps_at(&self, micros: i64) -> f64 {
        micros as f64 / self.micros_per_step()
    }

    /// The time of a step position, in microseconds.
    pub fn micros_at(&self, steps: f64) -> i64 {
        (steps * self.micros_per_step()).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_steps() {
        let t = Tempo::new(120.0, Meter::default());
        assert_eq!(t.micros_per_step(), 125_000.0);
        assert_eq!(t.bar_micros(), 2_000_000);
        let waltz = Tempo::new(90.0, Meter::new(3, 4).unwrap());
        assert_eq!(waltz.steps_per_bar(), 12);
        assert_eq!(waltz.bar_micros(), 2_000_000);
        let jig = Tempo::new(60.0, Meter::new(6, 8).unwrap());
        assert_eq!(jig.steps_per_bar(), 12);
        assert_eq!(Tempo::new(f64::NAN, Meter::default()).bpm, 120.0);
        assert_eq!(Tempo::new(1e9, Meter::default()).bpm, BPM_RANGE.1);
    }
}
