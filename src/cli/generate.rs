//! `lstmuse generate`: continue a primer, or fill bars of it, and write the variations.

use super::args;
use super::sampler_args::{SamplerArgs, load_model, model_context, sampler_config};
use anyhow::{Context, Result, bail};
use clap::Args;
use lstmuse::model::ModelRef;
use lstmuse::model::backend;
use lstmuse::sampling::form::letters;
use lstmuse::sampling::{Form, generate_form};
use std::path::{Path, PathBuf};

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
    /// first MusicXML part, the first MIDI track with notes, the rightmost kern spine).
    #[arg(long, requires = "primer")]
    pub part: Option<usize>,
    /// The voice of that part, numbered from 1 as the file numbers it (MusicXML
    /// `<voice>`, kern sub-spine, MIDI channel, ABC `V:`); default: the highest sounding
    /// line across all its voices.
    #[arg(long, alias = "part-voice", requires = "primer", value_parser = args::voice)]
    pub voice: Option<usize>,
    /// Rewrite bars A to B (inclusive, 1-based; bar 1 is the first full bar) of the primer
    /// file, conditioned on the notes before and after them; the rest stays as it is.
    #[arg(long, value_name = "A-B", requires = "primer", value_parser = parse_bar_range)]
    pub fill_bars: Option<(usize, usize)>,
    /// The form: free (the model's own), period (a half cadence, then the opening restated
    /// and a close on the tonic), aaba, aabb or abac; a form sets the length (its phrases
    /// times the phrase length) and continues a seed of less than one phrase.
    #[arg(long, value_enum, default_value_t = FormArg::Free, conflicts_with = "fill_bars")]
    pub form: FormArg,
    /// Bars per phrase of a form (default: the meter's usual phrase, 4 bars in 2/4, 3/4,
    /// 4/4 and 6/8).
    #[arg(long, value_parser = args::bar_number, requires = "form")]
    pub phrase_bars: Option<usize>,
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

/// `generate --form`: clap's mirror of [`Form`].
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormArg {
    /// No plan beyond the model's own.
    Free,
    /// Antecedent (half cadence) and consequent (the opening restated, a close).
    Period,
    /// A A B A.
    Aaba,
    /// A A B B.
    Aabb,
    /// A B A C.
    Abac,
}

impl From<FormArg> for Form {
    fn from(f: FormArg) -> Form {
        match f {
            FormArg::Free => Form::Free,
            FormArg::Period => Form::Period,
            FormArg::Aaba => Form::Aaba,
            FormArg::Aabb => Form::Aabb,
            FormArg::Abac => Form::Abac,
        }
    }
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
    let total = melody.duration().to_steps();
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

/// One variation as the `--json` report writes it: notes, span, scores, phrases, critique.
fn variation_json(
    g: &lstmuse::sampling::Generated,
    index: usize,
    path: &Path,
) -> serde_json::Value {
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
    let mut entry = serde_json::json!({
        "variation": index + 1,
        "path": path.display().to_string(),
        "notes": notes,
        "primer_notes": g.primer_notes,
        "span_steps": [g.span.start, g.span.end],
        "mean_entropy": g.mean_entropy(),
        "mean_log_probability": g.mean_log_probability(),
    });
    if let Some(object) = entry.as_object_mut() {
        if !g.phrases.is_empty() {
            object.insert("phrases".into(), serde_json::json!(letters(&g.phrases)));
        }
        if let Some(c) = &g.critique {
            object.insert("critique".into(), serde_json::json!(c.reasons()));
        }
    }
    entry
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
                voice: args.voice,
            },
        )?,
        (None, Some(t)) => lstmuse::sampling::primer_from_text(t)?,
        (None, None) => lstmuse::Melody::new(),
    };
    for warning in &primer.source.warnings {
        eprintln!("warning: {warning} (the primer)");
    }
    let bound = ModelRef::new(&artifact, &device.device);
    let results = match args.fill_bars {
        Some(bars) => lstmuse::sampling::fill(bound, &primer, bar_span(&primer, bars)?, &config),
        None => generate_form(
            bound,
            &primer,
            &config,
            (args.form.into(), args.phrase_bars),
        ),
    }
    .with_context(|| model_context(&artifact))?;
    let mut report = Vec::new();
    for (i, g) in results.iter().enumerate() {
        let path = variation_path(&args.out, i, results.len());
        lstmuse::formats::write_melody(&g.melody, &path)?;
        report.push(variation_json(g, i, &path));
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
