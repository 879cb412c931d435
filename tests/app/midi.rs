//! The app with a MIDI keyboard, headless: notes are injected through the inbox, the same
//! function midir's input callback calls, while the real clock runs.

use crate::common::app::{app, notes_of, wait};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::document::Origin;
use lstmuse::midi_io::RecordPhase;
use std::time::Duration;

/// 300 BPM: a 16th lasts 50 ms, the 4/4 count-in 0.8 s.
const BPM: f64 = 300.0;
const STEP: u64 = 50_000;

/// A phrase as `(first step, steps, key)`, played slightly off the grid.
const PHRASE: [(u64, u64, u8); 6] = [
    (0, 4, 67),
    (4, 2, 69),
    (6, 2, 71),
    (8, 4, 72),
    (12, 4, 71),
    (16, 8, 69),
];

/// Starts a recording with the button and plays `PHRASE` into the inbox, a little early
/// or late; returns when the clock has passed the phrase's end.
fn record_phrase(h: &mut Harness<'_, LstmuseApp>) {
    h.get_by_label("⏺ Record seed").click();
    h.run_steps(2);
    assert!(h.state().is_recording());
    assert!(matches!(
        h.state().midi().record_phase(),
        Some(RecordPhase::CountIn { .. })
    ));
    let (downbeat, inbox) = {
        let midi = h.state().midi();
        let (r, _) = midi.recorder().unwrap();
        (r.downbeat_micros(), midi.inbox().clone())
    };
    for (i, &(start, len, key)) in PHRASE.iter().enumerate() {
        let jitter = [-15_000_i64, 12_000, -8_000, 20_000, 5_000, -18_000][i];
        let on = (downbeat + start * STEP).saturating_add_signed(jitter);
        let off = downbeat + (start + len) * STEP - 10_000;
        // Each note arrives when it is played, as from a keyboard.
        while inbox.now_micros() < on {
            h.step();
            std::thread::sleep(Duration::from_millis(2));
        }
        inbox.receive(on, &[0x90, key, 96]);
        // A chord's lower note under the first one: the top line keeps the melody.
        if i == 0 {
            inbox.receive(on + 3_000, &[0x90, key - 12, 80]);
            inbox.receive(off, &[0x80, key - 12, 0]);
        }
        inbox.receive(off, &[0x80, key, 0]);
    }
    while inbox.now_micros() < downbeat + 25 * STEP {
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    h.run_steps(2);
    assert_eq!(
        h.state().midi().record_phase(),
        Some(RecordPhase::Recording)
    );
}

#[test]
fn record_a_phrase_undo_it_redo_it_and_generate_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.state_mut().sampler_settings_mut().seed = 3;
    h.state_mut().transport_settings_mut().bpm = BPM;

    record_phrase(&mut h);
    h.get_by_label("⏹ Stop recording").click();
    h.run_steps(2);
    assert!(!h.state().is_recording());
    let expected: Vec<_> = PHRASE
        .iter()
        .map(|&(s, l, k)| (s as u32, l as u32, k, Origin::Seed))
        .collect();
    let recorded = notes_of(&h);
    assert_eq!(recorded, expected, "{}", h.state().status().text());
    assert!(h.state().status().text().contains("MIDI keyboard"));

    // One undo step takes the whole recording away; redo brings it back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert!(notes_of(&h).is_empty());
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run_steps(2);
    assert_eq!(notes_of(&h), expected);

    h.get_by_label("Generate").click();
    h.run_steps(2);
    wait(&mut h);
    let variations = h.state().variations();
    assert!(!variations.is_empty(), "{}", h.state().status().text());
    for v in variations {
        assert!(!v.notes.is_empty());
        assert!(v.notes.iter().all(|n| n.start >= 24), "after the seed");
    }
}

#[test]
fn step_input_from_the_keyboard_with_lengths_and_a_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.key_press(egui::Key::N);
    h.run_steps(2);
    assert!(h.state().is_stepping());
    let inbox = h.state().midi().inbox().clone();
    let press = |h: &mut Harness<'_, LstmuseApp>, key: u8| {
        inbox.receive(0, &[0x90, key, 90]);
        inbox.receive(0, &[0x80, key, 0]);
        h.run_steps(2);
    };
    let key = |h: &mut Harness<'_, LstmuseApp>, k: egui::Key| {
        h.key_press(k);
        h.run_steps(1);
    };
    key(&mut h, egui::Key::Num5); // quarter notes
    press(&mut h, 60);
    key(&mut h, egui::Key::Num0); // a quarter rest
    key(&mut h, egui::Key::Num4); // eighths
    key(&mut h, egui::Key::Period); // dotted
    press(&mut h, 62);
    key(&mut h, egui::Key::Period);
    key(&mut h, egui::Key::Num3); // 16ths
    press(&mut h, 64);
    assert_eq!(
        notes_of(&h),
        vec![
            (0, 4, 60, Origin::Seed),
            (8, 3, 62, Origin::Seed),
            (11, 1, 64, Origin::Seed)
        ]
    );
    assert_eq!(h.state().cursor(), Some(12));
    // Each note is its own undo step.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(notes_of(&h).len(), 2);
    h.key_press(egui::Key::N);
    h.run_steps(2);
    assert!(!h.state().is_stepping());
}

#[test]
fn without_a_midi_subsystem_the_menus_say_so() {
    if std::path::Path::new("/dev/snd/seq").exists() {
        eprintln!("SKIP: this machine has an ALSA sequencer");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.get_by_label("Playback").click();
    h.run_steps(2);
    h.get_by_label("MIDI input").hover();
    h.run_steps(3);
    let text = h
        .query_all_by_label_contains("no MIDI subsystem")
        .next()
        .map(|n| format!("{n:?}"));
    assert!(text.is_some(), "the MIDI input menu names the problem");
    // Everything else still works: the recorder takes injected notes.
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    h.get_by_label("⏺ Record seed").click();
    h.run_steps(2);
    assert!(h.state().is_recording());
}

/// The README's screenshot of a recording in progress: `cargo test --release --test app -- --ignored midi::`.
#[test]
#[ignore = "writes assets/recording.png for the README"]
fn recording_screenshot() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.state_mut().transport_settings_mut().bpm = BPM;
    record_phrase(&mut h);
    let image = h.render().unwrap();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/recording.png");
    image.save(&out).unwrap();
}

/// A key of the computer keyboard going down (`repeat`: the operating system's repeat of a
/// held key) or up.
fn computer_key(h: &mut Harness<'_, LstmuseApp>, key: egui::Key, pressed: bool, repeat: bool) {
    h.event(egui::Event::Key {
        key,
        physical_key: Some(key),
        pressed,
        repeat,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(1);
}

#[test]
fn the_computer_keyboard_plays_step_input_without_retriggering() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    // Off: the piano's keys do nothing.
    h.key_press(egui::Key::N);
    h.run_steps(2);
    assert!(h.state().is_stepping());
    computer_key(&mut h, egui::Key::A, true, false);
    computer_key(&mut h, egui::Key::A, false, false);
    assert!(notes_of(&h).is_empty());

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(2);
    assert!(h.state().computer_keyboard_on());
    assert!(
        h.state().status().text().contains("Computer keyboard on"),
        "{}",
        h.state().status().text()
    );
    h.key_press(egui::Key::Num5); // quarter notes: step input's digits still work
    h.run_steps(1);
    // A held with the OS repeating it: one note. Then W (C sharp), X (an octave up), K.
    computer_key(&mut h, egui::Key::A, true, false);
    for _ in 0..5 {
        computer_key(&mut h, egui::Key::A, true, true);
    }
    computer_key(&mut h, egui::Key::A, false, false);
    computer_key(&mut h, egui::Key::W, true, false);
    computer_key(&mut h, egui::Key::W, false, false);
    computer_key(&mut h, egui::Key::X, true, false);
    computer_key(&mut h, egui::Key::X, false, false);
    computer_key(&mut h, egui::Key::K, true, false);
    computer_key(&mut h, egui::Key::K, false, false);
    h.run_steps(2);
    assert_eq!(
        notes_of(&h),
        vec![
            (0, 4, 60, Origin::Seed),
            (4, 4, 61, Origin::Seed),
            (8, 4, 84, Origin::Seed)
        ]
    );
    // Shortcuts with Ctrl still work while it plays.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(notes_of(&h).len(), 2);

    // Off again: its keys are keys again, and nothing sounds on.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    h.run_steps(2);
    assert!(!h.state().computer_keyboard_on());
    computer_key(&mut h, egui::Key::S, true, false);
    computer_key(&mut h, egui::Key::S, false, false);
    assert_eq!(notes_of(&h).len(), 2);
}
