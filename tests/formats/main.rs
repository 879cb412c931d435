//! The readers and writers: ABC against abc2midi, junk input, MusicXML, and MuseScore's import
//! of what we write.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

#[path = "../common/mod.rs"]
mod common;

mod abc;
mod junk;
mod musescore;
mod musicxml;
