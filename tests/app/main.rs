//! The desktop app driven headless with egui_kittest: the first start, the main window,
//! the melody document (save, open, unsaved changes), autosave and recovery, a full disk,
//! long sessions, MIDI keyboards, SoundFonts, the dataset browser and training.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing
#![cfg(feature = "gui")]

#[path = "../common/mod.rs"]
mod common;

mod document;
mod first_start;
mod full_disk;
mod jam;
mod long_session;
mod main_window;
mod midi;
mod recovery;
mod soundfont;
mod training;
