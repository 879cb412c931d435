//! Every reader survives junk: empty, truncated, binary, absurd and unknown input.

use lstmuse::formats::{self, ReadOptions, abc, kern, midi, musicxml};

/// Small deterministic byte noise.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn samples() -> Vec<Vec<u8>> {
    let kern_song =
        b"**kern\n*M6/8\n*k[f#]\n*G:\n8d\n=1\n4g\n8a\n4.b\n=2\n[2.dd\n=3\n4dd]\n8r\n*-\n".to_vec();
    let abc_song = b"X:1\nT:T\nM:6/8\nL:1/8\nK:G\n|:d|g2a b2c'|(3ded B2 z:|\n".to_vec();
    let mut melody = kern::parse(
        std::str::from_utf8(&kern_song).unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    melody.title = Some("T".into());
    let midi_song = midi::write(&melody);
    let xml_song = musicxml::write(&melody).into_bytes();
    vec![kern_song, abc_song, midi_song, xml_song]
}

fn feed_everywhere(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let o = ReadOptions::default();
    let _ = kern::parse(&text, &o);
    let _ = abc::parse_tunes(&text);
    let _ = midi::parse(bytes, &o);
    let _ = musicxml::parse(&text, &o);
    let _ = musicxml::parse_mxl(bytes, &o);
}

#[test]
fn truncated_and_corrupted_files_never_panic() {
    for s in samples() {
        for cut in 0..s.len() {
            feed_everywhere(&s[..cut]);
        }
        let mut c = s.clone();
        for (i, b) in noise(7, c.len()).into_iter().enumerate().step_by(5) {
            c[i] ^= b;
            feed_everywhere(&c);
        }
    }
}

#[test]
fn binary_junk_empty_and_absurd_input_never_panics() {
    for seed in 1..40 {
        feed_everywhere(&noise(seed, 64 * seed as usize));
    }
    let absurd: [&[u8]; 12] = [
        b"",
        b"\0\0\0\0",
        b"**kern\n99999999999999999999999c\n*-\n",
        b"**kern\n0000000000c\n1%0c\n*M0/0\n*k[########]\n*-\n",
        b"X:1\nK:C\nC99999999999999999999/0\n",
        b"X:1\nL:0/0\nM:0/0\nK:Zmix\nC////////////////////D\n",
        b"X:1\nK:C\n(9999999 CDE [[[[ {{{ \"\"\"\n",
        b"X:\nX:1\nX:99999999999999999999\n",
        b"MThd\0\0\0\x06\0\x01\0\x02\0\0",
        b"<score-partwise><part><measure><attributes><divisions>0</divisions></attributes><note><pitch><step>C</step><octave>99</octave></pitch><duration>-5</duration></note></measure></part></score-partwise>",
        b"<score-partwise><part id=\"P1\"><measure><note><duration>99999999999999999999</duration></note>",
        b"PK\x03\x04 not really a zip",
    ];
    for a in absurd {
        feed_everywhere(a);
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.krn", "b.mid", "c.musicxml", "d.mxl"] {
        let p = dir.path().join(name);
        std::fs::write(&p, b"\x00junk").unwrap();
        let e = formats::read_melody(&p, &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
    let p = dir.path().join("e.abc");
    std::fs::write(&p, b"X:3\nT:x\nK:C\n").unwrap();
    if let Err(e) = formats::read_melody(&p, &ReadOptions::default()) {
        assert!(e.to_string().contains("e.abc"), "{e}");
    }
    let p = dir.path().join("f.txt");
    std::fs::write(&p, b"hello").unwrap();
    let e = formats::read_melody(&p, &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("f.txt"), "{e}");
}
