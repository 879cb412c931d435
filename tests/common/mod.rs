//! Shared test helpers: melodies built in code, where the shared corpora are, and
//! skipping when they are absent.

#![allow(dead_code)]

#[cfg(feature = "gui")]
pub mod app;

use lstmuse::{Melody, Note, Pitch, Ratio};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `../shared/corpus/<name>` beside the repository, or `None` (with a SKIP line) if absent.
pub fn shared_corpus(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIP: {} not found (the shared corpora are not beside this checkout)",
            p.display()
        );
        None
    }
}

/// Runs the `lstmuse` binary with `args` and returns what it did.
pub fn lstmuse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lstmuse"))
        .args(args)
        .output()
        .expect("the lstmuse binary runs")
}

/// Debian's TimGM6mb General MIDI SoundFont (package `timgm6mb-soundfont`).
pub const TIMGM6MB: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";

/// The path of TimGM6mb, or `None` (with a SKIP line) when it is not installed.
pub fn timgm6mb() -> Option<PathBuf> {
    let p = PathBuf::from(TIMGM6MB);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIP: {TIMGM6MB} not found (apt install timgm6mb-soundfont)");
        None
    }
}

/// A fixture file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `n/d` quarter notes.
pub fn q(n: i64, d: i64) -> Ratio {
    Ratio::new(n, d)
}

/// A melody from `(MIDI pitch, or None for a rest; duration in quarter notes)` pairs,
/// without meter, key or pickup. Set those with struct update:
/// `Melody { meter: Meter::new(3, 4), ..melody(&[(Some(67), q(1, 1))]) }`.
/// [`shape`] reads the pairs back.
pub fn melody(notes: &[(Option<u8>, Ratio)]) -> Melody {
    Melody {
        notes: notes
            .iter()
            .map(|&(p, d)| match p {
                Some(p) => Note::new(Pitch(p), d),
                None => Note::rest(d),
            })
            .collect(),
        ..Melody::default()
    }
}

/// Pitch and duration of every note and rest, ties merged.
pub fn notes(m: &Melody) -> Vec<(Option<Pitch>, Ratio)> {
    m.notes.iter().map(|n| (n.pitch, n.duration)).collect()
}

/// Pitch and duration of every note, consecutive rests merged (tie parts ignored: the
/// writer splits notes at bar lines, so only the sounding notes must match).
pub fn shape(m: &Melody) -> Vec<(Option<u8>, Ratio)> {
    let mut out: Vec<(Option<u8>, Ratio)> = Vec::new();
    for n in m.notes.iter().filter(|n| n.duration.is_positive()) {
        match out.last_mut() {
            Some((None, d)) if n.is_rest() => *d += n.duration,
            _ => out.push((n.pitch.map(Pitch::midi), n.duration)),
        }
    }
    out
}

/// Runs MuseScore 3 on `input`, writing `output`, with a time limit.
pub fn mscore_convert(mscore: &Path, input: &Path, output: &Path) -> Result<(), String> {
    let mut child = Command::new(mscore)
        .env("QT_QPA_PLATFORM", "offscreen")
        .arg("-o")
        .arg(output)
        .arg(input)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return if status.success() && output.exists() {
                Ok(())
            } else {
                Err(format!("mscore3 exited with {status}"))
            };
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("mscore3 took more than 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Drops leading and trailing rests: MuseScore may fill an incomplete first or last
/// measure with rests (and may drop ours), which changes nothing that sounds.
pub fn trim_rests(mut notes: Vec<(Option<u8>, Ratio)>) -> Vec<(Option<u8>, Ratio)> {
    while notes.last().is_some_and(|n| n.0.is_none()) {
        notes.pop();
    }
    let lead = notes.iter().take_while(|n| n.0.is_none()).count();
    notes.drain(..lead);
    notes
}

/// MuseScore 3's command-line converter, or `None` (with a SKIP line) when it is not installed.
pub fn mscore() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/mscore3");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIP: mscore3 not installed (Debian package musescore3)");
        None
    }
}

/// The songs of `tests/fixtures/kern` as training data (every file must load).
pub fn kern_training_data() -> lstmuse::corpus::TrainingData {
    use lstmuse::corpus::preprocess::PreprocessConfig;
    let loaded = lstmuse::corpus::load(&fixture("kern")).expect("the kern fixtures load");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let encoded = lstmuse::corpus::encode(&loaded.melodies, &PreprocessConfig::default());
    let songs: Vec<_> = encoded.songs.into_iter().map(|s| s.symbols).collect();
    lstmuse::corpus::TrainingData::from_songs(&songs, "tests/fixtures/kern")
}

/// A small symbols-only model (24 units) for `data`, trained `epochs` epochs in batches of
/// four 16-step windows, with no early stopping and a fifth of the songs for validation.
pub fn tiny_kern_config(
    data: &lstmuse::corpus::TrainingData,
    epochs: usize,
) -> lstmuse::model::TrainingConfig {
    use lstmuse::model::{MelodyLstmConfig, TrainingConfig};
    TrainingConfig::new(
        MelodyLstmConfig::new(data.vocab.len())
            .with_hidden_size(24)
            .with_dropout(0.1),
    )
    .with_epochs(epochs)
    .with_batch_size(4)
    .with_seq_len(16)
    .with_learning_rate(1e-2)
    .with_patience(0)
    .with_valid_fraction(0.2)
}

/// A tiny symbols-only training setup (two short songs, hidden size 4) for tests that start
/// training many times: the data and the configuration.
pub fn tiny_training() -> (
    lstmuse::corpus::TrainingData,
    lstmuse::model::TrainingConfig,
) {
    use lstmuse::corpus::TrainingData;
    use lstmuse::model::MelodyLstmConfig;
    use lstmuse::model::TrainingConfig;
    let songs: Vec<_> = ["60 _ 62 _ 64 _ r _ 65 _ _ _", "67 _ 65 64 _ 62 60 _ _ _"]
        .iter()
        .map(|s| lstmuse::corpus::encoding::parse_symbols(s).expect("symbols"))
        .collect();
    let data = TrainingData::from_songs(&songs, "tiny");
    let config = TrainingConfig::new(
        MelodyLstmConfig::new(data.vocab.len())
            .with_hidden_size(4)
            .with_dropout(0.0),
    )
    .with_epochs(8)
    .with_batch_size(2)
    .with_seq_len(8)
    .with_valid_fraction(0.5);
    (data, config)
}

/// Starts `lstmuse` with `args`, waits (up to 30 s on a slow machine) for
/// `out/checkpoint.json`, then `wait_ms` more, then kills it with SIGKILL (`kill -9`).
pub fn kill_after_first_checkpoint<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    out: &Path,
    wait_ms: u64,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lstmuse"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("lstmuse starts");
    for _ in 0..3000 {
        if out.join("checkpoint.json").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(wait_ms));
    child.kill().expect("kill -9");
    child.wait().expect("the killed process is reaped");
}

/// A tiny model with every structure input (phrase inputs too), trained for four epochs on
/// the kern fixtures into `dir`.
pub fn tiny_structure_model(dir: &Path) -> lstmuse::model::artifact::ModelArtifact {
    use lstmuse::corpus::TrainingData;
    use lstmuse::corpus::structure::StructureInputs;
    use lstmuse::model::backend::{self, BackendChoice};
    use lstmuse::model::{MelodyLstmConfig, TrainOptions, TrainingConfig, train};
    let loaded = lstmuse::corpus::load(&fixture("kern")).expect("the kern fixtures load");
    let encoded = lstmuse::corpus::encode(
        &loaded.melodies,
        &lstmuse::corpus::preprocess::PreprocessConfig::default(),
    );
    let data = TrainingData::from_encoded(&encoded, "tests/fixtures/kern");
    let config = TrainingConfig::new(
        MelodyLstmConfig::new(data.vocab.len())
            .with_hidden_size(24)
            .with_dropout(0.0)
            .with_structure(Some(StructureInputs::default())),
    )
    .with_epochs(4)
    .with_batch_size(4)
    .with_seq_len(256)
    .with_learning_rate(1e-2)
    .with_patience(0)
    .with_valid_fraction(0.2)
    .with_infill_per_song(Some(2));
    let options = TrainOptions::new(dir, BackendChoice::Cpu).expect("CPU training options");
    let summary = train(
        &config,
        &data,
        &options,
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("the tiny model trains");
    assert!(summary.history[3].train_loss < summary.history[0].train_loss);
    lstmuse::model::artifact::ModelArtifact::load(dir, &backend::cpu().device)
        .expect("the tiny model loads")
}
