//! The built-in synth, WAV export, `lstmuse render`, and (feature `audio`) the player, all offline.

use crate::common::{melody, q};
use lstmuse::music::Pitch;
use lstmuse::synth::{self, RenderConfig, Rendered, Voice};
use std::process::Command;

fn config(voice: Voice) -> RenderConfig {
    RenderConfig {
        voice,
        bpm: Some(120.0),
        ..RenderConfig::default()
    }
}

/// The left channel.
fn left(r: &Rendered) -> Vec<f32> {
    r.samples.iter().step_by(2).copied().collect()
}

/// Magnitude of a Hann-windowed DFT of `x` at one frequency.
fn dft_magnitude(x: &[f32], freq_hz: f64, sample_rate: u32) -> f64 {
    let n = x.len() as f64;
    let w = std::f64::consts::TAU * freq_hz / f64::from(sample_rate);
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &s) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let v = f64::from(s) * hann;
        re += v * (w * i as f64).cos();
        im -= v * (w * i as f64).sin();
    }
    (re * re + im * im).sqrt()
}

/// The strongest frequency between `low` and `high` Hz: a 1 Hz scan, then a 0.05 Hz one.
fn peak_frequency(x: &[f32], sample_rate: u32, low: f64, high: f64) -> f64 {
    let scan = |from: f64, to: f64, step: f64| {
        let mut best = (from, 0.0);
        let mut f = from;
        while f <= to {
            let m = dft_magnitude(x, f, sample_rate);
            if m > best.1 {
                best = (f, m);
            }
            f += step;
        }
        best.0
    };
    let coarse = scan(low, high, 1.0);
    scan(coarse - 1.0, coarse + 1.0, 0.05)
}

#[test]
fn length_is_the_melody_at_the_tempo_plus_a_short_tail() {
    let m = melody(&[
        (Some(60), q(1, 1)),
        (Some(64), q(1, 2)),
        (None, q(1, 2)),
        (Some(67), q(2, 1)),
    ]);
    for voice in Voice::ALL {
        let r = synth::render(&m, &config(voice));
        // Four quarters at 120 bpm: two seconds.
        assert!(r.frames() >= 88_200, "{voice}: {}", r.frames());
        assert!(r.frames() <= 88_200 + 1_323, "{voice}: {}", r.frames());
        assert_eq!(r.samples.len(), 2 * r.frames());
        assert_eq!((r.sample_rate, r.channels), (44_100, 2));
        assert_eq!(
            r.note_spans,
            vec![
                (0, 22_050),
                (22_050, 33_075),
                (33_075, 44_100),
                (44_100, 88_200)
            ]
        );
    }
    // The melody's own tempo is used when the config has none.
    let mut slow = m.clone();
    slow.tempo_qpm = Some(60.0);
    let r = synth::render(&slow, &RenderConfig::default());
    assert!(r.frames() >= 176_400 && r.frames() <= 176_400 + 1_323);
}

#[test]
fn a4_sounds_at_440_hz() {
    let m = melody(&[(Some(69), q(4, 1))]);
    for (voice, tolerance_hz) in [
        (Voice::Flute, 1.0),
        (Voice::EPiano, 1.0),
        (Voice::Pluck, 3.0),
    ] {
        let r = synth::render(&m, &config(voice));
        let x = left(&r);
        // One second from 0.2 s in: past the attack.
        let f = peak_frequency(&x[8_820..52_920], r.sample_rate, 400.0, 480.0);
        assert!((f - 440.0).abs() <= tolerance_hz, "{voice}: {f:.2} Hz");
    }
}

#[test]
fn other_pitches_are_in_tune_too() {
    for midi in [48_u8, 60, 76, 84] {
        let m = melody(&[(Some(midi), q(4, 1))]);
        let expected = Pitch(midi).frequency_hz();
        for voice in Voice::ALL {
            let r = synth::render(&m, &config(voice));
            let x = left(&r);
            let f = peak_frequency(
                &x[8_820..52_920],
                r.sample_rate,
                expected - 20.0,
                expected + 20.0,
            );
            // Within 5 cents.
            let cents = 1200.0 * (f / expected).log2();
            assert!(
                cents.abs() < 5.0,
                "{voice} MIDI {midi}: {f:.2} Hz, {cents:.1} cents"
            );
        }
    }
}

/// Largest sample-to-sample step near event boundaries and elsewhere.
fn boundary_and_inside_steps(r: &Rendered) -> (f32, f32) {
    let x = left(r);
    let steps: Vec<f32> = x.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mut near = vec![false; steps.len()];
    let release_end = (r.sample_rate as f32 * 0.03) as usize;
    for &(start, end) in &r.note_spans {
        for b in [start, end, end + release_end] {
            let (from, to) = (b.saturating_sub(3), (b + 3).min(steps.len()));
            if from < to {
                near[from..to].fill(true);
            }
        }
    }
    let mut boundary = 0.0_f32;
    let mut inside = 0.0_f32;
    for (s, n) in steps.iter().zip(&near) {
        if *n {
            boundary = boundary.max(*s);
        } else {
            inside = inside.max(*s);
        }
    }
    (boundary, inside)
}

#[test]
fn note_boundaries_do_not_click() {
    // Repeated notes, legato steps, leaps, a rest, short and long notes.
    let m = melody(&[
        (Some(72), q(1, 2)),
        (Some(72), q(1, 2)),
        (Some(72), q(1, 4)),
        (Some(72), q(1, 4)),
        (Some(74), q(1, 4)),
        (Some(76), q(1, 4)),
        (Some(79), q(1, 4)),
        (Some(60), q(1, 4)),
        (Some(84), q(1, 2)),
        (None, q(1, 1)),
        (Some(67), q(1, 8)),
        (Some(69), q(1, 8)),
        (Some(71), q(3, 4)),
        (Some(71), q(1, 1)),
    ]);
    for voice in Voice::ALL {
        let r = synth::render(&m, &config(voice));
        let (boundary, inside) = boundary_and_inside_steps(&r);
        assert!(inside > 0.0, "{voice}");
        assert!(
            boundary <= 1.1 * inside,
            "{voice}: step {boundary:.4} at a boundary, {inside:.4} inside notes"
        );
        assert_locally_smooth(&r, voice);
    }
}

/// At every onset and note end, the step is no larger than the signal's own steps just
/// before it (plus a little for the new note's first ramp sample).
fn assert_locally_smooth(r: &Rendered, voice: Voice) {
    let x = left(r);
    let peak = x.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
    let step = |i: usize| (x[i + 1] - x[i]).abs();
    for &(start, end) in &r.note_spans {
        for b in [start, end] {
            if b < 200 || b + 2 >= x.len() {
                continue;
            }
            let at = (b - 1..=b + 1).map(step).fold(0.0_f32, f32::max);
            let before = (b - 150..b - 4).map(step).fold(0.0_f32, f32::max);
            assert!(
                at <= 2.0 * before + 0.03 * peak,
                "{voice}: step {at:.4} at frame {b}, {before:.4} just before"
            );
        }
    }
}

#[test]
fn single_notes_start_near_zero_and_end_at_exactly_zero() {
    let m = melody(&[(None, q(1, 1)), (Some(69), q(1, 1)), (None, q(2, 1))]);
    for voice in Voice::ALL {
        let r = synth::render(&m, &config(voice));
        let x = left(&r);
        let (start, end) = r.note_spans[1];
        let peak = x.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
        assert!(
            x[start].abs() < 0.02 * peak,
            "{voice}: first sample {}",
            x[start]
        );
        assert!(x[..start].iter().all(|&s| s == 0.0), "{voice}");
        // The release rings at most 30 ms past the note's end, then silence.
        let tail_end = end + 1_323;
        assert!(x[tail_end..].iter().all(|&s| s == 0.0), "{voice}");
        assert!(x[end + 10].abs() > 0.0, "{voice}: the release rings on");
    }
}

#[test]
fn a_rest_is_silent_in_its_middle() {
    let m = melody(&[(Some(60), q(1, 1)), (None, q(2, 1)), (Some(60), q(1, 1))]);
    for voice in Voice::ALL {
        let r = synth::render(&m, &config(voice));
        let x = left(&r);
        let middle = r.frame_at_quarter(2.0);
        assert_eq!(x[middle], 0.0, "{voice}");
        let (rest_start, rest_end) = r.note_spans[1];
        assert!(
            x[rest_start + 1_400..rest_end].iter().all(|&s| s == 0.0),
            "{voice}"
        );
    }
}

#[test]
fn output_stays_within_range_and_is_not_silent() {
    let m = melody(&[
        (Some(36), q(1, 1)),
        (Some(96), q(1, 1)),
        (Some(60), q(1, 4)),
        (Some(62), q(1, 4)),
    ]);
    for voice in Voice::ALL {
        for volume in [0.0_f32, 0.8, 1.0] {
            let mut c = config(voice);
            c.volume = volume;
            c.metronome = true;
            let r = synth::render(&m, &c);
            let peak = r.samples.iter().fold(0.0_f32, |m, s| m.max(s.abs()));
            assert!(peak <= synth::NORMALIZE_PEAK + 1e-6, "{voice}: {peak}");
            assert!(r.samples.iter().all(|s| s.is_finite()));
            if volume == 0.0 {
                assert_eq!(peak, 0.0);
            } else {
                assert!(peak > 0.1, "{voice}: {peak}");
            }
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    let m = melody(&[
        (Some(62), q(1, 2)),
        (Some(66), q(1, 4)),
        (Some(69), q(1, 4)),
        (None, q(1, 2)),
        (Some(74), q(3, 2)),
    ]);
    let dir = tempfile::tempdir().unwrap();
    for voice in Voice::ALL {
        let mut c = config(voice);
        c.metronome = true;
        let a = synth::render(&m, &c);
        let b = synth::render(&m, &c);
        let bits = |r: &Rendered| r.samples.iter().map(|s| s.to_bits()).collect::<Vec<u32>>();
        assert_eq!(bits(&a), bits(&b), "{voice}");
        let pa = dir.path().join(format!("{voice}-a.wav"));
        let pb = dir.path().join(format!("{voice}-b.wav"));
        synth::write_wav(&a, &pa).unwrap();
        synth::write_wav(&b, &pb).unwrap();
        assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
    }
}

#[test]
fn wav_files_read_back_with_their_rate_channels_and_length() {
    let m = melody(&[(Some(60), q(1, 1)), (Some(67), q(1, 2))]);
    let dir = tempfile::tempdir().unwrap();
    for (rate, format) in [
        (44_100, synth::WavFormat::Pcm16),
        (22_050, synth::WavFormat::Float32),
    ] {
        let mut c = config(Voice::EPiano);
        c.sample_rate = rate;
        let r = synth::render(&m, &c);
        let path = dir.path().join(format!("out-{rate}.wav"));
        synth::write_wav_as(&r, &path, format).unwrap();
        let reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!(spec.sample_rate, rate);
        assert_eq!(spec.channels, 2);
        assert_eq!(reader.duration() as usize, r.frames());
        assert_eq!(reader.len() as usize, r.samples.len());
    }
    // No temporary files are left beside the output.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn pcm_samples_match_the_rendering() {
    let m = melody(&[(Some(69), q(1, 1))]);
    let r = synth::render(&m, &config(Voice::Flute));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.wav");
    synth::write_wav(&r, &path).unwrap();
    let mut reader = hound::WavReader::open(&path).unwrap();
    let read: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    for (i, (&a, &b)) in r.samples.iter().zip(&read).enumerate().step_by(97) {
        assert!(
            (a * 32767.0 - f32::from(b)).abs() <= 0.5 + 1e-3,
            "sample {i}"
        );
    }
}

const KERN: &str = "**kern\n*M4/4\n*C:\n4c\n4e\n4g\n4r\n2cc\n*-\n";

#[test]
fn cli_renders_a_kern_file_to_wav() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tune.krn");
    std::fs::write(&input, KERN).unwrap();
    for voice in ["flute", "pluck", "epiano"] {
        let output = dir.path().join(format!("tune-{voice}.wav"));
        let out = Command::new(env!("CARGO_BIN_EXE_lstmuse"))
            .arg("render")
            .arg(&input)
            .arg(&output)
            .args(["--voice", voice, "--bpm", "100"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reader = hound::WavReader::open(&output).unwrap();
        // Six quarters at 100 bpm: 3.6 s.
        let frames = reader.duration() as usize;
        assert!((158_760..158_760 + 1_400).contains(&frames), "{frames}");
    }
}

#[test]
fn cli_rejects_an_unknown_voice_and_a_non_wav_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tune.krn");
    std::fs::write(&input, KERN).unwrap();
    let run = |output: &str, voice: &str| {
        Command::new(env!("CARGO_BIN_EXE_lstmuse"))
            .arg("render")
            .arg(&input)
            .arg(dir.path().join(output))
            .args(["--voice", voice])
            .output()
            .unwrap()
    };
    let out = run("x.wav", "tuba");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("'tuba'"), "{stderr}");
    assert!(stderr.contains("flute, pluck, epiano"), "{stderr}");
    assert!(!dir.path().join("x.wav").exists());

    let out = run("x.mp3", "flute");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".wav"), "{stderr}");
    assert!(!dir.path().join("x.mp3").exists());
}

#[cfg(feature = "audio")]
#[test]
fn player_opens_or_says_there_is_no_device() {
    use lstmuse::gui::player::{Player, PlayerError};
    let started = std::time::Instant::now();
    match Player::open() {
        Err(e) => {
            assert!(matches!(e, PlayerError::NoDevice(_)), "{e:?}");
            assert!(e.to_string().starts_with("no audio device"), "{e}");
        }
        Ok(mut player) => {
            let r = synth::render(
                &melody(&[(Some(69), q(1, 2)), (Some(72), q(1, 2))]),
                &config(Voice::Pluck),
            );
            player.play(&r, None).unwrap();
            assert!(player.position_frame().is_none_or(|f| f <= r.frames()));
            player.stop();
            assert!(!player.is_playing());
            assert_eq!(player.position_frame(), None);
            player.play(&r, Some((1_000, 20_000))).unwrap();
            assert!(player.is_playing());
            let f = player.position_frame().unwrap_or(1_000);
            assert!((1_000..20_000).contains(&f), "{f}");
            assert!(player.play(&r, Some((5, 5))).is_err());
            player.stop();
            assert!(!player.is_playing());
        }
    }
    assert!(started.elapsed().as_secs() < 10);
}

/// Set in the child process that has the null ALSA device.
#[cfg(all(feature = "audio", target_os = "linux"))]
const NULL_AUDIO_MARKER: &str = "LSTMUSE_TEST_NULL_AUDIO";

/// Runs [`null_device_playback`] in a child process whose `HOME` holds an `.asoundrc`
/// that makes ALSA's default device a null sink, so the playing path is tested on
/// machines without a sound card too.
#[cfg(all(feature = "audio", target_os = "linux"))]
#[test]
fn player_plays_loops_and_stops_on_a_null_alsa_device() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default {\n  type null\n}\n",
    )
    .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "synth::null_device_playback",
            "--nocapture",
        ])
        .env("HOME", home.path())
        .env(NULL_AUDIO_MARKER, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Plays on the null device set up by the test above (ignored when run directly).
#[cfg(all(feature = "audio", target_os = "linux"))]
#[test]
#[ignore = "run by player_plays_loops_and_stops_on_a_null_alsa_device with HOME set"]
fn null_device_playback() {
    use lstmuse::gui::player::Player;
    use std::time::Duration;
    if std::env::var_os(NULL_AUDIO_MARKER).is_none() {
        eprintln!("skipped: runs only inside player_plays_loops_and_stops_on_a_null_alsa_device");
        return;
    }
    let r = synth::render(
        &melody(&[
            (Some(60), q(2, 1)),
            (Some(64), q(2, 1)),
            (Some(67), q(2, 1)),
        ]),
        &config(Voice::Flute),
    );
    let mut player = Player::open().unwrap();
    player.play(&r, None).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(player.is_playing());
    let frame = player.position_frame().unwrap();
    assert!(frame > 0 && frame < r.frames(), "{frame}");
    let secs = player.position_secs().unwrap();
    assert!(secs > 0.0 && secs < 2.0, "{secs}");
    player.stop();
    assert!(!player.is_playing());
    assert_eq!(player.position_frame(), None);

    let (start, end) = (44_100, 66_150);
    player.play(&r, Some((start, end))).unwrap();
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        assert!(player.is_playing());
        let frame = player.position_frame().unwrap();
        assert!((start..end).contains(&frame), "{frame}");
    }
    player.play_from(&r, r.frames() / 2).unwrap();
    assert!(player.is_playing());
    player.stop();
    assert!(!player.is_playing());
}
