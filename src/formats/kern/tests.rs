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

fn pitches(m: &Melody) -> Vec<Option<u8>> {
    m.notes.iter().map(|n| n.pitch.map(Pitch::midi)).collect()
}

fn voice(v: usize) -> ReadOptions {
    ReadOptions {
        voice: Some(v),
        ..ReadOptions::default()
    }
}

#[test]
fn a_split_spine_gives_its_top_line_or_the_voice_asked_for() {
    let text = "**kern\t**text\n4c\tla\n*^\t*\n4e\t4d\tli\n4r\t4B\tla\n*v\t*v\t*\n4f\tlo\n*-\t*-\n";
    let m = parse(text, &ReadOptions::default()).unwrap();
    // Voice 2 sounds alone where voice 1 rests.
    assert_eq!(pitches(&m), [Some(60), Some(64), Some(59), Some(65)]);
    assert_eq!(
        pitches(&parse(text, &voice(1)).unwrap()),
        [Some(60), Some(64), None, Some(65)]
    );
    assert_eq!(
        pitches(&parse(text, &voice(2)).unwrap()),
        [None, Some(62), Some(59), None]
    );
    let e = parse(text, &voice(3)).unwrap_err().to_string();
    assert!(e.contains("no voice 3"), "{e}");
}

#[test]
fn a_short_first_bar_numbered_2_is_a_bar_not_a_pickup() {
    let pickup = "**kern\n*M3/4\n4g\n=1\n2.c\n=2\n*-\n";
    let m = parse(pickup, &ReadOptions::default()).unwrap();
    assert_eq!(m.pickup, Ratio::ONE);
    let short = pickup.replace("=1\n", "=2\n");
    let m = parse(&short, &ReadOptions::default()).unwrap();
    assert_eq!(m.pickup, Ratio::ZERO);
    assert_eq!(pitches(&m), [Some(67), None, Some(60)]);
    assert_eq!(m.notes[1].duration, Ratio::from_int(2));
}

#[test]
fn changes_are_read_where_they_are_written_and_written_back() {
    let text =
        "**kern\n*M3/4\n*k[]\n*C:\n*MM100\n=1-\n2.c\n=2\n*M2/4\n*k[f#]\n*G:\n*MM80\n2g\n=3\n*-\n";
    let m = parse(text, &ReadOptions::default()).unwrap();
    assert_eq!(
        (m.meter, m.tempo_qpm, m.key_signature),
        (Meter::new(3, 4), Some(100.0), Some(0))
    );
    let kinds: Vec<_> = m.changes.iter().map(|c| (c.at, c.kind)).collect();
    let three = Ratio::from_int(3);
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.iter().all(|(at, _)| *at == three));
    let back = parse(&write(&m), &ReadOptions::default()).unwrap();
    assert_eq!(back.changes, m.changes, "{}", write(&m));
}

#[test]
fn expansion_lists_play_the_sections_in_order() {
    let text = "**kern\n*>[A,A,B]\n*>A\n4c\n*>B\n4d\n*-\n";
    let m = parse(text, &ReadOptions::default()).unwrap();
    assert_eq!(pitches(&m), [Some(60), Some(60), Some(62)]);
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
