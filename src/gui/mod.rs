//! The desktop front end: the only part of LSTMuse that talks to windows and sound devices.
//!
//! - [`app`]: the app's state, layout and commands; [`command`]: every user action.
//! - [`piano_roll`]: the roll widget; [`document`]: the edited melody with undo.
//! - [`generate_panel`], [`transport`], [`file_dialog`]: generation, playback, files.
//! - [`dataset`], [`training_panel`]: the dataset browser and live training.
//! - [`jobs`]: background work; [`settings`]: what is remembered between runs.

#[cfg(feature = "gui")]
pub mod app;
#[cfg(feature = "audio")]
pub mod audio;
#[cfg(feature = "gui")]
pub mod command;
#[cfg(feature = "gui")]
pub mod dataset;
#[cfg(feature = "gui")]
pub mod document;
#[cfg(feature = "gui")]
pub mod file_dialog;
#[cfg(feature = "gui")]
pub mod generate_panel;
#[cfg(feature = "gui")]
pub mod jobs;
#[cfg(feature = "gui")]
pub mod piano_roll;
#[cfg(feature = "gui")]
pub mod settings;
#[cfg(feature = "gui")]
pub mod training_panel;
#[cfg(feature = "gui")]
pub mod transport;

#[cfg(feature = "gui")]
pub use app::{AppOptions, LstmuseApp};

/// Opens the app window and runs until it is closed. Tries the wgpu renderer first and
/// falls back to OpenGL when wgpu finds no adapter.
#[cfg(feature = "gui")]
pub fn run(options: AppOptions) -> Result<(), eframe::Error> {
    let native = |renderer| eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("LSTMuse")
            .with_app_id("lstmuse")
            .with_inner_size([1360.0, 820.0])
            .with_min_inner_size([760.0, 480.0])
            .with_drag_and_drop(true),
        persist_window: true,
        renderer,
        ..Default::default()
    };
    let start = |renderer, options: AppOptions| {
        eframe::run_native(
            "LSTMuse",
            native(renderer),
            Box::new(move |cc| Ok(Box::new(LstmuseApp::new(cc, options)))),
        )
    };
    match start(eframe::Renderer::Wgpu, options.clone()) {
        Err(e) if !e.to_string().contains("DISPLAY") => {
            eprintln!("lstmuse: the wgpu renderer failed ({e}); trying OpenGL");
            start(eframe::Renderer::Glow, options)
        }
        other => other,
    }
}
