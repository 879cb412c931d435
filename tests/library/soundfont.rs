//! SoundFont voices: Debian's TimGM6mb (`timgm6mb-soundfont`) in tune, deterministic, listed
//! by preset; truncated, garbage and corrupted fonts are errors naming the file, never a
//! panic; `lstmuse render --soundfont` writes a WAV. Tests that need the font say SKIP
//! without it.

use crate::common;
use crate::common::{fixture, lstmuse, melody, q};
use lstmuse::limits::Limits;
use lstmuse::synth::{self, GmProgram, RenderConfig, Rendered, SoundFont, SoundFontVoice};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// TimGM6mb, loaded once for the whole file.
fn font() -> Option<Arc<SoundFont>> {
    static FONT: OnceLock<Arc<SoundFont>> = OnceLock::new();
    let path = common::timgm6mb()?;
    Some(
        FONT.get_or_init(|| Arc::new(SoundFont::load(&path).unwrap()))
            .clone(),
    )
}

fn config(font: Arc<SoundFont>, program: u8) -> RenderConfig {
    RenderConfig {
        bpm: Some(120.0),
        soundfont: Some(SoundFontVoice::new(font, GmProgram::new(program).unwrap())),
        ..RenderConfig::default()
    }
}

fn left(r: &Rendered) -> Vec<f64> {
    r.samples.iter().step_by(2).map(|&s| f64::from(s)).collect()
}

/// Normalised autocorrelation of `x` at `lag`.
fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    let n = x.len() - lag;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        xy += x[i] * x[i + lag];
        xx += x[i] * x[i];
        yy += x[i + lag] * x[i + lag];
    }
    xy / (xx * yy).sqrt().max(1e-30)
}

/// The autocorrelation peak in `lags`, refined between samples by a parabola.
fn peak_lag(x: &[f64], lags: std::ops::RangeInclusive<usize>) -> f64 {
    let best = lags
        .clone()
        .max_by(|&a, &b| autocorrelation(x, a).total_cmp(&autocorrelation(x, b)))
        .unwrap();
    let (a, b, c) = (
        autocorrelation(x, best - 1),
        autocorrelation(x, best),
        autocorrelation(x, best + 1),
    );
    best as f64 + 0.5 * (a - c) / (a - 2.0 * b + c)
}

/// The fundamental frequency of `x` between `low` and `high` Hz: the autocorrelation's
/// period, then measured again over ten periods for a tenth of the error.
fn fundamental_hz(x: &[f64], sample_rate: u32, low: f64, high: f64) -> f64 {
    let rate = f64::from(sample_rate);
    let period = peak_lag(x, (rate / high) as usize..=(rate / low) as usize + 1);
    let ten = (10.0 * period).round() as usize;
    10.0 * rate / peak_lag(x, ten - 5..=ten + 5)
}

#[test]
fn a4_on_the_acoustic_grand_piano_measures_440_hz() {
    let Some(font) = font() else { return };
    let m = melody(&[(Some(69), q(4, 1))]);
    let r = synth::try_render(&m, &config(font.clone(), 0)).unwrap();
    let x = left(&r);
    // One second from 0.3 s in: past the hammer's attack, while the string still rings.
    let steady = &x[13_230..57_330];
    let f = fundamental_hz(steady, r.sample_rate, 300.0, 600.0);
    println!("TimGM6mb program 0, A4: {f:.3} Hz");
    assert!((f - 440.0).abs() <= 1.0, "{f:.3} Hz");
    // Other programs and octaves land on their keys too, within 5 cents: TimGM6mb's own
    // samples are tuned only that closely (A3 on its piano is 4 cents sharp).
    for (program, midi, expected) in [(40_u8, 69_u8, 440.0), (73, 81, 880.0), (0, 57, 220.0)] {
        let m = melody(&[(Some(midi), q(4, 1))]);
        let r = synth::try_render(&m, &config(font.clone(), program)).unwrap();
        let x = left(&r);
        let f = fundamental_hz(
            &x[13_230..57_330],
            r.sample_rate,
            expected * 0.7,
            expected * 1.4,
        );
        let cents = 1200.0 * (f / expected).log2();
        println!("program {program}, MIDI {midi}: {f:.3} Hz ({cents:+.1} cents)");
        assert!(cents.abs() <= 5.0, "program {program}: {f:.3} Hz");
    }
}

#[test]
fn rendering_is_deterministic_and_a_fresh_load_renders_the_same() {
    let Some(font) = font() else { return };
    let m = melody(&[
        (Some(60), q(1, 2)),
        (Some(64), q(1, 2)),
        (Some(64), q(1, 4)),
        (None, q(1, 4)),
        (Some(67), q(3, 2)),
    ]);
    let a = synth::try_render(&m, &config(font.clone(), 0)).unwrap();
    let b = synth::try_render(&m, &config(font, 0)).unwrap();
    let reloaded = Arc::new(SoundFont::load(Path::new(common::TIMGM6MB)).unwrap());
    let c = synth::try_render(&m, &config(reloaded, 0)).unwrap();
    let bytes = |r: &Rendered| synth::wav_bytes(r, synth::WavFormat::Float32).unwrap();
    assert_eq!(bytes(&a), bytes(&b));
    assert_eq!(bytes(&a), bytes(&c));
    // The same spans as the built-in synth, a release tail of at most two seconds, and
    // real sound within the range.
    let builtin = synth::render(
        &m,
        &RenderConfig {
            bpm: Some(120.0),
            ..Default::default()
        },
    );
    assert_eq!(a.note_spans, builtin.note_spans);
    assert_eq!((a.sample_rate, a.channels), (44_100, 2));
    let end = a.note_spans.last().unwrap().1;
    assert!(
        a.frames() > end && a.frames() <= end + 88_200,
        "{}",
        a.frames()
    );
    let peak = a.samples.iter().fold(0.0_f32, |p, s| p.max(s.abs()));
    assert!(
        peak > 0.05 && peak <= synth::NORMALIZE_PEAK + 1e-6,
        "{peak}"
    );
}

#[test]
fn programs_sound_different_and_the_presets_are_listed() {
    let Some(font) = font() else { return };
    assert!(!font.name().is_empty());
    for program in GmProgram::all() {
        assert!(font.preset(program).is_some(), "TimGM6mb lacks {program}");
    }
    assert!(font.presets().iter().any(|p| p.bank == 128), "no drum kit");
    let m = melody(&[(Some(67), q(2, 1))]);
    let piano = synth::try_render(&m, &config(font.clone(), 0)).unwrap();
    let violin = synth::try_render(&m, &config(font, 40)).unwrap();
    assert_ne!(piano.samples, violin.samples);
}

#[test]
fn a_metronome_clicks_under_a_soundfont_voice() {
    let Some(font) = font() else { return };
    let mut m = melody(&[(None, q(4, 1)), (Some(72), q(1, 1))]);
    m.meter = lstmuse::Meter::new(4, 4);
    let mut c = config(font, 0);
    c.metronome = true;
    let r = synth::try_render(&m, &c).unwrap();
    // The first bar is a rest: only the clicks sound in it, on each beat.
    let beat = r.frame_at_quarter(1.0);
    let energy = |from: usize| -> f32 {
        r.samples[2 * from..2 * (from + 400)]
            .iter()
            .map(|s| s.abs())
            .sum()
    };
    assert!(energy(beat) > 1.0);
    assert_eq!(energy(beat + beat / 2), 0.0);
}

/// The first `len` bytes of TimGM6mb, written to `dir`.
fn truncated_copy(dir: &Path, len: usize) -> PathBuf {
    let bytes = std::fs::read(common::TIMGM6MB).unwrap();
    let path = dir.join(format!("cut-{len}.sf2"));
    std::fs::write(&path, &bytes[..len.min(bytes.len())]).unwrap();
    path
}

#[test]
fn a_truncated_soundfont_is_an_error_naming_the_file() {
    if common::timgm6mb().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::metadata(common::TIMGM6MB).unwrap().len() as usize;
    for len in [full - 1, full / 2, 4_096, 100, 11, 0] {
        let path = truncated_copy(dir.path(), len);
        let e = SoundFont::load(&path).unwrap_err().to_string();
        assert!(e.contains(&path.display().to_string()), "{len}: {e}");
        assert!(e.contains("SoundFont"), "{len}: {e}");
        if len >= 12 {
            assert!(e.contains("truncated"), "{len}: {e}");
        }
    }
}

#[test]
fn garbage_and_missing_files_are_errors_naming_the_file() {
    let garbage = fixture("soundfont/not-a-soundfont.sf2");
    let e = SoundFont::load(&garbage).unwrap_err().to_string();
    assert!(
        e.contains("not-a-soundfont.sf2") && e.contains("RIFF"),
        "{e}"
    );
    let e = SoundFont::load(Path::new("/nonexistent/font.sf2"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/font.sf2"), "{e}");
}

#[test]
fn a_font_over_the_size_limit_is_refused_and_progress_reaches_one() {
    let Some(path) = common::timgm6mb() else {
        return;
    };
    let small = Limits {
        max_soundfont_bytes: 1_000_000,
        ..Limits::DEFAULT
    };
    let e = SoundFont::load_with_progress(&path, &small, |_| {}).unwrap_err();
    assert!(matches!(e, lstmuse::Error::Limit { .. }), "{e}");
    assert!(e.to_string().contains("TimGM6mb.sf2"), "{e}");
    let mut seen = Vec::new();
    SoundFont::load_with_progress(&path, &Limits::DEFAULT, |f| seen.push(f)).unwrap();
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1.0));
}

/// A tiny xorshift, for reproducible corruption.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn corrupted_preset_tables_never_panic() {
    let Some(path) = common::timgm6mb() else {
        return;
    };
    let original = std::fs::read(&path).unwrap();
    let pdta = original.windows(4).rposition(|w| w == b"pdta").unwrap();
    let m = melody(&[
        (Some(60), q(1, 4)),
        (Some(72), q(1, 4)),
        (Some(40), q(1, 4)),
    ]);
    let name = Path::new("corrupt.sf2");
    let (mut state, mut loaded, mut refused) = (0x9E37_79B9_7F4A_7C15_u64, 0, 0);
    for _ in 0..150 {
        let mut bytes = original.clone();
        for _ in 0..1 + next(&mut state) % 8 {
            let at = pdta + (next(&mut state) as usize) % (bytes.len() - pdta);
            bytes[at] = next(&mut state) as u8;
        }
        match SoundFont::from_bytes(&bytes, name) {
            Ok(font) => {
                loaded += 1;
                let program = (next(&mut state) % 128) as u8;
                if let Err(e) = synth::try_render(&m, &config(Arc::new(font), program)) {
                    assert!(e.to_string().contains("corrupt.sf2"), "{e}");
                }
            }
            Err(e) => {
                refused += 1;
                assert!(e.to_string().contains("corrupt.sf2"), "{e}");
            }
        }
    }
    println!("corrupted fonts: {loaded} loaded, {refused} refused");
}

#[test]
fn cli_renders_with_a_soundfont_program() {
    let Some(path) = common::timgm6mb() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("violin.wav");
    let input = fixture("kern/kuckuck.krn");
    let o = lstmuse(&[
        "render",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--soundfont",
        path.to_str().unwrap(),
        "--program",
        "40",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("40 Violin"), "{stderr}");
    let reader = hound::WavReader::open(&out).unwrap();
    assert_eq!(reader.spec().channels, 2);
    assert!(reader.duration() > 44_100);
    // The same path as the library: byte for byte.
    let melody = lstmuse::formats::read_melody(&input, &Default::default()).unwrap();
    let c = RenderConfig {
        soundfont: Some(SoundFontVoice::new(
            font().unwrap(),
            GmProgram::new(40).unwrap(),
        )),
        ..RenderConfig::default()
    };
    let expected = synth::wav_bytes(
        &synth::try_render(&melody, &c).unwrap(),
        synth::WavFormat::Pcm16,
    );
    assert_eq!(std::fs::read(&out).unwrap(), expected.unwrap());
}

#[test]
fn cli_refuses_a_bad_program_and_a_bad_soundfont() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let input = fixture("kern/kuckuck.krn");
    let garbage = fixture("soundfont/not-a-soundfont.sf2");
    let base = [
        "render",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--soundfont",
        garbage.to_str().unwrap(),
    ];
    for bad in ["128", "-1", "1000", "piano", "NaN"] {
        let arg = format!("--program={bad}");
        let mut args = base.to_vec();
        args.push(&arg);
        let o = lstmuse(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--program"), "{bad}: {stderr}");
    }
    // --program alone is a usage error too: it needs a SoundFont.
    let o = lstmuse(&[
        "render",
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--program",
        "3",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A font that is not one fails once, naming it, and writes nothing.
    let o = lstmuse(&base);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not-a-soundfont.sf2"), "{stderr}");
    assert_eq!(stderr.matches("not-a-soundfont.sf2").count(), 1, "{stderr}");
    assert!(!out.exists());
}
