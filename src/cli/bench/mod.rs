//! `lstmuse bench`: speed and memory figures, each against a reference measured in the same
//! run. Not part of the library's API.

mod corpus;
mod generate;
mod jam;
mod jam_live;
mod measure;
mod pytorch;
mod seed_method;
mod train;

use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;

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
    /// Call and response: the time to compute a 2-bar answer after 32 bars of dialogue,
    /// then live jams at 60, 120 and 200 BPM: each answer's compute time and the lateness
    /// of its first note.
    Jam {
        /// A model folder (default: the bundled model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Timed answers (p50 and p99 are printed).
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Answers per live jam (0: no live jams); each takes two bars of real time.
        #[arg(long, default_value_t = 12)]
        live: usize,
    },
}

/// Runs one `lstmuse bench` command.
pub fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Corpus { path, runs } => corpus::run(&path, runs),
        BenchCommand::Train {
            corpus,
            batches,
            pytorch,
        } => train::run(corpus.as_deref(), batches, pytorch),
        BenchCommand::Generate { model, runs } => generate::run(model, runs),
        BenchCommand::Jam { model, runs, live } => jam::run(model, runs, live),
    }
}

fn release_note(command: &str) {
    if cfg!(debug_assertions) {
        println!(
            "note: a debug build; run `cargo run --release -- bench {command}` for real figures"
        );
    }
}
