//! MusicXML: hand-typed fixtures, writer → reader round trips, `.mxl`, MuseScore's import
//! of what we write, and the Essen kern corpus through MusicXML.

use crate::common;
use crate::common::{melody, mscore_convert, q, shape, trim_rests};
use lstmuse::formats::{ReadOptions, kern, musicxml};
use lstmuse::{Key, Melody, Meter, Mode, Pitch, Ratio};
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/musicxml")
}

fn read_fixture(name: &str) -> Melody {
    let text = std::fs::read_to_string(fixture_dir().join(name)).unwrap();
    musicxml::parse(&text, &ReadOptions::default()).unwrap()
}

fn round_trip(m: &Melody) -> Melody {
    musicxml::parse(&musicxml::write(m), &ReadOptions::default()).unwrap()
}

/// Melodies built in code: pickups, ties across bar lines, dotted notes, rests, 3/4, 6/8.
#[allow(clippy::too_many_lines)] // a table of fixtures
fn built_melodies() -> Vec<(&'static str, Melody)> {
    let mut waltz = Melody {
        meter: Meter::new(3, 4),
        pickup: q(1, 1),
        ..melody(&[
            (Some(67), q(1, 1)),
            (Some(72), q(4, 1)),
            (Some(71), q(3, 2)),
            (Some(69), q(1, 2)),
            (Some(66), q(2, 1)),
            (None, q(1, 1)),
            (Some(64), q(5, 4)),
            (Some(62), q(3, 4)),
            (Some(67), q(3, 1)),
        ])
    };
    waltz.key_signature = Some(1);
    waltz.key = Some(Key::from_signature(1, Mode::Major));
    waltz.tempo_qpm = Some(100.0);
    waltz.title = Some("Waltz with ties".into());
    let mut jig = Melody {
        meter: Meter::new(6, 8),
        pickup: q(1, 2),
        ..melody(&[
            (Some(69), q(1, 2)),
            (Some(72), q(1, 1)),
            (Some(71), q(3, 2)),
            (Some(69), q(1, 2)),
            (None, q(1, 2)),
            (Some(76), q(3, 4)),
            (Some(74), q(1, 4)),
            (Some(72), q(1, 2)),
            (Some(71), q(2, 1)),
            (Some(69), q(5, 2)),
        ])
    };
    jig.key = Some(Key::from_signature(0, Mode::Minor));
    jig.key_signature = Some(0);
    let mut reel = Melody {
        meter: Meter::new(4, 4),
        ..melody(&[
            (None, q(1, 2)),
            (Some(62), q(1, 2)),
            (Some(66), q(1, 4)),
            (Some(69), q(1, 4)),
            (Some(74), q(1, 2)),
            (Some(73), q(3, 1)),
            (Some(71), q(1, 1)),
            (None, q(4, 1)),
            (Some(70), q(1, 2)),
            (Some(69), q(7, 2)),
            (Some(67), q(1, 1)),
            (Some(65), q(1, 1)),
            (Some(64), q(2, 1)),
        ])
    };
    reel.key_signature = Some(2);
    let mut flat = Melody {
        meter: Meter::new(2, 4),
        pickup: q(1, 4),
        ..melody(&[
            (Some(70), q(1, 4)),
            (Some(63), q(1, 2)),
            (Some(64), q(1, 2)),
            (Some(65), q(6, 1)),
            (Some(68), q(3, 8)),
            (Some(67), q(1, 8)),
            (Some(65), q(3, 2)),
        ])
    };
    flat.key_signature = Some(-3);
    let free = melody(&[
        (Some(60), q(1, 1)),
        (Some(62), q(9, 2)),
        (Some(64), q(1, 2)),
        (Some(60), q(2, 1)),
    ]);
    vec![
        ("waltz", waltz),
        ("jig", jig),
        ("reel", reel),
        ("flat", flat),
        ("free", free),
    ]
}

#[test]
fn auld_lang_syne_fixture() {
    let m = read_fixture("auld_lang_syne.musicxml");
    assert_eq!(m.title.as_deref(), Some("Auld Lang Syne"));
    assert_eq!(m.key, Some(Key::parse("F").unwrap()));
    assert_eq!(m.key_signature, Some(-1));
    assert_eq!(m.meter, Meter::new(4, 4));
    assert_eq!(m.pickup, Ratio::ONE);
    assert_eq!(m.tempo_qpm, Some(84.0));
    assert_eq!(m.notes.len(), 28);
    assert_eq!(m.duration(), Ratio::from_int(32));
    assert_eq!(
        shape(&m)[..3],
        [
            (Some(60), q(1, 1)),
            (Some(65), q(3, 2)),
            (Some(65), q(1, 2))
        ]
    );
}

#[test]
fn greensleeves_fixture() {
    let m = read_fixture("greensleeves.musicxml");
    assert_eq!(m.title.as_deref(), Some("Greensleeves"));
    assert_eq!(m.key, Some(Key::parse("Am").unwrap()));
    assert_eq!(m.meter, Meter::new(6, 8));
    assert_eq!(m.pickup, q(1, 2));
    assert_eq!(m.tempo_qpm, Some(90.0));
    let n = m.notes.len();
    assert_eq!(m.notes[n - 2].pitch, Some(Pitch(69)));
    assert_eq!(m.notes[n - 2].duration, q(5, 2));
    assert_eq!(m.notes[n - 2].tie_parts, [q(3, 2), q(1, 1)]);
    assert!(m.notes[n - 1].is_rest());
    assert!(m.notes.iter().any(|n| n.pitch == Some(Pitch(78))), "F#5");
    assert!(m.notes.iter().any(|n| n.pitch == Some(Pitch(68))), "G#4");
}

#[test]
fn two_voice_fixture_reads_the_top_voice() {
    let m = read_fixture("twinkle_two_voices.musicxml");
    let once = [
        (72, q(1, 1)),
        (72, q(1, 1)),
        (79, q(1, 1)),
        (79, q(1, 1)),
        (81, q(1, 1)),
        (81, q(1, 1)),
        (79, q(2, 1)),
        // The chord in bar 3 has its added note above the tune: the top note wins.
        (81, q(1, 1)),
        (77, q(1, 1)),
        (76, q(1, 1)),
        (76, q(1, 1)),
        (74, q(1, 1)),
        (74, q(1, 1)),
        (72, q(1, 1)),
    ];
    let mut want: Vec<(Option<u8>, Ratio)> = once.iter().map(|&(p, d)| (Some(p), d)).collect();
    // The repeat plays bars 1–4 twice; the <forward> leaves a quarter rest between.
    want.push((None, q(1, 1)));
    want.extend(once.iter().map(|&(p, d)| (Some(p), d)));
    // The last bar ends with the same <forward>: a rest to its end.
    want.push((None, q(1, 1)));
    assert_eq!(shape(&m), want);
    assert_eq!(m.pickup, Ratio::ZERO);
    let flute = musicxml::parse(
        &std::fs::read_to_string(fixture_dir().join("twinkle_two_voices.musicxml")).unwrap(),
        &ReadOptions {
            part: Some(1),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(shape(&flute)[0], (Some(84), q(1, 1)));
}

#[test]
fn fixtures_round_trip() {
    let mut names: Vec<_> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "musicxml"))
        .collect();
    names.sort();
    assert!(names.len() >= 3);
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let m = musicxml::parse(&text, &ReadOptions::default()).unwrap();
        let back = round_trip(&m);
        let name = path.display();
        assert_eq!(shape(&back), shape(&m), "{name}");
        assert_eq!((back.meter, back.pickup), (m.meter, m.pickup), "{name}");
        assert_eq!(
            (back.key, back.key_signature),
            (m.key, m.key_signature),
            "{name}"
        );
        assert_eq!(
            (back.title, back.tempo_qpm),
            (m.title, m.tempo_qpm),
            "{name}"
        );
    }
}

#[test]
fn built_melodies_round_trip() {
    for (name, m) in built_melodies() {
        let back = round_trip(&m);
        assert_eq!(shape(&back), shape(&m), "{name}");
        assert_eq!(
            (back.meter, back.pickup, back.key),
            (m.meter, m.pickup, m.key),
            "{name}"
        );
    }
}

#[test]
fn mxl_round_trip_and_foreign_archives() {
    let (_, m) = built_melodies().remove(0);
    let bytes = musicxml::write_mxl(&m).unwrap();
    let back = musicxml::parse_mxl(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&back), shape(&m));

    // An archive made elsewhere: container pointing into a folder, a stored score.
    let score = std::fs::read(fixture_dir().join("greensleeves.musicxml")).unwrap();
    let container = r#"<?xml version="1.0"?><container><rootfiles>
        <rootfile full-path="scores/tune.xml" media-type="application/vnd.recordare.musicxml+xml"/>
        </rootfiles></container>"#;
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let zipped = |files: &[(&str, &[u8])]| {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            z.start_file(*name, stored).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    let want = shape(&read_fixture("greensleeves.musicxml"));
    let with_container = zipped(&[
        ("META-INF/container.xml", container.as_bytes()),
        ("other.xml", b"<not-a-score/>"),
        ("scores/tune.xml", &score),
    ]);
    let got = musicxml::parse_mxl(&with_container, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&got), want);
    let without = zipped(&[("META-INF/x.xml", b"<x/>"), ("tune.musicxml", &score)]);
    let got = musicxml::parse_mxl(&without, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&got), want);
    assert!(musicxml::parse_mxl(b"junk", &ReadOptions::default()).is_err());
    assert!(musicxml::parse_mxl(&zipped(&[("a.txt", b"x")]), &ReadOptions::default()).is_err());
}

#[test]
fn musescore_imports_what_we_write() {
    let Some(mscore) = common::mscore() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut melodies = built_melodies();
    melodies.push(("greensleeves", read_fixture("greensleeves.musicxml")));
    melodies.push(("auld_lang_syne", read_fixture("auld_lang_syne.musicxml")));
    let mut triplets = Melody {
        meter: Meter::new(2, 4),
        ..melody(&[
            (Some(60), q(1, 3)),
            (Some(62), q(1, 3)),
            (Some(64), q(1, 3)),
            (Some(65), q(1, 1)),
            (Some(67), q(2, 3)),
            (Some(65), q(1, 3)),
            (Some(64), q(1, 1)),
        ])
    };
    triplets.key_signature = Some(0);
    melodies.push(("triplets", triplets));
    for (name, m) in &melodies {
        let input = dir.path().join(format!("{name}.musicxml"));
        let output = dir.path().join(format!("{name}.out.musicxml"));
        std::fs::write(&input, musicxml::write(m)).unwrap();
        mscore_convert(&mscore, &input, &output).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = std::fs::read_to_string(&output).unwrap();
        let back = musicxml::parse(&text, &ReadOptions::default()).unwrap();
        assert_eq!(trim_rests(shape(&back)), trim_rests(shape(m)), "{name}");
        assert_eq!((back.meter, back.pickup), (m.meter, m.pickup), "{name}");
        assert_eq!(
            back.key_signature.unwrap_or(0),
            m.key_signature.unwrap_or(0),
            "{name}"
        );
    }
    eprintln!(
        "MuseScore imported {} melodies with the same notes",
        melodies.len()
    );
}

#[test]
fn essen_kern_corpus_round_trips_through_musicxml() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/essen-erk-krn");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIP: ../shared/corpus not found");
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "krn"))
        .collect();
    paths.sort();
    let mut checked = 0;
    for path in &paths {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let Ok(m) = kern::parse(&text, &ReadOptions::default()) else {
            continue;
        };
        let xml = musicxml::write(&m);
        let back = musicxml::parse(&xml, &ReadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(shape(&back), shape(&m), "{}", path.display());
        assert_eq!(back.meter, m.meter, "{}", path.display());
        checked += 1;
    }
    assert!(
        checked * 10 >= paths.len() * 9,
        "only {checked} of {} kern files read",
        paths.len()
    );
    eprintln!("{checked} Essen melodies round-tripped through MusicXML");
}
