//! What a composer sees: MuseScore 3 imports our MIDI and MusicXML (of Essen songs and of
//! generated melodies) with the same pitches and durations. Skips when mscore3 is missing.

use crate::common;
use crate::common::{mscore_convert, shape, trim_rests};
use lstmuse::Melody;
use lstmuse::formats::{self, Format, ReadOptions, musicxml};
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend;
use lstmuse::sampling::{SamplerConfig, generate, primer_from_text};

/// Writes `m` as `format`, lets MuseScore convert it to MusicXML, and reads that back.
fn through_musescore(m: &Melody, format: Format, name: &str, dir: &std::path::Path) -> Melody {
    let mscore = common::mscore().expect("checked by the caller");
    let ext = if format == Format::Midi {
        "mid"
    } else {
        "musicxml"
    };
    let input = dir.join(format!("{name}.{ext}"));
    let output = dir.join(format!("{name}.out.musicxml"));
    formats::write_melody(m, &input).unwrap();
    mscore_convert(&mscore, &input, &output).unwrap_or_else(|e| panic!("{name}: {e}"));
    let text = std::fs::read_to_string(&output).unwrap();
    musicxml::parse(&text, &ReadOptions::default()).unwrap()
}

/// Same notes: for MusicXML exactly (leading and trailing rests aside). MuseScore's MIDI
/// import "simplifies durations": it may lengthen a note into the rest after it (an eighth
/// before a rest becomes a quarter) and fill an incomplete last bar. So for MIDI every note
/// must start at the same time with the same pitch, and last at least as long as ours but no
/// longer than ours plus the silence that follows it.
fn assert_same_notes(imported: &Melody, ours: &Melody, format: Format, what: &str) {
    if format == Format::MusicXml {
        assert_eq!(
            trim_rests(shape(imported)),
            trim_rests(shape(ours)),
            "{what}"
        );
        return;
    }
    let starts = |m: &Melody| -> Vec<(f64, u8, f64, f64)> {
        let notes: Vec<_> = m.with_onsets().collect();
        let first = notes
            .iter()
            .find(|(_, n)| !n.is_rest())
            .map_or(0.0, |(t, _)| t.to_f64());
        notes
            .iter()
            .enumerate()
            .filter_map(|(i, (t, n))| {
                let p = n.pitch?;
                let gap: f64 = notes[i + 1..]
                    .iter()
                    .take_while(|(_, r)| r.is_rest())
                    .map(|(_, r)| r.duration.to_f64())
                    .sum();
                Some((t.to_f64() - first, p.midi(), n.duration.to_f64(), gap))
            })
            .collect()
    };
    let (a, b) = (starts(imported), starts(ours));
    assert_eq!(a.len(), b.len(), "{what}: note count");
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!((x.0, x.1), (y.0, y.1), "{what}: note {i} onset and pitch");
        let last = i + 1 == b.len();
        assert!(
            x.2 >= y.2 && (last || x.2 <= y.2 + y.3 + 1e-9),
            "{what}: note {i} lasts {} instead of {}",
            x.2,
            y.2
        );
    }
}

#[test]
fn musescore_imports_our_midi_and_musicxml_of_essen_songs() {
    if common::mscore().is_none() {
        return;
    }
    let Some(erk) = common::shared_corpus("essen-erk-krn") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A 2/4 song with a pickup, one with ties across bar lines, 3/4 and 6/8 songs.
    let names = [
        "deut0567.krn",
        "deut0594.krn",
        "deut0609.krn",
        "deut0580.krn",
        "deut0600.krn",
    ];
    for name in names {
        let m = formats::read_melody(&erk.join(name), &ReadOptions::default()).unwrap();
        for format in [Format::Midi, Format::MusicXml] {
            let back = through_musescore(&m, format, name, dir.path());
            assert_same_notes(&back, &m, format, &format!("{name} via {format:?}"));
            assert_eq!(back.meter, m.meter, "{name} via {format:?}");
        }
    }
}

#[test]
fn musescore_imports_generated_melodies() {
    if common::mscore().is_none() {
        return;
    }
    let dir = lstmuse::default_model_dir().expect("bundled model");
    let device = backend::cpu().device;
    let a = ModelArtifact::load(&dir, &device).unwrap();
    let mut primer = primer_from_text("62 _ 66 _ 69 _ _ _ 71 _ 69 _ 66 _ _ _").unwrap();
    primer.key = lstmuse::Key::parse("D");
    let config = SamplerConfig {
        variations: 3,
        seed: 21,
        ..SamplerConfig::default()
    };
    let out = tempfile::tempdir().unwrap();
    for (i, g) in generate(lstmuse::model::ModelRef::new(&a, &device), &primer, &config)
        .unwrap()
        .iter()
        .enumerate()
    {
        for format in [Format::Midi, Format::MusicXml] {
            let back = through_musescore(&g.melody, format, &format!("gen{i}"), out.path());
            assert_same_notes(
                &back,
                &g.melody,
                format,
                &format!("variation {i} via {format:?}"),
            );
        }
    }
}
