//! The command line: clap subcommands that call the library.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use lstmuse::corpus;
use lstmuse::formats::{self, ReadOptions};
use lstmuse::preprocess::{PreprocessConfig, transposition_to_c_or_a};
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
    Train(crate::cli_model::TrainArgs),
    /// Score a model on songs: cross-entropy per step and per note onset, accuracy.
    Eval(crate::cli_model::EvalArgs),
    /// Continue a primer with the model: several variations, written as MIDI, MusicXML, kern or ABC.
    Generate(crate::cli_model::GenerateArgs),
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
    #[arg(long)]
    pub voice: Option<usize>,
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
        Command::Render(args) => render(args),
        Command::Train(args) => crate::cli_model::run_train(args),
        Command::Eval(args) => crate::cli_model::run_eval(args),
        Command::Generate(args) => crate::cli_model::run_generate(args),
    }
}

fn convert(args: ConvertArgs) -> Result<()> {
    let options = ReadOptions {
        tune: args.tune,
        voice: args.voice,
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
        None => lstmuse::fetch::default_corpus_dir()
            .context("no data folder on this platform: pass --dir")?
            .join("essen"),
    };
    let report = lstmuse::fetch::fetch_essen(&dir, &mut |msg| eprintln!("{msg}"))?;
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
    match lstmuse::bench::peak_rss_mib() {
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

/// `lstmuse render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The input melody (.krn, .abc, .mid, .musicxml, .xml, .mxl).
    pub input: PathBuf,
    /// The output file (.wav, 16-bit stereo).
    pub output: PathBuf,
    /// The synth voice: flute, pluck or epiano.
    #[arg(long, default_value = "flute")]
    pub voice: String,
    /// Tempo in quarter notes per minute (default: the melody's, or 120).
    #[arg(long)]
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

fn render(args: RenderArgs) -> Result<()> {
    use lstmuse::synth::{self, RenderConfig, Voice};
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
    let voice: Voice = args.voice.parse()?;
    if let Some(bpm) = args.bpm {
        let (low, high) = synth::BPM_RANGE;
        if !(low..=high).contains(&bpm) {
            bail!("--bpm {bpm} is out of range: use {low}..={high} quarter notes per minute");
        }
    }
    let options = ReadOptions {
        tune: args.tune,
        voice: args.part,
    };
    let melody = formats::read_melody(&args.input, &options)?;
    let config = RenderConfig {
        bpm: args.bpm,
        voice,
        metronome: args.metronome,
        ..RenderConfig::default()
    };
    let start = Instant::now();
    let rendered = synth::render(&melody, &config);
    synth::write_wav(&rendered, &args.output)?;
    eprintln!(
        "wrote {:.2} s ({} notes, {voice}, {} bpm) to {} in {:.0} ms",
        rendered.duration_secs(),
        melody.sounding().count(),
        rendered.bpm,
        args.output.display(),
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
