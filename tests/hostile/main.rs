//! Hostile input: crafted files for the readers, writers and renderer, crafted model folders
//! and checkpoints, damaged weights, two writers of one model folder, a full disk, and the
//! inputs the fuzzers found.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

#[path = "../common/mod.rs"]
mod common;

mod damaged_models;
mod formats;
mod full_disk;
mod fuzz_regressions;
mod models;
