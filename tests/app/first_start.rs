//! The first minute: the welcome a new user sees, and the About window with the version.

use crate::common::app::{first_start_app, wait};
use egui_kittest::kittest::Queryable;

const WELCOME: &str = "Welcome to LSTMuse";

#[test]
fn the_welcome_shows_on_first_start_until_dismissed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = first_start_app(tmp.path());
    assert!(h.state().welcome_shown());
    h.get_by_label(WELCOME);
    h.get_by_label("Close").click();
    h.run_steps(2);
    assert!(h.query_by_label(WELCOME).is_none());
    assert!(!h.state().welcome_shown());
    assert!(
        h.state().settings().welcome_dismissed,
        "remembered with the settings"
    );
    // Help ▸ Welcome brings it back.
    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("Welcome").click();
    h.run_steps(2);
    h.get_by_label(WELCOME);
}

#[test]
fn generate_in_the_welcome_writes_a_melody() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = first_start_app(tmp.path());
    h.get_by_label("Generate a melody").click();
    h.run_steps(2);
    wait(&mut h);
    assert!(
        !h.state().variations().is_empty(),
        "{}",
        h.state().status().text()
    );
    assert!(h.query_by_label(WELCOME).is_none());
}

#[test]
fn about_shows_the_name_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = first_start_app(tmp.path());
    h.get_by_label("Close").click();
    h.run_steps(1);
    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("About LSTMuse").click();
    h.run_steps(2);
    h.get_by_label(&format!("LSTMuse {}", env!("CARGO_PKG_VERSION")));
    // The model in use, with its folder.
    let model_dir = lstmuse::default_model_dir().unwrap();
    h.get_by_label_contains(&format!("({})", model_dir.display()));
}
