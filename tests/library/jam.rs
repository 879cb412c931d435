//! Call and response on the bundled model: answers start on the bar line after their call,
//! last as long, stay in the call's key, and leave the calls as they were played.

use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::{ModelRef, backend};
use lstmuse::music::{Melody, Meter, Note, Pitch, Ratio};
use lstmuse::sampling::SamplerConfig;
use lstmuse::sampling::jam::{Part, fill_answers, notes_between};

fn model() -> ModelArtifact {
    let dir = lstmuse::default_model_dir().expect("the bundled model");
    ModelArtifact::load(&dir, &backend::cpu().device).unwrap()
}

/// `calls` one-bar calls in C major (4/4), each followed by an empty bar.
fn performance(calls: usize) -> Melody {
    let motifs: [&[(u8, i64)]; 4] = [
        &[(60, 1), (62, 1), (64, 1), (65, 1)],
        &[(67, 2), (64, 1), (62, 1)],
        &[(64, 1), (65, 1), (67, 1), (72, 1)],
        &[(71, 1), (69, 1), (67, 2)],
    ];
    let mut notes = Vec::new();
    for k in 0..calls {
        for &(key, quarters) in motifs[k % motifs.len()] {
            notes.push(Note::new(
                Pitch::from_midi(i32::from(key)).unwrap(),
                Ratio::from_int(quarters),
            ));
        }
        notes.push(Note::rest(Ratio::from_int(4)));
    }
    Melody {
        meter: Meter::new(4, 4),
        // As a keyboard recording into a C-major melody, or a file in C, carries it.
        key_signature: Some(0),
        notes,
        ..Melody::new()
    }
}

#[test]
fn fifty_calls_get_fifty_answers_on_their_bar_lines_in_the_calls_key() {
    let a = model();
    let device = backend::cpu().device;
    let played = performance(50);
    let config = SamplerConfig {
        seed: 11,
        ..SamplerConfig::default()
    };
    let d = fill_answers(ModelRef::new(&a, &device), &played, 1, &config).unwrap();
    assert_eq!(d.turns.len(), 100);
    let bar = Ratio::from_int(4);
    let (mut diatonic, mut notes) = (0usize, 0usize);
    for (i, t) in d.turns.iter().enumerate() {
        assert_eq!(
            t.start,
            bar * Ratio::from_int(i as i64),
            "turn {i} on its bar line"
        );
        assert_eq!(t.end - t.start, bar, "turn {i} one bar long");
        let here = notes_between(&d.melody, t.start, t.end);
        if i % 2 == 0 {
            assert_eq!(t.part, Part::Call);
            assert_eq!(
                here,
                notes_between(&played, t.start, t.end),
                "call {i} kept"
            );
        } else {
            assert_eq!(t.part, Part::Answer);
            assert_eq!(here.iter().map(|n| n.duration).sum::<Ratio>(), bar);
            for p in here.iter().filter_map(|n| n.pitch) {
                notes += 1;
                diatonic += usize::from([0, 2, 4, 5, 7, 9, 11].contains(&p.pitch_class()));
            }
        }
    }
    assert!(notes >= 50, "the answers play: {notes} notes");
    let share = diatonic as f64 / notes as f64;
    let off: Vec<u8> = d
        .melody
        .sounding()
        .filter_map(|n| n.pitch)
        .map(|p| p.pitch_class())
        .filter(|c| ![0, 2, 4, 5, 7, 9, 11].contains(c))
        .collect();
    assert!(
        share >= 0.9,
        "{share:.3} of the answers' notes are in C major; outside it: {off:?}"
    );
    assert_eq!(d.melody.duration(), played.duration());
    // The same seed gives the same answers.
    let again = fill_answers(ModelRef::new(&a, &device), &played, 1, &config).unwrap();
    assert_eq!(again, d);
}

#[test]
fn a_dialogue_needs_a_meter_and_a_sane_phrase() {
    let a = model();
    let device = backend::cpu().device;
    let mut played = performance(2);
    let config = SamplerConfig::default();
    let e = fill_answers(ModelRef::new(&a, &device), &played, 0, &config).unwrap_err();
    assert!(e.to_string().contains("phrase of 0 bars"), "{e}");
    played.meter = None;
    let e = fill_answers(ModelRef::new(&a, &device), &played, 2, &config).unwrap_err();
    assert!(e.to_string().contains("no meter"), "{e}");
}
