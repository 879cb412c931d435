//! The command line: clap subcommands that call the library.

mod app;
mod args;
mod bench;
mod convert;
mod corpora;
mod corpus;
mod eval;
mod generate;
mod jam;
mod overlap;
mod render;
mod sampler_args;
mod train;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use app::AppArgs;

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
    Convert(convert::ConvertArgs),
    /// Work with a corpus: statistics, encoding, fetching Essen.
    #[command(subcommand)]
    Corpus(corpus::CorpusCommand),
    /// Print speed and memory figures (release builds give the real numbers).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Render a melody to a WAV file with the built-in synth (any input format the library reads).
    Render(render::RenderArgs),
    /// Train a model on a corpus (the best epoch is kept; checkpoints every epoch).
    Train(train::TrainArgs),
    /// Score a model on songs: cross-entropy per step and per note onset, accuracy.
    Eval(eval::EvalArgs),
    /// Continue a primer with the model: several variations, written as MIDI, MusicXML, kern or ABC.
    Generate(generate::GenerateArgs),
    /// Call and response without devices: fill a performance's empty phrases with the
    /// model's answers.
    Jam(jam::JamArgs),
    /// Open the desktop app (what `lstmuse` with no arguments does).
    App(AppArgs),
}

/// Runs a parsed command line.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Convert(args) => convert::convert(args),
        Command::Corpus(command) => corpus::run(command),
        Command::Bench(command) => bench::run(command),
        Command::Render(args) => render::render(args),
        Command::Train(args) => train::run_train(args),
        Command::Eval(args) => eval::run_eval(args),
        Command::Generate(args) => generate::run_generate(args),
        Command::Jam(args) => jam::run_jam(args),
        Command::App(args) => app::run_app(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convert_takes_a_part_and_a_voice() {
        let cli = Cli::parse_from([
            "lstmuse", "convert", "a.krn", "b.mid", "--part", "1", "--voice", "2",
        ]);
        let Some(Command::Convert(args)) = cli.command else {
            panic!("not a convert command");
        };
        assert_eq!((args.part, args.voice), (Some(1), Some(2)));
        let cli = Cli::parse_from(["lstmuse", "convert", "a.krn", "b.mid", "--part-voice", "3"]);
        let Some(Command::Convert(args)) = cli.command else {
            panic!("not a convert command");
        };
        assert_eq!(args.voice, Some(3));
        let zero = Cli::try_parse_from(["lstmuse", "convert", "a.krn", "b.mid", "--voice", "0"]);
        let e = zero.unwrap_err().to_string();
        assert!(e.contains("numbered from 1"), "{e}");
    }
}
