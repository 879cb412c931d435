//! The sampler on the bundled model: reproducible, greedy at temperature 0, biasable,
//! constrained, and faithful to the primer.

use burn::tensor::{Int, Tensor, TensorData};
use lstmuse::corpus::encoding::Symbol;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend;
use lstmuse::model::{LstmState, ModelRef};
use lstmuse::sampling::{Length, SamplerConfig, generate, primer_from_text};
use lstmuse::{Key, Melody};

fn model() -> ModelArtifact {
    let dir = lstmuse::default_model_dir().expect("the bundled model is in models/essen-german");
    ModelArtifact::load(&dir, &backend::cpu().device).unwrap()
}

fn run(
    a: &ModelArtifact,
    primer: &Melody,
    config: &SamplerConfig,
) -> Vec<lstmuse::sampling::Generated> {
    let device = backend::cpu().device;
    generate(ModelRef::new(a, &device), primer, config).unwrap()
}

fn primer() -> Melody {
    primer_from_text("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _").unwrap()
}

fn rest_fraction(melodies: &[Melody], skip: usize) -> f64 {
    let (mut rest, mut all) = (0.0, 0.0);
    for m in melodies {
        for n in &m.notes[skip..] {
            all += n.duration.to_f64();
            if n.is_rest() {
                rest += n.duration.to_f64();
            }
        }
    }
    rest / all
}

#[test]
fn a_fixed_seed_reproduces_the_melody() {
    let a = model();
    let config = SamplerConfig {
        seed: 7,
        variations: 3,
        ..SamplerConfig::default()
    };
    let x = run(&a, &primer(), &config);
    let y = run(&a, &primer(), &config);
    for (g, h) in x.iter().zip(&y) {
        assert_eq!(g.melody.notes, h.melody.notes);
    }
    assert_ne!(x[0].melody.notes, x[1].melody.notes, "variations differ");
    let z = run(&a, &primer(), &SamplerConfig { seed: 8, ..config });
    assert_ne!(
        x[0].melody.notes, z[0].melody.notes,
        "another seed gives another melody"
    );
}

#[test]
fn temperature_zero_is_the_argmax_path() {
    // A symbols-only model, so the path by hand needs no structure inputs (the structure
    // model's step-by-step agreement is tested in model::lstm and tests/library/structure.rs).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models/pre-structure");
    let a = ModelArtifact::load(&dir, &backend::cpu().device).unwrap();
    let mut p = primer();
    // Stated as C major: the sampler works in the model's key without moving anything.
    p.key = Key::parse("C");
    let config = SamplerConfig {
        temperature: 0.0,
        rest_penalty: 0.0,
        length: Length::Steps(48),
        ..SamplerConfig::default()
    };
    let got = run(&a, &p, &config);
    // The same path by hand.
    let device = backend::cpu().device;
    let mut ids = vec![a.vocab.id(Symbol::Delimiter).unwrap()];
    for s in
        lstmuse::corpus::encoding::parse_symbols("67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _").unwrap()
    {
        ids.push(a.vocab.id(s).unwrap());
    }
    let mut state = LstmState::zeros(&a.config.model, 1, &device);
    let mut logits = Vec::new();
    for id in ids {
        let t = Tensor::<1, Int>::from_data(TensorData::new(vec![id as i64], [1]), &device);
        let (l, s) = a.model.step(t, None, state);
        state = s;
        logits = l.into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
    }
    let mut expected = Vec::new();
    for _ in 0..48 {
        let (best, _) = logits
            .iter()
            .enumerate()
            .skip(1) // the delimiter (id 0) is masked when not stopping at the song end
            .max_by(|x, y| x.1.total_cmp(y.1))
            .unwrap();
        expected.push(a.vocab.symbol(best).unwrap());
        let t = Tensor::<1, Int>::from_data(TensorData::new(vec![best as i64], [1]), &device);
        let (l, s) = a.model.step(t, None, state);
        state = s;
        logits = l.into_data().convert::<f32>().try_to_vec::<f32>().unwrap();
    }
    let symbols: Vec<Symbol> = got[0].steps.iter().map(|s| s.symbol).collect();
    assert_eq!(symbols, expected);
}

#[test]
fn the_rest_penalty_lowers_the_rest_fraction() {
    let a = model();
    let base = SamplerConfig {
        variations: 16,
        seed: 3,
        length: Length::Bars(8),
        rest_penalty: 0.0,
        ..SamplerConfig::default()
    };
    let free: Vec<Melody> = run(&a, &Melody::new(), &base)
        .into_iter()
        .map(|g| g.melody)
        .collect();
    let penalised: Vec<Melody> = run(
        &a,
        &Melody::new(),
        &SamplerConfig {
            rest_penalty: 3.0,
            ..base
        },
    )
    .into_iter()
    .map(|g| g.melody)
    .collect();
    let (f, p) = (rest_fraction(&free, 0), rest_fraction(&penalised, 0));
    assert!(p < f * 0.5, "rest fraction {f:.3} → {p:.3}");
}

#[test]
fn scale_lock_and_range_hold_over_1000_steps() {
    let a = model();
    let config = SamplerConfig {
        variations: 4,
        temperature: 1.5,
        length: Length::Steps(1000),
        range: Some((62, 74)),
        scale: Key::parse("G"),
        seed: 11,
        ..SamplerConfig::default()
    };
    let p = primer_from_text("67 _ _ _ 71 _ 74 _").unwrap();
    for g in run(&a, &p, &config) {
        assert_eq!(g.steps.len(), 1000);
        for n in &g.melody.notes[g.primer_notes..] {
            if let Some(pitch) = n.pitch {
                assert!((62..=74).contains(&pitch.midi()), "{pitch:?} out of range");
                assert!(
                    Key::parse("G")
                        .unwrap()
                        .contains_pitch_class(pitch.pitch_class()),
                    "{pitch:?} not in G"
                );
            }
        }
    }
}

#[test]
fn the_primer_comes_out_unchanged_and_the_end_is_the_tonic() {
    let a = model();
    // A primer in D major: the output stays in D major.
    let mut p = primer_from_text("62 _ 66 _ 69 _ _ _ 71 _ 69 _ 66 _ _ _").unwrap();
    p.key = Key::parse("D");
    let config = SamplerConfig {
        variations: 4,
        end_on_tonic: true,
        seed: 5,
        ..SamplerConfig::default()
    };
    for g in run(&a, &p, &config) {
        let n = p.notes.len();
        assert_eq!(&g.melody.notes[..n - 1], &p.notes[..n - 1]);
        assert_eq!(g.melody.notes[n - 1].pitch, p.notes[n - 1].pitch);
        let last = g.melody.sounding().last().unwrap();
        assert_eq!(last.pitch.unwrap().pitch_class(), 2, "ends on D");
        assert_eq!(g.melody.key.unwrap().tonic.pitch_class(), 2);
    }
}

#[test]
fn impossible_settings_are_errors_not_panics() {
    let a = model();
    let device = backend::cpu().device;
    let bad = [
        SamplerConfig {
            range: Some((61, 61)),
            scale: Key::parse("C"),
            ..SamplerConfig::default()
        },
        SamplerConfig {
            range: Some((80, 60)),
            ..SamplerConfig::default()
        },
        SamplerConfig {
            top_p: 0.0,
            ..SamplerConfig::default()
        },
        SamplerConfig {
            variations: 0,
            ..SamplerConfig::default()
        },
        SamplerConfig {
            temperature: f32::NAN,
            ..SamplerConfig::default()
        },
        SamplerConfig {
            length: Length::Steps(0),
            ..SamplerConfig::default()
        },
        SamplerConfig {
            end_on_tonic: true,
            range: Some((61, 61)),
            ..SamplerConfig::default()
        },
        // Used to write an empty melody and succeed.
        SamplerConfig {
            hold_bias: f32::NAN,
            ..SamplerConfig::default()
        },
        SamplerConfig {
            rest_penalty: f32::NEG_INFINITY,
            ..SamplerConfig::default()
        },
        // Used to ask for more memory than there is, or to wrap around.
        SamplerConfig {
            length: Length::Steps(usize::MAX),
            ..SamplerConfig::default()
        },
        SamplerConfig {
            length: Length::Bars(usize::MAX / 8),
            ..SamplerConfig::default()
        },
    ];
    for c in bad {
        let e = generate(ModelRef::new(&a, &device), &primer(), &c);
        assert!(e.is_err(), "{c:?}");
    }
}

/// A primer longer than `Limits::max_steps` (here 30,000 16th steps of repeated notes) is a
/// limit error before the model reads any of it, not minutes of warming up.
#[test]
fn a_primer_over_the_step_limit_is_refused() {
    let a = model();
    let device = backend::cpu().device;
    let long = primer_from_text(&"60 _ _ _ ".repeat(7_500)).unwrap();
    let e = generate(ModelRef::new(&a, &device), &long, &SamplerConfig::default()).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("16th steps in a primer"), "{text}");
    assert!(text.contains("30000") && text.contains("25000"), "{text}");
    let ok = primer_from_text(&"60 _ _ _ ".repeat(100)).unwrap();
    assert!(generate(ModelRef::new(&a, &device), &ok, &SamplerConfig::default()).is_ok());
}
