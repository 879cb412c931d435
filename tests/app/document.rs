//! The melody document in the app: Save and Open keep everything, the title marks unsaved
//! changes, and quitting or opening over unsaved changes asks first.

use crate::common::app::{
    app, app_sent, drop_on_roll, edited_seed, generate, notes_of, open_seed, request_close,
    type_path, wait,
};
use crate::common::{Damage, damaged_model, fixture};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::app::Discard;
use lstmuse::gui::document::Origin;
use lstmuse::gui::document_file::DocumentFile;
use lstmuse::gui::piano_roll::RollEdit;
use lstmuse::gui::settings::SamplerSettings;

/// Opens the Kuckuck seed, generates with seed 7 and keeps the first variation.
fn kept_melody(h: &mut Harness<'_, LstmuseApp>) {
    open_seed(h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 7;
    generate(h);
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
}

fn press(h: &mut Harness<'_, LstmuseApp>, modifiers: egui::Modifiers, key: egui::Key) {
    h.key_press_modifiers(modifiers, key);
    h.run_steps(2);
}

#[test]
fn keep_then_quit_asks_cancel_keeps_the_melody_and_save_writes_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    assert!(
        !h.state().has_unsaved_changes(),
        "an opened seed has nothing to save yet"
    );
    assert_eq!(h.state().window_title(), "Untitled — LSTMuse");
    h.state_mut().sampler_settings_mut().seed = 7;
    generate(&mut h);
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    let kept = notes_of(&h);
    assert!(kept.iter().any(|n| n.3 == Origin::Generated));
    assert!(h.state().has_unsaved_changes());
    assert_eq!(h.state().window_title(), "*Untitled — LSTMuse");

    // Ctrl+Q asks; Cancel leaves everything as it was.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Q);
    assert_eq!(h.state().unsaved_prompt(), Some(&Discard::Quit));
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(h.state().unsaved_prompt(), None);
    assert!(!h.state().is_quitting());
    assert_eq!(notes_of(&h), kept);
    assert!(h.state().has_unsaved_changes());

    // The window's close button asks the same; Save asks where (no file yet), writes, quits.
    request_close(&mut h);
    h.step();
    assert!(app_sent(&h, &egui::ViewportCommand::CancelClose));
    h.run_steps(2);
    assert_eq!(h.state().unsaved_prompt(), Some(&Discard::Quit));
    h.get_by_label("Save").click();
    h.run_steps(2);
    assert!(!h.state().is_quitting(), "not before the file is written");
    type_path(&mut h, &tmp.path().join("kuckuck"), "Save");
    let written = tmp.path().join("kuckuck.lstmuse");
    assert!(written.is_file(), "{}", h.state().status().text());
    assert!(h.state().is_quitting());
    let (doc, _) = DocumentFile::read(&written).unwrap().document();
    let back: Vec<_> = doc
        .notes
        .iter()
        .map(|n| (n.start, n.len, n.pitch, n.origin))
        .collect();
    assert_eq!(back, kept);
}

#[test]
fn open_new_and_a_dropped_file_over_unsaved_edits_ask_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let edited = edited_seed(&mut h, fixture("kern/kuckuck.krn"), (80, 72));

    for (key, asked) in [
        (egui::Key::O, Discard::OpenDialog),
        (egui::Key::N, Discard::New),
    ] {
        press(&mut h, egui::Modifiers::COMMAND, key);
        assert_eq!(h.state().unsaved_prompt(), Some(&asked));
        h.get_by_label("Cancel").click();
        h.run_steps(2);
        assert!(
            h.query_by_label("File path").is_none(),
            "no Open dialog after Cancel"
        );
        assert_eq!(notes_of(&h), edited);
    }
    let other = fixture("kern/frere_jacques.krn");
    drop_on_roll(&mut h, other.clone());
    assert_eq!(
        h.state().unsaved_prompt(),
        Some(&Discard::Open(other.clone()))
    );
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    wait(&mut h);
    assert_eq!(notes_of(&h), edited, "Escape cancels");

    // Don't save: the Open dialog, then the other melody as a new untitled document.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::O);
    h.get_by_label("Don't save").click();
    h.run_steps(2);
    type_path(&mut h, &other, "Open");
    wait(&mut h);
    let opened = notes_of(&h);
    assert_ne!(opened, edited);
    assert!(opened.iter().all(|n| n.3 == Origin::Seed));
    assert!(!h.state().has_unsaved_changes());
    // Nothing to save: Ctrl+N and a drop go ahead without asking.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    assert_eq!(h.state().unsaved_prompt(), None);
    assert!(h.state().doc().notes.is_empty());
}

#[test]
fn save_then_open_restores_notes_colours_variations_and_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    kept_melody(&mut h);
    let end = h.state().doc().end();
    h.state_mut().apply_roll_edit(RollEdit::Add {
        start: end + 2,
        len: 2,
        pitch: 70,
    });
    {
        let s = h.state_mut().sampler_settings_mut();
        s.temperature = 1.25;
        s.bars = 4;
        s.variations = 3;
        s.seed = 11;
        s.lock_scale = true;
    }
    generate(&mut h);
    h.get_by_label("Audition 2").click();
    h.run_steps(2);
    h.state_mut().transport_settings_mut().bpm = 84.0;
    let saved = h.state().document_file();
    let notes = notes_of(&h);
    for origin in [Origin::Seed, Origin::Generated, Origin::User] {
        assert!(notes.iter().any(|n| n.3 == origin), "{origin:?}");
    }
    assert_eq!(saved.variations.len(), 3);
    assert_eq!(saved.auditioned, Some(1));

    // Ctrl+S: no file yet, so Save as.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::S);
    let path = tmp.path().join("song.lstmuse");
    type_path(&mut h, &path, "Save");
    assert!(path.is_file(), "{}", h.state().status().text());
    assert_eq!(h.state().window_title(), "song.lstmuse — LSTMuse");

    // A new melody with other settings, then Open.
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::N);
    assert!(h.state().doc().notes.is_empty());
    *h.state_mut().sampler_settings_mut() = SamplerSettings::default();
    h.state_mut().transport_settings_mut().bpm = 120.0;
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::O);
    type_path(&mut h, &path, "Open");
    wait(&mut h);
    assert_eq!(
        h.state().document_file(),
        saved,
        "{}",
        h.state().status().text()
    );
    assert_eq!(notes_of(&h), notes);
    assert_eq!(
        h.state().ghost_notes().len(),
        saved.variations[1].notes.len()
    );
    assert!(!h.state().has_unsaved_changes());
    assert_eq!(h.state().window_title(), "song.lstmuse — LSTMuse");

    // Undo back to the saved melody clears the marker again.
    h.state_mut().apply_roll_edit(RollEdit::Add {
        start: 0,
        len: 1,
        pitch: 40,
    });
    assert!(h.state().has_unsaved_changes());
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert!(!h.state().has_unsaved_changes());
    // Ctrl+S with a file saves there at once.
    h.state_mut().apply_roll_edit(RollEdit::Add {
        start: 0,
        len: 1,
        pitch: 41,
    });
    press(&mut h, egui::Modifiers::COMMAND, egui::Key::S);
    assert!(!h.state().has_unsaved_changes());
    let (doc, _) = DocumentFile::read(&path).unwrap().document();
    assert!(doc.notes.iter().any(|n| n.pitch == 41));
}

#[test]
fn an_older_document_opens_and_a_newer_one_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let v1 = fixture("documents/kuckuck-v1.lstmuse");
    h.state_mut().open_path(v1.clone());
    wait(&mut h);
    let notes = notes_of(&h);
    assert_eq!(notes.len(), 37, "{}", h.state().status().text());
    assert_eq!(notes.iter().filter(|n| n.3 == Origin::Seed).count(), 17);
    assert!(notes.iter().any(|n| n.3 == Origin::User));
    assert_eq!(h.state().variations().len(), 4);
    assert_eq!(h.state().settings().sampler.seed, 7);
    assert_eq!(h.state().document_path(), Some(v1.as_path()));

    let newer = tmp.path().join("newer.lstmuse");
    let text =
        std::fs::read_to_string(&v1)
            .unwrap()
            .replacen("\"version\": 1", "\"version\": 2", 1);
    std::fs::write(&newer, text).unwrap();
    h.state_mut().open_path(newer.clone());
    wait(&mut h);
    let status = h.state().status();
    assert!(status.is_error());
    assert!(status.text().contains("newer LSTMuse"), "{}", status.text());
    assert!(
        status.text().contains(&newer.display().to_string()),
        "{}",
        status.text()
    );
    assert_eq!(notes_of(&h), notes, "nothing changed");
}

#[test]
fn a_damaged_model_is_refused_and_the_loaded_one_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    for damage in [
        Damage::NanWeights,
        Damage::FlippedBytes,
        Damage::NanWeightsUnchecked,
    ] {
        let dir = damaged_model(damage);
        h.state_mut().use_model(dir.path().to_path_buf());
        wait(&mut h);
        let status = h.state().status();
        let weights = dir.path().join("model.bpk").display().to_string();
        assert!(
            status.is_error() && status.text().contains(&weights),
            "{}",
            status.text()
        );
        assert!(
            status.text().contains("still using essen-german"),
            "{}",
            status.text()
        );
        assert_eq!(h.state().model().unwrap().name, "essen-german");
    }
    // Weights that load but whose output overflows: Generate says so, names the model,
    // and offers no (empty) variations.
    let dir = damaged_model(Damage::OverflowingOutput);
    h.state_mut().use_model(dir.path().to_path_buf());
    wait(&mut h);
    assert_eq!(h.state().model().unwrap().dir, dir.path());
    h.get_by_label("Generate").click();
    h.run_steps(2);
    wait(&mut h);
    let status = h.state().status();
    assert!(status.is_error(), "{}", status.text());
    assert!(
        status.text().contains("not a finite number"),
        "{}",
        status.text()
    );
    assert!(
        status.text().contains(&dir.path().display().to_string()),
        "{}",
        status.text()
    );
    assert!(h.state().variations().is_empty());
}

#[test]
fn recording_over_unsaved_edits_asks_first() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let edited = edited_seed(&mut h, fixture("kern/kuckuck.krn"), (80, 72));
    let ctx = h.ctx.clone();
    h.state_mut()
        .execute(&ctx, lstmuse::gui::command::Command::RecordSeed);
    h.run_steps(2);
    assert_eq!(h.state().unsaved_prompt(), Some(&Discard::Record));
    assert!(!h.state().is_recording(), "not before the user decides");
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(h.state().unsaved_prompt(), None);
    assert!(!h.state().is_recording());
    assert_eq!(notes_of(&h), edited);
    assert!(h.state().has_unsaved_changes());
}
