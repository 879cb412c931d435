//! Long sessions, in short: cycles of generate, audition, keep, undo and fill leave the
//! melody as it was and the undo history bounded, and a corpus of thousands of files loads
//! with progress into a table that scrolls to its last tune. `cargo bench --bench gui --
//! soak dataset` runs the long versions (2,000 cycles, 100,000 files) and prints memory and
//! frame times.

use crate::common::app::{app, generate, notes_of, open_seed, wait};
use crate::common::{fixture, tiny_corpus};
use eframe::egui;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::document::{UNDO_BYTES, UNDO_LIMIT};

#[test]
fn cycles_of_generate_audition_keep_undo_fill_leave_the_melody_and_stay_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    let seed = notes_of(&h);
    let bar = h.state().doc().steps_per_bar();
    for cycle in 0..30 {
        h.state_mut().sampler_settings_mut().seed = cycle;
        generate(&mut h);
        h.get_by_label("Audition 2").click();
        h.run_steps(2);
        h.get_by_label("Keep 1").click();
        h.run_steps(2);
        assert!(notes_of(&h).len() > seed.len());
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        h.run_steps(2);
        assert_eq!(
            notes_of(&h),
            seed,
            "cycle {cycle}: undo brings back the seed"
        );
        h.state_mut().set_bar_range(Some((2 * bar, 4 * bar)));
        h.get_by_label("Fill selection").click();
        h.run_steps(2);
        wait(&mut h);
        assert_eq!(
            h.state().variations().len(),
            4,
            "{}",
            h.state().status().text()
        );
    }
    let history = h.state().history();
    assert!(history.undo_steps() <= UNDO_LIMIT);
    assert!(history.bytes() <= UNDO_BYTES);
    assert_eq!(notes_of(&h), seed);
}

#[test]
fn a_corpus_of_thousands_of_files_loads_with_progress_and_scrolls_to_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("tiny");
    tiny_corpus(&corpus, 3_000);
    let mut h = app(tmp.path());
    h.state_mut().add_corpus(corpus.clone());
    h.step();
    assert!(h.state().dataset().is_loading());
    wait(&mut h);
    let entry = &h.state().dataset().corpora[0];
    assert_eq!(entry.files, 3_000);
    let counted = (
        entry
            .progress
            .read
            .load(std::sync::atomic::Ordering::Relaxed),
        entry
            .progress
            .found
            .load(std::sync::atomic::Ordering::Relaxed),
    );
    assert_eq!(counted, (3_000, 3_000), "progress counted every file");
    assert_eq!(h.state().dataset().rows.len(), 3_000);
    h.run_steps(2);
    assert!(h.query_by_label("Tune 00001").is_some());
    assert!(
        h.query_by_label("Tune 03000").is_none(),
        "only the rows in view are laid out"
    );
    let panel = h.state().dataset().panel_rect.unwrap();
    h.hover_at(panel.center_top() + egui::vec2(0.0, 220.0));
    for _ in 0..40 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Page,
            delta: egui::vec2(0.0, -50.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    h.run_steps(30);
    assert!(
        h.query_by_label("Tune 03000").is_some(),
        "the table scrolled to its end"
    );
    assert!(h.query_by_label("Tune 00001").is_none());
}
