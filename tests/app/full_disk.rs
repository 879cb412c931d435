//! A full disk in the app: Save, autosave and Export each say which file they could not
//! write, the previous file stays intact, and no partial file is left.

use crate::common::app::{app_with, generate, open_seed, test_options, wait_until};
use crate::common::{Tmpfs, fixture};
use egui_kittest::kittest::Queryable;
use lstmuse::gui::command::ExportKind;
use lstmuse::gui::piano_roll::RollEdit;

#[test]
fn save_autosave_and_export_on_a_full_disk_keep_the_previous_files() {
    let Some(disk) = Tmpfs::mount(2048) else {
        return;
    };
    let mut options = test_options(disk.path());
    options.recovery_dir = Some(disk.path().join("recovery"));
    let mut h = app_with(options);
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 2;
    generate(&mut h);
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    // Written while there is room: a document, an export and an autosave.
    let song = disk.path().join("song.lstmuse");
    let midi = disk.path().join("song.mid");
    assert!(h.state_mut().save_to(&song));
    assert!(h.state_mut().export_to(&midi, ExportKind::Midi));
    h.state_mut().apply_roll_edit(RollEdit::Add {
        start: 0,
        len: 2,
        pitch: 50,
    });
    let autosave = h.state().autosave_path().unwrap();
    wait_until(&mut h, 30, |_| autosave.is_file());
    let before: Vec<Vec<u8>> = [&song, &midi, &autosave]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();

    disk.fill();
    h.state_mut().apply_roll_edit(RollEdit::Add {
        start: 2,
        len: 2,
        pitch: 52,
    });
    // Autosave: an error naming its file, once.
    wait_until(&mut h, 30, |app| {
        app.status().text().contains("Autosave failed")
    });
    let status = h.state().status().text().to_string();
    assert!(status.contains(&autosave.display().to_string()), "{status}");
    assert!(status.contains("No space left"), "{status}");
    // Save and Export: false, with the file named.
    assert!(!h.state_mut().save_to(&song));
    let status = h.state().status().text().to_string();
    assert!(status.contains(&song.display().to_string()), "{status}");
    assert!(h.state().has_unsaved_changes());
    assert!(!h.state_mut().export_to(&midi, ExportKind::Midi));
    let status = h.state().status().text().to_string();
    assert!(status.contains(&midi.display().to_string()), "{status}");
    // The previous files are intact, and nothing partial is left.
    let after: Vec<Vec<u8>> = [&song, &midi, &autosave]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(before == after, "a previous file changed");
    assert_eq!(disk.partial_files(), Vec::<std::path::PathBuf>::new());
    assert!(h.query_by_label("Unsaved changes").is_none());
}
