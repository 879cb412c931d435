//! `lstmuse convert`: one melody from any format the library reads to any it writes.

use anyhow::{Context, Result, bail};
use clap::Args;
use lstmuse::corpus::preprocess::transposition_to_c_or_a;
use lstmuse::formats::{self, ReadOptions};
use std::path::PathBuf;

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
    /// Kern spine, MIDI track or MusicXML part to read (0-based; default: the first
    /// MusicXML part, the first MIDI track with notes, the rightmost kern spine).
    #[arg(long)]
    pub part: Option<usize>,
    /// The voice of that part to read, numbered from 1 as the file numbers it (MusicXML
    /// `<voice>`, kern sub-spine, MIDI channel, ABC `V:`); default: the highest sounding
    /// line across all its voices.
    #[arg(long, alias = "part-voice", value_parser = super::args::voice)]
    pub voice: Option<usize>,
    /// Move the melody to C major / A minor, as the preprocessing does.
    #[arg(long)]
    pub transpose_to_c: bool,
}

/// Runs `lstmuse convert`.
pub fn convert(args: ConvertArgs) -> Result<()> {
    let options = ReadOptions {
        tune: args.tune,
        part: args.part,
        voice: args.voice,
    };
    if formats::Format::from_path(&args.output).is_none() {
        bail!(
            "cannot write {}: use .mid, .musicxml, .mxl, .krn or .abc",
            args.output.display()
        );
    }
    let mut melody = formats::read_melody(&args.input, &options)?;
    for warning in &melody.source.warnings {
        eprintln!("warning: {} ({})", warning, args.input.display());
    }
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
