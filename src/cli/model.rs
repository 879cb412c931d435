//! The model subcommands: `train` and `eval`.

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lstmuse::corpus;
use lstmuse::corpus::data::SongIds;
use lstmuse::corpus::folder::EncodedSong;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::corpus::structure::StructureInputs;
use lstmuse::model::ModelRef;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::training::{
    Engine, TrainOptions, TrainingConfig, TrainingData, TrainingEvent, train,
};

use super::args;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// `lstmuse train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The corpus: a folder (searched recursively) or a file.
    #[arg(long)]
    pub corpus: PathBuf,
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
    })
}

/// `lstmuse eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model folder (default: the bundled model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Songs to score: a folder or a file, encoded like the training data.
    #[arg(long)]
    pub corpus: PathBuf,
    /// auto, wgpu or cpu.
    #[arg(long, default_value = "cpu")]
    pub backend: BackendChoice,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Also generate N melodies with the sampler options below and compare their
    /// statistics (pitch classes, intervals, note lengths, range, density, rests) with
    /// the corpus songs that pass the preprocessing filter, moved to C major / A minor.
    #[arg(long, value_name = "N", value_parser = args::eval_melodies)]
    pub generate: Option<usize>,
    /// With --generate: a primer in the seed's text form; only the continuation is compared.
    #[arg(long, requires = "generate")]
    pub primer_text: Option<String>,
    /// Also mask BARS bars from bar 3 of every song with at least BARS + 4 bars, and report
    /// the bits per note inside the span from the left context only and from both sides.
    #[arg(long, value_name = "BARS", value_parser = args::bar_number)]
    pub infill: Option<usize>,
    /// The sampler settings for --generate.
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// Record the score in the model's card.json under this corpus name (e.g. for
    /// held-out sets).
    #[arg(long, value_name = "NAME")]
    pub record: Option<String>,
}

/// A meter such as `3/4` or `6/8`.
pub fn parse_meter(text: &str) -> Result<lstmuse::Meter, String> {
    let (n, d) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a meter: write it like 3/4 or 6/8"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: the upper number is not a number"))?;
    let d: u32 = d
        .trim()
        .parse()
        .map_err(|_| format!("`{text}`: the lower number is not a number"))?;
    lstmuse::Meter::new(n, d).ok_or_else(|| {
        format!("`{text}` is not a meter: 1 to 64 beats of a power-of-two unit up to 64")
    })
}

/// Loads a corpus (reporting the first bad files) and encodes the songs that pass the
/// preprocessing; no passing song is an error.
fn load_encoded(path: &Path) -> Result<(corpus::Corpus, Vec<EncodedSong>)> {
    let loaded = corpus::load(path)?;
    for e in loaded.errors.iter().take(5) {
        eprintln!("skipped: {e}");
    }
    let encoded = corpus::encode(&loaded.melodies, &PreprocessConfig::default());
    if encoded.songs.is_empty() {
        bail!(
            "no song of {} passes the preprocessing filter",
            path.display()
        );
    }
    Ok((loaded, encoded.songs))
}

/// Runs `lstmuse train`.
pub fn run_train(args: TrainArgs) -> Result<()> {
    let (_, songs) = load_encoded(&args.corpus)?;
    let data = TrainingData::from_encoded(&songs, args.corpus.display().to_string());
    let config = training_config(&args, data.vocab.len());
    let mut options = TrainOptions::new(&args.out, args.backend)?;
    options.resume = args.resume;
    options.engine = args.engine();
    options.threads = args.threads.map(usize::from);
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
                ..
            } => {
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

/// What `lstmuse eval` measured.
struct EvalOutcome {
    report: lstmuse::eval::EvalReport,
    infill: Option<lstmuse::eval::InfillReport>,
    joins: Option<lstmuse::eval::JoinReport>,
    /// Generated melodies against the corpus, and the share that ends on a bar line.
    comparison: Option<(lstmuse::eval::melody_stats::Comparison, f64)>,
}

/// Generates `n` melodies and compares their statistics with the corpus's (of the
/// sampler's meter, if one is asked for).
fn compare_generated(
    args: &EvalArgs,
    artifact: &ModelArtifact,
    loaded: &corpus::Corpus,
    n: usize,
    device: &burn::tensor::Device,
) -> Result<(lstmuse::eval::melody_stats::Comparison, f64)> {
    let preprocess = PreprocessConfig::default();
    let generated = generate_for_eval(
        artifact,
        &args.sampler,
        args.primer_text.as_deref(),
        n,
        device,
    )?;
    let mut reference = comparable_corpus(&loaded.melodies, &preprocess);
    if let Some(meter) = args.sampler.meter {
        reference.retain(|m| m.meter == Some(meter));
        if reference.is_empty() {
            bail!("no song of {} is in {meter}", args.corpus.display());
        }
    }
    let on_bar_line = generated.iter().filter(|(_, b)| *b).count();
    let melodies: Vec<lstmuse::Melody> = generated.into_iter().map(|(m, _)| m).collect();
    Ok((
        lstmuse::eval::melody_stats::compare(&melodies, &reference),
        on_bar_line as f64 / n as f64,
    ))
}

/// The measurements as one JSON object.
fn eval_json(outcome: &EvalOutcome, meter: Option<lstmuse::music::Meter>) -> Result<String> {
    let mut value = serde_json::to_value(&outcome.report)?;
    if let Some(object) = value.as_object_mut() {
        if let Some((c, on_bar_line)) = &outcome.comparison
            && let serde_json::Value::Object(stats) = serde_json::to_value(c)?
        {
            object.extend(stats);
            object.insert("ends_on_bar_line".into(), serde_json::json!(on_bar_line));
            if let Some(m) = meter {
                object.insert("meter".into(), serde_json::json!(m.to_string()));
            }
        }
        if let Some(i) = &outcome.infill
            && let serde_json::Value::Object(fields) = serde_json::to_value(i)?
        {
            object.extend(fields);
        }
        if let Some(j) = &outcome.joins
            && let serde_json::Value::Object(fields) = serde_json::to_value(j)?
        {
            object.extend(fields);
        }
    }
    Ok(serde_json::to_string(&value)?)
}

/// The measurements, one per line.
fn print_eval(o: &EvalOutcome) {
    println!(
        "songs          {} ({} skipped: symbols outside the vocabulary)",
        o.report.songs, o.report.skipped_songs
    );
    println!("nll_per_step   {:.4} nats", o.report.nll_per_step);
    println!("bits_per_note  {:.3}", o.report.bits_per_note);
    println!(
        "pitch_bits     {:.3} (per note, pitch only)",
        o.report.pitch_bits_per_note
    );
    println!("accuracy       {:.1}%", o.report.accuracy * 100.0);
    if let Some(i) = &o.infill {
        println!(
            "infill         {} bars from bar 3 of {} songs, {} notes: {:.3} bits/note from the left, {}",
            i.bars,
            i.infill_songs,
            i.infill_notes,
            i.infill_left_bits_per_note,
            i.infill_both_bits_per_note.map_or_else(
                || "this model cannot fill".to_string(),
                |b| format!("{b:.3} from both sides")
            )
        );
    }
    if let Some(j) = &o.joins {
        println!(
            "joins          {} spans: last note to the next note {:.2} semitones filled, {:.2} continued, {:.2} as written; the songs' mean interval {:.2}",
            j.join_songs,
            j.fill_join_interval,
            j.continuation_join_interval,
            j.original_join_interval,
            j.corpus_mean_interval
        );
    }
    if let Some((c, on_bar_line)) = &o.comparison {
        print_comparison(c);
        println!("ends on a bar line: {:.1}%", on_bar_line * 100.0);
    }
}

/// Runs `lstmuse eval`.
pub fn run_eval(args: EvalArgs) -> Result<()> {
    let dir = match &args.model {
        Some(d) => d.clone(),
        None => lstmuse::default_model_dir().context("no bundled model found: pass --model DIR")?,
    };
    let device = backend::choose(args.backend)?;
    let artifact = ModelArtifact::load(&dir, &device.device)?;
    let (loaded, songs) = load_encoded(&args.corpus)?;
    let (ids, skipped) = SongIds::from_symbols(
        songs.iter().map(|s| (s.symbols.as_slice(), s.structure)),
        &artifact.vocab,
    );
    let bound = ModelRef::new(&artifact, &device.device);
    let report = lstmuse::eval::evaluate(bound, &ids, skipped)?;
    let infill = match args.infill {
        Some(bars) => Some(lstmuse::eval::evaluate_infill(bound, &ids, bars)?),
        None => None,
    };
    let joins = match args.infill {
        Some(bars) if bound.structure().is_some_and(|i| i.infill) => {
            let config = sampler_config(&args.sampler, 1)?;
            Some(lstmuse::eval::join_intervals(bound, &ids, bars, &config)?)
        }
        _ => None,
    };
    if let Some(name) = &args.record {
        lstmuse::model::artifact::record_held_out(
            &dir,
            lstmuse::model::artifact::HeldOutScore {
                corpus: name.clone(),
                songs: report.songs,
                nll_per_step: report.nll_per_step,
                bits_per_note: report.bits_per_note,
                accuracy: report.accuracy,
                pitch_bits_per_note: Some(report.pitch_bits_per_note),
            },
        )?;
    }
    let comparison = match args.generate {
        Some(n) => Some(compare_generated(
            &args,
            &artifact,
            &loaded,
            n,
            &device.device,
        )?),
        None => None,
    };
    let outcome = EvalOutcome {
        report,
        infill,
        joins,
        comparison,
    };
    if args.json {
        println!("{}", eval_json(&outcome, args.sampler.meter)?);
    } else {
        println!("model          {}", dir.display());
        println!("corpus         {}", args.corpus.display());
        print_eval(&outcome);
    }
    Ok(())
}

/// The corpus melodies the generated ones are compared with: those the preprocessing
/// keeps (accepted durations, at least one note), moved to C major / A minor.
fn comparable_corpus(
    melodies: &[lstmuse::Melody],
    config: &PreprocessConfig,
) -> Vec<lstmuse::Melody> {
    use lstmuse::corpus::preprocess::{check_durations, transposition_to_c_or_a};
    melodies
        .iter()
        .filter(|m| check_durations(m, config).is_ok() && m.sounding().next().is_some())
        .filter_map(|m| transposition_to_c_or_a(m).map(|s| m.transposed(s)))
        .collect()
}

/// True when a generated melody's length is a whole number of bars of its meter (counting
/// from its pickup).
fn ends_on_bar_line(g: &lstmuse::sampling::Generated) -> bool {
    let m = &g.melody;
    let structure = lstmuse::corpus::structure::SongStructure::new(m.meter, m.pickup);
    let steps = (m.duration() / lstmuse::Ratio::new(1, 4)).floor().max(0) as usize;
    structure.is_bar_line(steps)
}

/// Generates `n` melodies for `eval --generate`, at most 32 per sampler call, the seed
/// moving up by one per call. Returns only the continuations (primer notes dropped),
/// moved to C major / A minor like the corpus, each with whether the whole melody ends
/// on a bar line.
fn generate_for_eval(
    artifact: &ModelArtifact,
    sampler: &SamplerArgs,
    primer_text: Option<&str>,
    n: usize,
    device: &burn::tensor::Device,
) -> Result<Vec<(lstmuse::Melody, bool)>> {
    const BATCH: usize = 32;
    let primer = match primer_text {
        Some(t) => lstmuse::sampling::primer_from_text(t)?,
        None => lstmuse::Melody::new(),
    };
    let mut out = Vec::with_capacity(n);
    let mut batch = 0u64;
    while out.len() < n {
        let mut config = sampler_config(sampler, (n - out.len()).min(BATCH))?;
        config.seed = sampler.seed.wrapping_add(batch);
        let results =
            lstmuse::sampling::generate(ModelRef::new(artifact, device), &primer, &config)?;
        for g in results {
            let on_bar_line = ends_on_bar_line(&g);
            let mut m = g.melody;
            let start = g.primer_notes.min(m.notes.len());
            m.notes.drain(..start);
            m.pickup = lstmuse::Ratio::ZERO;
            if let Some(shift) = m.key.map(lstmuse::Key::semitones_to_c_or_a)
                && shift != 0
            {
                m = m.transposed(shift);
            }
            out.push((m, on_bar_line));
        }
        batch += 1;
    }
    Ok(out)
}

fn print_comparison(c: &lstmuse::eval::melody_stats::Comparison) {
    println!();
    println!(
        "melody statistics: {} generated vs {} corpus melodies",
        c.generated, c.corpus
    );
    println!("(overlap: 1 = same distribution; KL(generated || corpus) in nats, 0 = same)");
    println!(
        "{:<14} {:>8} {:>8} {:>10} {:>10}",
        "feature", "overlap", "KL", "generated", "corpus"
    );
    let mean = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    for r in c.rows() {
        println!(
            "{:<14} {:>8.3} {:>8.3} {:>10} {:>10}",
            r.feature,
            r.overlap,
            r.kl,
            mean(r.generated),
            mean(r.corpus)
        );
    }
}

/// `lstmuse generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The model folder (default: the bundled model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// A melody file to continue (.krn, .abc, .mid, .musicxml, …).
    #[arg(long, conflicts_with = "primer_text")]
    pub primer: Option<PathBuf>,
    /// A primer in the seed's text form, e.g. "67 _ 67 _ 65 64 _ r _" (MIDI numbers, `_` holds, `r` rests, 16ths).
    #[arg(long)]
    pub primer_text: Option<String>,
    /// ABC: the tune X:N of the primer file.
    #[arg(long)]
    pub tune: Option<u32>,
    /// Kern spine, MIDI track or MusicXML part of the primer file (0-based; default: the
    /// top voice).
    #[arg(long, requires = "primer")]
    pub part: Option<usize>,
    /// Rewrite bars A to B (inclusive, 1-based; bar 1 is the first full bar) of the primer
    /// file, conditioned on the notes before and after them; the rest stays as it is.
    #[arg(long, value_name = "A-B", requires = "primer", value_parser = parse_bar_range)]
    pub fill_bars: Option<(usize, usize)>,
    /// The sampler settings.
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// How many melodies (1 to 64).
    #[arg(long, default_value_t = 1, value_parser = args::variations)]
    pub variations: usize,
    /// The output file (.mid, .musicxml, .krn, .abc); with several variations NAME-1.EXT, NAME-2.EXT, ….
    #[arg(long)]
    pub out: PathBuf,
    /// Print, per variation, the notes, the mean entropy and the mean log-probability.
    #[arg(long)]
    pub json: bool,
}

/// The sampler options shared by `lstmuse generate` and `lstmuse eval --generate`.
#[derive(Args, Debug, Clone)]
pub struct SamplerArgs {
    /// Length in 16th-note steps (1 to 25,000).
    #[arg(long, conflicts_with = "bars", value_parser = args::steps)]
    pub steps: Option<usize>,
    /// Length in whole bars of the melody's meter (default 8, at most 1,562); the melody
    /// ends on a bar line.
    #[arg(long, value_parser = args::bars)]
    pub bars: Option<usize>,
    /// The meter of an unprimed melody (or of a primer without one), e.g. 3/4 or 6/8; a
    /// primer's own meter wins. With `eval --generate`, the corpus songs of this meter are
    /// the reference.
    #[arg(long, value_parser = parse_meter)]
    pub meter: Option<lstmuse::Meter>,
    /// Let a melody end where the model ends the song (always on a bar line) instead of
    /// running to the full length.
    #[arg(long)]
    pub stop_at_end: bool,
    /// Softmax temperature, 0 to 100 (0 = always the most likely symbol).
    #[arg(long, default_value_t = 1.0, value_parser = args::temperature)]
    pub temperature: f32,
    /// Entropy-adaptive temperature.
    #[arg(long)]
    pub adaptive: bool,
    /// Penalty on rests (subtracted from the rest logit, -100 to 100; 0 = the model's own
    /// rate).
    #[arg(long, default_value_t = 1.0, value_parser = args::logit_shift, allow_negative_numbers = true)]
    pub rest_penalty: f32,
    /// Bias on holds (`_`), -100 to 100: positive for longer notes.
    #[arg(long, default_value_t = 0.0, value_parser = args::logit_shift, allow_negative_numbers = true)]
    pub hold_bias: f32,
    /// Nucleus sampling mass, in (0, 1] (1 = off).
    #[arg(long, default_value_t = 1.0, value_parser = args::top_p)]
    pub top_p: f32,
    /// Keep only the k most likely symbols (0 = off).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Pitch range as LOW-HIGH MIDI numbers, e.g. 60-79.
    #[arg(long, value_parser = args::midi_range)]
    pub range: Option<(u8, u8)>,
    /// Only notes of this key, e.g. G, Em, Dmix.
    #[arg(long, value_parser = args::key)]
    pub scale: Option<lstmuse::Key>,
    /// End on the tonic.
    #[arg(long)]
    pub end_on_tonic: bool,
    /// Random seed (same seed and settings, same melody).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Loads the model folder, or the bundled one.
pub fn load_model(dir: Option<PathBuf>, device: &burn::tensor::Device) -> Result<ModelArtifact> {
    let dir = match dir {
        Some(d) => d,
        None => lstmuse::default_model_dir().context("no bundled model found: pass --model DIR")?,
    };
    Ok(ModelArtifact::load(&dir, device)?)
}

/// A bar range `A-B` (or one bar `A`), 1-based and inclusive, within the limit on bars.
fn parse_bar_range(text: &str) -> Result<(usize, usize), String> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let parse = |v: &str| {
        args::bar_number(v)
            .map_err(|e| format!("{text:?} is not a bar range: write it like 3-4 ({e})"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!("the bar range {a}-{b} is empty"));
    }
    Ok((a, b))
}

/// The 16th-note steps of bars `a..=b` of `melody`.
fn bar_span(melody: &lstmuse::Melody, (a, b): (usize, usize)) -> Result<std::ops::Range<usize>> {
    let meter = melody
        .meter
        .context("the primer has no meter, so it has no bars to fill: give it a time signature")?;
    let structure = lstmuse::corpus::structure::SongStructure::new(Some(meter), melody.pickup);
    let total = (melody.duration() / lstmuse::Ratio::new(1, 4))
        .floor()
        .max(0) as usize;
    let (Some(start), Some(end)) = (structure.bar_start(a), structure.bar_start(b + 1)) else {
        bail!("{meter} bars are not whole 16th steps");
    };
    if start >= total {
        bail!(
            "the primer has no bar {a}: it ends in bar {}",
            1 + total.saturating_sub(structure.pickup_steps) / structure.bar_steps().unwrap_or(1)
        );
    }
    Ok(start..end.min(total))
}

/// The sampler settings a command line asks for, for `variations` melodies per call.
pub fn sampler_config(
    args: &SamplerArgs,
    variations: usize,
) -> Result<lstmuse::sampling::SamplerConfig> {
    use lstmuse::sampling::{AdaptiveTemperature, Length, SamplerConfig};
    Ok(SamplerConfig {
        temperature: args.temperature,
        adaptive: args.adaptive.then(AdaptiveTemperature::default),
        rest_penalty: args.rest_penalty,
        hold_bias: args.hold_bias,
        top_p: args.top_p,
        top_k: args.top_k,
        length: match (args.steps, args.bars) {
            (Some(s), _) => Length::Steps(s),
            (None, b) => Length::Bars(b.unwrap_or(8)),
        },
        range: args.range,
        scale: args.scale,
        end_on_tonic: args.end_on_tonic,
        stop_at_end: args.stop_at_end,
        meter: args.meter,
        seed: args.seed,
        variations,
        ..SamplerConfig::default()
    })
}

/// `name.mid` for one variation, `name-1.mid`, `name-2.mid`, … for several.
pub fn variation_path(out: &Path, index: usize, count: usize) -> PathBuf {
    if count <= 1 {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = out
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!("{stem}-{}.{ext}", index + 1))
}

/// Runs `lstmuse generate`.
pub fn run_generate(args: GenerateArgs) -> Result<()> {
    if lstmuse::formats::Format::from_path(&args.out).is_none() {
        bail!(
            "cannot write {}: use .mid, .musicxml, .krn or .abc",
            args.out.display()
        );
    }
    let config = sampler_config(&args.sampler, args.variations)?;
    let device = backend::cpu();
    let artifact = load_model(args.model.clone(), &device.device)?;
    let primer = match (&args.primer, &args.primer_text) {
        (Some(p), _) => lstmuse::formats::read_melody(
            p,
            &lstmuse::formats::ReadOptions {
                tune: args.tune,
                part: args.part,
            },
        )?,
        (None, Some(t)) => lstmuse::sampling::primer_from_text(t)?,
        (None, None) => lstmuse::Melody::new(),
    };
    let bound = ModelRef::new(&artifact, &device.device);
    let results = match args.fill_bars {
        Some(bars) => lstmuse::sampling::fill(bound, &primer, bar_span(&primer, bars)?, &config)?,
        None => lstmuse::sampling::generate(bound, &primer, &config)?,
    };
    let mut report = Vec::new();
    for (i, g) in results.iter().enumerate() {
        let path = variation_path(&args.out, i, results.len());
        lstmuse::formats::write_melody(&g.melody, &path)?;
        let notes: Vec<serde_json::Value> = g
            .melody
            .with_onsets()
            .map(|(on, n)| {
                serde_json::json!({
                    "pitch": n.pitch.map(|p| p.midi()),
                    "onset": on.to_f64(),
                    "duration": n.duration.to_f64(),
                })
            })
            .collect();
        report.push(serde_json::json!({
            "variation": i + 1,
            "path": path.display().to_string(),
            "notes": notes,
            "primer_notes": g.primer_notes,
            "span_steps": [g.span.start, g.span.end],
            "mean_entropy": g.mean_entropy(),
            "mean_log_probability": g.mean_log_probability(),
        }));
        if !args.json {
            eprintln!(
                "wrote {} ({} notes, mean entropy {:.2} nats, mean log-prob {:.2})",
                path.display(),
                g.melody.sounding().count(),
                g.mean_entropy(),
                g.mean_log_probability()
            );
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
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
