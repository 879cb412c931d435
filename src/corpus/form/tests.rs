//! Each form measure on hand-made melodies with known answers.

use super::*;
use crate::corpus::encoding::{decode, parse_symbols};
use crate::music::Melody;
use crate::music::{Key, Meter, Ratio};

/// A melody in C major (or the given key) from the seed's text form, in `n/d`.
fn tune(text: &str, (n, d): (u32, u32), key: &str) -> Melody {
    let symbols = parse_symbols(&text.replace('|', " ")).unwrap_or_default();
    let mut m = decode(&symbols, Ratio::STEP);
    m.meter = Meter::new(n, d);
    m.key = Key::parse(key);
    m
}

fn profile(text: &str, meter: (u32, u32)) -> FormProfile {
    FormProfile::of(&tune(text, meter, "C"), None).unwrap_or_else(|| panic!("{text}"))
}

#[test]
fn cadences_are_long_strong_notes_on_1_2_5_or_7_at_phrase_ends() {
    // 2/4, phrases of 4 bars: bar 4 holds G (degree 5) for a half note, bar 8 ends on C.
    let good = "64 _ 62 _ 60 _ 62 _ | 64 _ 64 _ 64 _ _ _ | 62 _ 62 _ 62 _ _ _ | 67 _ _ _ _ _ _ _ | \
                64 _ 62 _ 60 _ 62 _ | 64 _ 64 _ 64 _ _ _ | 62 _ 62 _ 64 _ 62 _ | 60 _ _ _ _ _ _ _";
    let p = profile(good, (2, 4));
    let ends: Vec<_> = p
        .phrase_ends
        .iter()
        .map(|e| (e.bar, e.degree, e.structural))
        .collect();
    assert_eq!(ends, vec![(4, 5, true), (8, 1, true)]);
    // Bar 4 in running eighths ends on F (degree 4) after a short E on beat 2: not a cadence.
    let running = good.replacen("67 _ _ _ _ _ _ _", "67 _ 65 _ 64 _ 65 _", 1);
    let p = profile(&running, (2, 4));
    assert_eq!(p.phrase_ends[0].degree, 3, "E on the strong beat 2");
    assert!(
        !p.phrase_ends[0].structural,
        "an eighth is shorter than a beat"
    );
    // A short note followed by a rest counts: the rest lengthens it.
    let rested = good.replacen("67 _ _ _ _ _ _ _", "67 _ r _ 62 _ r _", 1);
    let p = profile(&rested, (2, 4));
    assert_eq!(
        (p.phrase_ends[0].degree, p.phrase_ends[0].structural),
        (2, true)
    );
    let stats = FormStats::of(&[profile(good, (2, 4)), profile(&running, (2, 4))]);
    assert_eq!(stats.phrase_end_cadence, 0.75);
}

#[test]
fn the_final_note_is_the_tonic_on_a_strong_beat() {
    assert!(profile("64 _ _ _ 62 _ _ _ | 60 _ _ _ _ _ _ _", (2, 4)).final_on_tonic);
    assert!(
        profile("64 _ _ _ 62 _ _ _ | 64 _ _ _ 60 _ _ _", (2, 4)).final_on_tonic,
        "beat 2 of 2/4 is strong"
    );
    assert!(
        !profile(
            "64 _ _ _ 62 _ _ _ 60 _ _ _ | 60 _ _ _ _ _ _ _ 60 _ _ _",
            (3, 4)
        )
        .final_on_tonic,
        "beat 3 of 3/4 is weak"
    );
    assert!(!profile("64 _ _ _ 62 _ _ _ | 64 _ _ _ _ _ _ _", (2, 4)).final_on_tonic);
    assert!(profile("64 _ _ _ 62 _ _ _ | 60 _ _ _ _ _ _ _", (2, 4)).final_on_downbeat);
    assert!(
        !profile("64 _ _ _ 62 _ _ _ | 64 _ _ _ 60 _ _ _", (2, 4)).final_on_downbeat,
        "a close on beat 2 is not on the downbeat"
    );
    // In A minor the tonic is A.
    let minor = FormProfile::of(
        &tune("72 _ _ _ 71 _ _ _ | 69 _ _ _ _ _ _ _", (2, 4), "Am"),
        None,
    )
    .unwrap();
    assert!(minor.final_on_tonic);
}

#[test]
fn leaps_count_when_the_next_note_steps_back() {
    // +7 then -2: back by a step. -5 then +7: back, but by a leap. +7 then +2: onwards.
    // -8 then +1 (over a rest): back by a step.
    let p = profile(
        "60 _ 67 _ 65 _ 60 _ | 67 _ 69 _ 72 _ r _ | 64 _ 65 _ _ _ _ _",
        (2, 4),
    );
    assert_eq!((p.leaps, p.reversals), (4, 2));
    let stats = FormStats::of(&[p]);
    assert_eq!(stats.post_skip_reversal, 0.5);
}

#[test]
fn repeated_bars_count_exact_and_transposed_repeats_with_their_distance() {
    // Bar 3 repeats bar 1; bar 4 is bar 3 a tone higher; bar 5 is new; bar 6 has no onset.
    let p = profile(
        "60 _ _ _ 62 _ _ _ | 64 _ _ _ 62 _ _ _ | 60 _ _ _ 62 _ _ _ | 62 _ _ _ 64 _ _ _ | \
         65 _ _ _ 64 _ _ _ | _ _ _ _ _ _ _ _ | 60 _ _ _ _ _ _ _",
        (2, 4),
    );
    assert_eq!((p.bars_compared, p.repeated_bars), (5, 2));
    assert_eq!(
        p.repeat_distances,
        vec![1, 0],
        "bar 3: two bars back; bar 4: one"
    );
    let stats = FormStats::of(&[p]);
    assert_eq!(stats.bar_repetition, 0.4);
    assert_eq!(stats.repeat_distance[..2], [0.5, 0.5]);
    assert_eq!(measures::distance_bucket(6), 4);
    assert_eq!(measures::distance_bucket(12), 5);
}

#[test]
fn ambitus_and_runs_at_the_end() {
    let p = profile(
        "60 _ _ _ 64 _ _ _ | 67 _ _ _ 72 _ _ _ | 67 _ _ _ 67 _ _ _ | 67 _ _ _ 60 _ _ _",
        (2, 4),
    );
    assert_eq!(p.ambitus, 12);
    assert!(p.end_run, "G G | G in the last two bars");
    let broken = profile(
        "60 _ _ _ 64 _ _ _ | 67 _ _ _ 72 _ _ _ | 67 _ _ _ 67 _ r _ | 67 _ _ _ 60 _ _ _",
        (2, 4),
    );
    assert!(!broken.end_run, "a rest breaks the run");
    let early = profile(
        "67 _ _ _ 67 _ _ _ | 67 _ _ _ 72 _ _ _ | 65 _ _ _ 64 _ _ _ | 62 _ _ _ 60 _ _ _",
        (2, 4),
    );
    assert!(!early.end_run, "the run is in the first two bars");
    let stats = FormStats::of(&[p, broken, early]);
    assert!((stats.repeated_note_runs - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(stats.ambitus[6], 1.0, "12 semitones: the bucket [12, 14)");
}
