//! `lstmuse render`: a melody to a WAV file with a built-in voice or a SoundFont.

use super::args;
use anyhow::{Result, bail};
use clap::Args;
use lstmuse::formats::{self, ReadOptions};
use lstmuse::synth::{GmProgram, Voice};
use std::path::PathBuf;
use std::time::Instant;

/// `lstmuse render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The input melody (.krn, .abc, .mid, .musicxml, .xml, .mxl).
    pub input: PathBuf,
    /// The output file (.wav, 16-bit stereo).
    pub output: PathBuf,
    /// The synth voice.
    #[arg(long, value_enum, default_value_t = VoiceArg::Flute, conflicts_with = "soundfont")]
    pub voice: VoiceArg,
    /// A SoundFont (.sf2) to play instead of the built-in voice, e.g.
    /// /usr/share/sounds/sf2/TimGM6mb.sf2 (Debian package timgm6mb-soundfont).
    #[arg(long, value_name = "FILE.sf2")]
    pub soundfont: Option<PathBuf>,
    /// The General MIDI program the SoundFont plays, 0 to 127 (default 0, Acoustic Grand
    /// Piano; 40 Violin, 73 Flute, 24 Acoustic Guitar (nylon)).
    #[arg(long, value_parser = args::gm_program, requires = "soundfont")]
    pub program: Option<GmProgram>,
    /// Tempo in quarter notes per minute, 10 to 600 (default: the melody's, or 120).
    #[arg(long, value_parser = args::bpm)]
    pub bpm: Option<f64>,
    /// ABC: the tune with reference number X:N (default: the first tune).
    #[arg(long)]
    pub tune: Option<u32>,
    /// Kern spine, MIDI track or MusicXML part to read (0-based; default: the first
    /// MusicXML part, the first MIDI track with notes, the rightmost kern spine).
    #[arg(long)]
    pub part: Option<usize>,
    /// The voice of that part to play, numbered from 1 as the file numbers it (MusicXML
    /// `<voice>`, kern sub-spine, MIDI channel, ABC `V:`); default: the highest sounding
    /// line across all its voices. (`--voice` picks the synth voice here.)
    #[arg(long, value_parser = args::voice)]
    pub part_voice: Option<usize>,
    /// Add a metronome click on every beat.
    #[arg(long)]
    pub metronome: bool,
}

/// A synth voice on the command line: clap's mirror of [`Voice`] (the library does not
/// know clap), with the same names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoiceArg {
    /// A soft sine with a breath puff and gentle vibrato.
    Flute,
    /// A plucked string (Karplus–Strong).
    Pluck,
    /// An electric piano (FM).
    #[value(name = "epiano")]
    EPiano,
}

impl From<VoiceArg> for Voice {
    fn from(v: VoiceArg) -> Voice {
        match v {
            VoiceArg::Flute => Voice::Flute,
            VoiceArg::Pluck => Voice::Pluck,
            VoiceArg::EPiano => Voice::EPiano,
        }
    }
}

/// Runs `lstmuse render`.
pub fn render(args: RenderArgs) -> Result<()> {
    use lstmuse::synth::{self, RenderConfig, SoundFont, SoundFontVoice};
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
    let voice = Voice::from(args.voice);
    let options = ReadOptions {
        tune: args.tune,
        part: args.part,
        voice: args.part_voice,
    };
    let melody = formats::read_melody(&args.input, &options)?;
    for warning in &melody.source.warnings {
        eprintln!("warning: {} ({})", warning, args.input.display());
    }
    let soundfont = match &args.soundfont {
        Some(path) => Some(SoundFontVoice::new(
            std::sync::Arc::new(SoundFont::load(path)?),
            args.program.unwrap_or(GmProgram::PIANO),
        )),
        None => None,
    };
    let voice_label = soundfont
        .as_ref()
        .map_or_else(|| voice.to_string(), SoundFontVoice::label);
    let config = RenderConfig {
        bpm: args.bpm,
        voice,
        metronome: args.metronome,
        soundfont,
        ..RenderConfig::default()
    };
    let start = Instant::now();
    let rendered = synth::try_render(&melody, &config).map_err(|e| e.in_file(&args.input))?;
    synth::write_wav(&rendered, &args.output)?;
    eprintln!(
        "wrote {:.2} s ({} notes, {voice_label}, {} bpm) to {} in {:.0} ms",
        rendered.duration_secs(),
        melody.sounding().count(),
        rendered.bpm,
        args.output.display(),
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_voice_has_its_command_line_name() {
        let names: Vec<String> = VoiceArg::value_variants()
            .iter()
            .filter_map(|v| {
                let name = v.to_possible_value()?.get_name().to_owned();
                assert_eq!(name, Voice::from(*v).name());
                Some(name)
            })
            .collect();
        let library: Vec<&str> = Voice::ALL.iter().map(|v| v.name()).collect();
        assert_eq!(names, library);
    }
}
