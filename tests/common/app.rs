//! The desktop app in an egui_kittest harness, for the UI tests.

use eframe::egui;
use egui_kittest::Harness;
use lstmuse::gui::{AppOptions, LstmuseApp};
use std::path::Path;
use std::time::{Duration, Instant};

/// The app with the bundled model loaded, no sound device, default settings (the first
/// start's welcome dismissed), and trained models going to `models_dir`.
pub fn app(models_dir: &Path) -> Harness<'static, LstmuseApp> {
    harness(AppOptions {
        welcome: false,
        ..test_options(models_dir)
    })
}

/// The app as a new user first sees it: as [`app`], with the welcome shown.
pub fn first_start_app(models_dir: &Path) -> Harness<'static, LstmuseApp> {
    harness(test_options(models_dir))
}

fn test_options(models_dir: &Path) -> AppOptions {
    AppOptions {
        model_dir: lstmuse::default_model_dir(),
        audio: false,
        restore: false,
        models_dir: Some(models_dir.to_path_buf()),
        ..AppOptions::default()
    }
}

fn harness(options: AppOptions) -> Harness<'static, LstmuseApp> {
    let mut h = Harness::builder()
        .with_size([1400.0, 880.0])
        .build_eframe(move |cc| LstmuseApp::new(cc, options));
    wait_until(&mut h, 60, LstmuseApp::is_idle);
    assert!(h.state().model().is_some(), "{}", h.state().status().text());
    h
}

/// Steps the app until `done` holds (panics after `secs` seconds).
pub fn wait_until(h: &mut Harness<'_, LstmuseApp>, secs: u64, done: impl Fn(&LstmuseApp) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out: {}",
            h.state().status().text()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(3);
}

/// Steps the app until its background jobs are done.
pub fn wait(h: &mut Harness<'_, LstmuseApp>) {
    wait_until(h, 120, LstmuseApp::is_idle);
}

/// Drags with the primary button from `from` to `to` in `steps` pointer moves, then drops.
pub fn drag(h: &mut Harness<'_, LstmuseApp>, from: egui::Pos2, to: egui::Pos2, steps: usize) {
    h.hover_at(from);
    h.drag_at(from);
    h.run_steps(1);
    for i in 1..=steps {
        h.hover_at(from + (to - from) * (i as f32 / steps as f32));
        h.run_steps(1);
    }
    h.drop_at(to);
    h.run_steps(2);
}

/// The document's notes as `(start, length, pitch, origin)`.
pub fn notes_of(
    h: &Harness<'_, LstmuseApp>,
) -> Vec<(u32, u32, u8, lstmuse::gui::document::Origin)> {
    h.state()
        .doc()
        .notes
        .iter()
        .map(|n| (n.start, n.len, n.pitch, n.origin))
        .collect()
}
