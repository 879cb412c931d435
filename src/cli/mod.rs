//! The command line: clap subcommands that call the library.

mod args;
mod bench;
mod model;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use lstmuse::corpus;
use lstmuse::corpus::preprocess::{PreprocessConfig, transposition_to_c_or_a};
use lstmuse::formats::{self, ReadOptions};
use lstmuse::synth::{GmProgram, Voice};
use std::path::PathBuf;
use std::time::Instant;

/// LSTMuse: an LSTM that writes folk melodies. Without a command it opens the app.
#[derive(Parser, Debug)]
#[command(name = "lstmuse", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Convert a melody between formats (.krn, .abc, .mid, .musicxml, .xml, .mxl in; .mid, .musicxml, .mxl, .krn, .abc out).
    Convert(ConvertArgs),
    /// Work with a corpus: statistics, encoding, fetching Essen.
    #[command(subcommand)]
    Corpus(CorpusCommand),
    /// Print speed and memory figures (release builds give the real numbers).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Render a melody to a WAV file with the built-in synth (any input format the library reads).
    Render(RenderArgs),
    /// Train a model on a corpus (the best epoch is kept; checkpoints every epoch).
    Train(model::TrainArgs),
    /// Score a model on songs: cross-entropy per step and per note onset, accuracy.
    Eval(model::EvalArgs),
    /// Continue a primer with the model: several variations, written as MIDI, MusicXML, kern or ABC.
    Generate(model::GenerateArgs),
    /// Open the desktop app (what `lstmuse` with no arguments does).
    App(AppArgs),
}

/// `lstmuse app`.
#[derive(Args, Debug, Default)]
pub struct AppArgs {
    /// A melody file to open as the seed.
    pub seed: Option<PathBuf>,
    /// The model folder (default: the last one used, else the bundled model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Do not open the sound device.
    #[arg(long)]
    pub no_audio: bool,
    /// Start with default settings instead of the remembered ones (and do not save them).
    #[arg(long)]
    pub fresh: bool,
    /// Open, wait until the model is loaded and drawn, print the start-up time, and quit.
    #[arg(long)]
    pub startup_check: bool,
}

/// `lstmuse bench …`.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Load and encode a corpus several times: seconds per run, files per second, peak memory.
    Corpus {
        /// A folder of melodies (e.g. ../shared/corpus/essen-erk-krn).
        path: PathBuf,
        /// How many runs.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Training throughput of the default model (1×256 LSTM, batch 64, seq 64, Adam) on the CPU.
    Train {
        /// Train on this corpus's windows (e.g. ../shared/corpus/essen-erk-krn) and estimate
        /// an epoch; default: random ids.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Timed batches (after 3 warm-up batches).
        #[arg(long, default_value_t = 20)]
        batches: usize,
        /// Also run the PyTorch reference (benches/pytorch_lstm.py) in the venv made by
        /// scripts/setup_pytorch_bench.sh, and print the ratio.
        #[arg(long)]
        pytorch: bool,
    },
    /// Generation speed: one 512-step melody and 16 × 256 steps, against the seed's method.
    Generate {
        /// A model folder (default: the bundled model, else a freshly initialised one).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Timed runs per figure (the median is printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// `lstmuse convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The input file.
    pub input: PathBuf,
    /// The output file; its extension picks the format.
    pub output: PathBuf,
    /// ABC: the tune with reference number X:N (default: the first tune).
    #[arg(long)]
    pub tune: Option<u32>,
    /// Kern spine, MIDI track or MusicXML part to read (0-based; default: the top voice).
    #[arg(long, alias = "voice")]
    pub part: Option<usize>,
    /// Move the melody to C major / A minor, as the preprocessing does.
    #[arg(long)]
    pub transpose_to_c: bool,
}

/// `lstmuse corpus …`.
#[derive(Subcommand, Debug)]
pub enum CorpusCommand {
    /// Load a folder and print counts: files, tunes, loaded, failed, kept, symbols, vocabulary.
    Stats {
        /// A folder (searched recursively) or one file.
        path: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Encode a folder: DIR/songs.txt, DIR/sources.txt and DIR/vocab.json.
    Encode {
        /// A folder (searched recursively) or one file.
        path: PathBuf,
        /// The output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Download a public corpus (needs pip; runs no Python code).
    Fetch {
        /// Which corpus: `essen`.
        name: String,
        /// Where to put it (default: the platform data folder).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Runs a parsed command line.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Convert(args) => convert(args),
        Command::Corpus(CorpusCommand::Stats { path, json }) => corpus_stats(path, json),
        Command::Corpus(CorpusCommand::Encode { path, out }) => corpus_encode(path, out),
        Command::Corpus(CorpusCommand::Fetch { name, dir }) => corpus_fetch(&name, dir),
        Command::Bench(BenchCommand::Corpus { path, runs }) => bench_corpus(&path, runs),
        Command::Bench(BenchCommand::Train {
            corpus,
            batches,
            pytorch,
        }) => bench_train(corpus.as_deref(), batches, pytorch),
        Command::Bench(BenchCommand::Generate { model, runs }) => bench_generate(model, runs),
        Command::Render(args) => render(args),
        Command::Train(args) => model::run_train(args),
        Command::Eval(args) => model::run_eval(args),
        Command::Generate(args) => model::run_generate(args),
        Command::App(args) => run_app(args),
    }
}

fn convert(args: ConvertArgs) -> Result<()> {
    let options = ReadOptions {
        tune: args.tune,
        part: args.part,
    };
    if formats::Format::from_path(&args.output).is_none() {
        bail!(
            "cannot write {}: use .mid, .musicxml, .mxl, .krn or .abc",
            args.output.display()
        );
    }
    let mut melody = formats::read_melody(&args.input, &options)?;
    if args.transpose_to_c {
        let shift = transposition_to_c_or_a(&melody)
            .with_context(|| format!("{} has no notes to find a key", args.input.display()))?;
        melody = melody.transposed(shift);
    }
    formats::write_melody(&melody, &args.output)?;
    eprintln!(
        "wrote {} notes to {}",
        melody.sounding().count(),
        args.output.display()
    );
    Ok(())
}

fn load_and_encode(path: &std::path::Path) -> Result<(corpus::Corpus, corpus::EncodedCorpus, f64)> {
    let start = Instant::now();
    let loaded = corpus::load(path)?;
    let encoded = corpus::encode(&loaded.melodies, &PreprocessConfig::default());
    Ok((loaded, encoded, start.elapsed().as_secs_f64()))
}

fn corpus_stats(path: PathBuf, json: bool) -> Result<()> {
    let (loaded, encoded, seconds) = load_and_encode(&path)?;
    let stats = corpus::stats(&loaded, &encoded, seconds);
    if json {
        println!("{}", serde_json::to_string(&stats)?);
        return Ok(());
    }
    println!("corpus      {}", path.display());
    println!("files       {}", stats.files);
    println!("tunes       {}", stats.tunes);
    println!("loaded      {}", stats.loaded);
    println!("failed      {}", stats.failed);
    for e in loaded.errors.iter().take(10) {
        println!("  - {e}");
    }
    if loaded.errors.len() > 10 {
        println!("  … and {} more", loaded.errors.len() - 10);
    }
    println!("kept        {} (after the duration filter)", stats.kept);
    println!("symbols     {}", stats.symbols);
    println!("vocabulary  {}", stats.vocab_size);
    println!("seconds     {:.3}", stats.seconds);
    Ok(())
}

fn corpus_encode(path: PathBuf, out: PathBuf) -> Result<()> {
    let (loaded, encoded, seconds) = load_and_encode(&path)?;
    encoded.write(&out)?;
    for e in loaded.errors.iter().take(10) {
        eprintln!("skipped: {e}");
    }
    eprintln!(
        "encoded {} of {} tunes ({} symbols, vocabulary {}) into {} in {seconds:.2} s",
        encoded.songs.len(),
        loaded.tunes,
        encoded.symbol_count(),
        encoded.vocabulary.len(),
        out.display()
    );
    Ok(())
}

fn corpus_fetch(name: &str, dir: Option<PathBuf>) -> Result<()> {
    if name != "essen" {
        bail!("unknown corpus `{name}`: the one available is `essen`");
    }
    let dir = match dir {
        Some(d) => d,
        None => lstmuse::corpus::fetch::default_corpus_dir()
            .context("no data folder on this platform: pass --dir")?
            .join("essen"),
    };
    let report = lstmuse::corpus::fetch::fetch_essen(&dir, &mut |msg| eprintln!("{msg}"))?;
    println!(
        "{} ABC files ({} tunes) in {}",
        report.files,
        report.tunes,
        dir.display()
    );
    Ok(())
}

fn bench_corpus(path: &std::path::Path, runs: usize) -> Result<()> {
    let runs = runs.max(1);
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let (loaded, encoded, seconds) = load_and_encode(path)?;
        times.push(seconds);
        last = Some((loaded.files, encoded.songs.len(), encoded.symbol_count()));
    }
    let (files, kept, symbols) = last.unwrap_or_default();
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let median = times[times.len() / 2];
    println!(
        "load + encode {}: {files} files, {kept} songs kept, {symbols} symbols",
        path.display()
    );
    println!(
        "runs {runs}: best {:.1} ms, median {:.1} ms, {:.0} files/s",
        best * 1e3,
        median * 1e3,
        files as f64 / median
    );
    println!("threads {}", rayon::current_num_threads());
    match bench::peak_rss_mib() {
        Some(mib) => println!("peak memory (VmHWM) {mib:.1} MiB"),
        None => println!("peak memory: not available on this platform"),
    }
    if cfg!(debug_assertions) {
        println!(
            "note: a debug build; run `cargo run --release -- bench corpus …` for real figures"
        );
    }
    Ok(())
}

fn release_note(command: &str) {
    if cfg!(debug_assertions) {
        println!(
            "note: a debug build; run `cargo run --release -- bench {command}` for real figures"
        );
    }
}

/// The venv's Python for the PyTorch reference: `$LSTMUSE_TORCH_VENV` or ~/.cache/lstmuse/torch-venv.
fn torch_python() -> PathBuf {
    let venv = std::env::var_os("LSTMUSE_TORCH_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/lstmuse/torch-venv"))
        })
        .unwrap_or_else(|| PathBuf::from("torch-venv"));
    venv.join("bin/python")
}

/// Untimed batches before the training bench measures.
const TRAIN_WARMUP: usize = 3;

/// The windows to train on: the corpus's training windows, or random ids; and what
/// they are. With a corpus, the vocabulary size follows it.
fn bench_windows(
    corpus_dir: Option<&std::path::Path>,
    config: &mut lstmuse::model::training::TrainingConfig,
) -> Result<(Vec<lstmuse::corpus::data::Window>, String)> {
    use lstmuse::corpus::data::windows;
    use lstmuse::corpus::encoding::Symbol;
    use lstmuse::model::training::TrainingData;

    Ok(match corpus_dir {
        Some(dir) => {
            let (_, encoded, _) = load_and_encode(dir)?;
            let symbols: Vec<Vec<Symbol>> = encoded.songs.into_iter().map(|s| s.symbols).collect();
            let data = TrainingData::from_songs(&symbols, dir.display().to_string());
            config.model.vocab_size = data.vocab.len();
            let delimiter = data.vocab.id(Symbol::Delimiter).unwrap_or(0);
            let (train, _) = data.songs.split(config.valid_fraction, config.seed)?;
            let ws = windows(&train, config.seq_len, delimiter);
            (ws, format!("training windows of {}", dir.display()))
        }
        None => (
            bench::random_windows(256, config.seq_len, config.model.vocab_size, 1),
            "random ids".to_owned(),
        ),
    })
}

/// Runs the PyTorch twin of the training bench (when its venv exists) and compares both
/// engines with it.
fn bench_pytorch(
    config: &lstmuse::model::training::TrainingConfig,
    batches: usize,
    (fused, composed): (&bench::TrainBench, &bench::TrainBench),
) -> Result<()> {
    let python = torch_python();
    if !python.is_file() {
        println!(
            "pytorch: no venv at {}: create it with scripts/setup_pytorch_bench.sh (or set LSTMUSE_TORCH_VENV)",
            python.display()
        );
        return Ok(());
    }
    let torch = bench::run_pytorch(&python, config, TRAIN_WARMUP, batches)?;
    println!(
        "pytorch  {:>8.0} steps/s  {:>7.1} ms/batch  (forward+loss {:.1}, backward {:.1}, optimizer {:.1})  torch {}, {} threads, random ids  peak {:.0} MiB",
        torch.steps_per_sec,
        torch.ms_per_batch,
        torch.forward_ms,
        torch.backward_ms,
        torch.optimizer_ms,
        torch.torch,
        torch.threads,
        torch.peak_rss_mib
    );
    for (name, b) in [("fused", fused), ("composed", composed)] {
        println!(
            "ratio {name}/pytorch: {:.2}× the throughput",
            b.steps_per_sec / torch.steps_per_sec
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average before the run: {} (compare only on a quiet machine)",
        load.split_whitespace().next().unwrap_or("n/a")
    );
    Ok(())
}

/// One line of training-bench figures.
fn print_train_line(name: &str, b: &bench::TrainBench, extra: &str) {
    println!(
        "{name:<8} {:>8.0} steps/s  {:>7.1} ms/batch  (forward+loss {:.1}, backward {:.1}, optimizer {:.1})  {:.1} GFLOP/s{extra}",
        b.steps_per_sec, b.ms_per_batch, b.forward_ms, b.backward_ms, b.optimizer_ms, b.gflops,
    );
}

/// The fused engine at 1, 2, … threads (up to the cores): the fastest, and the count
/// training chooses by default.
fn bench_fused_threads(
    config: &lstmuse::model::training::TrainingConfig,
    windows: &[lstmuse::corpus::data::Window],
    batches: usize,
    device: &burn::tensor::Device,
) -> Result<bench::TrainBench> {
    let chosen = lstmuse::model::fused::default_threads();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let peak = bench::peak_rate();
    let mut at_chosen = None;
    for threads in 1..=cores.clamp(1, 8) {
        let b =
            bench::bench_train_fused(config, windows, (TRAIN_WARMUP, batches), threads, device)?;
        let share = peak.as_ref().map_or(String::new(), |p| {
            format!(" ({:.0}% of peak)", 100.0 * b.gflops / p.gflops)
        });
        let mark = if threads == chosen {
            ", the default"
        } else {
            ""
        };
        print_train_line("fused", &b, &format!("{share}  {threads} thread(s){mark}"));
        if threads == chosen {
            at_chosen = Some(b);
        }
    }
    if let Some(p) = &peak {
        println!(
            "peak FP32: {} cores × {} lanes × 2 (FMA) × {} FMA units × {:.2} GHz = {:.0} GFLOP/s (lanes from the CPU flags; FMA units assumed; clock from /proc/cpuinfo)",
            p.cores, p.lanes, p.fma_units, p.ghz, p.gflops
        );
    }
    at_chosen.ok_or_else(|| anyhow::anyhow!("no fused measurement at {chosen} threads"))
}

/// Trains the recommended model on `corpus_dir` (as `lstmuse train` does, with a
/// validation pass per epoch) until its validation loss beats the Keras seed model's
/// kinder score, and prints the time, the epoch time and the peak memory.
fn bench_time_to_target(corpus_dir: &std::path::Path) -> Result<()> {
    use lstmuse::model::training::{TrainOptions, TrainingConfig, TrainingData, TrainingEvent};
    use std::sync::atomic::{AtomicBool, Ordering};
    const KERAS_KINDER: f64 = 1.054;
    let (_, encoded, _) = load_and_encode(corpus_dir)?;
    let data = TrainingData::from_encoded(&encoded.songs, corpus_dir.display().to_string());
    let config = TrainingConfig::recommended(data.vocab.len()).with_epochs(6);
    let dir = tempfile_dir()?;
    let options = TrainOptions::new(&dir, lstmuse::model::backend::BackendChoice::Cpu)?;
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let mut reached = None;
    let mut first_epoch = None;
    lstmuse::model::training::train(
        &config,
        &data,
        &options,
        &mut |e| {
            if let TrainingEvent::Epoch { stats, .. } = e {
                first_epoch.get_or_insert(stats.seconds);
                println!(
                    "erk epoch {}: {:.1} s, validation {:.4} nats/step",
                    stats.epoch, stats.seconds, stats.valid_loss
                );
                if stats.valid_loss < KERAS_KINDER && reached.is_none() {
                    reached = Some(started.elapsed().as_secs_f64());
                    stop.store(true, Ordering::Relaxed);
                }
            }
        },
        &stop,
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    match reached {
        Some(s) => println!(
            "time to a validation loss below the Keras model's kinder score ({KERAS_KINDER}): {s:.1} s (recommended model, erk, from the start of training)"
        ),
        None => println!(
            "the validation loss did not reach {KERAS_KINDER} in {} epochs",
            config.epochs
        ),
    }
    if let Some(s) = first_epoch {
        println!("one erk epoch (training + validation, recommended model): {s:.1} s");
    }
    println!(
        "peak memory so far: {}",
        bench::peak_rss_mib().map_or("n/a".into(), |r| format!("{r:.0} MiB"))
    );
    Ok(())
}

/// A fresh folder under the system's temporary folder.
fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("lstmuse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn bench_train(corpus_dir: Option<&std::path::Path>, batches: usize, pytorch: bool) -> Result<()> {
    use lstmuse::model::MelodyLstmConfig;
    use lstmuse::model::training::TrainingConfig;

    if let Some(dir) = corpus_dir {
        bench_time_to_target(dir)?;
    }
    // The shape benches/pytorch_lstm.py measures: batches of 64 windows of 64 steps.
    let mut config = TrainingConfig::new(MelodyLstmConfig::new(38))
        .with_batch_size(64)
        .with_seq_len(64);
    let (train_windows, source) = bench_windows(corpus_dir, &mut config)?;
    let device = lstmuse::model::backend::cpu();
    let m = &config.model;
    println!(
        "model: {}×{} LSTM, one-hot input of {} symbols, dropout {}, batch {}, seq {}, Adam, grad clip {}; {}",
        m.layers,
        m.hidden_size,
        m.vocab_size,
        m.dropout,
        config.batch_size,
        config.seq_len,
        config.grad_clip_norm,
        device.name
    );
    println!("data: {source}; {TRAIN_WARMUP} warm-up + {batches} timed batches");
    let fused = bench_fused_threads(&config, &train_windows, batches, &device.device)?;
    if corpus_dir.is_some() {
        let per_epoch = train_windows.len().div_ceil(config.batch_size);
        println!(
            "epoch of {}-step windows (the seed's way, no structure inputs): {} windows = {per_epoch} batches ≈ {:.1} s fused",
            config.seq_len,
            train_windows.len(),
            per_epoch as f64 * fused.ms_per_batch / 1e3
        );
    }
    let composed = bench::bench_train(
        &config,
        &train_windows,
        TRAIN_WARMUP,
        batches,
        &device.device,
    )?;
    print_train_line("composed", &composed, "  (Burn ops + autodiff)");
    println!(
        "fused/composed: {:.1}× the throughput",
        fused.steps_per_sec / composed.steps_per_sec
    );
    let over = bench::bench_overhead(&config, &device.device)?;
    println!(
        "composed, where the time goes: forward matmuls alone {:.1} ms; forward without autodiff {:.1} ms; a training step at batch 1 {:.1} ms; a tiny op {:.1} µs ({:.1} µs tracked)",
        over.matmul_forward_ms,
        over.inference_forward_ms,
        over.batch1_step_ms,
        over.tiny_op_us,
        over.tiny_op_autodiff_us
    );
    if pytorch {
        bench_pytorch(&config, batches, (&fused, &composed))?;
    }
    release_note("train");
    Ok(())
}

/// The generation bench's figures, against the goals.
fn print_generate_bench(g: &bench::GenerateBench, hidden: usize) {
    let goal = if g.one_512_ms < 20.0 {
        "meets"
    } else {
        "misses"
    };
    println!(
        "generate 1 × 512 steps: {:>8.1} ms   ({goal} the 20 ms goal)",
        g.one_512_ms
    );
    println!("generate 16 × 256 steps: {:>7.1} ms", g.batch_16x256_ms);
    match g.fill_2bars_8_ms {
        Some(ms) => println!(
            "fill 2 bars × 8 variations (bars 5–6 of 16 in 4/4): {ms:>6.1} ms   ({} the 50 ms goal)",
            if ms < 50.0 { "meets" } else { "misses" }
        ),
        None => println!("fill: this model was not trained to fill"),
    }
    println!(
        "seed's method (re-read 64 steps per step) 1 × 512: {:>8.1} ms   speed-up {:.0}×",
        g.seed_one_512_ms,
        g.seed_one_512_ms / g.one_512_ms
    );
    println!(
        "seed's method 16 × 256 (windows batched): {:>8.1} ms   speed-up {:.0}×",
        g.seed_16x256_ms,
        g.seed_16x256_ms / g.batch_16x256_ms
    );
    println!(
        "where the time goes: 512 host-engine steps alone {:.1} ms ({:.1} µs/step), sampler and bookkeeping {:+.1} ms (generate minus model steps; noise when near 0)",
        g.host_steps_512_ms,
        g.host_steps_512_ms * 1e3 / 512.0,
        g.one_512_ms - g.host_steps_512_ms,
    );
    println!(
        "  the same 512 steps as Burn tensor ops (before the host engine): {:.1} ms ({:.1} ms without reading the logits back); 16 × 256 tensor steps {:.1} ms",
        g.steps_512_ms, g.steps_512_no_read_ms, g.steps_16x256_ms
    );
    println!(
        "  of the 512 model steps: recurrent [1,{h}]×[{h},{h4}] products alone {:.1} ms, 512 × 14 small element-wise ops {:.1} ms",
        g.matvec_512_ms,
        g.small_ops_512_ms,
        h = hidden,
        h4 = 4 * hidden
    );
    if let Some(r) = bench::peak_rss_mib() {
        println!("peak memory (VmHWM) {r:.0} MiB");
    }
}

fn bench_generate(model_dir: Option<PathBuf>, runs: usize) -> Result<()> {
    use lstmuse::model::MelodyLstmConfig;
    use lstmuse::model::artifact::ModelArtifact;

    let device = lstmuse::model::backend::cpu();
    let dir = model_dir.or_else(lstmuse::default_model_dir).or_else(|| {
        let fallback = PathBuf::from("/tmp/erk-b");
        ModelArtifact::is_model_folder(&fallback).then_some(fallback)
    });
    let (model, model_config, vocab, what) = match dir {
        Some(dir) => {
            let a = ModelArtifact::load(&dir, &device.device)?;
            (
                a.model,
                a.config.model,
                a.vocab,
                format!("model {}", dir.display()),
            )
        }
        None => {
            let vocab = bench::default_vocabulary();
            let config = MelodyLstmConfig::new(vocab.len());
            (
                burn::module::Module::valid(&config.init(&device.device)),
                config,
                vocab,
                "no trained model found: a freshly initialised model".to_owned(),
            )
        }
    };
    println!(
        "{what}: {}×{} LSTM, {} symbols; {}; median of {} runs",
        model_config.layers,
        model_config.hidden_size,
        vocab.len(),
        device.name,
        runs.max(1)
    );
    let bound = lstmuse::model::ModelRef {
        model: &model,
        config: &model_config,
        vocab: &vocab,
        device: &device.device,
    };
    let g = bench::bench_generate(bound, runs)?;
    print_generate_bench(&g, model_config.hidden_size);
    release_note("generate");
    Ok(())
}

/// `lstmuse render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The input melody (.krn, .abc, .mid, .musicxml, .xml, .mxl).
    pub input: PathBuf,
    /// The output file (.wav, 16-bit stereo).
    pub output: PathBuf,
    /// The synth voice.
    #[arg(long, value_enum, default_value_t = VoiceArg::Flute, conflicts_with = "soundfont")]
    pub voice: VoiceArg,
    /// A SoundFont (.sf2) to play instead of the built-in voice, e.g.
    /// /usr/share/sounds/sf2/TimGM6mb.sf2 (Debian package timgm6mb-soundfont).
    #[arg(long, value_name = "FILE.sf2")]
    pub soundfont: Option<PathBuf>,
    /// The General MIDI program the SoundFont plays, 0 to 127 (default 0, Acoustic Grand
    /// Piano; 40 Violin, 73 Flute, 24 Acoustic Guitar (nylon)).
    #[arg(long, value_parser = args::gm_program, requires = "soundfont")]
    pub program: Option<GmProgram>,
    /// Tempo in quarter notes per minute, 10 to 600 (default: the melody's, or 120).
    #[arg(long, value_parser = args::bpm)]
    pub bpm: Option<f64>,
    /// ABC: the tune with reference number X:N (default: the first tune).
    #[arg(long)]
    pub tune: Option<u32>,
    /// Kern spine, MIDI track or MusicXML part to read (0-based; default: the top voice).
    #[arg(long)]
    pub part: Option<usize>,
    /// Add a metronome click on every beat.
    #[arg(long)]
    pub metronome: bool,
}

/// A synth voice on the command line: clap's mirror of [`Voice`] (the library does not
/// know clap), with the same names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoiceArg {
    /// A soft sine with a breath puff and gentle vibrato.
    Flute,
    /// A plucked string (Karplus–Strong).
    Pluck,
    /// An electric piano (FM).
    #[value(name = "epiano")]
    EPiano,
}

impl From<VoiceArg> for Voice {
    fn from(v: VoiceArg) -> Voice {
        match v {
            VoiceArg::Flute => Voice::Flute,
            VoiceArg::Pluck => Voice::Pluck,
            VoiceArg::EPiano => Voice::EPiano,
        }
    }
}

fn render(args: RenderArgs) -> Result<()> {
    use lstmuse::synth::{self, RenderConfig, SoundFont, SoundFontVoice};
    let is_wav = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    if !is_wav {
        bail!(
            "cannot write {}: render writes .wav files",
            args.output.display()
        );
    }
    let voice = Voice::from(args.voice);
    let options = ReadOptions {
        tune: args.tune,
        part: args.part,
    };
    let melody = formats::read_melody(&args.input, &options)?;
    let soundfont = match &args.soundfont {
        Some(path) => Some(SoundFontVoice::new(
            std::sync::Arc::new(SoundFont::load(path)?),
            args.program.unwrap_or(GmProgram::PIANO),
        )),
        None => None,
    };
    let voice_label = soundfont
        .as_ref()
        .map_or_else(|| voice.to_string(), SoundFontVoice::label);
    let config = RenderConfig {
        bpm: args.bpm,
        voice,
        metronome: args.metronome,
        soundfont,
        ..RenderConfig::default()
    };
    let start = Instant::now();
    let rendered = synth::try_render(&melody, &config).map_err(|e| e.in_file(&args.input))?;
    synth::write_wav(&rendered, &args.output)?;
    eprintln!(
        "wrote {:.2} s ({} notes, {voice_label}, {} bpm) to {} in {:.0} ms",
        rendered.duration_secs(),
        melody.sounding().count(),
        rendered.bpm,
        args.output.display(),
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

#[cfg(feature = "gui")]
fn run_app(args: AppArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let options = lstmuse::gui::AppOptions {
        model_dir: args.model,
        audio: !args.no_audio,
        seed_file: args.seed,
        restore: !args.fresh,
        ready_check: args.startup_check.then_some(started),
        ..Default::default()
    };
    lstmuse::gui::run(options).map_err(|e| {
        anyhow::anyhow!(
            "could not open the app window: {e}. On a machine without a display, use the subcommands (lstmuse --help), or run it under xvfb-run"
        )
    })
}

#[cfg(not(feature = "gui"))]
fn run_app(_args: AppArgs) -> Result<()> {
    anyhow::bail!("this build has no desktop app (feature `gui`); see lstmuse --help for the CLI")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_voice_has_its_command_line_name() {
        let names: Vec<String> = VoiceArg::value_variants()
            .iter()
            .filter_map(|v| {
                let name = v.to_possible_value()?.get_name().to_owned();
                assert_eq!(name, Voice::from(*v).name());
                Some(name)
            })
            .collect();
        let library: Vec<&str> = Voice::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(names, library);
    }

    #[test]
    fn convert_still_takes_voice_for_the_part() {
        let cli = Cli::parse_from(["lstmuse", "convert", "a.krn", "b.mid", "--voice", "1"]);
        let Some(Command::Convert(args)) = cli.command else {
            panic!("not a convert command");
        };
        assert_eq!(args.part, Some(1));
    }
}
