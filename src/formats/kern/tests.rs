//! The kern reader's and writer's tests.

use super::read::parse;
use super::write::write;
use crate::formats::ReadOptions;
use crate::music::{Melody, Meter, Pitch, Ratio};

#[test]
fn empty_or_non_ascii_tokens_on_manipulator_lines_are_errors_not_panics() {
    // The chosen (rightmost) spine's token on a `*^` line was sliced at byte 1.
    for bad in ["", "é", "€x", "4c"] {
        let text = format!("**kern\t**kern\n*^\t{bad}\n4c\t4c\t4d\n*-\t*-\t*-\n");
        let e = parse(&text, &Default::default()).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("not an interpretation"),
            "{bad:?}: {e}"
        );
    }
}

const SONG: &str = "!!!OTL: TEST\n**kern\n*ICvox\n*M3/4\n*k[f#]\n*G:\n{8d\n=1\n4g\n8.a\n16b\n4cc\n=2\n[4.dd\n8dd_\n4dd]}\n=3\n4r\n8G#\n8BB-\n4q8c\n4c\n==\n*-\n";

#[test]
fn reads_meter_key_pickup_ties_and_octaves() {
    let m = parse(SONG, &ReadOptions::default()).unwrap();
    assert_eq!(m.title.as_deref(), Some("TEST"));
    assert_eq!(m.meter, Meter::new(3, 4));
    assert_eq!(m.key_signature, Some(1));
    assert_eq!(m.key.unwrap().to_string(), "G Major");
    assert_eq!(m.pickup, Ratio::new(1, 2));
    let pitches: Vec<_> = m.notes.iter().map(|n| n.pitch.map(|p| p.midi())).collect();
    assert_eq!(
        pitches,
        vec![
            Some(62),
            Some(67),
            Some(69),
            Some(71),
            Some(72),
            Some(74),
            None,
            Some(56),
            Some(46),
            Some(60)
        ]
    );
    let tied = &m.notes[5];
    assert_eq!(tied.duration, Ratio::from_int(3));
    assert_eq!(
        tied.tie_parts,
        vec![Ratio::new(3, 2), Ratio::new(1, 2), Ratio::ONE]
    );
    assert_eq!(m.notes[3].duration, Ratio::new(1, 4));
    assert_eq!(m.notes[2].duration, Ratio::new(3, 4));
}

#[test]
fn chooses_top_spine_or_asked_spine() {
    let text = "**kern\t**kern\n4C\t4c\n4D\t4d 4f\n*-\t*-\n";
    let top = parse(text, &ReadOptions::default()).unwrap();
    assert_eq!(top.notes[1].pitch, Some(Pitch(65)));
    let low = parse(
        text,
        &ReadOptions {
            part: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(low.notes[0].pitch, Some(Pitch(48)));
    assert!(
        parse(
            text,
            &ReadOptions {
                part: Some(5),
                ..Default::default()
            }
        )
        .is_err()
    );
}

#[test]
fn follows_spine_splits() {
    let text = "**kern\t**text\n4c\tla\n*^\t*\n4d\t4e\tli\n*v\t*v\t*\n4f\tlo\n*-\t*-\n";
    let m = parse(text, &ReadOptions::default()).unwrap();
    let p: Vec<_> = m.notes.iter().map(|n| n.pitch.unwrap().midi()).collect();
    assert_eq!(p, vec![60, 62, 65]);
}

#[test]
fn triplets_and_breves() {
    let m = parse("**kern\n12c\n12d\n12e\n0f\n*-\n", &ReadOptions::default()).unwrap();
    assert_eq!(m.notes[0].duration, Ratio::new(1, 3));
    assert_eq!(m.notes[3].duration, Ratio::from_int(8));
}

#[test]
fn junk_never_panics() {
    let inputs = [
        "",
        "**kern",
        "**kern\n999999999999999999999c\n*-\n",
        "**kern\n4x\n*-\n",
        "**kern\t**kern\n4c\n",
        "\u{0}\u{1}binary\u{ff}",
        "**kern\n4cccccccccccccccccccccc\n*-\n",
        "**kern\n*^\n*v\n*v\n4c\n",
        "**kern\n4..........c\n4%\n4%0c\n[4c\n4d]\n*-\n",
    ];
    for i in inputs {
        let _ = parse(i, &ReadOptions::default());
    }
    for cut in 0..SONG.len() {
        let _ = parse(&SONG[..cut], &ReadOptions::default());
    }
}

#[test]
fn writer_round_trips() {
    let m = parse(SONG, &ReadOptions::default()).unwrap();
    let text = write(&m);
    let back = parse(&text, &ReadOptions::default()).unwrap();
    let strip = |m: &Melody| -> Vec<(Option<Pitch>, Ratio)> {
        m.notes.iter().map(|n| (n.pitch, n.duration)).collect()
    };
    assert_eq!(strip(&back), strip(&m), "{text}");
    assert_eq!(back.pickup, m.pickup);
    assert_eq!(back.key, m.key);
    assert_eq!(back.meter, m.meter);
}
