//! The `lstmuse` binary: a subcommand runs the CLI; no arguments opens the desktop app.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let command = args
        .command
        .unwrap_or(cli::Command::App(cli::AppArgs::default()));
    match cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
