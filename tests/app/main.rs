//! The desktop app driven headless with egui_kittest: the first start, the main window,
//! MIDI keyboards, SoundFonts, the dataset browser and training.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing
#![cfg(feature = "gui")]

#[path = "../common/mod.rs"]
mod common;

mod first_start;
mod main_window;
mod midi;
mod soundfont;
mod training;
