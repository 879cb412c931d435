//! The `lstmuse` command line, run as a user would: convert, corpus stats, corpus encode, jam.

use crate::common;
use crate::common::lstmuse;
use std::process::Command;

const SONG: &str =
    "!!!OTL: Kleines Lied\n**kern\n*M3/4\n*k[b-]\n*F:\n{4c\n=1\n4f\n8f\n8g\n4a\n=2\n2.f}\n==\n*-\n";

#[test]
fn convert_writes_every_output_format_and_transposes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lied.krn");
    std::fs::write(&input, SONG).unwrap();
    for ext in ["mid", "musicxml", "krn"] {
        let out = dir.path().join(format!("out.{ext}"));
        let o = lstmuse(&[
            "convert",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--transpose-to-c",
        ]);
        assert!(
            o.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.exists());
    }
    let back =
        lstmuse::formats::read_melody(&dir.path().join("out.mid"), &Default::default()).unwrap();
    let pitches: Vec<u8> = back.sounding().map(|n| n.pitch.unwrap().midi()).collect();
    // F major moved down a fourth to C major.
    assert_eq!(pitches, vec![55, 60, 60, 62, 64, 60]);
    assert_eq!(back.key.unwrap().to_string(), "C Major");
}

#[test]
fn convert_reports_bad_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.krn");
    std::fs::write(&bad, "this is not kern").unwrap();
    let o = lstmuse(&["convert", bad.to_str().unwrap(), "/tmp/x.mid"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.krn") && err.contains("**kern"), "{err}");
    let o = lstmuse(&["convert", bad.to_str().unwrap(), "/tmp/x.docx"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("x.docx"));
    let o = lstmuse(&["convert", "/nonexistent/song.krn", "/tmp/x.mid"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/song.krn"));
}

#[test]
fn corpus_stats_json_and_encode() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.krn"), SONG).unwrap();
    std::fs::write(
        dir.path().join("b.krn"),
        "**kern\n*M2/4\n*C:\n12c\n12d\n12e\n4f\n*-\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("c.krn"), "garbage").unwrap();
    let o = lstmuse(&["corpus", "stats", dir.path().to_str().unwrap(), "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"], 3);
    assert_eq!(v["tunes"], 3);
    assert_eq!(v["loaded"], 2);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["kept"], 1);
    assert_eq!(v["symbols"], 28);
    assert_eq!(v["vocab_size"], 3 + 4);
    assert!(v["seconds"].as_f64().unwrap() >= 0.0);

    let o = lstmuse(&["corpus", "stats", dir.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("c.krn"), "the failed file is listed: {text}");

    let out = dir.path().join("enc");
    let o = lstmuse(&[
        "corpus",
        "encode",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let songs = std::fs::read_to_string(out.join("songs.txt")).unwrap();
    assert_eq!(
        songs,
        "55 _ _ _ 60 _ _ _ 60 _ 62 _ 64 _ _ _ 60 _ _ _ _ _ _ _ _ _ _ _\n"
    );
    let sources = std::fs::read_to_string(out.join("sources.txt")).unwrap();
    assert!(sources.trim().ends_with("a.krn"));
    let vocab = lstmuse::corpus::encoding::Vocabulary::load(&out.join("vocab.json")).unwrap();
    assert_eq!(vocab.len(), 7);
}

#[test]
fn empty_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = lstmuse(&["corpus", "stats", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no melody files"));
}

#[test]
fn erk_stats_match_the_acceptance_counts() {
    let Some(dir) = common::shared_corpus("essen-erk-krn") else {
        return;
    };
    let o = lstmuse(&["corpus", "stats", dir.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            v["files"].as_u64(),
            v["failed"].as_u64(),
            v["kept"].as_u64(),
            v["symbols"].as_u64(),
            v["vocab_size"].as_u64()
        ),
        (Some(1700), Some(0), Some(1683), Some(254_530), Some(38))
    );
}

#[test]
fn help_lists_the_subcommands() {
    let o = lstmuse(&["--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("corpus") && text.contains("app"), "{text}");
}

#[test]
fn the_app_without_a_display_says_so() {
    let home = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lstmuse"))
        .args(["app", "--no-audio", "--startup-check"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("could not open the app window"), "{err}");
}

/// The bare command opens the app on the bundled model (under Xvfb when it is installed).
#[test]
fn the_bare_command_opens_the_app_with_the_bundled_model() {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        eprintln!("SKIP: xvfb-run is not installed (apt install xvfb xauth)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let o = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_lstmuse"))
        .args(["app", "--no-audio", "--startup-check"])
        .env("HOME", home.path())
        .env_remove("LSTMUSE_MODEL_DIR")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("ready in") && out.contains("essen-german"),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A corrupt settings file: the real app (under Xvfb) starts with defaults, says so in the
/// status line, and keeps the file as `app.ron.bad-<date>`.
#[test]
fn a_corrupt_settings_file_is_set_aside_and_the_app_says_so() {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        eprintln!("SKIP: xvfb-run is not installed (apt install xvfb xauth)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join(".local/share/lstmuse");
    std::fs::create_dir_all(&data).unwrap();
    let corrupt = b"{\"lstmuse-settings\": \"(sampler: (temperature: 1.3, bars:";
    std::fs::write(data.join("app.ron"), corrupt).unwrap();
    let o = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_lstmuse"))
        .args(["app", "--no-audio", "--startup-check"])
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("LSTMUSE_MODEL_DIR")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("ready in"), "{out}");
    let bad: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("app.ron.bad-"))
        .collect();
    assert_eq!(bad.len(), 1, "{out}");
    assert_eq!(std::fs::read(&bad[0]).unwrap(), corrupt);
    let status = out
        .lines()
        .find(|l| l.starts_with("status: "))
        .unwrap_or_default();
    assert!(status.contains("could not be read"), "{out}");
    assert!(status.contains(&bad[0].display().to_string()), "{out}");
    assert!(status.contains("default settings"), "{out}");
}

#[test]
fn jam_fills_the_empty_phrases_and_keeps_the_calls() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("calls.abc");
    std::fs::write(
        &input,
        "X:1\nT:Calls\nM:4/4\nL:1/8\nK:C\nC D E F G2 E2 | F E D C D4 | z8 | z8 | E F G A G2 E2 | D E F D C4 | z8 | z8 |]\n",
    )
    .unwrap();
    let out = dir.path().join("dialogue.mid");
    let run = || {
        lstmuse(&[
            "jam",
            "--input",
            input.to_str().unwrap(),
            "--phrase",
            "2",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ])
    };
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let parts: Vec<&str> = report["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["part"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["call", "answer", "call", "answer"]);
    let written = std::fs::read(&out).unwrap();
    let called = lstmuse::formats::read_melody(&input, &Default::default()).unwrap();
    let dialogue = lstmuse::formats::read_melody(&out, &Default::default()).unwrap();
    assert_eq!(dialogue.duration(), called.duration());
    let pitches = |m: &lstmuse::Melody, from: i64, to: i64| -> Vec<(i64, u8)> {
        m.with_onsets()
            .filter(|(on, n)| {
                !n.is_rest()
                    && *on >= lstmuse::Ratio::from_int(from)
                    && *on < lstmuse::Ratio::from_int(to)
            })
            .map(|(on, n)| (on.num() * 4 / on.den(), n.pitch.unwrap().midi()))
            .collect()
    };
    // The calls note for note; an answer in each empty phrase.
    assert_eq!(pitches(&dialogue, 0, 8), pitches(&called, 0, 8));
    assert_eq!(pitches(&dialogue, 16, 24), pitches(&called, 16, 24));
    assert!(!pitches(&dialogue, 8, 16).is_empty());
    assert!(!pitches(&dialogue, 24, 32).is_empty());
    // The same seed, the same answers.
    assert!(run().status.success());
    assert_eq!(std::fs::read(&out).unwrap(), written);
    // Without a meter there are no phrases to answer.
    std::fs::write(&input, "X:1\nL:1/8\nK:C\nC D E F |]\n").unwrap();
    let o = run();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no meter"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A file without a pitched note is an error (exit 1) naming what is missing, never an
/// empty melody with exit 0; `--voice` picks an ABC voice, and an unknown one is an error.
#[test]
fn convert_never_writes_an_empty_melody_and_reads_the_voice_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let drum = "<note><unpitched><display-step>E</display-step><display-octave>4\
                </display-octave></unpitched><duration>1</duration></note>";
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<score-partwise version=\"4.0\"><part-list><score-part \
         id=\"P1\"><part-name>Drums</part-name></score-part></part-list><part id=\"P1\">\
         <measure number=\"1\"><attributes><divisions>1</divisions><time><beats>4</beats>\
         <beat-type>4</beat-type></time></attributes>{drum}{drum}{drum}{drum}</measure>\
         </part></score-partwise>\n"
    );
    let cases = [
        ("drums.musicxml", xml.as_str(), "unpitched"),
        ("rests.abc", "X:1\nL:1/4\nK:C\nz4 | z4 |]\n", "no notes"),
        ("rests.krn", "**kern\n*M4/4\n=1\n1r\n==\n*-\n", "no notes"),
    ];
    for (name, text, says) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, text).unwrap();
        let out = dir.path().join(format!("{name}.mid"));
        let o = lstmuse(&["convert", input.to_str().unwrap(), out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
        assert!(!out.exists(), "{name}: nothing is written");
    }
    // One unpitched note among pitched ones: a rest, and a warning that counts it.
    let mixed = xml.replacen(
        drum,
        "<note><pitch><step>C</step><octave>5</octave></pitch><duration>1</duration></note>",
        3,
    );
    let input = dir.path().join("mixed.musicxml");
    std::fs::write(&input, mixed).unwrap();
    let out = dir.path().join("mixed.krn");
    let o = lstmuse(&["convert", input.to_str().unwrap(), out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("warning: 1 unpitched (percussion) note of the"),
        "{err}"
    );
    let abc = dir.path().join("two.abc");
    std::fs::write(
        &abc,
        "X:1\nL:1/4\nV:S\nV:B\nK:C\n[V:S] c d e f |]\n[V:B] C, D, E, F, |]\n",
    )
    .unwrap();
    let out = dir.path().join("bass.krn");
    let o = lstmuse(&[
        "convert",
        abc.to_str().unwrap(),
        out.to_str().unwrap(),
        "--voice",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bass = lstmuse::formats::read_melody(&out, &Default::default()).unwrap();
    let pitches: Vec<u8> = bass.sounding().map(|n| n.pitch.unwrap().midi()).collect();
    assert_eq!(pitches, [48, 50, 52, 53]);
    let o = lstmuse(&[
        "convert",
        abc.to_str().unwrap(),
        "/tmp/x.krn",
        "--voice",
        "3",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no voice 3") && err.contains("S, B"), "{err}");
}
