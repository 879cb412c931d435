//! `lstmuse eval`: a model's scores on songs, infilling, and generated melodies against a
//! corpus.

use super::args;
use super::sampler_args::{SamplerArgs, load_model, model_context, sampler_config};
use anyhow::{Context, Result, bail};
use clap::Args;
use lstmuse::corpus;
use lstmuse::corpus::data::SongIds;
use lstmuse::corpus::folder::EncodedCorpus;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::eval::form::FormComparison;
use lstmuse::eval::melody_stats::Comparison;
use lstmuse::eval::sets;
use lstmuse::model::ModelRef;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::music::Meter;
use lstmuse::sampling::Length;
use std::path::{Path, PathBuf};

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
    /// Keep only the corpus songs of the model's validation split (listed in its
    /// validation.txt), or only those it trained on.
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// Leave out the corpus songs that have a near-variant in PATH (a song there holding
    /// at least half of their runs of 8 melodic intervals), e.g. the training corpus, to
    /// score held-out songs the model has seen no version of. Give it several times for
    /// several corpora.
    #[arg(long, value_name = "PATH")]
    pub without_variants_in: Vec<PathBuf>,
}

/// `eval --split`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitArg {
    /// The songs the model validated on.
    Validation,
    /// The songs the model trained on.
    Training,
}

/// Encodes a loaded corpus (reporting its first bad files); no passing song is an error.
fn encode_loaded(path: &Path, loaded: corpus::Corpus) -> Result<(corpus::Corpus, EncodedCorpus)> {
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
    Ok((loaded, encoded))
}

/// A song's key in a validation list: its file's name and its place in the file ("erk10.abc
/// X:15"), so that a list written on one machine serves a corpus copied to another folder.
fn split_key(label: &str) -> String {
    let (file, rest) = label.split_once('\t').unwrap_or((label, ""));
    let name = Path::new(file)
        .file_name()
        .map_or(file.into(), |n| n.to_string_lossy());
    format!("{name}\t{rest}")
}

/// The corpus songs `eval` scores: `--corpus`, kept to the model's validation or training
/// songs (`--split`), without the songs that have near-variants in `--without-variants-in`.
fn eval_songs(args: &EvalArgs, model_dir: &Path) -> Result<corpus::Corpus> {
    let mut loaded = corpus::load(&args.corpus)?;
    if let Some(split) = args.split {
        let path = model_dir.join(lstmuse::model::training::VALIDATION_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!("cannot read the model's validation list {}", path.display())
        })?;
        let listed: std::collections::HashSet<String> = text.lines().map(split_key).collect();
        let want = split == SplitArg::Validation;
        loaded.melodies.retain(|m| {
            let label = corpus::source_label(&m.source).replace('\n', " ");
            listed.contains(&split_key(&label)) == want
        });
    }
    let mut pool = Vec::new();
    for path in &args.without_variants_in {
        pool.extend(corpus::load(path)?.melodies);
    }
    if !pool.is_empty() {
        let out = lstmuse::corpus::overlap::probes_with_variants(&loaded.melodies, &pool, 0.5);
        let before = loaded.melodies.len();
        let mut i = 0;
        loaded.melodies.retain(|_| {
            i += 1;
            out.binary_search(&(i - 1)).is_err()
        });
        eprintln!(
            "left out {} of {before} songs with a near-variant in {}",
            out.len(),
            args.without_variants_in
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(loaded)
}

/// What `lstmuse eval` measured.
struct EvalOutcome {
    report: lstmuse::eval::EvalReport,
    infill: Option<lstmuse::eval::InfillReport>,
    joins: Option<lstmuse::eval::JoinReport>,
    /// Generated melodies against the corpus.
    comparison: Option<GeneratedComparison>,
}

/// `eval --generate`: generated melodies against the corpus songs like them.
struct GeneratedComparison {
    stats: Comparison,
    form: FormComparison,
    /// Share of generated melodies that end on a bar line.
    on_bar_line: f64,
    /// The meters generated, with their counts.
    mix: Vec<(Meter, usize)>,
    /// Corpus songs compared with.
    reference: usize,
    /// The longest of them in bars, when they were chosen by length.
    reference_bars: Option<usize>,
}

/// Generates `n` melodies (in the sampler's meter, else in the corpus's meter mix) and
/// compares their statistics and form with the corpus songs of those meters and, for a
/// length in bars, of at most that many bars.
fn compare_generated(
    args: &EvalArgs,
    artifact: &ModelArtifact,
    loaded: &corpus::Corpus,
    n: usize,
    device: &burn::tensor::Device,
) -> Result<GeneratedComparison> {
    let config = sampler_config(&args.sampler, 1)?;
    let max_bars = match config.length {
        Length::Bars(b) => Some(b),
        Length::Steps(_) => None,
    };
    let preprocess = PreprocessConfig::default();
    let meter = args.sampler.meter;
    let mut reference = sets::reference_songs(&loaded.melodies, &preprocess, meter, max_bars);
    let mut reference_bars = max_bars;
    if reference.len() < sets::MIN_REFERENCE_SONGS {
        // Too few songs as short as the melodies: compare with every song of the meter.
        reference = sets::reference_songs(&loaded.melodies, &preprocess, meter, None);
        reference_bars = None;
    }
    if reference.is_empty() {
        let meter = meter.map_or_else(String::new, |m| format!(" in {m}"));
        bail!("no song of {} is{meter}", args.corpus.display());
    }
    let mix = match args.sampler.meter {
        Some(m) => vec![(m, n)],
        None => sets::meter_mix(&reference, n),
    };
    let meters: Vec<Meter> = mix.iter().map(|(m, _)| *m).collect();
    if args.sampler.meter.is_none() {
        reference.retain(|m| m.meter.is_some_and(|m| meters.contains(&m)));
    }
    let primer = match args.primer_text.as_deref() {
        Some(t) => lstmuse::sampling::primer_from_text(t)?,
        None => lstmuse::Melody::new(),
    };
    let generated = sets::generate_set(ModelRef::new(artifact, device), &primer, &config, &mix)
        .with_context(|| model_context(artifact))?;
    let on_bar_line = generated.iter().filter(|g| g.ends_on_bar_line).count();
    let melodies: Vec<lstmuse::Melody> = generated.into_iter().map(|g| g.melody).collect();
    Ok(GeneratedComparison {
        stats: lstmuse::eval::melody_stats::compare(&melodies, &reference),
        form: lstmuse::eval::form::compare(&melodies, &reference),
        on_bar_line: on_bar_line as f64 / n as f64,
        mix,
        reference: reference.len(),
        reference_bars,
    })
}

/// The measurements as one JSON object.
fn eval_json(outcome: &EvalOutcome, meter: Option<Meter>) -> Result<String> {
    let mut value = serde_json::to_value(&outcome.report)?;
    if let Some(object) = value.as_object_mut() {
        if let Some(g) = &outcome.comparison
            && let serde_json::Value::Object(stats) = serde_json::to_value(&g.stats)?
        {
            object.extend(stats);
            object.insert("ends_on_bar_line".into(), serde_json::json!(g.on_bar_line));
            object.insert("form".into(), serde_json::to_value(&g.form)?);
            object.insert("reference_songs".into(), serde_json::json!(g.reference));
            object.insert(
                "reference_max_bars".into(),
                serde_json::json!(g.reference_bars),
            );
            let mix: serde_json::Map<String, serde_json::Value> = g
                .mix
                .iter()
                .map(|(m, n)| (m.to_string(), serde_json::json!(n)))
                .collect();
            object.insert("meters".into(), serde_json::Value::Object(mix));
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
    if let Some(g) = &o.comparison {
        print_comparison(&g.stats);
        println!("ends on a bar line: {:.1}%", g.on_bar_line * 100.0);
        let mix: Vec<String> = g.mix.iter().map(|(m, n)| format!("{n} in {m}")).collect();
        let length = g
            .reference_bars
            .map_or_else(String::new, |b| format!(" of at most {b} bars"));
        println!(
            "generated {}; compared with {} corpus songs{length}",
            mix.join(", "),
            g.reference
        );
        print_form(&g.form);
    }
}

/// Runs `lstmuse eval`.
pub fn run_eval(args: EvalArgs) -> Result<()> {
    let dir = match &args.model {
        Some(d) => d.clone(),
        None => lstmuse::default_model_dir().context("no bundled model found: pass --model DIR")?,
    };
    let device = backend::choose(args.backend)?;
    let artifact = load_model(Some(dir.clone()), &device.device)?;
    let (loaded, encoded) = encode_loaded(&args.corpus, eval_songs(&args, &dir)?)?;
    let (ids, skipped) = SongIds::from_symbols(
        encoded
            .songs
            .iter()
            .map(|s| (s.symbols.as_slice(), s.structure)),
        &artifact.vocab,
    );
    let bound = ModelRef::new(&artifact, &device.device);
    let context = || model_context(&artifact);
    let report = lstmuse::eval::evaluate(bound, &ids, skipped).with_context(context)?;
    let infill = match args.infill {
        Some(bars) => {
            Some(lstmuse::eval::evaluate_infill(bound, &ids, bars).with_context(context)?)
        }
        None => None,
    };
    let joins = match args.infill {
        Some(bars) if bound.structure().is_some_and(|i| i.infill) => {
            let config = sampler_config(&args.sampler, 1)?;
            let joins = lstmuse::eval::join_intervals(bound, &ids, bars, &config);
            Some(joins.with_context(context)?)
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

fn print_comparison(c: &Comparison) {
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

/// The form measures, corpus against generated, with whether each matches.
fn print_form(form: &FormComparison) {
    println!();
    println!("form: corpus vs generated (histograms: overlap, 1 = same distribution)");
    for (name, m, kind) in form.rows() {
        let overlap = m
            .overlap
            .map_or_else(String::new, |o| format!("  overlap {o:.3}"));
        let verdict = if m.matches(kind) {
            "matches"
        } else {
            "differs"
        };
        println!(
            "{name:<20} {:>7.3} {:>9.3}{overlap}  {verdict}",
            m.corpus, m.generated
        );
    }
}
