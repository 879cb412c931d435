//! The `lstmuse` command line, run as a user would, and hostile command lines.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

#[path = "../common/mod.rs"]
mod common;

mod args;
mod commands;
mod install;
