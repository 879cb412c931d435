//! Autosave and crash recovery with the real app: an app in a child process edits, is
//! killed with `kill -9`, and the next start recovers its melody note for note.

use crate::common::app::{
    app_with, edited_seed, generate, notes_of, open_seed, test_options, wait_until,
};
use crate::common::fixture;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::document::Origin;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set for the child: the recovery folder it autosaves to.
const CHILD_DIR: &str = "LSTMUSE_TEST_RECOVERY_CHILD";

type Notes = Vec<(u32, u32, u8, Origin)>;

/// The child: opens a seed, keeps a generated variation and adds a note of its own, waits
/// until that melody is autosaved, writes the notes it expects beside the recovery folder,
/// then idles until it is killed. Run by `an_app_killed_with_kill_9_is_recovered_note_for_note`.
#[test]
#[ignore = "the child process of the kill -9 recovery test"]
fn recovery_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR).map(PathBuf::from) else {
        return;
    };
    let models = tempfile::tempdir().unwrap();
    let mut options = test_options(models.path());
    options.recovery_dir = Some(dir.join("recovery"));
    let mut h = app_with(options);
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 3;
    generate(&mut h);
    h.get_by_label("Keep 2").click();
    h.run_steps(2);
    let end = h.state().doc().end();
    h.state_mut()
        .apply_roll_edit(lstmuse::gui::piano_roll::RollEdit::Add {
            start: end,
            len: 4,
            pitch: 74,
        });
    let notes = notes_of(&h);
    let autosave = h.state().autosave_path().unwrap();
    // Autosaved within a few seconds, off the UI thread.
    wait_until(&mut h, 30, |app| {
        lstmuse::gui::recovery::RecoveryFile::read(&app.autosave_path().unwrap())
            .is_ok_and(|r| r.document.melody.notes.len() == app.doc().notes.len())
    });
    assert!(autosave.is_file());
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_vec(&notes).unwrap(),
    )
    .unwrap();
    loop {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The test app's options, autosaving to `dir/recovery` (returned too).
fn recovery_options(dir: &Path) -> (lstmuse::gui::AppOptions, PathBuf) {
    let recovery = dir.join("recovery");
    let mut options = test_options(dir);
    options.recovery_dir = Some(recovery.clone());
    (options, recovery)
}

/// Starts the child and waits until it has autosaved; returns it.
fn start_child(dir: &Path) -> std::process::Child {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "recovery::recovery_child",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !dir.join("expected.json").is_file() {
        assert!(
            t.elapsed() < Duration::from_secs(180),
            "the child never autosaved"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn an_app_killed_with_kill_9_is_recovered_note_for_note() {
    let tmp = tempfile::tempdir().unwrap();
    let (options, recovery) = recovery_options(tmp.path());
    let mut child = start_child(tmp.path());
    let expected: Notes =
        serde_json::from_slice(&std::fs::read(tmp.path().join("expected.json")).unwrap()).unwrap();
    child.kill().unwrap(); // SIGKILL: no clean quit
    child.wait().unwrap();
    assert_eq!(std::fs::read_dir(&recovery).unwrap().count(), 1);

    let mut h = app_with(options);
    let offers = h.state().recovery_offers();
    assert_eq!(offers.len(), 1, "{offers:?}");
    assert!(
        offers[0].contains("autosaved") && offers[0].contains("ago"),
        "{}",
        offers[0]
    );
    assert!(
        offers[0].contains(&format!("{} notes", expected.len())),
        "{}",
        offers[0]
    );
    h.get_by_label("Recover unsaved work");
    h.get_by_label("Recover").click();
    h.run_steps(2);
    assert_eq!(notes_of(&h), expected);
    assert!(
        h.state().has_unsaved_changes(),
        "recovered work is unsaved until saved"
    );
    assert_eq!(h.state().variations().len(), 4);
    assert!(h.state().variations()[1].kept);
    // The old autosave is gone; this app autosaves the melody anew in its own folder.
    let own = h.state().autosave_path().unwrap();
    wait_until(&mut h, 30, |_| own.is_file());
    let left: Vec<_> = std::fs::read_dir(&recovery).unwrap().collect();
    assert_eq!(left.len(), 1, "only this app's folder");
    // A clean quit leaves nothing to recover.
    eframe::App::on_exit(h.state_mut(), None);
    assert_eq!(std::fs::read_dir(&recovery).unwrap().count(), 0);
}

#[test]
fn a_running_app_is_not_offered_and_saving_clears_its_autosave() {
    let tmp = tempfile::tempdir().unwrap();
    let (options, _) = recovery_options(tmp.path());
    let mut first = app_with(options.clone());
    edited_seed(&mut first, fixture("kern/kuckuck.krn"), (70, 60));
    let autosave = first.state().autosave_path().unwrap();
    wait_until(&mut first, 30, |_| autosave.is_file());
    // A second app beside it: its own folder, and nothing offered (the first still runs).
    let second = app_with(options);
    assert!(second.state().recovery_offers().is_empty());
    assert!(first.query_by_label("Recover unsaved work").is_none());
    assert_ne!(
        second.state().autosave_path(),
        first.state().autosave_path()
    );
    // Saved: nothing unsaved, so the autosave goes.
    assert!(first.state_mut().save_to(&tmp.path().join("song.lstmuse")));
    wait_until(&mut first, 30, |_| !autosave.exists());
}

#[test]
fn recovering_over_unsaved_edits_asks_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (options, _) = recovery_options(tmp.path());
    // An app autosaves an edited melody and goes away without a clean quit.
    let mut gone = app_with(options.clone());
    let autosaved = edited_seed(&mut gone, fixture("kern/kuckuck.krn"), (70, 60));
    let autosave = gone.state().autosave_path().unwrap();
    wait_until(&mut gone, 30, |_| autosave.is_file());
    drop(gone);

    // The next app has edits of its own when the composer picks Recover.
    let mut h = app_with(options);
    assert_eq!(h.state().recovery_offers().len(), 1);
    let edited = edited_seed(&mut h, fixture("kern/frere_jacques.krn"), (90, 67));
    h.get_by_label("Recover").click();
    h.run_steps(2);
    assert_eq!(
        h.state().unsaved_prompt(),
        Some(&lstmuse::gui::app::Discard::Recover(0))
    );
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert_eq!(notes_of(&h), edited, "Cancel leaves the edits as they were");
    assert_eq!(h.state().recovery_offers().len(), 1, "and still offers it");

    h.get_by_label("Recover").click();
    h.run_steps(2);
    h.get_by_label("Don't save").click();
    h.run_steps(2);
    assert_eq!(notes_of(&h), autosaved);
    assert!(h.state().recovery_offers().is_empty());
}
