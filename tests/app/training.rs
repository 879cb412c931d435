//! The dataset browser and the training panel, driven headless with egui_kittest.

use crate::common::app::{app, app_sent, drag, edited_seed, notes_of, request_close, wait_until};
use crate::common::fixture;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::app::{Discard, Tab};
use lstmuse::gui::document::Origin;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::backend::BackendChoice;

/// Adds `tests/fixtures/corpus` through the Add folder dialog.
fn add_fixture_corpus(h: &mut Harness<'_, LstmuseApp>) {
    h.get_by_label("Add folder…").click();
    h.run_steps(2);
    h.get_by_label("File path").focus();
    h.run_steps(1);
    h.get_by_label("File path")
        .type_text(&fixture("corpus").display().to_string());
    h.run_steps(1);
    h.get_by_label("Add").click();
    h.run_steps(2);
    wait_until(h, 60, |app| app.is_idle());
}

#[test]
fn the_dataset_table_lists_tunes_reasons_and_errors_and_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    add_fixture_corpus(&mut h);
    // 7 files: 6 tunes load, 1 file fails; the triplet tune is excluded by the filter.
    assert_eq!(h.state().dataset().rows.len(), 6);
    h.get_by_label("6 tunes (5 usable for training)");
    h.get_by_label_contains("is not in the accepted set");
    h.get_by_label("Load errors (1)").click();
    h.run_steps(2);
    h.get_by_label_contains("broken.krn");
    assert_eq!(
        h.state().settings().corpora,
        vec![fixture("corpus")],
        "the corpus is remembered"
    );

    // The search box narrows the table.
    h.get_by_label("Search tunes").focus();
    h.run_steps(1);
    h.get_by_label("Search tunes").type_text("kuck");
    h.run_steps(2);
    assert_eq!(h.state_mut().dataset_mut().visible_rows().len(), 1);
    h.get_by_label("1 shown");

    // Sorting by title, then descending.
    h.get_by_label("Search tunes").focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Backspace);
    h.run_steps(2);
    assert_eq!(h.state_mut().dataset_mut().visible_rows().len(), 6);
    h.get_by_label("Title").click();
    h.run_steps(2);
    let titles = |h: &mut Harness<'_, LstmuseApp>| -> Vec<String> {
        let order = h.state_mut().dataset_mut().visible_rows().to_vec();
        order
            .iter()
            .map(|&i| h.state().dataset().rows[i].title.clone())
            .collect()
    };
    let up = titles(&mut h);
    let mut sorted = up.clone();
    sorted.sort();
    assert_eq!(up, sorted);
    h.get_by_label_contains("Title").click();
    h.run_steps(2);
    let down = titles(&mut h);
    sorted.reverse();
    assert_eq!(down, sorted);

    // Drag a tune from the table onto the roll: it becomes the seed.
    let row = h.get_by_label_contains("Kuckuck").rect().center();
    let roll = h.get_by_label("Piano roll").rect().center();
    drag(&mut h, row, roll, 8);
    h.run_steps(1);
    let doc = h.state().doc();
    assert_eq!(doc.notes.len(), 17, "{}", h.state().status().text());
    assert!(doc.notes.iter().all(|n| n.origin == Origin::Seed));
}

#[test]
fn a_dataset_tune_over_unsaved_edits_asks_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    add_fixture_corpus(&mut h);
    let edited = edited_seed(&mut h, fixture("kern/frere_jacques.krn"), (90, 67));
    h.get_by_label_contains("Kuckuck").click();
    h.run_steps(2);
    let row = h.state().dataset().selected.first().copied().unwrap();
    h.get_by_label("Use tune as seed").click();
    h.run_steps(2);
    assert_eq!(h.state().unsaved_prompt(), Some(&Discard::DatasetSeed(row)));
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(notes_of(&h), edited, "Cancel leaves the edits as they were");

    h.get_by_label("Use tune as seed").click();
    h.run_steps(2);
    h.get_by_label("Don't save").click();
    h.run_steps(2);
    let doc = h.state().doc();
    assert_eq!(doc.notes.len(), 17, "{}", h.state().status().text());
    assert!(doc.notes.iter().all(|n| n.origin == Origin::Seed));
    assert!(!h.state().has_unsaved_changes());
}

#[test]
fn train_two_epochs_on_the_fixture_corpus_then_use_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    add_fixture_corpus(&mut h);
    h.get_by_label("Training").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Training);
    for (label, value) in [
        ("Epochs", 2.0),
        ("Hidden units", 16.0),
        ("Batch size", 4.0),
        ("Sequence length", 16.0),
        ("Validation split", 0.2),
    ] {
        h.get_by_role_and_label(egui::accesskit::Role::SpinButton, label)
            .set_value_accesskit(value);
        h.run_steps(1);
    }
    h.state_mut().training_settings_mut().backend = BackendChoice::Cpu;
    h.state_mut().training_settings_mut().model_name = "tiny".into();
    h.get_by_label("Start").click();
    h.run_steps(2);
    assert!(
        h.state().training().is_running(),
        "{}",
        h.state().status().text()
    );
    wait_until(&mut h, 300, |app| !app.training().is_running());

    let t = h.state().training();
    assert!(t.error.is_none(), "{:?}", t.error);
    assert!(!t.figures.batch_loss.is_empty());
    assert_eq!(t.figures.train_loss.len(), 2);
    assert_eq!(t.figures.valid_loss.len(), 2);
    assert_eq!(t.figures.epoch, 2);
    assert!(t.figures.best_epoch.is_some());
    let dir = tmp.path().join("tiny");
    assert_eq!(t.finished, Some((dir.clone(), false)));
    assert!(
        t.models.iter().any(|m| m.dir == dir),
        "the model list has it"
    );
    h.get_by_label("Epoch 2 of 2");

    h.get_by_label("Use this model").click();
    h.run_steps(2);
    wait_until(&mut h, 60, |app| app.is_idle());
    assert_eq!(h.state().model().map(|m| m.name.as_str()), Some("tiny"));
    assert_eq!(h.state().tab(), Tab::Compose);
}

/// Adds the fixture corpus and starts a 200-epoch CPU run named `name` on the Training tab;
/// returns once the first epoch (and its checkpoint) is done.
fn start_long_run(h: &mut Harness<'_, LstmuseApp>, name: &str) {
    add_fixture_corpus(h);
    h.get_by_label("Training").click();
    h.run_steps(2);
    {
        let s = h.state_mut().training_settings_mut();
        s.epochs = 200;
        s.patience = 0;
        s.hidden = 16;
        s.batch_size = 2;
        s.seq_len = 16;
        s.valid_fraction = 0.2;
        s.backend = BackendChoice::Cpu;
        s.model_name = name.into();
    }
    h.get_by_label("Start").click();
    h.run_steps(2);
    wait_until(h, 300, |app| !app.training().figures.valid_loss.is_empty());
}

#[test]
fn stop_during_training_keeps_the_app_responsive_and_the_checkpoint_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    start_long_run(&mut h, "stopped");
    // The UI answers while training runs (frame times are in `cargo bench --bench gui`).
    assert!(h.state().training().is_running());
    h.get_by_label("Compose").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Compose);
    h.get_by_label("Training").click();
    h.run_steps(2);
    assert_eq!(h.state().tab(), Tab::Training);
    h.get_by_label("Stop").click();
    h.run_steps(2);
    wait_until(&mut h, 120, |app| !app.training().is_running());
    let dir = tmp.path().join("stopped");
    assert_eq!(h.state().training().finished, Some((dir.clone(), true)));
    assert!(h.state().training().figures.epoch < 200);
    let loaded = ModelArtifact::load(&dir, &burn::tensor::Device::flex());
    assert!(loaded.is_ok(), "{:?}", loaded.err());
    assert!(dir.join("checkpoint.json").is_file());
}

#[test]
fn closing_during_training_asks_first_then_stops_cleanly_and_resume_continues() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    start_long_run(&mut h, "interrupted");

    // The close button: the app cancels the close and asks.
    request_close(&mut h);
    h.step();
    assert!(app_sent(&h, &egui::ViewportCommand::CancelClose));
    h.run_steps(2);
    h.get_by_label("Training is running");
    h.get_by_label("Keep training").click();
    h.run_steps(2);
    assert!(h.state().training().is_running());

    request_close(&mut h);
    h.step();
    h.run_steps(1);
    h.get_by_label("Stop training and quit").click();
    h.step();
    assert!(app_sent(&h, &egui::ViewportCommand::Close));
    assert!(!h.state().training().is_running());
    let dir = tmp.path().join("interrupted");
    let checkpoint = std::fs::read_to_string(dir.join("checkpoint.json")).unwrap();
    let done: serde_json::Value = serde_json::from_str(&checkpoint).unwrap();
    let epochs_done = done["epoch"].as_u64().unwrap();
    assert!(epochs_done >= 1);
    assert!(ModelArtifact::load(&dir, &burn::tensor::Device::flex()).is_ok());

    // Resume continues from that checkpoint (epoch numbers go on).
    h.state_mut().training_settings_mut().epochs = epochs_done as usize + 1;
    h.get_by_label("Resume").click();
    h.run_steps(2);
    wait_until(&mut h, 300, |app| !app.training().is_running());
    let t = h.state().training();
    assert!(t.error.is_none(), "{:?}", t.error);
    assert_eq!(t.figures.epoch, epochs_done as usize + 1);
    let checkpoint = std::fs::read_to_string(dir.join("checkpoint.json")).unwrap();
    let after: serde_json::Value = serde_json::from_str(&checkpoint).unwrap();
    assert_eq!(after["epoch"].as_u64(), Some(epochs_done + 1));
}

/// Models the app trains and corpora the fetcher downloads go to one app-data folder
/// (on macOS and Windows they used to land in two).
#[test]
fn trained_models_and_fetched_corpora_share_the_app_data_folder() {
    let Some(corpora) = lstmuse::corpus::fetch::default_corpus_dir() else {
        eprintln!("SKIP: this platform has no home folder");
        return;
    };
    let options = lstmuse::gui::AppOptions {
        audio: false,
        restore: false,
        ..lstmuse::gui::AppOptions::default()
    };
    let h = Harness::builder().build_eframe(move |cc| LstmuseApp::new(cc, options));
    let models = h.state().models_dir();
    assert_eq!(models.parent(), corpora.parent());
    assert_eq!(models.parent(), lstmuse::fsutil::data_dir().as_deref());
    #[cfg(target_os = "linux")]
    if std::env::var_os("XDG_DATA_HOME").is_none()
        && let Some(home) = std::env::var_os("HOME")
    {
        let linux = std::path::Path::new(&home).join(".local/share/lstmuse");
        assert_eq!(
            models.parent(),
            Some(linux.as_path()),
            "the Linux path is unchanged"
        );
    }
}
