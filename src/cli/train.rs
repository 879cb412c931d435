//! `lstmuse train`: the recommended model with the flags overriding it, with progress bars
//! or JSON events.

use super::args;
use super::corpora::{self, CorpusArgs};
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lstmuse::corpus::TrainingData;
use lstmuse::corpus::structure::StructureInputs;
use lstmuse::model::backend::BackendChoice;
use lstmuse::model::{Engine, TrainOptions, TrainingConfig, TrainingEvent, train};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// `lstmuse train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The training songs.
    #[command(flatten)]
    pub songs: CorpusArgs,
    /// The model folder to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Maximum epochs (training stops earlier when validation stops improving)
    /// [default: 40].
    #[arg(long, value_parser = args::epochs)]
    pub epochs: Option<usize>,
    /// Windows per batch [default: 32].
    #[arg(long, value_parser = args::batch)]
    pub batch: Option<usize>,
    /// Steps per window: the longest training sequence; longer songs are cut
    /// [default: 400].
    #[arg(long, value_parser = args::seq_len)]
    pub seq_len: Option<usize>,
    /// Hidden units per layer [default: 256].
    #[arg(long, value_parser = args::hidden)]
    pub hidden: Option<usize>,
    /// LSTM layers [default: 1].
    #[arg(long, value_parser = args::layers)]
    pub layers: Option<usize>,
    /// Input embedding size (0 = one-hot input, as the seed) [default: 0].
    #[arg(long, value_parser = args::embedding)]
    pub embedding: Option<usize>,
    /// Dropout [default: 0.35].
    #[arg(long, value_parser = args::fraction)]
    pub dropout: Option<f64>,
    /// Adam learning rate [default: 3e-3].
    #[arg(long, value_parser = args::learning_rate)]
    pub lr: Option<f64>,
    /// L2 weight decay [default: 1e-5].
    #[arg(long, value_parser = args::weight_decay)]
    pub weight_decay: Option<f64>,
    /// Epochs without validation improvement before stopping (0 = never stop early)
    /// [default: 4].
    #[arg(long)]
    pub patience: Option<usize>,
    /// Fraction of songs held back for validation [default: 0.1].
    #[arg(long, value_parser = args::fraction)]
    pub valid_split: Option<f64>,
    /// Seed for initialisation, split, shuffling and dropout [default: 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Read symbols only, as models before structure inputs did (no meter, bar position,
    /// steps to the end or infilling); trains on fixed windows of --seq-len.
    #[arg(long)]
    pub symbols_only: bool,
    /// Structure inputs to leave out, comma-separated: meter, bar-position,
    /// metrical-level, steps-to-end, infill, join.
    #[arg(long, value_delimiter = ',', value_name = "INPUTS")]
    pub without: Vec<StructureInput>,
    /// Infilling sequences per song and epoch (with the infill input) [default: 1].
    #[arg(long, value_parser = args::infill_per_song)]
    pub infill_per_song: Option<usize>,
    /// auto (GPU if there is a hardware one), wgpu, or cpu.
    #[arg(long, default_value = "auto")]
    pub backend: BackendChoice,
    /// How gradients are computed: auto (the fused LSTM on the CPU, Burn's ops on a GPU),
    /// fused (CPU only) or composed (Burn's ops and autodiff).
    #[arg(long, default_value = "auto")]
    pub engine: EngineChoice,
    /// Threads of the fused engine [default: one per core, at most 8].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: Option<u16>,
    /// Continue from the folder's last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Do not train: recount the plan prior and the corpus form that a model folder with
    /// phrase inputs keeps (for the critic), from the songs it was trained on (give the
    /// same --corpus and --exclude-near), and write them into its config.json.
    #[arg(long, conflicts_with = "resume")]
    pub recount: bool,
    /// Print one JSON event per line instead of progress bars.
    #[arg(long)]
    pub json: bool,
}

/// `train --engine`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    /// The fused LSTM on the CPU, Burn's ops on a GPU.
    Auto,
    /// The fused LSTM (CPU only).
    Fused,
    /// Burn's composed ops and autodiff.
    Composed,
}

impl TrainArgs {
    /// The engine these flags ask for.
    fn engine(&self) -> Engine {
        match self.engine {
            EngineChoice::Auto => Engine::Auto,
            EngineChoice::Fused => Engine::Fused,
            EngineChoice::Composed => Engine::Composed,
        }
    }
}

/// One structure input, for `train --without`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructureInput {
    /// The song's meter.
    Meter,
    /// The position in the bar.
    BarPosition,
    /// Downbeat, beat, eighth or sixteenth.
    MetricalLevel,
    /// Steps until the song (or the span) ends.
    StepsToEnd,
    /// Infilling: the segment input and the infilling sequences.
    Infill,
    /// While filling, the symbol right after the span.
    Join,
    /// The symbols 1, 2 and 4 bars before each step.
    Lookback,
    /// The symbols 1, 2 and 4 bars after each step, where known (the suffix when filling).
    Lookahead,
    /// How long the song has been repeating itself 1, 2, 4 (and 8) bars before and after.
    Repeats,
    /// The symbols and repeat runs 8 bars before and after as well.
    Far,
    /// A copy channel: the step 1 to 8 bars away with the longest repeat run, and that run.
    Copy,
    /// The bar within the phrase, the bars left to the end, and which phrase repeats.
    Phrase,
}

/// The training configuration a `train` command line asks for: the recommended one
/// ([`TrainingConfig::recommended`]) with the given flags overriding it.
fn training_config(args: &TrainArgs, vocab_size: usize) -> TrainingConfig {
    let mut config = TrainingConfig::recommended(vocab_size);
    let m = &mut config.model;
    let set = |value: Option<usize>, field: &mut usize| *field = value.unwrap_or(*field);
    set(args.hidden, &mut m.hidden_size);
    set(args.layers, &mut m.layers);
    set(args.embedding, &mut m.embedding_size);
    m.dropout = args.dropout.unwrap_or(m.dropout);
    m.structure = structure_inputs(args);
    set(args.epochs, &mut config.epochs);
    set(args.batch, &mut config.batch_size);
    set(args.seq_len, &mut config.seq_len);
    set(args.patience, &mut config.patience);
    config.learning_rate = args.lr.unwrap_or(config.learning_rate);
    config.weight_decay = args.weight_decay.unwrap_or(config.weight_decay);
    config.valid_fraction = args.valid_split.unwrap_or(config.valid_fraction);
    config.seed = args.seed.unwrap_or(config.seed);
    let infill = args
        .infill_per_song
        .or(config.infill_per_song)
        .filter(|&n| n > 0);
    config.infill_per_song = config.model.structure.filter(|s| s.infill).and(infill);
    config
}

/// The structure inputs a `train` command line asks for.
fn structure_inputs(args: &TrainArgs) -> Option<StructureInputs> {
    if args.symbols_only {
        return None;
    }
    let off = |i: StructureInput| !args.without.contains(&i);
    Some(StructureInputs {
        meter: off(StructureInput::Meter),
        bar_position: off(StructureInput::BarPosition),
        metrical_level: off(StructureInput::MetricalLevel),
        steps_to_end: off(StructureInput::StepsToEnd),
        infill: off(StructureInput::Infill),
        join: off(StructureInput::Join) && off(StructureInput::Infill),
        lookback: off(StructureInput::Lookback),
        lookahead: off(StructureInput::Lookahead),
        repeats: off(StructureInput::Repeats),
        far: off(StructureInput::Far),
        copy: off(StructureInput::Copy),
        phrase: off(StructureInput::Phrase),
    })
}

/// Lists the near-variants left out in the model folder, when any held-out set was named.
fn write_near_variants(args: &TrainArgs, songs: &corpora::TrainingSongs) -> Result<()> {
    if !args.songs.exclude_near.is_empty() {
        let path = args.out.join(corpora::NEAR_VARIANTS_FILE);
        lstmuse::fsutil::write_atomic(&path, songs.removed_tsv().as_bytes())?;
    }
    Ok(())
}

/// Runs `lstmuse train`.
pub fn run_train(args: TrainArgs) -> Result<()> {
    let songs = corpora::load(&args.songs)?;
    if !songs.removed.is_empty() {
        eprintln!(
            "left out {} near-variants of the held-out songs",
            songs.removed.len()
        );
    }
    let data = TrainingData::from_encoded(&songs.encoded, songs.name.clone());
    if args.recount {
        lstmuse::model::corpus_record::recount(&data, &args.out)?;
        write_near_variants(&args, &songs)?;
        eprintln!(
            "recounted the plan prior and the corpus form in {}",
            args.out.display()
        );
        return Ok(());
    }
    let config = training_config(&args, data.vocab.len());
    let mut options = TrainOptions::new(&args.out, args.backend)?;
    options.resume = args.resume;
    options.engine = args.engine();
    options.threads = args.threads.map(usize::from);
    options.writer = "lstmuse train".into();
    let stop = AtomicBool::new(false);
    let summary = if args.json {
        train(
            &config,
            &data,
            &options,
            &mut |e| {
                if let Ok(line) = serde_json::to_string(e) {
                    println!("{line}");
                }
            },
            &stop,
        )?
    } else {
        let mut bars = Bars::default();
        train(&config, &data, &options, &mut |e| bars.show(e), &stop)?
    };
    write_near_variants(&args, &songs)?;
    if !args.json {
        eprintln!(
            "best epoch {} of {}; model in {}",
            summary.best_epoch,
            summary.history.len(),
            args.out.display()
        );
    }
    Ok(())
}

/// Progress bars for training events.
#[derive(Default)]
struct Bars {
    bar: Option<ProgressBar>,
}

impl Bars {
    fn show(&mut self, event: &TrainingEvent) {
        match event {
            TrainingEvent::Started {
                train_songs,
                valid_songs,
                backend,
                start_epoch,
                epochs,
                took_over,
                ..
            } => {
                if let Some(holder) = took_over {
                    eprintln!(
                        "note: took over the lock that {holder} left behind (it is no longer running)"
                    );
                }
                eprintln!(
                    "training on {train_songs} songs, validating on {valid_songs}, {backend}; epochs {start_epoch}..={epochs}"
                );
            }
            TrainingEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
                steps_per_sec,
                ..
            } => {
                let bar = self.bar.get_or_insert_with(|| {
                    let b = ProgressBar::new(*batches as u64);
                    b.set_style(
                        ProgressStyle::with_template(
                            "epoch {prefix:>3} [{bar:30}] {pos}/{len} {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    b
                });
                bar.set_prefix(epoch.to_string());
                bar.set_position(*batch as u64);
                bar.set_message(format!("loss {loss:.3}, {steps_per_sec:.0} steps/s"));
            }
            TrainingEvent::Epoch {
                stats,
                best,
                eta_secs,
            } => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
                eprintln!(
                    "epoch {:>3}: train {:.4} ({:.1}%), valid {:.4} ({:.1}%), {:.1} s{}, ETA {:.0} s",
                    stats.epoch,
                    stats.train_loss,
                    stats.train_accuracy * 100.0,
                    stats.valid_loss,
                    stats.valid_accuracy * 100.0,
                    stats.seconds,
                    if *best { ", best so far: saved" } else { "" },
                    eta_secs
                );
            }
            TrainingEvent::Finished { stopped: true, .. } => eprintln!("stopped"),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Parser};

    #[derive(Parser)]
    struct Train {
        #[command(flatten)]
        args: TrainArgs,
    }

    fn parse(flags: &[&str]) -> TrainArgs {
        let fixed = ["train", "--corpus", "c", "--out", "o"];
        Train::parse_from(fixed.iter().chain(flags)).args
    }

    fn json(config: &TrainingConfig) -> String {
        serde_json::to_string(config).unwrap_or_default()
    }

    #[test]
    fn no_flags_train_the_recommended_model() {
        let config = training_config(&parse(&[]), 40);
        assert_eq!(json(&config), json(&TrainingConfig::recommended(40)));
    }

    #[test]
    fn flags_override_the_recommended_settings() {
        let args = parse(&["--epochs", "3", "--lr", "0.01", "--dropout", "0.1"]);
        let config = training_config(&args, 40);
        assert_eq!(config.epochs, 3);
        assert_eq!(config.learning_rate, 0.01);
        assert_eq!(config.model.dropout, 0.1);
        assert_eq!(
            config.batch_size,
            TrainingConfig::recommended(40).batch_size
        );
        let symbols_only = training_config(&parse(&["--symbols-only"]), 40);
        assert_eq!(symbols_only.model.structure, None);
        assert_eq!(symbols_only.infill_per_song, None);
        let no_infill = training_config(&parse(&["--infill-per-song", "0"]), 40);
        assert_eq!(no_infill.infill_per_song, None);
    }

    /// The `[default: …]` in each flag's help is the recommended value.
    #[test]
    fn help_names_the_recommended_defaults() {
        let r = TrainingConfig::recommended(40);
        let m = &r.model;
        let expected: [(&str, f64); 13] = [
            ("epochs", r.epochs as f64),
            ("batch", r.batch_size as f64),
            ("seq_len", r.seq_len as f64),
            ("hidden", m.hidden_size as f64),
            ("layers", m.layers as f64),
            ("embedding", m.embedding_size as f64),
            ("dropout", m.dropout),
            ("lr", r.learning_rate),
            ("weight_decay", r.weight_decay),
            ("patience", r.patience as f64),
            ("valid_split", r.valid_fraction),
            ("seed", r.seed as f64),
            ("infill_per_song", r.infill_per_song.unwrap_or(0) as f64),
        ];
        let command = TrainArgs::augment_args(clap::Command::new("train"));
        for (id, value) in expected {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no --{id}"));
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let shown = help
                .split_once("[default: ")
                .and_then(|(_, rest)| rest.split_once(']'))
                .and_then(|(v, _)| v.parse::<f64>().ok());
            assert_eq!(shown, Some(value), "--{id}: {help}");
        }
    }
}
