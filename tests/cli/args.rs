//! Hostile command lines: NaN, infinities, out-of-range values and huge lengths are usage
//! errors that clap reports (exit status 2, naming the flag) before any work starts, and an
//! error is printed once.

use crate::common;
use crate::common::lstmuse;

use std::path::Path;

/// Runs `base` plus `flag value` (as `--flag=value`, so `-inf` is a value) and checks that
/// clap refused it, naming the flag, and that `out` was not written.
fn assert_refused(base: &[&str], flag: &str, value: &str, out: &Path) {
    let arg = format!("{flag}={value}");
    let mut args = base.to_vec();
    args.push(&arg);
    let o = lstmuse(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{flag}={value}: {stderr}");
    assert!(stderr.contains(flag), "{flag}={value}: {stderr}");
    assert!(!out.exists(), "{flag}={value} wrote {}", out.display());
}

const HUGE: [&str; 3] = [
    "10000000000",
    "18446744073709551615",
    "18446744073709551616",
];

#[test]
fn sampler_options_must_be_finite_and_in_range() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mid");
    let base = ["generate", "--out", out.to_str().unwrap()];
    let not_numbers = ["NaN", "nan", "inf", "-inf", "infinity"];
    let cases: [(&str, &[&str]); 4] = [
        ("--temperature", &["-0.5", "1e30"]),
        ("--hold-bias", &["1e9", "-1e9"]),
        ("--rest-penalty", &["1e9"]),
        ("--top-p", &["0", "1.5", "-1"]),
    ];
    for (flag, bad) in cases {
        for value in not_numbers.iter().chain(bad) {
            assert_refused(&base, flag, value, &out);
        }
    }
    for value in ["0", "65"] {
        assert_refused(&base, "--variations", value, &out);
    }
    for value in ["80-60", "0-128", "60"] {
        assert_refused(&base, "--range", value, &out);
    }
    assert_refused(&base, "--scale", "Ga\u{20ac}", &out);
    assert_refused(
        &base,
        "--fill-bars",
        "18446744073709551615-18446744073709551615",
        &out,
    );
}

#[test]
fn huge_lengths_are_refused_through_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mid");
    let base = ["generate", "--out", out.to_str().unwrap()];
    let too_many_steps = (lstmuse::limits::Limits::DEFAULT.max_steps + 1).to_string();
    for value in HUGE.iter().chain(&["0", too_many_steps.as_str()]) {
        assert_refused(&base, "--steps", value, &out);
        assert_refused(&base, "--bars", value, &out);
    }
    let corpus = common::fixture("kern");
    let eval = ["eval", "--corpus", corpus.to_str().unwrap()];
    for value in HUGE.iter().chain(&["0"]) {
        assert_refused(&eval, "--generate", value, &out);
        assert_refused(&eval, "--infill", value, &out);
        assert_refused(&eval, "--steps", value, &out);
    }
}

#[test]
fn render_and_train_options_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let song = dir.path().join("a.krn");
    std::fs::write(&song, "**kern\n*M2/4\n4c\n4d\n*-\n").unwrap();
    let render = ["render", song.to_str().unwrap(), out.to_str().unwrap()];
    for value in ["NaN", "inf", "0", "-120", "1e9"] {
        assert_refused(&render, "--bpm", value, &out);
    }
    let model = dir.path().join("m");
    let corpus = common::fixture("kern");
    let train = [
        "train",
        "--corpus",
        corpus.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ];
    let cases: [(&str, &[&str]); 8] = [
        ("--hidden", &["0", "1000000000"]),
        ("--layers", &["0", "1000"]),
        ("--embedding", &["100000000"]),
        ("--dropout", &["1", "-0.5", "NaN"]),
        ("--lr", &["0", "NaN", "inf"]),
        ("--weight-decay", &["-1", "NaN"]),
        ("--valid-split", &["1", "NaN"]),
        ("--epochs", &["0", HUGE[1]]),
    ];
    for (flag, bad) in cases {
        for value in bad {
            assert_refused(&train, flag, value, &model);
        }
    }
}

#[test]
fn negative_biases_and_a_zero_temperature_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.krn");
    let o = lstmuse(&[
        "generate",
        "--out",
        out.to_str().unwrap(),
        "--steps",
        "32",
        "--temperature",
        "0",
        "--rest-penalty",
        "-1",
        "--hold-bias=-0.5",
        "--range",
        "55-79",
        "--scale",
        "Em",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.is_file());
}

#[test]
fn a_failed_training_run_is_reported_once() {
    // `--resume` with no checkpoint: the error used to come as an event (printed by the
    // progress display) and as the result (printed by main).
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::fixture("kern");
    let model = dir.path().join("m");
    let o = lstmuse(&[
        "train",
        "--corpus",
        corpus.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--hidden",
        "8",
        "--backend",
        "cpu",
        "--resume",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("checkpoint.json").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
}

/// `render` of a 29-byte ABC whose one note lasts for days: the limit error names the file
/// and the limit, and no WAV is written (it asked for 4.3 GB before).
#[test]
fn render_refuses_audio_over_the_frame_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long.wav");
    let input = common::fixture("hostile/long_render.abc");
    let o = lstmuse(&["render", input.to_str().unwrap(), out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("audio frames in a render"), "{stderr}");
    assert!(stderr.contains("long_render.abc"), "{stderr}");
    assert!(!out.exists());
}
