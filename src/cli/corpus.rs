//! `lstmuse corpus stats|encode|fetch`: what a corpus holds, its encoding, and the Essen fetch.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use lstmuse::corpus;
use lstmuse::corpus::preprocess::PreprocessConfig;
use std::path::PathBuf;
use std::time::Instant;

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
    /// Near-variants: the songs of A that hold at least the threshold's share of a B song's
    /// runs of 8 melodic intervals (transposition aside). Use it to keep held-out songs out
    /// of a training set: `corpus overlap essen/ essen/kinder0.abc`.
    Overlap {
        /// The corpus searched (e.g. a training set).
        a: PathBuf,
        /// The songs looked for (e.g. a held-out set).
        b: PathBuf,
        /// The share of a B song's runs an A song must hold, in (0, 1].
        #[arg(long, default_value_t = 0.5, value_parser = super::args::positive_fraction)]
        threshold: f64,
        /// Write every pair (A song, B song, share) to this tab-separated file.
        #[arg(long, value_name = "FILE.tsv")]
        list: Option<PathBuf>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
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

/// Runs one `lstmuse corpus` command.
pub fn run(command: CorpusCommand) -> Result<()> {
    match command {
        CorpusCommand::Stats { path, json } => corpus_stats(path, json),
        CorpusCommand::Encode { path, out } => corpus_encode(path, out),
        CorpusCommand::Fetch { name, dir } => corpus_fetch(&name, dir),
        CorpusCommand::Overlap {
            a,
            b,
            threshold,
            list,
            json,
        } => super::overlap::run(&a, &b, threshold, list.as_deref(), json),
    }
}

/// Loads and encodes a corpus: the corpus, its encoding and the seconds it took.
pub fn load_and_encode(
    path: &std::path::Path,
) -> Result<(corpus::Corpus, corpus::EncodedCorpus, f64)> {
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
