//! The desktop app in an egui_kittest harness, for the UI tests.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::{AppOptions, LstmuseApp};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The app with the bundled model loaded, no sound device, default settings (the first
/// start's welcome dismissed), and trained models going to `models_dir`.
pub fn app(models_dir: &Path) -> Harness<'static, LstmuseApp> {
    app_with(test_options(models_dir))
}

/// The app as a new user first sees it: as [`app`], with the welcome shown.
pub fn first_start_app(models_dir: &Path) -> Harness<'static, LstmuseApp> {
    app_with(AppOptions {
        welcome: true,
        ..test_options(models_dir)
    })
}

/// The options [`app`] starts with: the bundled model, no sound device, no remembered
/// settings, no autosave, no welcome, trained models going to `models_dir`.
pub fn test_options(models_dir: &Path) -> AppOptions {
    AppOptions {
        model_dir: lstmuse::default_model_dir(),
        audio: false,
        restore: false,
        models_dir: Some(models_dir.to_path_buf()),
        welcome: false,
        ..AppOptions::default()
    }
}

/// The app started with `options`, once its model has loaded.
pub fn app_with(options: AppOptions) -> Harness<'static, LstmuseApp> {
    let mut h = Harness::builder()
        .with_size([1400.0, 880.0])
        .build_eframe(move |cc| LstmuseApp::new(cc, options));
    wait_until(&mut h, 60, LstmuseApp::is_idle);
    assert!(h.state().model().is_some(), "{}", h.state().status().text());
    h
}

/// Opens a melody file (as the seed) and waits until it is read.
pub fn open_seed(h: &mut Harness<'_, LstmuseApp>, path: PathBuf) {
    h.state_mut().open_path(path);
    wait(h);
}

/// Clicks Generate and waits for the variations.
pub fn generate(h: &mut Harness<'_, LstmuseApp>) {
    h.get_by_label("Generate").click();
    h.run_steps(2);
    wait(h);
    assert!(
        !h.state().variations().is_empty(),
        "no variations: {}",
        h.state().status().text()
    );
}

/// Types `path` into the file dialog's path field (once it is open) and clicks `button`.
pub fn type_path(h: &mut Harness<'_, LstmuseApp>, path: &Path, button: &str) {
    h.run_steps(2);
    h.get_by_label("File path").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("File path")
        .type_text(&path.display().to_string());
    h.run_steps(2);
    h.get_by_label(button).click();
    h.run_steps(2);
}

/// The window's close button was pressed.
pub fn request_close(h: &mut Harness<'_, LstmuseApp>) {
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
}

/// Whether the app sent `command` to its window in the last frame.
pub fn app_sent(h: &Harness<'_, LstmuseApp>, command: &egui::ViewportCommand) -> bool {
    h.output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .is_some_and(|v| v.commands.contains(command))
}

/// A file dropped from the file manager.
#[derive(Debug)]
pub struct Dropped(pub PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops `path` on the piano roll, as from the file manager.
pub fn drop_on_roll(h: &mut Harness<'_, LstmuseApp>, path: PathBuf) {
    let roll = h.get_by_label("Piano roll").rect();
    h.hover_at(roll.center());
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path)));
    h.run_steps(2);
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

/// Opens `path` as the seed and adds a note of the composer's own at `start` (a melody
/// with unsaved changes); returns the notes.
pub fn edited_seed(
    h: &mut Harness<'_, LstmuseApp>,
    path: PathBuf,
    (start, pitch): (u32, u8),
) -> Vec<(u32, u32, u8, lstmuse::gui::document::Origin)> {
    open_seed(h, path);
    h.state_mut()
        .apply_roll_edit(lstmuse::gui::piano_roll::RollEdit::Add {
            start,
            len: 4,
            pitch,
        });
    h.run_steps(1);
    assert!(h.state().has_unsaved_changes());
    notes_of(h)
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
