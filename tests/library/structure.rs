//! Structure inputs end to end on a tiny model trained here: meter and pickup travel with
//! the songs, training and evaluation read them, a fill rewrites exactly its span, a
//! melody in a meter ends on a bar line, and a model folder from before structure inputs
//! still loads, generates and evaluates.

use crate::common;
use lstmuse::corpus::data::SongIds;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::corpus::structure::{SongStructure, StructureInputs};
use lstmuse::model::ModelRef;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self};
use lstmuse::sampling::{Length, SamplerConfig, fill, generate};
use lstmuse::{Melody, Meter, Ratio, corpus, formats};
use std::path::Path;

fn encoded() -> corpus::EncodedCorpus {
    let loaded = corpus::load(&common::fixture("kern")).unwrap();
    corpus::encode(&loaded.melodies, &PreprocessConfig::default())
}

/// A tiny model with every structure input, trained for a few epochs on the kern fixtures.
fn tiny_model(dir: &Path) -> ModelArtifact {
    common::tiny_structure_model(dir)
}

#[test]
fn songs_keep_their_meter_and_pickup() {
    let songs = encoded().songs;
    let kuckuck = songs
        .iter()
        .find(|s| format!("{:?}", s.source.path).contains("kuckuck"))
        .unwrap();
    assert_eq!(kuckuck.structure.meter, Meter::new(3, 4));
    assert_eq!(kuckuck.structure.pickup_steps, 0);
    // A song without a meter gets "unknown", not a guess.
    let mut m =
        formats::read_melody(&common::fixture("kern/kuckuck.krn"), &Default::default()).unwrap();
    m.meter = None;
    let s = SongStructure::new(m.meter, m.pickup);
    assert_eq!((s.meter, s.bar_steps()), (None, None));
}

#[test]
fn a_structure_model_trains_saves_and_records_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tiny_model(tmp.path());
    assert_eq!(a.config.model.structure, Some(StructureInputs::default()));
    let text = std::fs::read_to_string(tmp.path().join("config.json")).unwrap();
    assert!(text.contains("\"structure\""), "{text}");
    assert!(text.contains("\"bar_position\": true"), "{text}");

    let songs = encoded().songs;
    let (ids, skipped) = SongIds::from_symbols(
        songs.iter().map(|s| (s.symbols.as_slice(), s.structure)),
        &a.vocab,
    );
    let device = backend::cpu().device;
    let report = lstmuse::eval::evaluate(ModelRef::new(&a, &device), &ids, skipped).unwrap();
    assert_eq!(report.songs, songs.len());
    assert!(report.pitch_bits_per_note > 0.0 && report.pitch_bits_per_note < report.bits_per_note);
    let infill = lstmuse::eval::evaluate_infill(ModelRef::new(&a, &device), &ids, 2).unwrap();
    assert!(infill.infill_songs > 0, "{infill:?}");
    assert!(infill.infill_both_bits_per_note.is_some());
    let joins = lstmuse::eval::join_intervals(
        ModelRef::new(&a, &device),
        &ids,
        2,
        &SamplerConfig::default(),
    )
    .unwrap();
    assert!(joins.join_songs > 0, "{joins:?}");
    assert!(joins.corpus_mean_interval > 0.5 && joins.corpus_mean_interval < 6.0);
    assert!(joins.fill_join_interval.is_finite() && joins.continuation_join_interval.is_finite());
}

#[test]
fn a_fill_rewrites_exactly_its_span() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tiny_model(tmp.path());
    let melody =
        formats::read_melody(&common::fixture("kern/kuckuck.krn"), &Default::default()).unwrap();
    let config = SamplerConfig {
        variations: 4,
        seed: 9,
        ..SamplerConfig::default()
    };
    let device = backend::cpu().device;
    let span = 24..48;
    let fills = fill(ModelRef::new(&a, &device), &melody, span.clone(), &config).unwrap();
    assert_eq!(fills.len(), 4);
    let steps = |m: &Melody| -> Vec<(usize, Option<u8>, usize)> {
        let mut pos = 0usize;
        m.notes
            .iter()
            .map(|n| {
                let len = (n.duration / Ratio::new(1, 4)).floor() as usize;
                let on = pos;
                pos += len;
                (on, n.pitch.map(|p| p.midi()), len)
            })
            .collect()
    };
    let original = steps(&melody);
    let outside = |v: &[(usize, Option<u8>, usize)]| -> Vec<(usize, Option<u8>, usize)> {
        v.iter().copied().filter(|n| !span.contains(&n.0)).collect()
    };
    for g in &fills {
        assert_eq!(g.span, span);
        assert_eq!(g.steps.len(), span.len());
        assert_eq!(g.melody.duration(), melody.duration());
        assert_eq!(outside(&steps(&g.melody)), outside(&original));
        assert_eq!(g.melody.meter, melody.meter);
    }
    // An old model cannot fill, and says why.
    let old = ModelArtifact::load(&common::fixture("models/pre-structure"), &device).unwrap();
    let e = fill(ModelRef::new(&old, &device), &melody, span, &config).unwrap_err();
    assert!(e.to_string().contains("infilling"), "{e}");
}

#[test]
fn melodies_in_a_meter_end_on_a_bar_line() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tiny_model(tmp.path());
    let device = backend::cpu().device;
    for (n, d, bar) in [(3, 4, 12), (6, 8, 12), (2, 4, 8)] {
        let config = SamplerConfig {
            variations: 3,
            length: Length::Bars(4),
            stop_at_end: true,
            end_on_tonic: false,
            meter: Meter::new(n, d),
            ..SamplerConfig::default()
        };
        for g in generate(ModelRef::new(&a, &device), &Melody::new(), &config).unwrap() {
            assert_eq!(g.melody.meter, Meter::new(n, d));
            let steps = (g.melody.duration() / Ratio::new(1, 4)).floor() as usize;
            assert_eq!(steps % bar, 0, "{n}/{d}: {steps} steps");
            assert!(steps <= 4 * bar);
        }
        // End on the tonic: the last note starts on a strong beat.
        let config = SamplerConfig {
            end_on_tonic: true,
            stop_at_end: false,
            ..config
        };
        for g in generate(ModelRef::new(&a, &device), &Melody::new(), &config).unwrap() {
            let total = (g.melody.duration() / Ratio::new(1, 4)).floor() as usize;
            assert_eq!(total, 4 * bar);
            let last = g.melody.notes.iter().rev().find(|n| !n.is_rest()).unwrap();
            let start = total - (last.duration / Ratio::new(1, 4)).floor() as usize;
            let s = SongStructure::new(Meter::new(n, d), Ratio::ZERO);
            assert!(
                s.metrical_level(start).unwrap() <= 1,
                "{n}/{d}: last note at {start}"
            );
        }
    }
}

#[test]
fn a_model_from_before_structure_inputs_loads_generates_and_evaluates() {
    let dir = common::fixture("models/pre-structure");
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(
        !config.contains("structure"),
        "the fixture is an old folder"
    );
    let device = backend::cpu().device;
    let a = ModelArtifact::load(&dir, &device).unwrap();
    assert_eq!(a.config.model.structure, None);
    let config = SamplerConfig {
        seed: 2,
        length: Length::Bars(2),
        ..SamplerConfig::default()
    };
    let g = generate(ModelRef::new(&a, &device), &Melody::new(), &config).unwrap();
    assert!(!g[0].melody.notes.is_empty());
    let songs = encoded().songs;
    let (ids, skipped) = SongIds::from_symbols(
        songs.iter().map(|s| (s.symbols.as_slice(), s.structure)),
        &a.vocab,
    );
    let report = lstmuse::eval::evaluate(ModelRef::new(&a, &device), &ids, skipped).unwrap();
    assert!(report.nll_per_step.is_finite() && report.steps > 0);
    let infill = lstmuse::eval::evaluate_infill(ModelRef::new(&a, &device), &ids, 2).unwrap();
    assert_eq!(infill.infill_both_bits_per_note, None);
}

/// Runs `generate --json` on a model folder for each `(expected file, flags)` and checks
/// that everything but the output paths is what the folder's release wrote, bit for bit.
fn replays(dir: &Path, runs: &[(&str, Vec<&str>)]) {
    let tmp = tempfile::tempdir().unwrap();
    let model = dir.to_str().unwrap();
    for (expected, args) in runs {
        let out = tmp.path().join("out.mid");
        let mut all = vec!["generate", "--model", model, "--variations", "2", "--json"];
        all.extend(args);
        all.extend(["--out", out.to_str().unwrap()]);
        let run = common::lstmuse(&all);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let without_paths = |mut v: serde_json::Value| {
            for g in v.as_array_mut().unwrap() {
                g.as_object_mut().unwrap().remove("path");
            }
            v
        };
        let got = without_paths(serde_json::from_slice(&run.stdout).unwrap());
        let want = without_paths(
            serde_json::from_str(&std::fs::read_to_string(dir.join(expected)).unwrap()).unwrap(),
        );
        assert_eq!(got, want, "{expected}");
    }
}

/// A folder trained before the repeat-run, 8-bar and copy inputs (lookback and lookahead
/// at 1, 2 and 4 bars only): it loads, and the CLI writes the very melodies and fills that
/// the release before them wrote (`expected-*.json`, recorded with that release's binary).
#[test]
fn a_model_from_before_the_copy_inputs_generates_and_fills_as_before() {
    let dir = common::fixture("models/lookback-v1");
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(config.contains("lookahead") && !config.contains("copy"));
    let device = backend::cpu().device;
    let a = ModelArtifact::load(&dir, &device).unwrap();
    let inputs = a.config.model.structure.unwrap();
    assert!(inputs.lookback && !inputs.repeats && !inputs.far && !inputs.copy);
    let kuckuck = common::fixture("corpus/kuckuck.krn");
    replays(
        &dir,
        &[
            (
                "expected-generate.json",
                vec!["--meter", "3/4", "--bars", "4", "--seed", "3"],
            ),
            (
                "expected-fill.json",
                vec![
                    "--primer",
                    kuckuck.to_str().unwrap(),
                    "--fill-bars",
                    "2-3",
                    "--seed",
                    "5",
                ],
            ),
        ],
    );
}

/// A folder trained before phrase inputs (the previous bundled model's inputs: repeat
/// runs, 8-bar neighbours, the copy channel): no phrase plan, no critic, no new sampler
/// rules; the CLI writes the very melodies, fills, tonic endings and song ends that the
/// release before them wrote.
#[test]
fn a_model_from_before_phrase_inputs_generates_as_before() {
    let dir = common::fixture("models/copy-v2");
    let device = backend::cpu().device;
    let a = ModelArtifact::load(&dir, &device).unwrap();
    let inputs = a.config.model.structure.unwrap();
    assert!(inputs.copy && !inputs.phrase);
    assert!(a.config.phrase_prior.is_none() && a.config.form.is_none());
    let kuckuck = common::fixture("corpus/kuckuck.krn");
    replays(
        &dir,
        &[
            (
                "expected-generate.json",
                vec!["--meter", "3/4", "--bars", "4", "--seed", "3"],
            ),
            (
                "expected-fill.json",
                vec![
                    "--primer",
                    kuckuck.to_str().unwrap(),
                    "--fill-bars",
                    "2-3",
                    "--seed",
                    "5",
                ],
            ),
            (
                "expected-tonic.json",
                vec![
                    "--meter",
                    "6/8",
                    "--bars",
                    "4",
                    "--end-on-tonic",
                    "--seed",
                    "21",
                ],
            ),
            (
                "expected-stop.json",
                vec![
                    "--meter",
                    "2/4",
                    "--bars",
                    "8",
                    "--stop-at-end",
                    "--seed",
                    "4",
                ],
            ),
        ],
    );
}
