//! Unit tests of the MusicXML writer: measures, ties, spelling, and reading back.

use super::*;
use crate::formats::ReadOptions;
use crate::formats::musicxml::read::parse;
use crate::music::{Key, Meter, Mode};

fn q(n: i64, d: i64) -> Ratio {
    Ratio::new(n, d)
}

fn melody(meter: Option<(u32, u32)>, pickup: Ratio, notes: &[(Option<u8>, Ratio)]) -> Melody {
    Melody {
        meter: meter.and_then(|(n, d)| Meter::new(n, d)),
        pickup,
        notes: notes
            .iter()
            .map(|&(p, d)| match p {
                Some(p) => Note::new(Pitch(p), d),
                None => Note::rest(d),
            })
            .collect(),
        ..Melody::default()
    }
}

fn count(xml: &str, needle: &str) -> usize {
    xml.matches(needle).count()
}

/// Pitch and duration of each note, for comparing melodies across a round trip.
fn shape(m: &Melody) -> Vec<(Option<Pitch>, Ratio)> {
    m.notes.iter().map(|n| (n.pitch, n.duration)).collect()
}

#[test]
fn header_and_attributes() {
    let mut m = melody(Some((3, 4)), Ratio::ZERO, &[(Some(60), q(3, 1))]);
    m.title = Some("Tom & \"Jerry\" <3".into());
    m.key = Some(Key::from_signature(-1, Mode::Minor));
    m.key_signature = Some(-1);
    m.tempo_qpm = Some(96.5);
    let xml = write(&m);
    assert!(xml.contains("<!DOCTYPE score-partwise PUBLIC"));
    assert!(xml.contains("<score-partwise version=\"4.0\">"));
    assert!(xml.contains("<work-title>Tom &amp; &quot;Jerry&quot; &lt;3</work-title>"));
    assert!(xml.contains("<software>LSTMuse</software>"));
    assert!(xml.contains("<key><fifths>-1</fifths><mode>minor</mode></key>"));
    assert!(xml.contains("<beats>3</beats><beat-type>4</beat-type>"));
    assert!(xml.contains("<sound tempo=\"96.5\"/>"));
    assert!(xml.contains("<type>half</type>\n        <dot/>"));
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    assert_eq!(back.title, m.title);
    assert_eq!(back.key, m.key);
    assert_eq!(back.tempo_qpm, Some(96.5));
}

#[test]
fn notes_across_bar_lines_are_tied() {
    // 3/4 with a quarter pickup; the second note (a whole) crosses into bar 2.
    let m = melody(
        Some((3, 4)),
        Ratio::ONE,
        &[
            (Some(67), q(1, 1)),
            (Some(72), q(4, 1)),
            (Some(71), q(2, 1)),
        ],
    );
    let xml = write(&m);
    assert!(xml.contains("<measure number=\"0\" implicit=\"yes\">"));
    assert!(xml.contains("<measure number=\"2\">"));
    assert_eq!(count(&xml, "<tie type=\"start\"/>"), 1);
    assert_eq!(count(&xml, "<tied type=\"stop\"/>"), 1);
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&back), shape(&m));
    assert_eq!(back.pickup, Ratio::ONE);
    assert_eq!(back.notes[1].tie_parts, [q(3, 1), q(1, 1)]);
}

#[test]
fn awkward_values_split_and_triplets_are_marked() {
    let m = melody(
        Some((4, 4)),
        Ratio::ZERO,
        &[
            (Some(60), q(5, 4)),
            (Some(62), q(3, 4)),
            (Some(64), q(1, 3)),
            (Some(65), q(1, 3)),
            (Some(67), q(1, 3)),
            (None, q(1, 1)),
            (None, q(4, 1)),
        ],
    );
    let xml = write(&m);
    assert!(xml.contains("<divisions>12</divisions>"));
    assert_eq!(count(&xml, "<actual-notes>3</actual-notes>"), 3);
    assert_eq!(count(&xml, "<rest measure=\"yes\"/>"), 1);
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    let mut want = shape(&m);
    want.truncate(5);
    want.push((None, q(5, 1)));
    assert_eq!(shape(&back), want);
}

#[test]
fn spelling_and_accidentals() {
    // F major: B♭ from the signature, then B natural, then B♭ again in the same bar.
    let mut m = melody(
        Some((4, 4)),
        Ratio::ZERO,
        &[
            (Some(70), q(1, 1)),
            (Some(71), q(1, 1)),
            (Some(70), q(1, 1)),
            (Some(66), q(1, 1)),
        ],
    );
    m.key_signature = Some(-1);
    let xml = write(&m);
    assert_eq!(count(&xml, "<step>B</step><alter>-1</alter>"), 2);
    assert!(xml.contains("<accidental>natural</accidental>"));
    assert!(xml.contains("<accidental>flat</accidental>"));
    assert!(xml.contains("<step>G</step><alter>-1</alter>"));
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&back), shape(&m));
}

#[test]
fn free_meter_and_bass_clef() {
    let m = melody(
        None,
        Ratio::ZERO,
        &[(Some(48), q(6, 1)), (Some(50), q(1, 2))],
    );
    let xml = write(&m);
    assert!(xml.contains("<time print-object=\"no\">"));
    assert!(xml.contains("<sign>F</sign>"));
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    assert_eq!(back.meter, None);
    assert_eq!(shape(&back), shape(&m));
}

#[test]
fn tie_parts_are_kept_within_a_bar() {
    let mut m = melody(Some((2, 4)), Ratio::ZERO, &[(Some(62), q(1, 1))]);
    m.notes[0].tie_parts = vec![q(1, 2), q(1, 2)];
    m.notes.push(Note::new(Pitch(64), q(1, 1)));
    let back = parse(&write(&m), &ReadOptions::default()).unwrap();
    assert_eq!(back.notes, m.notes);
}

#[test]
fn empty_and_absurd_melodies_write_valid_xml() {
    let xml = write(&Melody::default());
    assert!(xml.contains("<rest measure=\"yes\"/>"));
    assert!(
        roxmltree::Document::parse_with_options(
            &xml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            }
        )
        .is_ok()
    );
    let odd = melody(
        Some((5, 8)),
        q(7, 3),
        &[
            (Some(127), q(1, 1_000_003)),
            (Some(0), q(1, 7)),
            (None, q(1, 1 << 40)),
        ],
    );
    let xml = write(&odd);
    assert!(parse(&xml, &ReadOptions::default()).is_ok());
}

#[test]
fn meter_key_and_tempo_changes_round_trip() {
    // 3/4 at 100 in C, then from bar 3: 2/4, G major, 80.
    let notes: Vec<_> = (0..8).map(|k| (Some(60 + k), q(1, 1))).collect();
    let mut m = melody(Some((3, 4)), Ratio::ZERO, &notes);
    m.tempo_qpm = Some(100.0);
    m.key_signature = Some(0);
    m.key = Key::parse("C");
    let six = Ratio::from_int(6);
    m.set_from(
        six,
        crate::music::ChangeKind::Meter(Meter::new(2, 4).unwrap()),
    );
    let key = Key::parse("G");
    m.set_from(six, crate::music::ChangeKind::Key { signature: 1, key });
    m.set_from(six, crate::music::ChangeKind::Tempo(80.0));
    assert_eq!(m.changes.len(), 3);
    let xml = write(&m);
    let back = parse(&xml, &ReadOptions::default()).unwrap();
    assert_eq!(back.changes, m.changes, "{xml}");
    assert_eq!(
        (back.meter, back.tempo_qpm, back.key_signature),
        (m.meter, Some(100.0), Some(0))
    );
    assert_eq!(shape(&back), shape(&m));
}
