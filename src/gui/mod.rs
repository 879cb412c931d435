//! The desktop front end: the only part of LSTMuse that talks to windows and sound devices.
//!
//! - [`app`]: the app's state, layout and commands; [`command`]: every user action.
//! - [`piano_roll`]: the roll widget; [`document`]: the edited melody with undo;
//!   [`editor`]: the document with its selection, cursor and history;
//!   [`document_file`]: the melody document on disk (`.lstmuse`); [`recovery`]: autosave
//!   and crash recovery.
//! - [`generate_panel`], [`playback`], [`file_dialog`]: generation, playback (and
//!   [`player`], the sound device), files;
//!   [`soundfont`]: the SoundFont voice source.
//! - [`dataset`], [`training_panel`]: the dataset browser and live training.
//! - [`jobs`]: background work; [`settings`]: what is remembered between runs;
//!   [`icon`]: the app's icon.
//! - `app::midi`: MIDI ports, recording and step input in the app, and thru.

#[cfg(feature = "gui")]
pub mod app;
#[cfg(feature = "gui")]
pub mod command;
#[cfg(feature = "gui")]
pub mod dataset;
#[cfg(feature = "gui")]
pub mod document;
#[cfg(feature = "gui")]
pub mod document_file;
#[cfg(feature = "gui")]
pub mod editor;
#[cfg(feature = "gui")]
pub mod error;
#[cfg(feature = "gui")]
pub mod file_dialog;
#[cfg(feature = "gui")]
pub mod generate_panel;
#[cfg(feature = "gui")]
pub mod icon;
#[cfg(feature = "gui")]
pub mod jobs;
#[cfg(feature = "gui")]
pub mod piano_roll;
#[cfg(feature = "gui")]
pub mod playback;
#[cfg(feature = "audio")]
pub mod player;
#[cfg(feature = "gui")]
pub mod recovery;
#[cfg(feature = "gui")]
pub mod settings;
#[cfg(feature = "gui")]
pub mod soundfont;
#[cfg(feature = "gui")]
pub mod training_panel;

#[cfg(feature = "gui")]
pub use app::{AppOptions, LstmuseApp};
#[cfg(feature = "gui")]
pub use error::GuiError;

/// The app's id: the window's, and the name of eframe's settings folder.
#[cfg(feature = "gui")]
pub const APP_ID: &str = "lstmuse";

/// Opens the app window and runs until it is closed. Tries the wgpu renderer first and
/// falls back to OpenGL when wgpu finds no adapter. An unreadable settings file is set
/// aside first (kept as `app.ron.bad-<date>`), and the app says so once.
#[cfg(feature = "gui")]
pub fn run(mut options: AppOptions) -> Result<(), eframe::Error> {
    if let Some(file) = settings::settings_file(APP_ID)
        && let Some(notice) = settings::set_aside_if_unreadable(&file)
    {
        options.notice = Some(notice);
    }
    let mut viewport = eframe::egui::ViewportBuilder::default()
        .with_title("LSTMuse")
        .with_app_id(APP_ID)
        .with_inner_size([1360.0, 820.0])
        .with_min_inner_size([760.0, 480.0])
        .with_drag_and_drop(true);
    match icon::icon_data() {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => eprintln!("lstmuse: the window icon did not decode ({e}); using none"),
    }
    let native = |renderer| eframe::NativeOptions {
        viewport: viewport.clone(),
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
        Err(e) if fallback_after(&e) == RendererFallback::OpenGl => {
            eprintln!("lstmuse: the wgpu renderer failed ({e}); trying OpenGL");
            start(eframe::Renderer::Glow, options)
        }
        other => other,
    }
}

/// What to do when the wgpu renderer did not start.
#[cfg(feature = "gui")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RendererFallback {
    /// Try OpenGL: wgpu found no adapter, or its window or surface failed.
    OpenGl,
    /// Give up: the event loop could not start (no display: neither `DISPLAY` nor a
    /// Wayland socket), and OpenGL needs it as much as wgpu does.
    GiveUp,
}

#[cfg(feature = "gui")]
fn fallback_after(error: &eframe::Error) -> RendererFallback {
    match error {
        eframe::Error::WinitEventLoop(_) => RendererFallback::GiveUp,
        _ => RendererFallback::OpenGl,
    }
}

#[cfg(all(test, feature = "gui"))]
mod tests {
    use super::*;

    #[test]
    fn a_renderer_failure_falls_back_to_opengl() {
        let failed = eframe::Error::AppCreation("no adapter".into());
        assert_eq!(fallback_after(&failed), RendererFallback::OpenGl);
    }
}
