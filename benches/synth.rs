//! Synth speed: one minute of 16th and 8th notes at 120 bpm in each voice, and in a SoundFont
//! voice when Debian's TimGM6mb is installed (`cargo bench --bench synth`).

use lstmuse::music::{Melody, Note, Pitch, Ratio};
use lstmuse::synth::{self, GmProgram, RenderConfig, SoundFont, SoundFontVoice, Voice};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The General MIDI font the SoundFont voice is measured with (`timgm6mb-soundfont`).
const TIMGM6MB: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";

/// The SoundFont voice must render at least this many times faster than real time.
const SOUNDFONT_MIN_REAL_TIME: f64 = 100.0;

/// One minute at 120 bpm: 120 quarters of 16ths and 8ths up and down two octaves of C major.
fn minute_of_melody() -> Melody {
    const SCALE: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];
    let pitches: Vec<u8> = (0..14)
        .map(|i| 60 + 12 * (i / 7) + SCALE[i as usize % 7])
        .collect();
    let mut melody = Melody::new();
    melody.tempo_qpm = Some(120.0);
    let mut step = 0usize;
    let mut total = Ratio::ZERO;
    while total < Ratio::from_int(120) {
        // Per quarter: four 16ths, then two 8ths.
        let (count, duration) = if (step / 4).is_multiple_of(2) {
            (4, Ratio::new(1, 4))
        } else {
            (2, Ratio::new(1, 2))
        };
        for _ in 0..count {
            let turn = step % 26;
            let index = if turn < 14 { turn } else { 26 - turn };
            melody
                .notes
                .push(Note::new(Pitch(pitches[index.min(13)]), duration));
            total += duration;
            step += 1;
        }
    }
    melody
}

fn main() {
    let melody = minute_of_melody();
    let runs = 7;
    println!(
        "synth bench: {} notes, {:.0} s of audio at 120 bpm, 44.1 kHz stereo, best and median of {runs} runs{}",
        melody.notes.len(),
        melody.duration().to_f64() / 2.0,
        if cfg!(debug_assertions) {
            " (DEBUG BUILD)"
        } else {
            ""
        }
    );
    for voice in Voice::ALL {
        let config = RenderConfig {
            voice,
            ..RenderConfig::default()
        };
        measure(voice.name(), &melody, &config, runs);
    }
    soundfont_voice(&melody, runs);
    let rendered = synth::render(&melody, &RenderConfig::default());
    let start = Instant::now();
    let bytes = synth::wav_bytes(&rendered, synth::WavFormat::Pcm16).map(|b| b.len());
    println!(
        "wav     16-bit encode {:.1} ms ({} bytes)",
        start.elapsed().as_secs_f64() * 1e3,
        bytes.unwrap_or(0)
    );
}

/// Renders `melody` with `config` `runs` times, prints the best and median times, and
/// returns the median speed as a multiple of real time.
fn measure(name: &str, melody: &Melody, config: &RenderConfig, runs: usize) -> f64 {
    let mut times_ms = Vec::with_capacity(runs);
    let mut secs = 0.0;
    for _ in 0..runs {
        let start = Instant::now();
        let rendered = match synth::try_render(melody, config) {
            Ok(rendered) => rendered,
            Err(e) => {
                println!("{name:<7} could not render: {e}");
                std::process::exit(1);
            }
        };
        times_ms.push(start.elapsed().as_secs_f64() * 1e3);
        secs = rendered.duration_secs();
        std::hint::black_box(&rendered);
    }
    times_ms.sort_by(f64::total_cmp);
    let (best, median) = (times_ms[0], times_ms[runs / 2]);
    let per_minute = median * 60.0 / secs;
    let real_time = secs * 1e3 / median;
    println!(
        "{name:<7} best {best:6.1} ms, median {median:6.1} ms  = {per_minute:6.1} ms per minute of audio, {real_time:5.0}× real time"
    );
    real_time
}

/// The SoundFont voice (TimGM6mb, Acoustic Grand Piano), which must stay at least
/// [`SOUNDFONT_MIN_REAL_TIME`] times faster than real time; skipped without the font.
fn soundfont_voice(melody: &Melody, runs: usize) {
    let path = Path::new(TIMGM6MB);
    if !path.exists() {
        println!("sf2     SKIP: {TIMGM6MB} not found (apt install timgm6mb-soundfont)");
        return;
    }
    let start = Instant::now();
    let font = match SoundFont::load(path) {
        Ok(font) => Arc::new(font),
        Err(e) => {
            println!("sf2     could not load: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "sf2     {} loaded in {:.0} ms ({} presets)",
        font.name(),
        start.elapsed().as_secs_f64() * 1e3,
        font.presets().len()
    );
    let config = RenderConfig {
        soundfont: Some(SoundFontVoice::new(font, GmProgram::PIANO)),
        ..RenderConfig::default()
    };
    let real_time = measure("sf2", melody, &config, runs);
    if real_time < SOUNDFONT_MIN_REAL_TIME {
        println!(
            "sf2     FAIL: {real_time:.0}× real time is under the required {SOUNDFONT_MIN_REAL_TIME:.0}×"
        );
        std::process::exit(1);
    }
}
