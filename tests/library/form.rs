//! Forms and the critic on a tiny model trained here: a period has its half cadence and
//! restates its opening, AABA repeats its A phrases, the critic's pick is reproducible and
//! says why, and a phrase model carries its plan prior and its corpus form.

use crate::common;
use lstmuse::corpus::encoding::{GridConfig, Symbol, encode};
use lstmuse::model::backend;
use lstmuse::model::{ModelRef, artifact::ModelArtifact};
use lstmuse::sampling::form::letters;
use lstmuse::sampling::{
    Critic, Form, Generated, Length, SamplerConfig, Upbeat, generate, generate_form,
};
use lstmuse::{Key, Melody, Meter, Ratio};

/// The melody on the 16th grid (a tied note is one onset and holds).
fn grid(m: &Melody) -> Vec<Symbol> {
    let grid = GridConfig {
        time_step: Ratio::STEP,
        split_ties: false,
    };
    encode(m, &grid)
}

fn two_four(variations: usize, seed: u64) -> SamplerConfig {
    SamplerConfig {
        meter: Meter::new(2, 4),
        variations,
        seed,
        upbeat: Upbeat::None,
        ..SamplerConfig::default()
    }
}

/// What sounds at each step: the pitch, and whether it starts there (a rest is silence,
/// however it is split).
fn sounding(symbols: &[Symbol]) -> Vec<(Option<u8>, bool)> {
    let mut now = None;
    symbols
        .iter()
        .map(|s| match s {
            Symbol::Note(p) => {
                now = Some(p.midi());
                (now, true)
            }
            Symbol::Hold => (now, false),
            _ => {
                now = None;
                (None, false)
            }
        })
        .collect()
}

/// The scale degree (C major) of the note sounding at `step`.
fn pitch_at(symbols: &[Symbol], step: usize) -> Option<u8> {
    symbols[..=step].iter().rev().find_map(|s| match s {
        Symbol::Note(p) => Some(p.midi()),
        Symbol::Rest => Some(0),
        _ => None,
    })
}

fn forms(a: &ModelArtifact, form: Form, variations: usize) -> Vec<Generated> {
    let device = backend::cpu().device;
    let bound = ModelRef::new(a, &device);
    generate_form(
        bound,
        &Melody::new(),
        &two_four(variations, 3),
        (form, None),
    )
    .unwrap()
}

#[test]
fn a_phrase_model_carries_its_plan_prior_and_its_corpus_form() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    let prior = a.config.phrase_prior.as_ref().expect("a phrase prior");
    assert_eq!(prior.counts.len(), 8);
    let form = a.config.form.as_ref().expect("a corpus form");
    assert!(!form.classes.is_empty());
    let text = std::fs::read_to_string(tmp.path().join("config.json")).unwrap();
    assert!(
        text.contains("\"phrase\": true") && text.contains("phrase_prior"),
        "{text}"
    );
}

#[test]
fn a_period_has_its_half_cadence_and_restates_its_opening() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    for g in forms(&a, Form::Period, 3) {
        let s = grid(&g.melody);
        // 2/4: 8 steps a bar, phrases of 4 bars, 8 bars in all.
        assert_eq!(s.len(), 64, "{:?}", g.melody.title);
        let heard = sounding(&s);
        assert_eq!(heard[32..48], heard[0..16], "bars 5-6 restate bars 1-2");
        // The half cadence: a note on the downbeat of bar 4 on degree 2, 5 or 7, held a beat.
        let Symbol::Note(p) = s[24] else {
            panic!("bar 4 starts with {:?}", s[24]);
        };
        assert!(
            [2, 7, 11].contains(&(p.midi() % 12)),
            "bar 4 lands on {}",
            p.name()
        );
        assert!(
            s[25..28].iter().all(|&x| x == Symbol::Hold),
            "held a beat: {:?}",
            &s[24..32]
        );
        // The close: the tonic, from a strong beat to the end.
        assert_eq!(pitch_at(&s, 63).map(|p| p % 12), Some(0), "closes on C");
        assert_eq!(letters(&g.phrases), vec!["A", "A'"]);
        let why = g.critique.as_ref().unwrap().reasons();
        assert!(
            why.contains("half cadence bar 4") && why.contains("closes on the tonic"),
            "{why}"
        );
    }
}

#[test]
fn an_aaba_melody_repeats_its_a_phrases() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    for g in forms(&a, Form::Aaba, 2) {
        let s = grid(&g.melody);
        assert_eq!(s.len(), 128, "16 bars of 2/4");
        assert_eq!(s[32..64], s[0..32], "the second A is the first");
        assert_eq!(
            s[96..120],
            s[0..24],
            "the last A keeps the first three bars"
        );
        assert_ne!(s[64..96], s[0..32], "B is new");
        assert_eq!(letters(&g.phrases), vec!["A", "A", "B", "A"]);
        assert_eq!(g.span, 0..128);
        assert_eq!(g.steps.len(), 128);
    }
}

#[test]
fn the_critic_is_reproducible_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    let device = backend::cpu().device;
    let bound = ModelRef::new(&a, &device);
    let config = SamplerConfig {
        length: Length::Bars(8),
        ..two_four(4, 5)
    };
    let notes = |gs: &[Generated]| gs.iter().map(|g| grid(&g.melody)).collect::<Vec<_>>();
    let first = generate(bound, &Melody::new(), &config).unwrap();
    assert_eq!(
        notes(&first),
        notes(&generate(bound, &Melody::new(), &config).unwrap())
    );
    let other = generate(
        bound,
        &Melody::new(),
        &SamplerConfig {
            seed: 6,
            ..config.clone()
        },
    )
    .unwrap();
    assert_ne!(notes(&first), notes(&other));
    for g in &first {
        let why = g.critique.as_ref().expect("the critic's reasons").reasons();
        assert!(why.contains("bar 4") && why.contains("tonic"), "{why}");
        assert_eq!(g.phrases.len(), 2, "8 bars: two phrases of 4");
    }
    // Without the critic (one candidate) there is no critique, and the first candidate is
    // what the critic chose among.
    let plain = SamplerConfig {
        critic: Critic {
            candidates: 1,
            ..Critic::default()
        },
        ..config
    };
    assert!(
        generate(bound, &Melody::new(), &plain)
            .unwrap()
            .iter()
            .all(|g| g.critique.is_none())
    );
}

#[test]
fn a_form_refuses_a_seed_longer_than_a_phrase() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    let device = backend::cpu().device;
    let seed =
        lstmuse::formats::read_melody(&common::fixture("kern/kuckuck.krn"), &Default::default())
            .unwrap();
    let mut config = two_four(1, 1);
    config.output_key = Key::parse("C");
    let e = generate_form(
        ModelRef::new(&a, &device),
        &seed,
        &config,
        (Form::Aabb, Some(2)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("less than one phrase"), "{e}");
}

#[test]
fn a_melody_from_nothing_can_begin_with_a_pickup() {
    let tmp = tempfile::tempdir().unwrap();
    let a = common::tiny_structure_model(tmp.path());
    let device = backend::cpu().device;
    let bound = ModelRef::new(&a, &device);
    let config = SamplerConfig {
        length: Length::Bars(8),
        upbeat: Upbeat::Steps(2),
        ..two_four(2, 9)
    };
    for g in generate(bound, &Melody::new(), &config).unwrap() {
        // An eighth of pickup, then eight whole bars of 2/4.
        assert_eq!(g.melody.pickup, Ratio::new(1, 2));
        assert_eq!(grid(&g.melody).len(), 2 + 64);
        assert_eq!(g.phrases.len(), 2, "the pickup leads into the first phrase");
    }
    // A period begins with the same pickup, and restates its opening after it.
    let period = generate_form(bound, &Melody::new(), &config, (Form::Period, None)).unwrap();
    for g in period {
        let heard = sounding(&grid(&g.melody));
        assert_eq!(heard.len(), 66);
        // A note tied over the bar line from the pickup is struck anew in the restatement.
        let pitches = |r: std::ops::Range<usize>| heard[r].iter().map(|h| h.0).collect::<Vec<_>>();
        assert_eq!(pitches(34..50), pitches(2..18), "bars 5-6 restate bars 1-2");
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one command-line story, checked step by step
fn forms_the_critic_and_near_variants_on_the_command_line() {
    use common::lstmuse;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    common::tiny_structure_model(&dir);
    let model = dir.to_str().unwrap();
    let json = |o: &std::process::Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };

    // A period in 2/4 with phrases of 2 bars: 4 bars, letters and the critic's reasons.
    let out = tmp.path().join("p.abc");
    let base = [
        "generate",
        "--model",
        model,
        "--meter",
        "2/4",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ];
    let period = [
        &base[..],
        &["--form", "period", "--phrase-bars", "2", "--upbeat", "none"],
    ]
    .concat();
    let v = json(&lstmuse(&[&period[..], &["--variations", "2"]].concat()));
    assert_eq!(v.as_array().unwrap().len(), 2);
    for entry in v.as_array().unwrap() {
        assert_eq!(entry["phrases"], serde_json::json!(["A", "A'"]));
        assert_eq!(entry["span_steps"], serde_json::json!([0, 32]));
        let why = entry["critique"].as_str().unwrap();
        assert!(why.contains("half cadence bar 2"), "{why}");
        let path = entry["path"].as_str().unwrap();
        let abc = std::fs::read_to_string(path).unwrap();
        assert!(abc.contains("M:2/4"), "{abc}");
    }

    // An upbeat of an eighth shifts every note by it; one of a bar or more is refused,
    // naming the meter.
    let v = json(&lstmuse(
        &[&base[..], &["--upbeat", "2", "--bars", "4"]].concat(),
    ));
    assert_eq!(v[0]["span_steps"], serde_json::json!([0, 34]));
    let o = lstmuse(&[&base[..], &["--upbeat", "8"]].concat());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("2/4"), "{stderr}");
    let o = lstmuse(&[&base[..], &["--upbeat", "x"]].concat());
    assert_eq!(o.status.code(), Some(2));

    // `eval --generate` measures the form of corpus songs and generated melodies alike.
    let corpus = common::fixture("kern");
    let v = json(&lstmuse(&[
        "eval",
        "--model",
        model,
        "--corpus",
        corpus.to_str().unwrap(),
        "--generate",
        "4",
        "--bars",
        "4",
        "--json",
    ]));
    for measure in [
        "phrase_end_cadence",
        "final_on_tonic",
        "post_skip_reversal",
        "bar_repetition",
        "ambitus",
        "repeated_note_runs",
    ] {
        let m = &v["form"][measure];
        for side in ["corpus", "generated"] {
            let x = m[side].as_f64().unwrap_or(-1.0);
            assert!(x >= 0.0, "{measure}.{side} in {m}");
        }
    }
    let overlap = v["form"]["ambitus"]["overlap"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&overlap));

    // Near-variants: a transposed copy of a fixture song is found, and training without it
    // lists it in the model folder.
    let held = tmp.path().join("held");
    std::fs::create_dir(&held).unwrap();
    let song =
        lstmuse::formats::read_melody(&common::fixture("kern/kuckuck.krn"), &Default::default())
            .unwrap();
    lstmuse::formats::write_melody(&song.transposed(5), &held.join("kuckuck-up.abc")).unwrap();
    let v = json(&lstmuse(&[
        "corpus",
        "overlap",
        corpus.to_str().unwrap(),
        held.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["b_with_variants"], 1);
    assert_eq!(v["a_near_variants"], 1);
    assert_eq!(v["a_by_file"]["kuckuck.krn"], 1);
    let trained = tmp.path().join("without");
    let o = lstmuse(&[
        "train",
        "--corpus",
        corpus.to_str().unwrap(),
        "--exclude-near",
        held.to_str().unwrap(),
        "--out",
        trained.to_str().unwrap(),
        "--epochs",
        "1",
        "--hidden",
        "8",
        "--backend",
        "cpu",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = std::fs::read_to_string(trained.join("near_variants.tsv")).unwrap();
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{list}");
    assert!(rows[0].contains("kuckuck.krn") && rows[0].contains("kuckuck-up.abc"));
    let card: serde_json::Value =
        serde_json::from_slice(&std::fs::read(trained.join("card.json")).unwrap()).unwrap();
    let name = card["corpus"].as_str().unwrap();
    assert!(name.contains("without 1 near-variants"), "{name}");
}
