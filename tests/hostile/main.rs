//! Hostile input: crafted files for the readers, writers and renderer, crafted model folders
//! and checkpoints, and the inputs the fuzzers found.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

#[path = "../common/mod.rs"]
mod common;

mod formats;
mod fuzz_regressions;
mod models;
