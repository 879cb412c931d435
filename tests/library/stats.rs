//! Melody statistics (`lstmuse::eval::melody_stats`) against hand-computed values, and
//! `lstmuse eval --generate` end to end on a tiny model trained here.

use crate::common;
use crate::common::{lstmuse, melody, q};
use lstmuse::corpus;
use lstmuse::corpus::TrainingData;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::eval::melody_stats::{
    Comparison, EPSILON, SetDistributions, compare, features, kl_divergence,
};
use lstmuse::formats::read_melody;
use lstmuse::model::MelodyLstmConfig;
use lstmuse::model::backend::BackendChoice;
use lstmuse::model::{TrainOptions, TrainingConfig, train};
use lstmuse::{Melody, Meter};
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert!(close($a, $b), "{} = {} ≠ {}", stringify!($a), $a, $b)
    };
}

/// C D E F G in quarters, then a quarter rest, in 4/4.
fn scale_with_rest() -> Melody {
    Melody {
        meter: Meter::new(4, 4),
        ..melody(&[
            (Some(60), q(1, 1)),
            (Some(62), q(1, 1)),
            (Some(64), q(1, 1)),
            (Some(65), q(1, 1)),
            (Some(67), q(1, 1)),
            (None, q(1, 1)),
        ])
    }
}

fn fixture(name: &str) -> Melody {
    read_melody(&common::fixture("stats").join(name), &Default::default()).unwrap()
}

#[test]
fn scale_with_a_rest_by_hand() {
    let f = features(&scale_with_rest());
    // Five onsets, one on each of C D E F G: 1/5 each.
    let mut pc = [0.0; 12];
    for i in [0, 2, 4, 5, 7] {
        pc[i] = 0.2;
    }
    assert_eq!(f.pitch_class, pc);
    assert_eq!(f.notes, 5);
    // 67 − 60.
    assert_eq!(f.pitch_range, Some(7));
    // Intervals [2, 2, 1, 2]: |·| sums to 7 over 4 intervals.
    assert_eq!(f.mean_abs_interval, Some(1.75));
    // Interval bins are interval + 12: +2 three times, +1 once.
    assert_eq!(f.interval[14], 0.75);
    assert_eq!(f.interval[13], 0.25);
    assert_close!(f.interval.iter().sum::<f64>(), 1.0);
    // Every note is 4 sixteenths: bin 3. The rest is not counted.
    assert_eq!(f.note_length[3], 1.0);
    assert_close!(f.note_length.iter().sum::<f64>(), 1.0);
    // One quarter of rest in six quarters.
    assert_close!(f.rest_fraction.unwrap(), 1.0 / 6.0);
    // Six quarters are 1.5 bars of 4/4: 5 / 1.5 = 10/3 notes per bar.
    assert_close!(f.notes_per_bar.unwrap(), 10.0 / 3.0);
    // No meter counts as 4/4.
    let mut free = scale_with_rest();
    free.meter = None;
    assert_close!(features(&free).notes_per_bar.unwrap(), 10.0 / 3.0);
}

#[test]
fn dotted_waltz_fixture_by_hand() {
    // 3/4: 4.c 8e 4g | 2cc 4r — MIDI 60 64 67 72, lengths 6 2 4 8 sixteenths.
    let f = features(&fixture("dotted_waltz.krn"));
    assert_eq!(f.notes, 4);
    // C twice (c, cc), E once, G once.
    assert_eq!(
        (f.pitch_class[0], f.pitch_class[4], f.pitch_class[7]),
        (0.5, 0.25, 0.25)
    );
    assert_eq!(f.pitch_range, Some(12));
    // Intervals +4 +3 +5: mean 12/3 = 4; bins 16, 15, 17 a third each.
    assert_eq!(f.mean_abs_interval, Some(4.0));
    for bin in [15, 16, 17] {
        assert_close!(f.interval[bin], 1.0 / 3.0);
    }
    // Note lengths 6, 2, 4, 8 sixteenths: bins 5, 1, 3, 7.
    for bin in [1, 3, 5, 7] {
        assert_eq!(f.note_length[bin], 0.25);
    }
    // One quarter of rest in six; six quarters are two bars of 3/4: 4 / 2 = 2.
    assert_close!(f.rest_fraction.unwrap(), 1.0 / 6.0);
    assert_close!(f.notes_per_bar.unwrap(), 2.0);
}

#[test]
fn tied_minor_fixture_by_hand() {
    // 2/4: 8a 8a 8g 8e | [2a | 2a_ | 2a] | 4r 4r — the tie is one note of 6 quarters.
    let f = features(&fixture("tied_minor.krn"));
    assert_eq!(f.notes, 5);
    // A three times (69), G (67) and E (64) once.
    assert_close!(f.pitch_class[9], 0.6);
    assert_close!(f.pitch_class[7], 0.2);
    assert_close!(f.pitch_class[4], 0.2);
    assert_eq!(f.pitch_range, Some(5));
    // Intervals 0 −2 −3 +5: mean 10/4 = 2.5; bins 12, 10, 9, 17.
    assert_eq!(f.mean_abs_interval, Some(2.5));
    for bin in [9, 10, 12, 17] {
        assert_eq!(f.interval[bin], 0.25);
    }
    // Four eighths (2 sixteenths, bin 1) and one 24-sixteenth note ("other", bin 16).
    assert_close!(f.note_length[1], 0.8);
    assert_close!(f.note_length[16], 0.2);
    // Eighths 4 × 1/2 = 2 quarters, the tie 3 × 2 = 6, rests 2 × 1 = 2: 10 quarters,
    // 2 of them rest.
    assert_close!(f.rest_fraction.unwrap(), 0.2);
    // 10 quarters are 5 bars of 2/4: 5 / 5 = 1 note per bar.
    assert_close!(f.notes_per_bar.unwrap(), 1.0);
}

#[test]
fn set_distributions_and_comparison_by_hand() {
    let a = scale_with_rest();
    let b = fixture("dotted_waltz.krn");
    let d = SetDistributions::of(&[a.clone(), b.clone()]);
    // Mean of [C D E F G: .2 each] and [C .5, E .25, G .25].
    assert_close!(d.pitch_class[0], 0.35);
    assert_close!(d.pitch_class[2], 0.1);
    assert_close!(d.pitch_class[4], 0.225);
    assert_close!(d.pitch_class[5], 0.1);
    assert_close!(d.pitch_class[7], 0.225);
    // Ranges 7 and 12 in 2-semitone bins: [6,8) is bin 3, [12,14) bin 6.
    assert_eq!((d.pitch_range[3], d.pitch_range[6]), (0.5, 0.5));
    assert_close!(d.pitch_range_mean, 9.5);
    // Mean intervals 1.75 and 4 in 0.5 bins: bins 3 and 8.
    assert_eq!((d.mean_interval[3], d.mean_interval[8]), (0.5, 0.5));
    assert_close!(d.mean_abs_interval_mean, 2.875);
    // Notes per bar 10/3 and 2 in unit bins: bins 3 and 2.
    assert_eq!((d.notes_per_bar[2], d.notes_per_bar[3]), (0.5, 0.5));
    assert_close!(d.notes_per_bar_mean, 8.0 / 3.0);
    // Both rest fractions are 1/6, in [0.15, 0.2): bin 3.
    assert_eq!(d.rest_fraction[3], 1.0);
    assert_close!(d.rest_fraction_mean, 1.0 / 6.0);

    let c = compare(&[a], &[b]);
    // Pitch classes: min(.2,.5) + min(.2,.25) + min(.2,.25) = 0.6.
    assert_close!(c.pitch_class_overlap, 0.6);
    // KL(a ‖ b) ≈ .2 ln(.2/.5) + 2·.2 ln(.2/.25) + 2·.2 ln(.2/ε) (D and F are not in b).
    let expected = 0.2 * (0.4f64).ln() + 0.4 * (0.8f64).ln() + 0.4 * (0.2 / EPSILON).ln();
    assert!(
        (c.pitch_class_kl - expected).abs() < 1e-3,
        "{}",
        c.pitch_class_kl
    );
    // Intervals +1/+2 against +3/+4/+5: disjoint.
    assert_close!(c.interval_overlap, 0.0);
    // All quarters against a quarter of quarters.
    assert_close!(c.note_length_overlap, 0.25);
    assert_close!(c.pitch_range_overlap, 0.0);
    assert_close!(c.rest_fraction_overlap, 1.0);
    assert_close!(c.rest_fraction_kl, 0.0);
    assert_close!(c.pitch_range_generated, 7.0);
    assert_close!(c.pitch_range_corpus, 12.0);
    assert_close!(c.mean_abs_interval_generated, 1.75);
    assert_close!(c.mean_abs_interval_corpus, 4.0);
    assert_close!(c.notes_per_bar_generated, 10.0 / 3.0);
    assert_close!(c.notes_per_bar_corpus, 2.0);
    assert_eq!((c.generated, c.corpus), (1, 1));
}

fn every_overlap(c: &Comparison) -> Vec<(&'static str, f64, f64)> {
    c.rows()
        .into_iter()
        .map(|r| (r.feature, r.overlap, r.kl))
        .collect()
}

#[test]
fn identical_sets_overlap_fully() {
    let set = vec![
        scale_with_rest(),
        fixture("dotted_waltz.krn"),
        fixture("tied_minor.krn"),
    ];
    let c = compare(&set, &set);
    for (name, overlap, kl) in every_overlap(&c) {
        assert!((overlap - 1.0).abs() < 1e-12, "{name}: overlap {overlap}");
        assert!(kl.abs() < 1e-12, "{name}: kl {kl}");
    }
    assert_eq!((c.generated, c.corpus), (3, 3));
    assert_eq!(c.rest_fraction_generated, c.rest_fraction_corpus);
}

#[test]
fn disjoint_sets_do_not_overlap() {
    // Quarters C D C D, 4/4: classes C/D, intervals ±2, range 2, mean interval 2,
    // 4 notes per bar, no rests.
    let plain = melody(&[
        (Some(60), q(1, 1)),
        (Some(62), q(1, 1)),
        (Some(60), q(1, 1)),
        (Some(62), q(1, 1)),
    ]);
    // 16ths F#4 C#5 alternating with 16th rests: classes F#/C#, intervals ±7, range 7,
    // mean interval 7, 8 notes per bar, half rests.
    let mut busy = Vec::new();
    for i in 0..8 {
        busy.push((Some(if i % 2 == 0 { 66 } else { 73 }), q(1, 4)));
        busy.push((None, q(1, 4)));
    }
    let busy = melody(&busy);
    let c = compare(&[plain], &[busy]);
    let floor = (1.0 / EPSILON).ln() * 0.9;
    for (name, overlap, kl) in every_overlap(&c) {
        assert_eq!(overlap, 0.0, "{name}");
        assert!(kl > floor, "{name}: kl {kl}");
    }
    assert_close!(c.rest_fraction_corpus, 0.5);
    assert_close!(c.notes_per_bar_corpus, 8.0);
    // KL is not symmetric in general, but both directions are large here.
    assert!(kl_divergence(&[0.0, 1.0], &[1.0, 0.0]) > floor);
}

#[test]
fn comparison_serialises_to_flat_keys() {
    let c = compare(&[scale_with_rest()], &[fixture("dotted_waltz.krn")]);
    let v = serde_json::to_value(&c).unwrap();
    for key in KEYS {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

const KEYS: [&str; 19] = [
    "pitch_class_overlap",
    "pitch_class_kl",
    "interval_overlap",
    "interval_kl",
    "note_length_overlap",
    "note_length_kl",
    "pitch_range_overlap",
    "mean_interval_overlap",
    "notes_per_bar_overlap",
    "rest_fraction_generated",
    "rest_fraction_corpus",
    "pitch_range_generated",
    "pitch_range_corpus",
    "mean_abs_interval_generated",
    "mean_abs_interval_corpus",
    "notes_per_bar_generated",
    "notes_per_bar_corpus",
    "generated",
    "corpus",
];

fn train_tiny_model(dir: &Path) {
    let loaded = corpus::load(&common::fixture("kern")).unwrap();
    let encoded = corpus::encode(&loaded.melodies, &PreprocessConfig::default());
    let songs: Vec<_> = encoded.songs.into_iter().map(|s| s.symbols).collect();
    let data = TrainingData::from_songs(&songs, "tests/fixtures/kern");
    let config = TrainingConfig::new(MelodyLstmConfig::new(data.vocab.len()).with_hidden_size(24))
        .with_epochs(2)
        .with_batch_size(4)
        .with_seq_len(16)
        .with_learning_rate(1e-2)
        .with_patience(0)
        .with_valid_fraction(0.2);
    train(
        &config,
        &data,
        &TrainOptions::new(dir, BackendChoice::Cpu).unwrap(),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
}

#[test]
#[allow(clippy::too_many_lines)] // one end-to-end story, checked step by step
fn eval_generate_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    train_tiny_model(dir.path());
    let model = dir.path().to_str().unwrap();
    let kern = common::fixture("kern");
    let corpus = kern.to_str().unwrap();
    let kept = {
        let loaded = corpus::load(&kern).unwrap();
        corpus::encode(&loaded.melodies, &PreprocessConfig::default())
            .songs
            .len()
    };

    let o = lstmuse(&[
        "eval",
        "--model",
        model,
        "--corpus",
        corpus,
        "--generate",
        "5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in KEYS
        .iter()
        .chain(&["nll_per_step", "bits_per_note", "accuracy", "songs"])
    {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["generated"], 5);
    assert_eq!(v["corpus"], kept);
    assert_eq!(v["songs"], kept);
    let obj = v.as_object().unwrap();
    for (k, x) in obj {
        if k.ends_with("_overlap") {
            let x = x.as_f64().unwrap();
            assert!((0.0..=1.0 + 1e-9).contains(&x), "{k} = {x}");
        }
        if k.ends_with("_kl") {
            let x = x.as_f64().unwrap();
            assert!(x >= 0.0 && x.is_finite(), "{k} = {x}");
        }
    }
    let rest = v["rest_fraction_generated"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&rest), "{rest}");
    assert!(v["pitch_range_corpus"].as_f64().unwrap() > 0.0);
    assert!(v["notes_per_bar_corpus"].as_f64().unwrap() > 0.0);

    // The same seed gives the same figures; the sampler flags are accepted.
    let args = [
        "eval",
        "--model",
        model,
        "--corpus",
        corpus,
        "--generate",
        "3",
        "--json",
        "--seed",
        "7",
        "--temperature",
        "0.8",
        "--top-k",
        "5",
        "--bars",
        "2",
        "--primer-text",
        "60 _ 62 _ 64 _ _ _",
    ];
    let a = lstmuse(&args);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, lstmuse(&args).stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["generated"], 3);

    // The text report has the table; without --generate there are no statistics.
    let o = lstmuse(&[
        "eval",
        "--model",
        model,
        "--corpus",
        corpus,
        "--generate",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for row in [
        "nll_per_step",
        "pitch_class",
        "note_length",
        "rest_fraction",
    ] {
        assert!(text.contains(row), "{text}");
    }
    let o = lstmuse(&["eval", "--model", model, "--corpus", corpus, "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("nll_per_step").is_some() && v.get("pitch_class_overlap").is_none());

    // `generate` keeps its flags after the sampler options moved into a shared group.
    let out = dir.path().join("g.krn");
    let o = lstmuse(&[
        "generate",
        "--model",
        model,
        "--out",
        out.to_str().unwrap(),
        "--temperature",
        "0.5",
        "--rest-penalty",
        "1",
        "--hold-bias",
        "0.5",
        "--top-p",
        "0.9",
        "--seed",
        "3",
        "--steps",
        "16",
        "--variations",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("g-1.krn").exists() && dir.path().join("g-2.krn").exists());
    let o = lstmuse(&[
        "generate",
        "--model",
        model,
        "--out",
        "/tmp/x.krn",
        "--steps",
        "8",
        "--bars",
        "2",
    ]);
    assert!(!o.status.success(), "--steps and --bars conflict");
    let o = lstmuse(&[
        "eval",
        "--model",
        model,
        "--corpus",
        corpus,
        "--primer-text",
        "60 _",
    ]);
    assert!(!o.status.success(), "--primer-text needs --generate");
}
