//! Tests of ABC voices, transposition and meter, key and tempo changes in the body.

use super::{parse_tunes, parse_tunes_with};
use crate::formats::ReadOptions;
use crate::music::{ChangeKind, Melody, Meter, Pitch, Ratio};

fn one(text: &str, voice: Option<usize>) -> crate::Result<Melody> {
    let options = ReadOptions {
        voice,
        ..ReadOptions::default()
    };
    let mut tunes = parse_tunes_with(text, &options);
    assert_eq!(tunes.len(), 1);
    tunes.remove(0).melody
}

fn pitches(m: &Melody) -> Vec<Option<u8>> {
    m.notes.iter().map(|n| n.pitch.map(Pitch::midi)).collect()
}

const TWO_VOICES: &str =
    "X:1\nM:2/4\nL:1/4\nV:1\nV:2\nK:C\nV:1\nc z | e2 |\nV:2\nC D | [V:1] |\nV:2\nE F |]\n";

#[test]
fn several_voices_give_their_top_line_or_the_voice_asked_for() {
    // Voice 2 sounds alone on beat 2 of bar 1; in bar 2 voice 1 is higher.
    let m = one(TWO_VOICES, None).unwrap();
    assert_eq!(pitches(&m), [Some(72), Some(62), Some(76)]);
    assert_eq!(
        pitches(&one(TWO_VOICES, Some(1)).unwrap()),
        [Some(72), None, Some(76)]
    );
    assert_eq!(
        pitches(&one(TWO_VOICES, Some(2)).unwrap()),
        [Some(60), Some(62), Some(64), Some(65)]
    );
    let e = one(TWO_VOICES, Some(3)).unwrap_err().to_string();
    assert!(e.contains("no voice 3") && e.contains("1, 2"), "{e}");
}

#[test]
fn voices_are_found_by_name_or_by_place() {
    let text = "X:1\nL:1/4\nK:C\nV:T1\nc d\nV:B1\nC, D,\n";
    assert_eq!(pitches(&one(text, Some(2)).unwrap()), [Some(48), Some(50)]);
    assert_eq!(pitches(&one(text, None).unwrap()), [Some(72), Some(74)]);
}

#[test]
fn transpose_in_k_and_v_sounds_from_where_it_is_written() {
    // A B-flat instrument: written D sounds C.
    let text = "X:1\nL:1/4\nK:D transpose=-2\nd e | [K:D transpose=-3] d |\n";
    let m = one(text, None).unwrap();
    assert_eq!(pitches(&m), [Some(72), Some(74), Some(71)]);
    assert_eq!(m.key_signature, Some(0));
    let voice = "X:1\nL:1/4\nV:1 transpose=12\nK:C\nc\n";
    assert_eq!(pitches(&one(voice, None).unwrap()), [Some(84)]);
}

#[test]
fn body_fields_are_changes_where_they_are_written() {
    let text = "X:1\nM:3/4\nL:1/4\nQ:1/4=100\nK:C\nc d e | [M:2/4][K:G][Q:1/4=80] f g |]\n";
    let m = one(text, None).unwrap();
    assert_eq!((m.meter, m.tempo_qpm), (Meter::new(3, 4), Some(100.0)));
    let three = Ratio::from_int(3);
    let kinds: Vec<_> = m.changes.iter().map(|c| (c.at, c.kind)).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds.iter().all(|(at, _)| *at == three));
    assert!(kinds.contains(&(three, ChangeKind::Meter(Meter::new(2, 4).unwrap()))));
    // G major: F sharp.
    assert_eq!(pitches(&m)[3], Some(78));
    // Written back and read again, the changes stay.
    let again = parse_tunes(&super::write(&m)).remove(0).melody.unwrap();
    assert_eq!(again.changes, m.changes, "{}", super::write(&m));
}

#[test]
fn a_key_field_before_the_first_note_is_the_tune_key() {
    let text = "X:1\nL:1/4\nK:C\n[K:Em] e g b e' |]\n";
    let m = one(text, None).unwrap();
    assert_eq!(m.key.map(|k| k.to_string()), Some("E Minor".to_string()));
    assert_eq!(m.key_signature, Some(1));
    assert!(m.changes.is_empty());
}
