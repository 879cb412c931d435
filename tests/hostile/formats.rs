//! Hostile and unlucky inputs for the readers, writers, renderer and corpus folder
//! (issue 15): each test is a tiny crafted input that once ran out of memory, panicked,
//! took quadratic time or gave a misleading error.

use crate::common;
use lstmuse::formats::{self, Format, ReadOptions, abc, kern, midi, musicxml};
use lstmuse::limits::Limits;
use lstmuse::synth::{self, RenderConfig};
use lstmuse::{Error, Melody};
use std::io::Write as _;
use std::time::{Duration, Instant};

fn read(name: &str) -> lstmuse::Result<Melody> {
    formats::read_melody(
        &common::fixture("hostile").join(name),
        &ReadOptions::default(),
    )
}

fn text(name: &str) -> String {
    String::from_utf8(std::fs::read(common::fixture("hostile").join(name)).unwrap()).unwrap()
}

/// Asserts a limit error naming `what` (and, when given, the file).
fn assert_limit(result: lstmuse::Result<impl std::fmt::Debug>, what: &str, file: Option<&str>) {
    check_limit(&result.unwrap_err(), what, file);
}

fn check_limit(e: &Error, what: &str, file: Option<&str>) {
    let message = e.to_string();
    assert!(
        matches!(e, Error::Limit { .. }),
        "not a limit error: {message}"
    );
    assert!(
        message.contains(what) && message.contains("limit"),
        "{message}"
    );
    if let Some(file) = file {
        assert!(message.contains(file), "{message}");
    }
}

// ---------------------------------------------------------------------------------------
// Unbounded work from tiny inputs.

#[test]
fn a_long_note_in_a_tiny_meter_is_refused_by_the_writers_not_written_bar_by_bar() {
    // 27 bytes: one note of four million quarters in 1/64 time (64 million bars).
    let m = kern::parse(&text("long_note.krn"), &ReadOptions::default()).unwrap();
    for format in [Format::Kern, Format::Abc, Format::MusicXml, Format::Midi] {
        assert_limit(formats::to_bytes(&m, format), "length of a melody", None);
    }
    // Read through the file layer, the length limit names the file.
    assert_limit(
        read("long_note.krn"),
        "length of a melody",
        Some("long_note.krn"),
    );
    // 37 bytes of ABC: 12,288 quarters in 1/64 time are 196,608 bars.
    let m = read("many_bars.abc").unwrap();
    assert_limit(formats::to_bytes(&m, Format::Abc), "bars", None);
    assert_limit(formats::to_bytes(&m, Format::Kern), "bars", None);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("out.krn");
    assert_limit(formats::write_melody(&m, &path), "bars", Some("out.krn"));
    assert!(!path.exists());
    // Called directly, the writers stop at the bar limit instead of running on.
    let bars = Limits::DEFAULT.max_bars;
    let kern_text = kern::write(&m);
    let kern_bars = kern_text.lines().filter(|l| l.starts_with('=')).count();
    assert!(kern_bars <= bars + 2, "{kern_bars} bars");
    let abc_text = abc::write(&m);
    assert!(abc_text.matches('|').count() <= bars + 2);
    assert!(kern_text.len() < 20 << 20 && abc_text.len() < 20 << 20);
}

#[test]
fn the_kern_writer_numbers_each_bar_inside_a_long_note() {
    let mut m = kern::parse("**kern\n*M2/4\n1.c\n*-\n", &ReadOptions::default()).unwrap();
    m.title = None;
    let text = kern::write(&m);
    let bars: Vec<&str> = text.lines().filter(|l| l.starts_with('=')).collect();
    assert_eq!(bars, ["=1-", "=2", "=3", "=4", "=="], "{text}");
}

#[test]
fn a_render_longer_than_the_limit_is_refused_before_allocating() {
    // 29 bytes: 4,096 quarters at 10 quarters a minute, 6.8 hours (4.3 GB of samples).
    let m = read("long_render.abc").unwrap();
    assert_limit(
        synth::try_render(&m, &RenderConfig::default()),
        "audio frames",
        None,
    );
}

#[test]
fn an_eighteen_digit_musicxml_duration_is_a_limit_not_an_overflow() {
    let m = musicxml::parse(&text("huge_duration.musicxml"), &ReadOptions::default()).unwrap();
    assert_limit(
        synth::try_render(&m, &RenderConfig::default()),
        "audio frames",
        None,
    );
    assert_limit(
        read("huge_duration.musicxml"),
        "length of a melody",
        Some("huge_duration.musicxml"),
    );
}

#[test]
fn abc_ending_for_passes_2_to_63_expands_to_at_most_the_event_limit() {
    // 20,000 notes played 63 times would be 1.26 million events.
    let text = format!("X:1\nL:1/8\nK:C\n|:{}:|2-63 d|]\n", "c".repeat(20_000));
    let tunes = abc::parse_tunes(&text);
    check_limit(
        tunes[0].melody.as_ref().unwrap_err(),
        "expanding repeats",
        None,
    );
    // Played twice it is fine.
    let text = format!("X:1\nL:1/8\nK:C\n|:{}:|d|]\n", "c".repeat(20_000));
    assert_eq!(
        abc::parse_tunes(&text)[0]
            .melody
            .as_ref()
            .unwrap()
            .notes
            .len(),
        40_001
    );
}

#[test]
fn deeply_nested_xml_is_refused_before_parsing() {
    // 1.5 KB of .mxl: 200,000 nested elements, which overflowed the parser's stack.
    assert_limit(read("deep.mxl"), "nesting depth", Some("deep.mxl"));
    let deep = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
    assert_limit(
        musicxml::parse(&deep, &ReadOptions::default()),
        "nesting depth",
        None,
    );
}

#[test]
fn dtd_entity_declarations_are_refused() {
    let e = read("entities.musicxml").unwrap_err().to_string();
    assert!(
        e.contains("<!ENTITY") && e.contains("entities.musicxml"),
        "{e}"
    );
}

/// An `.mxl` archive holding `score` as its only file.
fn mxl_of(score: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("score.musicxml", options).unwrap();
    zip.write_all(score).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_mxl_zip_bomb_stops_at_the_entry_limit() {
    // About 65 KB of zip inflating past the entry limit.
    let limit = Limits::DEFAULT.max_mxl_entry_bytes;
    let mut score = b"<score-partwise>".to_vec();
    score.resize(usize::try_from(limit).unwrap() + 1024, b' ');
    let bomb = mxl_of(&score);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    assert_limit(
        musicxml::parse_mxl(&bomb, &ReadOptions::default()),
        ".mxl entry",
        None,
    );
}

#[test]
fn an_mxl_of_millions_of_nodes_stops_at_the_node_limit() {
    let nodes = Limits::DEFAULT.max_xml_nodes;
    let mut score = b"<score-partwise>".to_vec();
    score.extend(b"<a/>".repeat(nodes + 10));
    score.extend(b"</score-partwise>");
    let bomb = mxl_of(&score);
    assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
    assert_limit(
        musicxml::parse_mxl(&bomb, &ReadOptions::default()),
        "XML nodes",
        None,
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.krn");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(Limits::DEFAULT.max_file_bytes + 1).unwrap(); // sparse: no disk used
    assert_limit(
        formats::read_melody(&path, &ReadOptions::default()),
        "bytes in an input file",
        Some("huge.krn"),
    );
}

// ---------------------------------------------------------------------------------------
// Arithmetic and validation.

#[test]
fn a_nineteen_digit_divisions_is_too_large_not_negative() {
    let e = read("huge_divisions.musicxml").unwrap_err().to_string();
    assert!(e.contains("too large") && !e.contains("positive"), "{e}");
}

#[test]
fn abc_broken_rhythm_checks_the_lengthened_note() {
    // `>>>` makes the first note 15/8 of the longest length allowed.
    let e = read("broken_rhythm.abc").unwrap_err().to_string();
    assert!(e.contains("out of range") && e.contains("line 4"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Text.

#[test]
fn utf16_musicxml_files_are_decoded() {
    let m = read("utf16.musicxml").unwrap();
    let pitches: Vec<u8> = m
        .notes
        .iter()
        .filter_map(|n| n.pitch)
        .map(|p| p.midi())
        .collect();
    assert_eq!(pitches, [67, 64]);
}

#[test]
fn error_messages_never_echo_terminal_escapes() {
    let e = read("escape.krn").unwrap_err().to_string();
    assert!(!e.chars().any(char::is_control), "{e:?}");
    assert!(e.contains("XYZ") && e.contains("\\u{1b}"), "{e}");
    let abc = "X:1\nK:\u{1b}[2J\nC\n";
    let e = abc::parse_tunes(abc)[0]
        .melody
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(!e.chars().any(char::is_control), "{e:?}");
    assert_eq!(formats::echo("a\u{7}b"), "a\\u{7}b");
    assert_eq!(formats::echo(&"x".repeat(70)).chars().count(), 61);
    // XML errors quote the offending byte: escaped too.
    let xml = "<score-partwise>\u{1b}[2J</score-partwise>";
    let e = musicxml::parse(xml, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(!e.chars().any(char::is_control), "{e:?}");
}

// ---------------------------------------------------------------------------------------
// Linear time: the same input 10× bigger must take about 10× longer, not 100×.

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Runs `work(small)` and `work(10 * small)` and asserts the big run is no slower than
/// 30× the small one plus half a second (quadratic work is 100×). Robust on a loaded
/// 2-core machine: the slack covers noise, the factor still catches N².
fn assert_linear(what: &str, small: usize, work: impl Fn(usize)) {
    work(small / 10); // warm up allocator and caches
    let t_small = timed(|| work(small));
    let t_large = timed(|| work(small * 10));
    eprintln!(
        "{what}: {small} -> {t_small:?}, {} -> {t_large:?}",
        small * 10
    );
    let bound = t_small * 30 + Duration::from_millis(500);
    assert!(
        t_large <= bound,
        "{what}: {t_large:?} for {} is over {bound:?} (small: {t_small:?} for {small})",
        small * 10
    );
}

/// A type-0 MIDI file: `n` note-ons of middle C at time 0, then `n` note-offs one tick apart.
fn stacked_note_ons(n: usize) -> Vec<u8> {
    let mut track = vec![0x00, 0x90, 60, 64];
    for _ in 1..n {
        track.extend([0x00, 60, 64]);
    }
    track.extend([0x01, 0x80, 60, 0]);
    for _ in 1..n {
        track.extend([0x01, 60, 0]);
    }
    track.extend([0x00, 0xFF, 0x2F, 0x00]);
    let mut smf = b"MThd\0\0\0\x06\0\0\0\x01\x01\xe0MTrk".to_vec();
    smf.extend(u32::try_from(track.len()).unwrap().to_be_bytes());
    smf.extend(track);
    smf
}

#[test]
fn stacked_midi_note_ons_take_linear_time() {
    assert_linear("stacked MIDI note-ons", 30_000, |n| {
        let m = midi::parse(&stacked_note_ons(n), &ReadOptions::default()).unwrap();
        assert!(!m.notes.is_empty());
    });
}

#[test]
fn abc_repeat_scan_takes_linear_time() {
    // Every `:|` is played twice; on the second pass the reader looked ahead to the end
    // of the tune for a later ending, every time.
    assert_linear("ABC repeats", 8_000, |n| {
        let text = format!("X:1\nL:1/4\nK:C\n{}\n", "c :| ".repeat(n));
        let tunes = abc::parse_tunes(&text);
        assert_eq!(tunes[0].melody.as_ref().unwrap().notes.len(), 2 * n);
    });
}

/// A partwise score of `n` measures, each one note played twice (`:|` at its end).
fn many_repeats(n: usize) -> String {
    let measure = "<measure><note><pitch><step>C</step><octave>4</octave></pitch>\
        <duration>1</duration></note><barline location=\"right\">\
        <repeat direction=\"backward\"/></barline></measure>";
    format!(
        "<score-partwise><part-list><score-part id=\"P1\"/></part-list><part id=\"P1\">\
         <measure><attributes><divisions>1</divisions></attributes></measure>{}</part>\
         </score-partwise>",
        measure.repeat(n)
    )
}

#[test]
fn musicxml_repeats_and_ending_regions_take_linear_time() {
    // For every measure the reader looked through every measure's ending region.
    assert_linear("MusicXML repeats", 8_000, |n| {
        let m = musicxml::parse(&many_repeats(n), &ReadOptions::default()).unwrap();
        assert_eq!(m.notes.len(), 2 * n);
    });
}
