//! The voices: a breathy flute, a Karplus–Strong plucked string, a 2-operator FM
//! electric piano, and the metronome click. Each adds one note into a mono buffer.

use super::Voice;
use super::envelope::{Adsr, Envelope, secs_to_frames};
use std::sync::OnceLock;

/// Entries in the sine table (a power of two); the phase's top bits index it.
const TABLE_BITS: u32 = 12;
const TABLE_LEN: usize = 1 << TABLE_BITS;
/// Bits of the 32-bit phase below the table index: the interpolation fraction.
const FRACTION_BITS: u32 = 32 - TABLE_BITS;
/// One full turn of the 32-bit phase accumulator, as a float.
const PHASE_TURN: f64 = 4_294_967_296.0;
/// Phase units per radian, for phase modulation.
const PHASE_PER_RADIAN: f32 = (PHASE_TURN / std::f64::consts::TAU) as f32;

/// A sine table with one guard entry, so linear interpolation never wraps.
fn sine_table() -> &'static [f32] {
    static TABLE: OnceLock<Vec<f32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=TABLE_LEN)
            .map(|i| (i as f64 / TABLE_LEN as f64 * std::f64::consts::TAU).sin() as f32)
            .collect()
    })
}

/// The sine of a 32-bit phase (a full turn is 2³²), interpolated from the table.
#[inline]
fn sine(table: &[f32], phase: u32) -> f32 {
    let index = (phase >> FRACTION_BITS) as usize;
    let fraction =
        (phase & ((1 << FRACTION_BITS) - 1)) as f32 * (1.0 / (1u32 << FRACTION_BITS) as f32);
    let a = table[index];
    let b = table[index + 1];
    a + (b - a) * fraction
}

/// The per-frame phase step of a frequency (kept below Nyquist).
fn phase_increment(freq_hz: f64, sample_rate: u32) -> u32 {
    let nyquist_safe = freq_hz.clamp(0.0, f64::from(sample_rate) * 0.45);
    (nyquist_safe / f64::from(sample_rate) * PHASE_TURN).round() as u32
}

/// A tiny deterministic PRNG (xorshift32): the same seed gives the same noise.
#[derive(Clone, Debug)]
pub(crate) struct XorShift32(u32);

impl XorShift32 {
    /// A generator seeded from a note's pitch and position.
    pub fn for_note(midi: u8, index: usize) -> XorShift32 {
        let seed = (index as u32)
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(u32::from(midi).wrapping_mul(0x85EB_CA6B))
            ^ 0x2545_F491;
        XorShift32(if seed == 0 { 0x1234_5678 } else { seed })
    }

    /// Uniform noise in −1…1.
    #[inline]
    pub fn next_bipolar(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x >> 8) as f32 * (2.0 / (1u32 << 24) as f32) - 1.0
    }
}

/// What a voice needs to know about one note.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NoteSpec {
    /// MIDI number, for seeding and key tracking.
    pub midi: u8,
    /// Frequency in Hz.
    pub freq_hz: f64,
    /// Frames the key is held (the release follows).
    pub gate_frames: usize,
    /// The event's index in the melody, for seeding.
    pub index: usize,
}

impl Voice {
    /// The envelope of this voice.
    pub(crate) fn adsr(self) -> Adsr {
        match self {
            Voice::Flute => Adsr {
                attack_secs: 0.035,
                decay_secs: 0.12,
                sustain_level: 0.85,
                release_secs: 0.03,
            },
            Voice::Pluck => Adsr {
                attack_secs: 0.002,
                decay_secs: 1.0,
                sustain_level: 1.0,
                release_secs: 0.025,
            },
            Voice::EPiano => Adsr {
                attack_secs: 0.003,
                decay_secs: 1.1,
                sustain_level: 0.3,
                release_secs: 0.03,
            },
        }
    }

    /// A gain that brings the voices to similar loudness.
    pub(crate) fn gain(self) -> f32 {
        match self {
            Voice::Flute => 0.55,
            Voice::Pluck => 0.9,
            Voice::EPiano => 0.6,
        }
    }
}

/// Renders notes, keeping scratch buffers between them (no allocation per sample).
pub(crate) struct VoiceRenderer {
    voice: Voice,
    adsr: Adsr,
    sample_rate: u32,
    table: &'static [f32],
    ring: Vec<f32>,
}

impl VoiceRenderer {
    /// A renderer for one voice at a sample rate.
    pub fn new(voice: Voice, sample_rate: u32) -> VoiceRenderer {
        VoiceRenderer {
            voice,
            adsr: voice.adsr(),
            sample_rate,
            table: sine_table(),
            ring: Vec::new(),
        }
    }

    /// Frames a note sounds after its gate closes.
    pub fn release_frames(&self) -> usize {
        self.adsr.release_frames(self.sample_rate)
    }

    /// Adds one note into `out`, which starts at the note's onset. Writes at most
    /// `gate_frames + release_frames` frames.
    pub fn add_note(&mut self, note: &NoteSpec, out: &mut [f32]) {
        let env = Envelope::new(&self.adsr, note.gate_frames, self.sample_rate);
        let len = env.total_frames().min(out.len());
        let out = &mut out[..len];
        match self.voice {
            Voice::Flute => self.flute(note, env, out),
            Voice::Pluck => self.pluck(note, env, out),
            Voice::EPiano => self.epiano(note, env, out),
        }
    }

    /// Sine with a little second and third harmonic, delayed vibrato, and breath noise
    /// that puffs at the attack.
    fn flute(&self, note: &NoteSpec, mut env: Envelope, out: &mut [f32]) {
        let sr = self.sample_rate;
        let table = self.table;
        let inc = phase_increment(note.freq_hz, sr) as f32;
        let vib_inc = phase_increment(5.2, sr);
        let vib_depth = 0.0035_f32;
        let vib_delay = secs_to_frames(0.15, sr);
        let vib_ramp = 1.0 / secs_to_frames(0.35, sr).max(1) as f32;
        let breath_lp = 1.0 - (-std::f64::consts::TAU * 2500.0 / f64::from(sr)).exp() as f32;
        let puff_decay = (-1.0 / (0.06 * f64::from(sr))).exp() as f32;
        let mut noise = XorShift32::for_note(note.midi, note.index);
        let (mut phase, mut vib_phase) = (0u32, 0u32);
        let (mut vib_amount, mut puff, mut breath) = (0.0_f32, 0.5_f32, 0.0_f32);
        let gain = self.voice.gain();
        for (i, sample) in out.iter_mut().enumerate() {
            let level = env.next_level();
            if i >= vib_delay && vib_amount < 1.0 {
                vib_amount = (vib_amount + vib_ramp).min(1.0);
            }
            let vibrato = sine(table, vib_phase) * vib_depth * vib_amount;
            vib_phase = vib_phase.wrapping_add(vib_inc);
            let tone = sine(table, phase)
                + 0.10 * sine(table, phase.wrapping_mul(2))
                + 0.035 * sine(table, phase.wrapping_mul(3));
            phase = phase.wrapping_add((inc * (1.0 + vibrato)) as u32);
            breath += breath_lp * (noise.next_bipolar() - breath);
            puff *= puff_decay;
            *sample += gain * level * (tone + (0.05 + puff) * breath);
        }
    }

    /// Karplus–Strong: a delay line filled with a seeded, low-passed noise burst,
    /// fed back through a two-point average and an allpass that tunes the fraction.
    fn pluck(&mut self, note: &NoteSpec, mut env: Envelope, out: &mut [f32]) {
        let sr = f64::from(self.sample_rate);
        let freq = note.freq_hz.clamp(20.0, sr * 0.2);
        let period = sr / freq;
        // The loop: `delay` frames of ring, ½ frame of averaging, `fraction` of allpass.
        let delay = ((period - 0.6).floor() as usize).max(2);
        let fraction = (period - 0.5 - delay as f64).clamp(0.05, 1.5);
        let ap_coeff = ((1.0 - fraction) / (1.0 + fraction)) as f32;
        // Lower notes ring longer; the loss is applied once per trip round the loop.
        let t60_secs = (3.0 * (220.0 / freq).sqrt()).clamp(0.6, 6.0);
        let loss = 10f64.powf(-3.0 * period / (sr * t60_secs)) as f32;
        self.fill_burst(note, delay, freq);
        let gain = self.voice.gain();
        let ring = &mut self.ring;
        let (mut pos, mut prev, mut ap_x1, mut ap_y1) = (0usize, 0.0_f32, 0.0_f32, 0.0_f32);
        for sample in out.iter_mut() {
            let level = env.next_level();
            let x = ring[pos];
            let avg = 0.5 * (x + prev);
            prev = x;
            let y = ap_coeff * avg + ap_x1 - ap_coeff * ap_y1;
            ap_x1 = avg;
            ap_y1 = y;
            ring[pos] = y * loss;
            pos += 1;
            if pos == delay {
                pos = 0;
            }
            *sample += gain * level * x;
        }
    }

    /// Fills the ring with zero-mean noise, low-passed more for low notes.
    fn fill_burst(&mut self, note: &NoteSpec, delay: usize, freq: f64) {
        let mut noise = XorShift32::for_note(note.midi, note.index);
        let cutoff_hz = (freq * 6.0).clamp(1200.0, 6000.0);
        let lp = 1.0 - (-std::f64::consts::TAU * cutoff_hz / f64::from(self.sample_rate)).exp();
        let lp = lp as f32;
        self.ring.clear();
        let mut state = 0.0_f32;
        for _ in 0..delay {
            state += lp * (noise.next_bipolar() - state);
            self.ring.push(state);
        }
        let mean = self.ring.iter().sum::<f32>() / delay as f32;
        let peak = self
            .ring
            .iter()
            .map(|v| (v - mean).abs())
            .fold(0.0_f32, f32::max)
            .max(1e-6);
        for v in &mut self.ring {
            *v = (*v - mean) * (0.8 / peak);
        }
    }

    /// 2-operator FM: a sine modulator at the carrier's frequency whose index starts
    /// high (the bell-like bite) and decays to a soft sustain.
    fn epiano(&self, note: &NoteSpec, mut env: Envelope, out: &mut [f32]) {
        let sr = self.sample_rate;
        let table = self.table;
        let inc = phase_increment(note.freq_hz, sr);
        // Brighter low notes, gentler high ones.
        let key_scale = (440.0 / note.freq_hz).clamp(0.5, 1.6) as f32;
        let index_sustain = 0.35 * key_scale;
        let mut index_decaying = 1.9 * key_scale;
        let index_decay = (-1.0 / (0.25 * f64::from(sr))).exp() as f32;
        let (mut carrier, mut modulator) = (0u32, 0u32);
        let gain = self.voice.gain();
        for sample in out.iter_mut() {
            let level = env.next_level();
            let index = index_sustain + index_decaying;
            index_decaying *= index_decay;
            let modulation = index * sine(table, modulator) * PHASE_PER_RADIAN;
            let value = sine(table, carrier.wrapping_add(modulation as i64 as u32));
            carrier = carrier.wrapping_add(inc);
            modulator = modulator.wrapping_add(inc);
            *sample += gain * level * value;
        }
    }
}

/// Length of a metronome click in frames.
pub(crate) fn click_frames(sample_rate: u32) -> usize {
    secs_to_frames(0.025, sample_rate)
}

/// Adds a metronome click (a short decaying sine blip, higher on the downbeat).
pub(crate) fn add_click(out: &mut [f32], accent: bool, sample_rate: u32) {
    let table = sine_table();
    let len = click_frames(sample_rate).min(out.len());
    let inc = phase_increment(if accent { 2400.0 } else { 1600.0 }, sample_rate);
    let mut amp = if accent { 0.5_f32 } else { 0.32 };
    let decay = (-1.0 / (0.006 * f64::from(sample_rate))).exp() as f32;
    let ramp = secs_to_frames(0.0008, sample_rate).max(1);
    let mut phase = 0u32;
    for (i, sample) in out[..len].iter_mut().enumerate() {
        let edge = (i + 1).min(len - i).min(ramp) as f32 / ramp as f32;
        *sample += amp * edge * sine(table, phase);
        phase = phase.wrapping_add(inc);
        amp *= decay;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sine_is_accurate() {
        let table = sine_table();
        for k in 0..1000u32 {
            let phase = k.wrapping_mul(4_294_967);
            let exact = (f64::from(phase) / PHASE_TURN * std::f64::consts::TAU).sin() as f32;
            assert!((sine(table, phase) - exact).abs() < 1e-5);
        }
    }

    #[test]
    fn noise_is_seeded_and_bounded() {
        let mut a = XorShift32::for_note(60, 3);
        let mut b = XorShift32::for_note(60, 3);
        let mut c = XorShift32::for_note(61, 3);
        let xs: Vec<f32> = (0..1000).map(|_| a.next_bipolar()).collect();
        let ys: Vec<f32> = (0..1000).map(|_| b.next_bipolar()).collect();
        let zs: Vec<f32> = (0..1000).map(|_| c.next_bipolar()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
}
