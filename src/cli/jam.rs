//! `lstmuse jam`: a recorded performance whose calls leave the answer slots empty, filled
//! with the answers the model gives, without devices.

use super::args;
use super::sampler_args::{SamplerArgs, load_model, model_context, sampler_config};
use anyhow::{Context, Result, bail};
use clap::Args;
use lstmuse::model::{ModelRef, backend};
use lstmuse::sampling::jam::{Part, fill_answers};
use std::path::PathBuf;

/// `lstmuse jam` arguments.
#[derive(Args, Debug)]
pub struct JamArgs {
    /// The performance (.mid, .musicxml, .krn, .abc): calls, each followed by an empty
    /// phrase for the answer (a 2-bar call, 2 empty bars, the next call, …).
    #[arg(long)]
    pub input: PathBuf,
    /// Bars per phrase: 1, 2 or 4 (any of 1 to 16).
    #[arg(long, default_value_t = 2, value_parser = args::bar_number)]
    pub phrase: usize,
    /// The model folder (default: the bundled model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The sampler settings (each answer is drawn with the seed plus its turn).
    #[command(flatten)]
    pub sampler: SamplerArgs,
    /// The dialogue, calls and answers in one line (.mid, .musicxml, .krn, .abc).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the turns as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `lstmuse jam`.
pub fn run_jam(args: JamArgs) -> Result<()> {
    if lstmuse::formats::Format::from_path(&args.out).is_none() {
        bail!(
            "cannot write {}: use .mid, .musicxml, .krn or .abc",
            args.out.display()
        );
    }
    let config = sampler_config(&args.sampler, 1)?;
    let performance =
        lstmuse::formats::read_melody(&args.input, &lstmuse::formats::ReadOptions::default())?;
    let device = backend::cpu();
    let artifact = load_model(args.model.clone(), &device.device)?;
    let bound = ModelRef::new(&artifact, &device.device);
    let dialogue = fill_answers(bound, &performance, args.phrase, &config)
        .with_context(|| format!("answering {}", args.input.display()))
        .with_context(|| model_context(&artifact))?;
    lstmuse::formats::write_melody(&dialogue.melody, &args.out)?;
    let name = |p: Part| match p {
        Part::Call => "call",
        Part::Answer => "answer",
        Part::Silence => "silence",
    };
    if args.json {
        let turns: Vec<_> = dialogue
            .turns
            .iter()
            .map(|t| {
                serde_json::json!({
                    "part": name(t.part),
                    "start_quarters": t.start.to_f64(),
                    "end_quarters": t.end.to_f64(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({ "out": args.out.display().to_string(), "turns": turns })
        );
    } else {
        let answers = dialogue
            .turns
            .iter()
            .filter(|t| t.part == Part::Answer)
            .count();
        let parts: Vec<&str> = dialogue.turns.iter().map(|t| name(t.part)).collect();
        eprintln!(
            "wrote {} ({answers} answers; turns: {})",
            args.out.display(),
            parts.join(" ")
        );
    }
    Ok(())
}
