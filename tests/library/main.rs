//! The library's engine end to end: corpus, sampling, melody statistics, structure inputs,
//! training (fused and composed, CPU and wgpu), the synth, SoundFonts and MIDI without hardware.
#![allow(clippy::unwrap_used)] // a test may unwrap: a failure is the test failing

#[path = "../common/mod.rs"]
mod common;

mod corpus;
mod form;
mod fused_training;
mod jam;
mod midi;
mod sampling;
mod soundfont;
mod stats;
mod structure;
mod synth;
mod training;
mod wgpu;
