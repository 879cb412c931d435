//! Replays the fuzzing inputs kept in `tests/fixtures/fuzz/<target>/` (issue 15) on stable:
//! every input that once made a `fuzz/` target crash, run out of memory or time out, and a
//! few small ones that reach error paths. Each goes through the same public functions as
//! its fuzz target (see `fuzz/fuzz_targets/`) and must return, `Ok` or `Err`, never panic.

use crate::common;
use lstmuse::formats::{self, Format, ReadOptions, abc, kern, midi, musicxml};
use lstmuse::limits::Limits;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::{TrainOptions, train};
use lstmuse::{Melody, Result};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The kept inputs of one target, sorted by name; at least one. `LSTMUSE_FUZZ_INPUTS`
/// names another folder of `<target>/` folders to replay, e.g. `fuzz/corpus`.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = match std::env::var_os("LSTMUSE_FUZZ_INPUTS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz"),
    };
    let dir = root.join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Feeds every input of `target` to `run`, prints what each gave (`--nocapture` shows
/// it), and fails naming each input that panicked.
fn replay(target: &str, mut run: impl FnMut(&[u8]) -> String) {
    let mut panicked = Vec::new();
    for (path, bytes) in inputs(target) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match catch_unwind(AssertUnwindSafe(|| run(&bytes))) {
            Ok(outcome) => eprintln!("{target}/{name}: {outcome}"),
            Err(_) => panicked.push(name),
        }
    }
    assert!(panicked.is_empty(), "{target}: panicked on {panicked:#?}");
}

/// What every reader target does with a melody it read: the limits, then the writer.
fn check_and_write(melody: Result<Melody>, format: Format) -> String {
    let written = melody
        .and_then(|m| Limits::DEFAULT.check_melody(&m).map(|()| m))
        .and_then(|m| formats::to_bytes(&m, format));
    match written {
        Ok(bytes) => format!("Ok, {} bytes written", bytes.len()),
        Err(e) => format!("Err: {e}"),
    }
}

/// An outcome as `replay` prints it.
fn outcome<T>(result: &Result<T>) -> String {
    match result {
        Ok(_) => "Ok".into(),
        Err(e) => format!("Err: {e}"),
    }
}

#[test]
fn kern_inputs_return() {
    replay("kern", |data| {
        let text = String::from_utf8_lossy(data);
        check_and_write(kern::parse(&text, &ReadOptions::default()), Format::Kern)
    });
}

#[test]
fn abc_inputs_return() {
    replay("abc", |data| {
        let tunes = abc::parse_tunes(&String::from_utf8_lossy(data));
        let outcomes: Vec<String> = tunes
            .into_iter()
            .map(|t| check_and_write(t.melody, Format::Abc))
            .collect();
        outcomes.join("; ")
    });
}

#[test]
fn midi_inputs_return() {
    replay("midi", |data| {
        check_and_write(midi::parse(data, &ReadOptions::default()), Format::Midi)
    });
}

#[test]
fn musicxml_inputs_return() {
    replay("musicxml", |data| {
        let melody = musicxml::parse_bytes(data, &ReadOptions::default());
        check_and_write(melody, Format::MusicXml)
    });
}

#[test]
fn mxl_inputs_return() {
    replay("mxl", |data| {
        check_and_write(
            musicxml::parse_mxl(data, &ReadOptions::default()),
            Format::Mxl,
        )
    });
}

/// `config.json`, NUL, `vocab.json` in a folder without weights: always an error.
#[test]
fn model_config_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let device = backend::cpu().device;
    replay("model_config", |data| {
        let (config, vocab) = match data.iter().position(|&b| b == 0) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &b""[..]),
        };
        std::fs::write(dir.path().join("config.json"), config).unwrap();
        std::fs::write(dir.path().join("vocab.json"), vocab).unwrap();
        let loaded = ModelArtifact::load(dir.path(), &device);
        assert!(loaded.is_err());
        outcome(&loaded)
    });
}

/// `checkpoint.json` of a folder without checkpoint weights, on resume: always an error,
/// and nothing but the checkpoint itself is in the folder afterwards.
#[test]
fn checkpoint_inputs_are_refused() {
    let (data, config) = common::tiny_training();
    let dir = tempfile::tempdir().unwrap();
    let mut options = TrainOptions::new(dir.path(), BackendChoice::Cpu).unwrap();
    options.resume = true;
    replay("checkpoint", |bytes| {
        std::fs::write(dir.path().join("checkpoint.json"), bytes).unwrap();
        let result = train(
            &config,
            &data,
            &options,
            &mut |_| {},
            &AtomicBool::new(false),
        );
        assert!(result.is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != lstmuse::folder_lock::LOCK_FILE)
            .collect();
        assert_eq!(left, ["checkpoint.json"]);
        outcome(&result)
    });
}

/// `model.bpk` in a small model's folder without a card: an error naming the file, or
/// finite weights that generate a bar (or say why not).
#[test]
fn weights_inputs_return() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::fixture("models/lookback-v1");
    for file in ["config.json", "vocab.json"] {
        std::fs::copy(model.join(file), dir.path().join(file)).unwrap();
    }
    let device = backend::cpu().device;
    replay("weights", |data| {
        std::fs::write(dir.path().join("model.bpk"), data).unwrap();
        match ModelArtifact::load(dir.path(), &device) {
            Err(e) => {
                assert!(e.to_string().contains("model.bpk"), "{e}");
                format!("Err: {e}")
            }
            Ok(a) => {
                let host = lstmuse::model::HostLstm::new(&a.model).unwrap();
                assert_eq!(host.first_non_finite(), None);
                let config = lstmuse::sampling::SamplerConfig {
                    length: lstmuse::sampling::Length::Bars(1),
                    ..Default::default()
                };
                let bound = lstmuse::model::ModelRef::new(&a, &device);
                outcome(&lstmuse::sampling::generate(bound, &Melody::new(), &config))
            }
        }
    });
}
