//! The `lstmuse` binary: a subcommand runs the CLI; no arguments prints help.

mod cli;
mod cli_model;

use clap::{CommandFactory, Parser};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let Some(command) = args.command else {
        let _ = cli::Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    match cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
