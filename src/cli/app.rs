//! `lstmuse app`: open the desktop app (what `lstmuse` with no arguments does).

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

/// `lstmuse app`.
#[derive(Args, Debug, Default)]
pub struct AppArgs {
    /// A melody file to open as the seed.
    pub seed: Option<PathBuf>,
    /// The model folder (default: the last one used, else the bundled model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Do not open the sound device.
    #[arg(long)]
    pub no_audio: bool,
    /// Start with default settings instead of the remembered ones (and do not save them).
    #[arg(long)]
    pub fresh: bool,
    /// Open, wait until the model is loaded and drawn, print the start-up time, and quit.
    #[arg(long)]
    pub startup_check: bool,
}

#[cfg(feature = "gui")]
pub fn run_app(args: AppArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let options = lstmuse::gui::AppOptions {
        model_dir: args.model,
        audio: !args.no_audio,
        seed_file: args.seed,
        restore: !args.fresh,
        ready_check: args.startup_check.then_some(started),
        recovery_dir: lstmuse::gui::recovery::default_dir(),
        ..Default::default()
    };
    lstmuse::gui::run(options).map_err(|e| {
        anyhow::anyhow!(
            "could not open the app window: {e}. On a machine without a display, use the subcommands (lstmuse --help), or run it under xvfb-run"
        )
    })
}

#[cfg(not(feature = "gui"))]
pub fn run_app(_args: AppArgs) -> Result<()> {
    anyhow::bail!("this build has no desktop app (feature `gui`); see lstmuse --help for the CLI")
}
