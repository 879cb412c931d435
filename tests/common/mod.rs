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
/// `out/checkpoint.json`, then `wait_ms` more, then kills it with SIGKILL (`kill -9`);
/// returns the killed process's id.
pub fn kill_after_first_checkpoint<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    out: &Path,
    wait_ms: u64,
) -> u32 {
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
    child.id()
}

/// Copies every file of the folder `from` (not its subfolders) into `to`.
pub fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from)
        .expect("a readable folder")
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copy");
        }
    }
}

/// How a model folder is damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// 400 KB of `model.bpk` overwritten with `0xFF` bytes (NaN weights); the card still
    /// records the old checksum.
    NanWeights,
    /// The same, in a folder from before checksums (its card records none).
    NanWeightsUnchecked,
    /// Twenty bytes of `model.bpk` flipped; the card records the old checksum.
    FlippedBytes,
    /// Finite weights whose output overflows: the output layer's weights are all
    /// `f32::MAX` (saved as a real model folder, with a matching checksum).
    OverflowingOutput,
}

/// A copy of the bundled model, damaged as `damage` says, in a new temporary folder.
pub fn damaged_model(damage: Damage) -> tempfile::TempDir {
    let bundled = lstmuse::default_model_dir().expect("the bundled model");
    let dir = tempfile::tempdir().expect("a temporary folder");
    if damage == Damage::OverflowingOutput {
        overflowing_output(&bundled, dir.path());
        return dir;
    }
    copy_files(&bundled, dir.path());
    let weights = dir.path().join("model.bpk");
    let mut bytes = std::fs::read(&weights).expect("the weights");
    let middle = bytes.len() / 2;
    match damage {
        Damage::FlippedBytes => {
            let mut rng = lstmuse::rng::SplitMix64(7);
            for _ in 0..20 {
                let at = middle / 2 + (rng.next_u64() as usize) % middle;
                bytes[at] ^= 1 << (rng.next_u64() % 8);
            }
        }
        _ => bytes[middle - 200_000..middle + 200_000].fill(0xFF),
    }
    std::fs::write(&weights, bytes).expect("write the weights");
    if damage == Damage::NanWeightsUnchecked {
        let card_path = dir.path().join("card.json");
        let mut card: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&card_path).expect("the card")).expect("JSON");
        card.as_object_mut()
            .expect("an object")
            .remove("weights_sha256");
        std::fs::write(&card_path, serde_json::to_vec(&card).expect("JSON")).expect("write");
    }
    dir
}

/// Saves the bundled model with every output weight `f32::MAX` into `out`.
fn overflowing_output(bundled: &Path, out: &Path) {
    use burn::module::Param;
    use burn::tensor::{Tensor, TensorData};
    use lstmuse::model::artifact::ModelArtifact;
    let device = lstmuse::model::backend::cpu().device;
    let mut a = ModelArtifact::load(bundled, &device).expect("the bundled model loads");
    let dims = a.model.output.weight.val().dims();
    let huge = TensorData::new(vec![f32::MAX; dims[0] * dims[1]], dims);
    a.model.output.weight = Param::from_tensor(Tensor::<2>::from_data(huge, &device));
    a.save(out).expect("save the damaged model");
}

/// A small tmpfs mounted on a new temporary folder, unmounted when dropped: a disk that
/// can be filled. Mounting needs root (or the right capability).
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts `kib` KiB of tmpfs; `None`, with a SKIP line, where mounting is not allowed.
    pub fn mount(kib: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("SKIP: cannot mount a tmpfs here (needs root): no full-disk test");
            return None;
        }
        Some(Tmpfs { dir })
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills it: writes `filler` until the disk is full.
    pub fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join("filler")).expect("a filler file");
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        while f.write_all(&[0]).is_ok() {}
        let _ = f.sync_all();
    }

    /// Every file under it whose name marks a partial write (`.NAME.tmp-PID`).
    pub fn partial_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.to_string_lossy().contains(".tmp-") {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.path(), &mut out);
        out
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Writes `n` tiny kern tunes into `dir`, a thousand to a folder: four quarter notes in
/// 4/4, titled "Tune 00001", "Tune 00002", ….
pub fn tiny_corpus(dir: &Path, n: usize) {
    const NAMES: [&str; 8] = ["c", "d", "e", "f", "g", "a", "b", "cc"];
    for i in 0..n {
        let folder = dir.join(format!("{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&folder).expect("a corpus folder");
        }
        let notes: Vec<String> = (0..4)
            .map(|k| format!("4{}", NAMES[(i + k * 3) % 8]))
            .collect();
        let text = format!(
            "!!!OTL: Tune {:05}\n**kern\n*M4/4\n*k[]\n*C:\n=1\n{}\n==\n*-\n",
            i + 1,
            notes.join("\n")
        );
        std::fs::write(folder.join(format!("t{i:06}.krn")), text).expect("a tune");
    }
}

/// This process's resident memory and its peak, in MiB (Linux: `/proc/self/status`).
pub fn rss_mib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
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
