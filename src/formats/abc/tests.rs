//! Unit tests of the ABC reader and writer.

use super::*;
use crate::music::{Key, Meter, Mode, Note, Pitch, Ratio};

fn parse_one(text: &str) -> Result<Melody> {
    let mut tunes = parse_tunes(text);
    assert_eq!(tunes.len(), 1, "{text}");
    tunes.remove(0).melody
}

/// A tune with `K:` and `M:4/4`, `L:1/4` unless the head says otherwise.
fn tune_with(head: &str, body: &str) -> Melody {
    let text = format!("X:1\nT:test\nM:4/4\nL:1/4\n{head}\n{body}\n");
    parse_one(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn tune(body: &str) -> Melody {
    tune_with("K:C", body)
}

fn pitches(m: &Melody) -> Vec<u8> {
    m.sounding()
        .filter_map(|n| n.pitch.map(Pitch::midi))
        .collect()
}

fn durations(m: &Melody) -> Vec<Ratio> {
    m.notes.iter().map(|n| n.duration).collect()
}

fn r(n: i64, d: i64) -> Ratio {
    Ratio::new(n, d)
}

fn q(n: i64) -> Ratio {
    Ratio::from_int(n)
}

#[test]
fn notes_octaves_and_lengths() {
    let m = tune("C D E F G A B c d' C, C,, c'' | C2 C/2 C/ C// C3/2 C/4 C3//");
    assert_eq!(
        pitches(&m),
        [
            60, 62, 64, 65, 67, 69, 71, 72, 86, 48, 36, 96, 60, 60, 60, 60, 60, 60, 60
        ]
    );
    assert_eq!(
        durations(&m)[12..],
        [q(2), r(1, 2), r(1, 2), r(1, 4), r(3, 2), r(1, 4), r(3, 4)]
    );
}

#[test]
fn accidentals_carry_through_the_bar_for_one_octave() {
    let m = tune("^F F f F, =F F | F _B B ^^C __D | C D");
    assert_eq!(
        pitches(&m),
        [66, 66, 77, 53, 65, 65, 65, 70, 70, 62, 60, 60, 62]
    );
}

#[test]
fn key_signatures_apply_to_all_octaves() {
    let m = tune_with("K:D", "F C f c' =F F | F G");
    assert_eq!(pitches(&m), [66, 61, 78, 85, 65, 65, 66, 67]);
    let m = tune_with("K:Bb", "B E A b e");
    assert_eq!(pitches(&m), [70, 63, 69, 82, 75]);
    let m = tune_with("K:Ador", "F G c");
    assert_eq!(pitches(&m), [66, 67, 72]);
    let m = tune_with("K:D =c ^g", "F c G");
    assert_eq!(pitches(&m), [66, 72, 68]);
    let m = tune_with("K:C clef=bass", "C E");
    assert_eq!(pitches(&m), [60, 64]);
    let m = tune_with("K:C octave=-1", "C c");
    assert_eq!(pitches(&m), [48, 60]);
}

#[test]
fn ties_make_one_note_with_parts() {
    let m = tune("C2- C | C- C/ D | ^F- | F G");
    assert_eq!(m.notes.len(), 5);
    assert_eq!(m.notes[0].duration, q(3));
    assert_eq!(m.notes[0].tie_parts, [q(2), q(1)]);
    assert_eq!(m.notes[1].tie_parts, [q(1), r(1, 2)]);
    // A tie across the bar keeps the accidental.
    assert_eq!(m.notes[3].pitch, Some(Pitch(66)));
    assert_eq!(m.notes[3].tie_parts, [q(1), q(1)]);
    // A tie to another pitch is dropped; a spaced tie still ties.
    let m = tune("C- D C - C");
    assert_eq!(durations(&m), [q(1), q(1), q(2)]);
}

#[test]
fn broken_rhythm() {
    let m = tune("C>D E<F G>>A B<<c");
    assert_eq!(
        durations(&m),
        [
            r(3, 2),
            r(1, 2),
            r(1, 2),
            r(3, 2),
            r(7, 4),
            r(1, 4),
            r(1, 4),
            r(7, 4)
        ]
    );
    let m = tune("C2 > D2");
    assert_eq!(durations(&m), [q(3), q(1)]);
}

#[test]
fn tuplets() {
    let m = tune_with("L:1/8\nK:C", "(3CDE F (3:2:2G2A B (5CDEFG");
    assert_eq!(
        durations(&m),
        [
            r(1, 3),
            r(1, 3),
            r(1, 3),
            r(1, 2),
            r(2, 3),
            r(1, 3),
            r(1, 2)
        ]
        .into_iter()
        .chain([r(1, 5); 5])
        .collect::<Vec<_>>()
    );
    // In compound meter five go in the time of three.
    let m = tune_with("M:6/8\nL:1/8\nK:C", "(5CDEFG A");
    assert_eq!(durations(&m)[0], r(3, 10));
    // A rest counts as a tuplet member.
    let m = tune_with("L:1/8\nK:C", "(3zDE F");
    assert_eq!(durations(&m), [r(1, 3), r(1, 3), r(1, 3), r(1, 2)]);
}

#[test]
fn repeats_and_endings_are_expanded() {
    let m = tune("|: C D :| E");
    assert_eq!(pitches(&m), [60, 62, 60, 62, 64]);
    let m = tune("|: C |1 D :|2 E |]");
    assert_eq!(pitches(&m), [60, 62, 60, 64]);
    let m = tune("|: C [1 D :| [2 E |]");
    assert_eq!(pitches(&m), [60, 62, 60, 64]);
    let m = tune("C D :: E F :| G");
    assert_eq!(pitches(&m), [60, 62, 60, 62, 64, 65, 64, 65, 67]);
    let m = tune("C :| D :| E");
    assert_eq!(pitches(&m), [60, 60, 62, 62, 64]);
    let m = tune("|: C |1 D :|2 E :|3 F |]");
    assert_eq!(pitches(&m), [60, 62, 60, 64, 60, 65]);
    let m = tune("|: C |1,3 D :|2 E :|4 F |]");
    assert_eq!(pitches(&m), [60, 62, 60, 64, 60, 62, 60, 65]);
    let m = tune("|: C |1-2 D :|3 E |]");
    assert_eq!(pitches(&m), [60, 62, 60, 62, 60, 64]);
    // A second group of endings after `||` repeats from that `||`.
    let m = tune("|: C |1 D :|2 E || F |1 G :|2 A |]");
    assert_eq!(pitches(&m), [60, 62, 60, 64, 65, 67, 65, 69]);
    // A `||` inside the section does not end it.
    let m = tune("|: C || D :| E");
    assert_eq!(pitches(&m), [60, 62, 60, 62, 64]);
    let m = tune("C ::| D");
    assert_eq!(pitches(&m), [60, 60, 62]);
}

#[test]
fn decorations_chord_symbols_and_graces_are_ignored() {
    let m = tune("\"Am\" !trill! +fermata+ .~HC TuvD {gab}E {/c}F \"^text\"G !mf! A (B c) `d");
    assert_eq!(pitches(&m), [60, 62, 64, 65, 67, 69, 71, 72, 74]);
    assert!(durations(&m).iter().all(|&d| d == q(1)));
}

#[test]
fn chords_give_their_top_note() {
    let m = tune("[CEG] [G,2c2] [ce]/ [E-G-]2 [EG] | [Cc]3/2");
    assert_eq!(pitches(&m), [67, 72, 76, 67, 72]);
    assert_eq!(durations(&m), [q(1), q(2), r(1, 2), q(3), r(3, 2)]);
    assert_eq!(m.notes[3].tie_parts, [q(2), q(1)]);
    let m = tune("[C2E2]2 [^F] F");
    assert_eq!(durations(&m)[0], q(4));
    assert_eq!(pitches(&m)[1..], [66, 66]);
}

#[test]
fn inline_fields_and_field_lines() {
    let m = tune("C [K:D] F [L:1/8] F [M:3/4] Z\nK:Bb\nB\nL:1/2\nB");
    assert_eq!(pitches(&m), [60, 66, 66, 70, 70]);
    assert_eq!(durations(&m), [q(1), q(1), r(1, 2), q(3), r(1, 2), q(2)]);
}

#[test]
fn rests_and_measure_rests() {
    let m = tune("C z2 x Z2 D | X E");
    assert_eq!(durations(&m), [q(1), q(11), q(1), q(4), q(1)]);
    assert!(m.notes[1].is_rest());
}

#[test]
fn comments_continuations_and_lyrics() {
    let text = "X:1\nM:2/4\nL:1/8\n% a comment\nK:G\nGA \\\nBc | % tail\nw: la la la la\nW: words\n%%MIDI program 1\nd2 B2 |]\n";
    let m = parse_one(text).expect("tune");
    assert_eq!(pitches(&m), [67, 69, 71, 72, 74, 71]);
}

#[test]
fn voices_give_their_top_line_and_overlays_are_left_out() {
    let body = "V:1\nCD EF |\nV:2\nC,D, E,F, |\nV:1\nGA Bc |]\n[V:2] E,4 |";
    let m = tune_with("V:1 clef=treble\nV:2 clef=bass\nK:C", body);
    assert_eq!(pitches(&m), [60, 62, 64, 65, 67, 69, 71, 72]);
    // The alto is above the soprano for two notes.
    let m = tune("[V:S] C D | [V:A] E F | [V:S] G A");
    assert_eq!(pitches(&m), [64, 65, 67, 69]);
    let m = tune("C D & E F | G");
    assert_eq!(pitches(&m), [60, 62, 67]);
    let m = tune("|: C & E :| G");
    assert_eq!(pitches(&m), [60, 60, 67]);
    // Notes before the first `V:` are a voice of their own.
    let m = tune("C D\nV:2\nE F");
    assert_eq!(pitches(&m), [64, 65]);
}

#[test]
fn german_key_names() {
    let m = tune_with("K: H", "D F A B");
    assert_eq!(m.key_signature, Some(5));
    assert_eq!(pitches(&m), [63, 66, 70, 71]);
    let m = tune_with("K: Es", "E A B");
    assert_eq!(m.key_signature, Some(-3));
    assert_eq!(pitches(&m), [63, 68, 70]);
}

#[test]
fn bare_tonic_mode_comes_from_the_notes() {
    // An E-minor tune under `K: G`, as the Essen files write it.
    let m = tune_with(
        "L:1/8\nK: G",
        "B, | E2 G2 B2 e2 | d2 B2 ^d2 e2 | B2 G2 F2 D2 | E6 |]",
    );
    assert_eq!(m.key_signature, Some(1));
    assert_eq!(m.key, Key::parse("Em"));
    let m = tune_with(
        "L:1/8\nK: G",
        "D | G2 B2 d2 B2 | c2 A2 F2 D2 | G2 B2 A2 F2 | G6 |]",
    );
    assert_eq!(m.key, Key::parse("G"));
    // A stated mode is kept even when the notes say otherwise.
    let m = tune_with("L:1/8\nK:Gmaj", "E2 G2 B2 e2 | ^d2 e2 B2 E2 |]");
    assert_eq!(m.key, Key::parse("G"));
    let m = tune_with("K:Em", "G B d g");
    assert_eq!(m.key, Key::parse("Em"));
    let m = tune_with("K:Dmix", "D F A c");
    assert_eq!(
        m.key,
        Some(Key::new(
            crate::music::PitchName::new('D', 0).expect("D"),
            Mode::Mixolydian
        ))
    );
    // No key: no signature, the key among all 24.
    let m = tune_with("K:none", "A c e a ^g a e c A");
    assert_eq!(m.key_signature, None);
    assert_eq!(m.key, Key::parse("Am"));
}

#[test]
fn meters_units_and_tempo() {
    let m = parse_one("X:1\nM:2/4\nK:C\nC D|\n").expect("tune");
    assert_eq!(m.meter, Meter::new(2, 4));
    assert_eq!(durations(&m), [r(1, 4), r(1, 4)]);
    let m = parse_one("X:1\nM:C\nK:C\nC D|\n").expect("tune");
    assert_eq!((m.meter, durations(&m)[0]), (Meter::new(4, 4), r(1, 2)));
    let m = parse_one("X:1\nM:C|\nK:C\nC|\n").expect("tune");
    assert_eq!(m.meter, Meter::new(2, 2));
    let m = parse_one("X:1\nM: none\nK:C\nC D|\n").expect("tune");
    assert_eq!((m.meter, durations(&m)[0]), (None, r(1, 2)));
    let m = parse_one("X:1\nQ:1/4=120\nL:1/8\nK:C\nC\n").expect("tune");
    assert_eq!(m.tempo_qpm, Some(120.0));
    let m = parse_one("X:1\nQ:120\nL:1/4\nK:C\nC\n").expect("tune");
    assert_eq!(m.tempo_qpm, Some(120.0));
    let m = parse_one("X:1\nQ:3/8=40\nK:C\nC\n").expect("tune");
    assert_eq!(m.tempo_qpm, Some(60.0));
}

#[test]
fn pickups() {
    let m = tune_with(
        "M:2/4\nL:1/16\nK: F",
        "C2 | F2F2F2G2 | A2G2F4\nA2A2A2B2 | c3BA2\nF2 |]",
    );
    assert_eq!(m.pickup, r(1, 2));
    assert_eq!(tune("|: C D E F | G4 :|").pickup, Ratio::ZERO);
    assert_eq!(tune("z C | D4").pickup, q(2));
    assert_eq!(tune_with("M:none\nK:C", "C | D E").pickup, Ratio::ZERO);
}

#[test]
fn a_file_of_several_tunes() {
    let text = "%abc-2.1\nL:1/8\nM:3/4\n\nX:3\nT:First\nT:Subtitle\nK:G\nGAB|\n\nfree text\nX:7\nT:Second\nL:1/4\nK:D\nF\nX:9\nK:C\n\nX:10\nT:Broken\nK:C\nC A99999999999999999\n";
    let tunes = parse_tunes(text);
    let summary: Vec<(u32, usize, bool)> = tunes
        .iter()
        .map(|t| (t.number, t.line, t.melody.is_ok()))
        .collect();
    assert_eq!(
        summary,
        [(3, 5, true), (7, 12, true), (9, 17, false), (10, 20, false)]
    );
    let first = tunes[0].melody.as_ref().expect("first");
    assert_eq!(first.title.as_deref(), Some("First"));
    assert_eq!(first.meter, Meter::new(3, 4));
    assert_eq!(durations(first), [r(1, 2); 3]);
    let second = tunes[1].melody.as_ref().expect("second");
    assert_eq!(pitches(second), [66]);
    assert_eq!(durations(second), [q(1)]);
    let err = |i: usize| tunes[i].melody.as_ref().expect_err("broken").to_string();
    assert!(
        err(2).contains("no notes") && err(2).contains("line 17"),
        "{}",
        err(2)
    );
    assert!(err(3).contains("line 23"), "{}", err(3));
}

#[test]
fn errors_name_the_line_in_the_file() {
    let line_of = |text: &str| {
        let e = parse_one(text).expect_err("should fail");
        e.location().and_then(|l| l.line)
    };
    assert_eq!(line_of("X:1\nK:C\nCDE|\nC0 D|\n"), Some(4));
    assert_eq!(
        line_of("X:1\nK:C\nC//////////////////////////////////////|\n"),
        Some(3)
    );
    assert_eq!(line_of("X:1\nK:Xyz\nC\n"), Some(2));
    assert_eq!(line_of("X:1\nL:0\nK:C\nC\n"), Some(2));
    assert_eq!(line_of("X:1\nK:C\nC D\nC \u{fffd} D\n"), Some(4));
    assert_eq!(line_of("X:1\nK:C\nc''''''''''\n"), Some(3));
    assert_eq!(line_of("X:1\nK:C\nz4 | z4\n"), Some(1));
    assert_eq!(line_of("X:1\nK:C\nZ0\n"), Some(3));
    // Harmless junk is skipped.
    let m = parse_one("X:1\nK:C\nC # ; ? @ * $ D 3 E\n").expect("tune");
    assert_eq!(pitches(&m), [60, 62, 64]);
}

#[test]
fn junk_never_panics() {
    let samples = [
        "",
        "X:",
        "X:1",
        "X:1\nK:",
        "X:1\nK:C\n(",
        "X:1\nK:C\n[",
        "X:1\nK:C\nC[",
        "X:1\nK:C\n[K:",
        "X:1\nK:C\n[1",
        "X:1\nK:C\n|1-",
        "X:1\nK:C\n(99999999999999999999C",
        "X:1\nK:C\nZ99999999999999",
        "X:1\nK:C\n^",
        "X:1\nK:C\n\"unclosed",
        "X:1\nK:C\n{unclosed",
        "X:1\nK:C\n!unclosed C",
        "X:1\nK:C\nC>>>>>>>>>>",
        "X:1\nK:C\n>C",
        "X:1\nK:C\n:|:|:|::::",
        "X:1\nK:C\n[CEG",
        "X:1\nK:C\nC-\n",
        "X:1\nL:99999999999/1\nK:C\nC",
        "X:1\nM:99999/99999\nK:C\nC",
        "X:1\nQ:1/0=9e999\nK:C\nC",
        "X:99999999999999999999\nK:C\nC",
        "X:1\nK:C#######\nC",
        "X:1\nK:C\n(3:0:0CDE (0C (1C",
        "X:1\nK:C\n[1,99999-999999 C",
        "\r\r\rX:1\rK:C\rC\r",
        "X:1\nK:C\n&&&& | C",
        "X:1\nV:\nK:C\n[V:]C",
        "K:G\nGAB",
    ];
    for text in samples {
        let _ = parse_tunes(text);
    }
    // Pseudo-random bytes and ABC-ish tokens.
    let tokens = [
        "C", "c'", "_B,", "^^f", "=e", "z", "Z3", "x", "2", "/", "3/2", "-", ">", "<", "(3", "(",
        ")", "[", "]", "|", "||", ":|", "|:", "::", "[1", "|2", "\"Am\"", "!", "+", "{", "}", "K:",
        "[K:D]", "[M:6/8]", "[L:1/16]", "[V:2]", "\n", "\nV:1\n", "\n\n", "X:2\n", "%", "\\", "&",
        "y", "\u{e9}", "\u{0}",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..2000 {
        let mut text = String::from("X:1\nK:C\n");
        for _ in 0..(next() % 40) {
            text.push_str(tokens[(next() % tokens.len() as u64) as usize]);
        }
        let _ = parse_tunes(&text);
        let bytes: Vec<u8> = (0..next() % 64).map(|_| (next() % 256) as u8).collect();
        let _ = parse_tunes(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn no_x_field_but_a_key_is_one_tune() {
    let tunes = parse_tunes("T:loose\nK:G\nGAB\n");
    assert_eq!(tunes.len(), 1);
    assert_eq!(
        tunes[0].melody.as_ref().map(pitches).ok(),
        Some(vec![67, 69, 71])
    );
    let tunes = parse_tunes("just some text\n");
    assert_eq!(tunes.len(), 1);
    assert!(tunes[0].melody.is_err());
}

fn melody(meter: Option<Meter>, notes: Vec<Note>) -> Melody {
    let mut m = Melody::new();
    m.meter = meter;
    m.notes = notes;
    m
}

fn round_trip(m: &Melody) -> Melody {
    let text = write(m);
    parse_one(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn writer_output_reads_back() {
    let n = |p: u8, d: Ratio| Note::new(Pitch(p), d);
    let mut m = melody(
        Meter::new(3, 4),
        vec![
            n(67, q(1)),
            n(66, r(1, 2)),
            n(65, r(1, 2)),
            n(66, q(1)),
            Note::rest(r(1, 4)),
            n(70, r(3, 4)),
            n(61, q(3)),
            n(49, r(1, 3)),
            n(97, r(2, 3)),
            n(30, r(3, 2)),
        ],
    );
    m.title = Some("Round trip".into());
    m.key = Key::parse("Dm");
    m.key_signature = Some(-1);
    m.tempo_qpm = Some(96.0);
    m.pickup = q(1);
    let text = write(&m);
    assert!(
        text.starts_with("X:1\nT:Round trip\nM:3/4\nL:1/16\nQ:1/4=96\nK:Dm\n"),
        "{text}"
    );
    let back = round_trip(&m);
    assert_eq!(pitches(&back), pitches(&m));
    assert_eq!(durations(&back), durations(&m));
    assert_eq!((back.key, back.key_signature), (m.key, m.key_signature));
    assert_eq!(
        (back.meter, back.pickup, back.tempo_qpm),
        (m.meter, m.pickup, m.tempo_qpm)
    );
    assert_eq!(back.title, m.title);
}

#[test]
fn writer_ties_notes_across_bar_lines() {
    let mut long = Note::new(Pitch(66), q(6));
    long.tie_parts = vec![q(1), q(5)];
    let m = melody(
        Meter::new(2, 4),
        vec![Note::new(Pitch(60), q(1)), long, Note::rest(q(5))],
    );
    let text = write(&m);
    assert!(text.contains("C4 ^F4- | ^F8- | ^F8- | ^F4 z4 |"), "{text}");
    let back = round_trip(&m);
    assert_eq!(pitches(&back), [60, 66]);
    assert_eq!(durations(&back), [q(1), q(6), q(5)]);
    assert_eq!(back.notes[1].tie_parts, [q(1), q(2), q(2), q(1)]);
}

#[test]
fn writer_without_meter_or_key() {
    let notes = (0..40).map(|i| Note::new(Pitch(50 + i), r(1, 2))).collect();
    let m = melody(None, notes);
    let text = write(&m);
    assert!(
        text.contains("M:none\n") && text.contains("K:none\n"),
        "{text}"
    );
    assert!(!text.lines().skip(5).any(|l| l.contains(" | ")), "{text}");
    let back = round_trip(&m);
    assert_eq!(pitches(&back), pitches(&m));
    assert_eq!(durations(&back), durations(&m));
    assert_eq!(back.key_signature, None);
    // A signature without a key is written as its major key; the mode is re-estimated.
    let mut m = melody(Meter::new(4, 4), vec![Note::new(Pitch(70), q(4))]);
    m.key_signature = Some(-2);
    assert!(write(&m).contains("K:Bb\n"));
    assert_eq!(round_trip(&m).key_signature, Some(-2));
}

#[test]
fn writer_spells_for_the_key() {
    let chromatic = (60..72)
        .map(|p| Note::new(Pitch(p), q(1)))
        .collect::<Vec<_>>();
    let mut m = melody(Meter::new(12, 4), chromatic.clone());
    m.key = Key::parse("C");
    assert!(
        write(&m).contains("C4 ^C4 D4 _E4 =E4 F4 ^F4 G4 ^G4 A4 _B4 =B4 |]"),
        "{}",
        write(&m)
    );
    m.key = Key::parse("Eb");
    assert!(
        write(&m).contains("C4 _D4 =D4 E4 =E4 F4 _G4 =G4 A4 =A4 B4 =B4 |]"),
        "{}",
        write(&m)
    );
    m.key = Key::parse("Gb");
    let back = round_trip(&m);
    assert_eq!(pitches(&back), (60..72).collect::<Vec<_>>());
}
