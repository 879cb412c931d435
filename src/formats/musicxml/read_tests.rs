//! Unit tests of the MusicXML reader on small hand-written scores.

use super::*;
use crate::music::{Meter, Pitch, Ratio};

/// A one-part partwise score around the given measures.
fn score(measures: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<score-partwise version=\"4.0\">\n<part-list>\
         <score-part id=\"P1\"><part-name>x</part-name></score-part></part-list>\n\
         <part id=\"P1\">\n{measures}\n</part>\n</score-partwise>\n"
    )
}

fn attrs(divisions: u32, time: &str) -> String {
    format!(
        "<attributes><divisions>{divisions}</divisions><key><fifths>0</fifths></key>{time}</attributes>"
    )
}

const FOUR_FOUR: &str = "<time><beats>4</beats><beat-type>4</beat-type></time>";

fn note(step: char, octave: i32, duration: u32, extra: &str) -> String {
    format!(
        "<note><pitch><step>{step}</step><octave>{octave}</octave></pitch>\
         <duration>{duration}</duration>{extra}</note>"
    )
}

fn rest(duration: u32, extra: &str) -> String {
    format!("<note><rest/><duration>{duration}</duration>{extra}</note>")
}

fn read(xml: &str) -> Melody {
    parse(xml, &ReadOptions::default()).unwrap()
}

fn pitches(m: &Melody) -> Vec<Option<u8>> {
    m.notes.iter().map(|n| n.pitch.map(Pitch::midi)).collect()
}

fn durations(m: &Melody) -> Vec<Ratio> {
    m.notes.iter().map(|n| n.duration).collect()
}

fn q(n: i64, d: i64) -> Ratio {
    Ratio::new(n, d)
}

#[test]
fn simple_measure() {
    let body = format!(
        "<measure number=\"1\">{}{}{}{}</measure>",
        attrs(2, FOUR_FOUR),
        note('C', 4, 2, ""),
        note('E', 4, 1, ""),
        rest(1, "") + &note('G', 4, 4, "")
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(60), Some(64), None, Some(67)]);
    assert_eq!(durations(&m), [q(1, 1), q(1, 2), q(1, 2), q(2, 1)]);
    assert_eq!(m.meter, Meter::new(4, 4));
    assert_eq!(m.key_signature, Some(0));
    assert_eq!(m.key, None);
    assert_eq!(m.pickup, Ratio::ZERO);
}

#[test]
fn chords_take_the_top_note() {
    let body = format!(
        "<measure number=\"1\">{}{}{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('C', 4, 2, ""),
        note('G', 4, 2, "<chord/>"),
        note('E', 4, 2, "<chord/>"),
    ) + &format!("<measure number=\"2\">{}</measure>", note('D', 4, 4, ""));
    let m = read(&score(&body));
    // The short first bar keeps its place: its missing half is a rest.
    assert_eq!(pitches(&m), [Some(67), None, Some(62)]);
    assert_eq!(durations(&m), [q(2, 1), q(2, 1), q(4, 1)]);
}

#[test]
fn backup_and_forward_place_the_voices() {
    let v = |n: u8| format!("<voice>{n}</voice>");
    let body = format!(
        "<measure number=\"1\">{}{}{}<forward><duration>1</duration><voice>1</voice></forward>\
         <backup><duration>4</duration></backup>{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('E', 5, 2, &v(1)),
        note('D', 5, 1, &v(1)),
        note('C', 3, 3, &v(2)),
        note('B', 2, 1, &v(2)),
    ) + &format!("<measure number=\"2\">{}</measure>", note('C', 5, 4, &v(1)));
    // The top line: voice 2's B2 sounds where voice 1 rests.
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(76), Some(74), Some(47), Some(72)]);
    assert_eq!(durations(&m), [q(2, 1), q(1, 1), q(1, 1), q(4, 1)]);
    // Voice 1 alone, as asked.
    let options = ReadOptions {
        voice: Some(1),
        ..ReadOptions::default()
    };
    let one = parse(&score(&body), &options).unwrap();
    assert_eq!(pitches(&one), [Some(76), Some(74), None, Some(72)]);
    let two = ReadOptions {
        voice: Some(2),
        ..ReadOptions::default()
    };
    assert_eq!(
        pitches(&parse(&score(&body), &two).unwrap()),
        [Some(48), Some(47), None]
    );
    let three = ReadOptions {
        voice: Some(3),
        ..ReadOptions::default()
    };
    let e = parse(&score(&body), &three).unwrap_err().to_string();
    assert!(e.contains("no voice 3") && e.contains("are 1, 2"), "{e}");
}

#[test]
fn second_voice_alone_is_read() {
    let body = format!(
        "<measure number=\"1\">{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('A', 4, 4, "<voice>2</voice>")
    );
    assert_eq!(pitches(&read(&score(&body))), [Some(69)]);
}

#[test]
fn grace_and_cue_notes_are_dropped() {
    let body = format!(
        "<measure number=\"1\">{}{}{}{}{}</measure>",
        attrs(1, FOUR_FOUR),
        "<note><grace/><pitch><step>B</step><octave>4</octave></pitch><type>eighth</type></note>",
        note('C', 5, 2, ""),
        "<note><cue/><pitch><step>D</step><octave>5</octave></pitch><duration>1</duration></note>",
        note('E', 5, 1, ""),
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(72), None, Some(76)]);
    assert_eq!(durations(&m), [q(2, 1), q(1, 1), q(1, 1)]);
}

#[test]
fn ties_merge_into_one_note() {
    let start = "<tie type=\"start\"/>";
    let stop = "<tie type=\"stop\"/>";
    let body = format!(
        "<measure number=\"1\">{}{}{}</measure><measure number=\"2\">{}{}</measure>",
        attrs(2, FOUR_FOUR),
        note('G', 4, 6, ""),
        note('A', 4, 2, start),
        note('A', 4, 1, &format!("{stop}{start}")),
        note('A', 4, 7, stop),
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(67), Some(69)]);
    assert_eq!(m.notes[1].duration, q(5, 1));
    assert_eq!(m.notes[1].tie_parts, [q(1, 1), q(1, 2), q(7, 2)]);
    assert!(m.notes[0].tie_parts.is_empty());
}

#[test]
fn tied_notation_alone_merges_but_other_pitches_do_not() {
    let body = format!(
        "<measure number=\"1\">{}{}{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('C', 5, 2, "<notations><tied type=\"start\"/></notations>"),
        note('C', 5, 1, "<notations><tied type=\"stop\"/></notations>"),
        note('D', 5, 1, "<tie type=\"stop\"/>"),
    );
    let m = read(&score(&body));
    assert_eq!(durations(&m), [q(3, 1), q(1, 1)]);
}

#[test]
fn divisions_can_change() {
    let body = format!(
        "<measure number=\"1\">{}{}</measure><measure number=\"2\">{}{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('C', 4, 4, ""),
        "<attributes><divisions>3</divisions></attributes>",
        note(
            'D',
            4,
            1,
            "<time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification>"
        ),
        note('E', 4, 11, ""),
    );
    let m = read(&score(&body));
    assert_eq!(durations(&m), [q(4, 1), q(1, 3), q(11, 3)]);
}

#[test]
fn whole_measure_rests() {
    let body = format!(
        "<measure number=\"1\">{}{}</measure><measure number=\"2\">{}</measure>",
        attrs(8, "<time><beats>3</beats><beat-type>4</beat-type></time>"),
        "<note><rest measure=\"yes\"/><duration>24</duration></note>",
        note('F', 4, 24, ""),
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [None, Some(65)]);
    assert_eq!(durations(&m), [q(3, 1), q(3, 1)]);
    // Without a duration the rest still fills the 3/4 bar.
    let body = body.replace("yes\"/><duration>24</duration>", "yes\"/>");
    assert_eq!(durations(&read(&score(&body))), [q(3, 1), q(3, 1)]);
}

#[test]
fn pickup_measures() {
    let time = "<time><beats>3</beats><beat-type>4</beat-type></time>";
    let body = format!(
        "<measure number=\"0\" implicit=\"yes\">{}{}</measure><measure number=\"1\">{}</measure>",
        attrs(1, time),
        note('G', 4, 1, ""),
        note('C', 5, 3, ""),
    );
    assert_eq!(read(&score(&body)).pickup, Ratio::ONE);
    // A short first measure without the attribute stays a bar: its missing beats rest.
    let body = body.replace(" implicit=\"yes\"", "");
    let m = read(&score(&body));
    assert_eq!(m.pickup, Ratio::ZERO);
    assert_eq!(pitches(&m), [Some(67), None, Some(72)]);
    assert_eq!(durations(&m), [q(1, 1), q(2, 1), q(3, 1)]);
    // A full first measure is no pickup.
    let body = format!(
        "<measure number=\"1\">{}{}</measure>",
        attrs(1, time),
        note('C', 5, 3, "")
    );
    assert_eq!(read(&score(&body)).pickup, Ratio::ZERO);
}

#[test]
fn key_mode_time_tempo_title() {
    let xml = score(&format!(
        "<measure number=\"1\"><attributes><divisions>1</divisions>\
         <key><fifths>-3</fifths><mode>minor</mode></key>\
         <time><beats>6</beats><beat-type>8</beat-type></time></attributes>\
         <direction><direction-type><metronome><beat-unit>quarter</beat-unit><beat-unit-dot/>\
         <per-minute>60</per-minute></metronome></direction-type></direction>{}</measure>",
        note('C', 5, 3, "")
    ))
    .replace(
        "<part-list>",
        "<work><work-title>Tune &amp; Song</work-title></work><part-list>",
    );
    let m = read(&xml);
    assert_eq!(m.key.map(|k| k.to_string()), Some("C Minor".to_string()));
    assert_eq!(m.key_signature, Some(-3));
    assert_eq!(m.meter, Meter::new(6, 8));
    assert_eq!(m.tempo_qpm, Some(90.0));
    assert_eq!(m.title.as_deref(), Some("Tune & Song"));
    let with_sound = xml.replace("<direction>", "<direction><sound tempo=\"100\"/>");
    assert_eq!(read(&with_sound).tempo_qpm, Some(100.0));
    let free = xml.replace("<time>", "<time><senza-misura/>");
    assert_eq!(read(&free).meter, None);
}

#[test]
fn transposing_instruments_sound_at_concert_pitch() {
    let body = format!(
        "<measure number=\"1\"><attributes><divisions>1</divisions><key><fifths>2</fifths>\
         <mode>major</mode></key><transpose><diatonic>-1</diatonic><chromatic>-2</chromatic>\
         </transpose></attributes>{}</measure>",
        note('D', 5, 4, "")
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(72)]);
    assert_eq!(m.key_signature, Some(0));
    assert_eq!(m.key.map(|k| k.to_string()), Some("C Major".to_string()));
}

#[test]
fn repeats_and_endings_expand() {
    let m = |n: u32, step: char, barline: &str| {
        format!(
            "<measure number=\"{n}\">{barline}{}</measure>",
            note(step, 4, 4, "")
        )
    };
    let fwd = "<barline location=\"left\"><repeat direction=\"forward\"/></barline>";
    let end1 = "<barline location=\"left\"><ending number=\"1\" type=\"start\"/></barline>\
                <barline location=\"right\"><ending number=\"1\" type=\"stop\"/>\
                <repeat direction=\"backward\"/></barline>";
    let end2 = "<barline location=\"left\"><ending number=\"2\" type=\"start\"/></barline>\
                <barline location=\"right\"><ending number=\"2\" type=\"discontinue\"/></barline>";
    let body = attrs(1, FOUR_FOUR).replace(
        "<attributes>",
        "<measure number=\"0\" implicit=\"yes\"><attributes>",
    ) + "</measure>"
        + &m(1, 'C', fwd)
        + &m(2, 'D', end1)
        + &m(3, 'E', end2)
        + &m(4, 'F', "");
    let got = pitches(&read(&score(&body)));
    let want = [60, 62, 60, 64, 65].map(Some);
    assert_eq!(got, want);
}

#[test]
fn timewise_scores_are_read() {
    let xml = "<score-timewise><part-list><score-part id=\"A\"/><score-part id=\"B\"/></part-list>\
        <measure number=\"1\"><part id=\"A\"><attributes><divisions>1</divisions></attributes>\
        <note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration></note></part>\
        <part id=\"B\"><attributes><divisions>1</divisions></attributes>\
        <note><pitch><step>E</step><octave>4</octave></pitch><duration>1</duration></note></part></measure>\
        <measure number=\"2\"><part id=\"A\"><note><pitch><step>D</step><alter>1</alter>\
        <octave>4</octave></pitch><duration>2</duration></note></part></measure></score-timewise>";
    assert_eq!(pitches(&read(xml)), [Some(60), Some(63)]);
    let b = parse(
        xml,
        &ReadOptions {
            part: Some(1),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(pitches(&b), [Some(64)]);
    assert!(
        parse(
            xml,
            &ReadOptions {
                part: Some(2),
                ..ReadOptions::default()
            }
        )
        .is_err()
    );
}

#[test]
fn errors_have_lines() {
    let body = format!(
        "<measure number=\"1\">\n{}\n<note><pitch><step>X</step><octave>4</octave></pitch>\
         <duration>1</duration></note></measure>",
        attrs(1, "")
    );
    let err = parse(&score(&body), &ReadOptions::default()).unwrap_err();
    assert_eq!(err.location().and_then(|l| l.line), Some(7), "{err}");
    let err = parse("<a>\n<b></a>", &ReadOptions::default()).unwrap_err();
    assert_eq!(err.location().and_then(|l| l.line), Some(2), "{err}");
    assert!(parse("<html/>", &ReadOptions::default()).is_err());
}

#[test]
fn absurd_divisions_are_errors_or_harmless() {
    for d in ["0", "-4", "abc", "", "1e9"] {
        let body = format!(
            "<measure><attributes><divisions>{d}</divisions></attributes>{}</measure>",
            note('C', 4, 1, "")
        );
        assert!(
            parse(&score(&body), &ReadOptions::default()).is_err(),
            "{d}"
        );
    }
    for d in ["999999999999999999", "0.0000001"] {
        let body = format!(
            "<measure><attributes><divisions>{d}</divisions></attributes>{}{}</measure>",
            note('C', 4, 999_999_999, ""),
            "<backup><duration>4000000000</duration></backup>"
        );
        let _ = parse(&score(&body), &ReadOptions::default());
    }
}

/// A valid score used for the truncation test.
fn sample() -> String {
    let body = format!(
        "<measure number=\"0\" implicit=\"yes\">{}{}</measure><measure number=\"1\">{}{}{}</measure>",
        attrs(2, FOUR_FOUR),
        note('G', 4, 2, "<tie type=\"start\"/>"),
        note('G', 4, 2, "<tie type=\"stop\"/>"),
        note('A', 4, 4, "<chord/>"),
        rest(2, "<voice>2</voice>"),
    );
    score(&body)
}

#[test]
fn truncated_and_random_input_never_panics() {
    let text = sample();
    assert!(parse(&text, &ReadOptions::default()).is_ok());
    for end in 0..text.len() {
        let _ = parse(&text[..end], &ReadOptions::default());
    }
    // A simple deterministic generator: random bytes and shuffled fragments.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces: Vec<&str> = text.split_inclusive('>').collect();
    let bytes = text.as_bytes();
    for _ in 0..2000 {
        let mut mutated = bytes.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % mutated.len();
            mutated[at] = b"<>/0123456789-. \"=x"[(next() as usize) % 18];
        }
        let _ = parse(&String::from_utf8_lossy(&mutated), &ReadOptions::default());
    }
    for _ in 0..300 {
        let bytes: Vec<u8> = (0..next() % 200).map(|_| next() as u8).collect();
        let _ = parse(&String::from_utf8_lossy(&bytes), &ReadOptions::default());
        let mixed: String = (0..pieces.len())
            .map(|_| pieces[(next() as usize) % pieces.len()])
            .collect();
        let _ = parse(&mixed, &ReadOptions::default());
    }
}

// Issue 26's MusicXML defects, one small score each.

#[test]
fn a_part_written_in_voice_2_reads_its_notes_and_voice_2_fills_voice_1_rests() {
    // Voice 1 holds only a rest; the notes are all in voice 2, over two bars.
    let body = format!(
        "<measure number=\"1\">{}{}<backup><duration>4</duration></backup>{}{}</measure>\
         <measure number=\"2\">{}</measure>",
        attrs(1, FOUR_FOUR),
        rest(4, "<voice>1</voice>"),
        note('C', 5, 2, "<voice>2</voice>"),
        note('D', 5, 2, "<voice>2</voice>"),
        note('E', 5, 4, "<voice>2</voice>"),
    );
    assert_eq!(
        pitches(&read(&score(&body))),
        [Some(72), Some(74), Some(76)]
    );
    // Voice 1 rests on beats 3-4, where voice 2 sounds.
    let body = format!(
        "<measure number=\"1\">{}{}{}<backup><duration>4</duration></backup>{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('G', 5, 2, "<voice>1</voice>"),
        rest(2, "<voice>1</voice>"),
        note('C', 4, 2, "<voice>2</voice>"),
        note('E', 4, 2, "<voice>2</voice>"),
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(79), Some(64)]);
    let v1 = ReadOptions {
        voice: Some(1),
        ..ReadOptions::default()
    };
    assert_eq!(
        pitches(&parse(&score(&body), &v1).unwrap()),
        [Some(79), None]
    );
}

#[test]
fn a_second_transpose_applies_from_where_it_is_written() {
    // E-flat clarinet (+3) then B-flat clarinet (-2): written C5 sounds 75, then 70.
    let tr = |chromatic: i32, diatonic: i32| {
        format!(
            "<attributes><transpose><diatonic>{diatonic}</diatonic>\
             <chromatic>{chromatic}</chromatic></transpose></attributes>"
        )
    };
    let body = format!(
        "<measure number=\"1\">{}{}{}</measure><measure number=\"2\">{}{}</measure>",
        attrs(1, FOUR_FOUR),
        tr(3, 2),
        note('C', 5, 4, ""),
        tr(-2, -1),
        note('C', 5, 4, ""),
    );
    assert_eq!(pitches(&read(&score(&body))), [Some(75), Some(70)]);
}

#[test]
fn unpitched_notes_are_counted_rests_and_an_unpitched_part_is_an_error() {
    let drum = "<note><unpitched><display-step>E</display-step><display-octave>4\
                </display-octave></unpitched><duration>1</duration></note>";
    let body = format!(
        "<measure number=\"1\">{}{}{drum}{}{}</measure>",
        attrs(1, FOUR_FOUR),
        note('C', 5, 1, ""),
        note('D', 5, 1, ""),
        note('E', 5, 1, ""),
    );
    let m = read(&score(&body));
    assert_eq!(pitches(&m), [Some(72), None, Some(74), Some(76)]);
    assert!(
        m.source.warnings.iter().any(|w| w.contains("1 unpitched")),
        "{:?}",
        m.source.warnings
    );
    let body = format!(
        "<measure number=\"1\">{}{drum}{drum}{drum}{drum}</measure>",
        attrs(1, FOUR_FOUR)
    );
    let e = parse(&score(&body), &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("only unpitched"), "{e}");
}
