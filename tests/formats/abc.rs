//! The ABC reader on real data: the Essen erk files parse, and sampled tunes play the
//! same notes as abc2midi (references made by `tests/fixtures/abc/make_reference.sh`).

use crate::common;
use lstmuse::formats::abc;
use lstmuse::{Melody, Mode, Ratio};
use std::path::{Path, PathBuf};

/// abc2midi's ticks per quarter note in the references.
const TICKS: i64 = 480;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn erk_tunes_parse() {
    let dir = manifest_dir().join("../shared/corpus/essen-abc");
    if !dir.is_dir() {
        println!("SKIP: ../shared/corpus not found");
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("erk") && name.ends_with(".abc")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no erk*.abc in {}", dir.display());
    let (mut total, mut parsed) = (0usize, 0usize);
    let mut failures = Vec::new();
    let start = std::time::Instant::now();
    for file in &files {
        for tune in abc::parse_tunes(&read_text(file)) {
            total += 1;
            match tune.melody {
                Ok(_) => parsed += 1,
                Err(e) => failures.push(format!("{} X:{}: {e}", file.display(), tune.number)),
            }
        }
    }
    let percent = 100.0 * parsed as f64 / total.max(1) as f64;
    println!(
        "erk ABC: {parsed}/{total} tunes parsed ({percent:.2}%) in {:?}",
        start.elapsed()
    );
    for f in failures.iter().take(10) {
        println!("  failed: {f}");
    }
    assert!(total >= 1700, "only {total} tunes found");
    assert!(
        parsed * 100 >= total * 99,
        "only {parsed}/{total} tunes parsed"
    );
}

/// A note abc2midi played: pitch, onset and duration in ticks.
type TickNote = (u8, i64, i64);

/// Per tune (by `X:`), the notes abc2midi played.
fn read_reference(path: &Path) -> Vec<(u32, Vec<TickNote>)> {
    let mut tunes: Vec<(u32, Vec<TickNote>)> = Vec::new();
    for line in read_text(path).lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(x) = line.strip_prefix("X:") {
            tunes.push((x.trim().parse().expect("X: number"), Vec::new()));
            continue;
        }
        let fields: Vec<i64> = line
            .split_whitespace()
            .map(|f| f.parse().expect("a number"))
            .collect();
        let [pitch, onset, duration] = fields[..] else {
            panic!("bad reference line {line:?}");
        };
        let pitch = u8::try_from(pitch).expect("a MIDI pitch");
        tunes
            .last_mut()
            .expect("a tune")
            .1
            .push((pitch, onset, duration));
    }
    tunes
}

/// The sounding notes: pitch, onset and duration in quarter notes.
fn sounding(melody: &Melody) -> Vec<(u8, Ratio, Ratio)> {
    melody
        .with_onsets()
        .filter_map(|(onset, n)| n.pitch.map(|p| (p.midi(), onset, n.duration)))
        .collect()
}

/// Checks every tune of `abc_name` against `ref_name`; returns the melodies.
fn compare_with_abc2midi(abc_name: &str, ref_name: &str) -> Vec<Melody> {
    let tunes = abc::parse_tunes(&read_text(&common::fixture("abc").join(abc_name)));
    let reference = read_reference(&common::fixture("abc").join(ref_name));
    assert_eq!(tunes.len(), reference.len(), "{abc_name}: tune count");
    let mut melodies = Vec::new();
    for (tune, (x, notes)) in tunes.into_iter().zip(reference) {
        assert_eq!(tune.number, x);
        let melody = tune
            .melody
            .unwrap_or_else(|e| panic!("{abc_name} X:{x} does not parse: {e}"));
        let ours = sounding(&melody);
        let theirs: Vec<(u8, Ratio, Ratio)> = notes
            .iter()
            .map(|&(p, on, d)| (p, Ratio::new(on, TICKS), Ratio::new(d, TICKS)))
            .collect();
        if let Some(i) = (0..ours.len().max(theirs.len())).find(|&i| ours.get(i) != theirs.get(i)) {
            panic!(
                "{abc_name} X:{x}: note {i} differs: reader {:?}, abc2midi {:?}",
                ours.get(i),
                theirs.get(i)
            );
        }
        melodies.push(melody);
    }
    melodies
}

#[test]
fn erk_sample_matches_abc2midi() {
    let melodies = compare_with_abc2midi("erk_sample.abc", "erk_sample.ref");
    println!("{} erk tunes match abc2midi", melodies.len());
    assert!(melodies.len() >= 20);
    let tied = melodies
        .iter()
        .filter(|m| m.notes.iter().any(|n| !n.tie_parts.is_empty()))
        .count();
    let minor = melodies
        .iter()
        .filter(|m| m.key.is_some_and(|k| k.mode == Mode::Minor))
        .count();
    let pickups = melodies.iter().filter(|m| m.pickup.is_positive()).count();
    assert!(tied >= 5, "{tied} tunes with ties");
    assert!(minor >= 5, "{minor} minor tunes");
    assert!(pickups >= 5, "{pickups} tunes with a pickup");
}

#[test]
fn features_match_abc2midi() {
    let melodies = compare_with_abc2midi("features.abc", "features.ref");
    assert_eq!(melodies.len(), 7);
    assert_eq!(melodies[2].tempo_qpm, Some(90.0));
    // `Q:200` with `L:1/16`: 200 sixteenths a minute.
    assert_eq!(melodies[6].tempo_qpm, Some(50.0));
}

#[test]
fn written_tunes_read_back_the_same() {
    for name in ["erk_sample.abc", "features.abc"] {
        for tune in abc::parse_tunes(&read_text(&common::fixture("abc").join(name))) {
            let melody = tune.melody.expect("fixture tunes parse");
            let text = abc::write(&melody);
            let again = abc::parse_tunes(&text);
            assert_eq!(again.len(), 1);
            let back = again
                .into_iter()
                .next()
                .and_then(|t| t.melody.ok())
                .unwrap_or_else(|| panic!("{name} X:{} written:\n{text}", tune.number));
            assert_eq!(
                sounding(&back),
                sounding(&melody),
                "{name} X:{}:\n{text}",
                tune.number
            );
            assert_eq!(back.duration(), melody.duration());
            assert_eq!(back.key, melody.key);
            assert_eq!(back.meter, melody.meter);
            assert_eq!(back.pickup, melody.pickup);
        }
    }
}
