//! The desktop app driven headless with egui_kittest: widgets are found by their labels,
//! clicked, dragged and typed into, exactly as a user would.

use crate::common::app::{Dropped, app, drag, generate, notes_of, open_seed, type_path, wait};
use crate::common::{fixture, shape};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use lstmuse::formats::{self, ReadOptions};
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::document::Origin;
use lstmuse::sampling::Placement;
use std::sync::Arc;

#[test]
fn generate_with_a_fixed_seed_then_keep() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    let seed = notes_of(&h);
    assert_eq!(seed.len(), 17);
    assert!(seed.iter().all(|n| n.3 == Origin::Seed));
    h.state_mut().sampler_settings_mut().seed = 7;

    generate(&mut h);
    let first: Vec<_> = h
        .state()
        .variations()
        .iter()
        .map(|v| v.notes.clone())
        .collect();
    assert_eq!(first.len(), 4, "four variations by default");
    let seed_end = seed.iter().map(|n| n.0 + n.1).max().unwrap();
    for v in h.state().variations() {
        assert!(!v.notes.is_empty());
        assert!(v.notes.iter().all(|n| n.start >= seed_end));
        assert!(v.notes.iter().all(|n| !n.confidence.is_empty()));
    }
    // The shown variation is drawn in the roll but not yet part of the melody.
    assert_eq!(h.state().ghost_notes().len(), first[0].len());
    assert_eq!(notes_of(&h), seed);

    // Same seed, same settings: the same melodies.
    generate(&mut h);
    let again: Vec<_> = h
        .state()
        .variations()
        .iter()
        .map(|v| v.notes.clone())
        .collect();
    assert_eq!(first, again);

    h.get_by_label("Keep 2").click();
    h.run_steps(2);
    let kept = notes_of(&h);
    assert_eq!(kept.iter().filter(|n| n.3 == Origin::Seed).count(), 17);
    let generated: Vec<_> = kept.iter().filter(|n| n.3 == Origin::Generated).collect();
    assert_eq!(generated.len(), first[1].len());
    assert!(generated.iter().all(|n| n.0 >= seed_end));

    // Keep is undoable.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(notes_of(&h), seed);
}

#[test]
fn regenerate_from_the_cursor_keeps_what_comes_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 5;
    generate(&mut h);
    h.get_by_label("Keep 1").click();
    h.run_steps(3);
    let before = notes_of(&h);
    let seed_end = before
        .iter()
        .filter(|n| n.3 == Origin::Seed)
        .map(|n| n.0 + n.1)
        .max()
        .unwrap();

    // Click the bar ruler two bars after the seed: that is the cursor.
    let cursor = seed_end + 24;
    let view = h.state().settings().roll.clone();
    let g = view.grid.unwrap();
    let at = egui::pos2(view.x_of(g, cursor as f32 + 0.3), g.top() - 6.0);
    h.hover_at(at);
    h.drag_at(at);
    h.drop_at(at);
    h.run_steps(2);
    assert_eq!(h.state().cursor(), Some(cursor));

    h.get_by_label("Regenerate from here").click();
    h.run_steps(2);
    wait(&mut h);
    let v = h.state().variations()[0].clone();
    assert_eq!(
        (v.anchor, v.placement),
        (cursor, Placement::From(cursor as usize))
    );
    assert!(v.notes.iter().all(|n| n.start >= cursor));
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    let after = notes_of(&h);
    let kept_before: Vec<_> = after.iter().filter(|n| n.0 < cursor).collect();
    let expected: Vec<_> = before
        .iter()
        .filter(|n| n.0 < cursor)
        .map(|n| (n.0, n.1.min(cursor - n.0), n.2, n.3))
        .collect();
    assert_eq!(
        kept_before.into_iter().copied().collect::<Vec<_>>(),
        expected
    );
    let new: Vec<_> = after
        .iter()
        .filter(|n| n.0 >= cursor)
        .map(|n| (n.0, n.2))
        .collect();
    let from_variation: Vec<_> = v.notes.iter().map(|n| (n.start, n.pitch)).collect();
    assert_eq!(new, from_variation);

    // Any selection can become the seed.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_label("Use as seed").click();
    h.run_steps(2);
    assert!(notes_of(&h).iter().all(|n| n.3 == Origin::Seed));
}

#[test]
fn keep_replaces_the_selected_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/alle_meine_entchen.krn"));
    h.state_mut().sampler_settings_mut().seed = 9;
    h.state_mut().sampler_settings_mut().bars = 2;
    generate(&mut h);
    let v = h.state().variations()[0].clone();
    let seed = notes_of(&h);
    // Select the last four seed notes and keep the variation in their place.
    let last4: Vec<u64> = h
        .state()
        .doc()
        .notes
        .iter()
        .rev()
        .take(4)
        .map(|n| n.id)
        .collect();
    h.state_mut().set_selection(last4.iter().copied().collect());
    let at = seed[seed.len() - 4].0;
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    let after = notes_of(&h);
    assert_eq!(&after[..seed.len() - 4], &seed[..seed.len() - 4]);
    let placed: Vec<_> = after[seed.len() - 4..].iter().map(|n| (n.0, n.2)).collect();
    let expected: Vec<_> = v
        .notes
        .iter()
        .map(|n| (n.start - v.anchor + at, n.pitch))
        .collect();
    assert_eq!(placed, expected);
}

#[test]
fn moving_a_slider_changes_the_next_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/frere_jacques.krn"));
    generate(&mut h);
    let before: Vec<_> = h
        .state()
        .variations()
        .iter()
        .map(|v| v.notes.clone())
        .collect();

    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Temperature")
        .set_value_accesskit(1.6);
    h.run_steps(2);
    assert!((h.state().settings().sampler.temperature - 1.6).abs() < 1e-3);
    generate(&mut h);
    let after: Vec<_> = h
        .state()
        .variations()
        .iter()
        .map(|v| v.notes.clone())
        .collect();
    assert_ne!(before, after);

    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Variations")
        .set_value_accesskit(2.0);
    h.run_steps(2);
    generate(&mut h);
    assert_eq!(h.state().variations().len(), 2);
}

#[test]
fn add_move_resize_and_delete_notes_with_the_mouse_then_undo() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.run_steps(2);
    let view = h.state().settings().roll.clone();
    let top = view.top_pitch as u8;
    let pitch = top - 8;

    // Click on an empty cell: a new note of the default length.
    let at = view.cell_centre(4, pitch).unwrap();
    h.hover_at(at);
    h.drag_at(at);
    h.drop_at(at);
    h.run_steps(2);
    assert_eq!(notes_of(&h), vec![(4, 4, pitch, Origin::User)]);

    // Drag its middle two steps right and one semitone up.
    let view = h.state().settings().roll.clone();
    let from = view.cell_centre(5, pitch).unwrap();
    let to = view.cell_centre(7, pitch + 1).unwrap();
    drag(&mut h, from, to, 6);
    assert_eq!(notes_of(&h), vec![(6, 4, pitch + 1, Origin::User)]);

    // Drag its right edge from step 10 to step 12: length 6.
    let g = view.grid.unwrap();
    let edge = egui::pos2(
        view.x_of(g, 10.0) - 2.5,
        view.y_of(g, f32::from(pitch + 1)) + view.px_per_key / 2.0,
    );
    let target = egui::pos2(view.x_of(g, 12.0), edge.y);
    drag(&mut h, edge, target, 4);
    assert_eq!(notes_of(&h), vec![(6, 6, pitch + 1, Origin::User)]);

    // Arrow up transposes the selection; Delete removes it.
    h.key_press(egui::Key::ArrowUp);
    h.run_steps(2);
    assert_eq!(notes_of(&h), vec![(6, 6, pitch + 2, Origin::User)]);
    h.key_press(egui::Key::Delete);
    h.run_steps(2);
    assert!(notes_of(&h).is_empty());

    // Undo walks back through every step.
    let undo = |h: &mut Harness<'_, LstmuseApp>| {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        h.run_steps(2);
    };
    undo(&mut h);
    assert_eq!(notes_of(&h), vec![(6, 6, pitch + 2, Origin::User)]);
    undo(&mut h);
    assert_eq!(notes_of(&h), vec![(6, 6, pitch + 1, Origin::User)]);
    undo(&mut h);
    assert_eq!(notes_of(&h), vec![(6, 4, pitch + 1, Origin::User)]);
    undo(&mut h);
    assert_eq!(notes_of(&h), vec![(4, 4, pitch, Origin::User)]);
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run_steps(2);
    assert_eq!(notes_of(&h), vec![(6, 4, pitch + 1, Origin::User)]);
}

#[test]
fn a_dropped_midi_file_becomes_the_seed_and_bad_files_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let roll = h.get_by_label("Piano roll").rect();
    h.hover_at(roll.center());
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(fixture("midi/kuckuck.mid"))));
    h.run_steps(2);
    wait(&mut h);
    let notes = notes_of(&h);
    assert_eq!(notes.len(), 17);
    assert!(notes.iter().all(|n| n.3 == Origin::Seed));
    let expected =
        formats::read_melody(&fixture("kern/kuckuck.krn"), &ReadOptions::default()).unwrap();
    let pitches: Vec<u8> = expected
        .sounding()
        .filter_map(|n| n.pitch)
        .map(|p| p.midi())
        .collect();
    assert_eq!(notes.iter().map(|n| n.2).collect::<Vec<_>>(), pitches);

    let bogus = tmp.path().join("notes.txt");
    std::fs::write(&bogus, "not music").unwrap();
    h.input_mut().dropped_files.push(Arc::new(Dropped(bogus)));
    h.run_steps(2);
    assert!(h.state().status().is_error());
    assert!(h.state().status().text().contains("notes.txt"));
    assert_eq!(notes_of(&h).len(), 17, "a bad drop changes nothing");

    let broken = tmp.path().join("broken.mid");
    std::fs::write(&broken, b"MThd\0\0\0\x06garbage").unwrap();
    h.input_mut().dropped_files.push(Arc::new(Dropped(broken)));
    h.run_steps(2);
    wait(&mut h);
    assert!(h.state().status().is_error());
    assert!(
        h.state().status().text().contains("broken.mid"),
        "{}",
        h.state().status().text()
    );
    assert_eq!(notes_of(&h).len(), 17);
}

#[test]
fn export_through_the_dialog_rereads_to_the_same_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/haenschen_klein.krn"));
    h.state_mut().sampler_settings_mut().seed = 3;
    generate(&mut h);
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    let shown = h.state().shown_melody();

    for (menu_item, ext) in [("Export MIDI…", "mid"), ("Export MusicXML…", "musicxml")] {
        h.get_by_label("File").click();
        h.run_steps(2);
        h.get_by_label_contains(menu_item).click();
        h.run_steps(2);
        let path = tmp.path().join(format!("out.{ext}"));
        type_path(&mut h, &path, "Save");
        assert!(
            path.is_file(),
            "{}: {}",
            path.display(),
            h.state().status().text()
        );
        let back = formats::read_melody(&path, &ReadOptions::default()).unwrap();
        assert_eq!(shape(&back), shape(&shown), "{ext}");
    }

    // Copy as ABC text: the clipboard gets a tune that reads back to the same notes.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Copy as ABC text").click();
    h.step();
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .expect("something was copied");
    let abc = tmp.path().join("copied.abc");
    std::fs::write(&abc, &copied).unwrap();
    let back = formats::read_melody(&abc, &ReadOptions::default()).unwrap();
    assert_eq!(shape(&back), shape(&shown), "{copied}");
    h.run_steps(2);

    // WAV through the same dialog, and a clear error for a folder that does not exist.
    let wav = tmp.path().join("out.wav");
    assert!(
        h.state_mut()
            .export_to(&wav, lstmuse::gui::command::ExportKind::Wav)
    );
    assert!(std::fs::metadata(&wav).unwrap().len() > 44);
    let bad = tmp.path().join("missing/dir/out.mid");
    assert!(
        !h.state_mut()
            .export_to(&bad, lstmuse::gui::command::ExportKind::Midi)
    );
    let status = h.state().status();
    assert!(
        status.is_error() && status.text().contains("out.mid"),
        "{}",
        status.text()
    );
}

#[test]
fn exporting_nothing_says_so() {
    // The empty-melody refusal used to be returned to a caller that dropped it: the
    // status bar stayed silent.
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let out = tmp.path().join("empty.mid");
    assert!(
        !h.state_mut()
            .export_to(&out, lstmuse::gui::command::ExportKind::Midi)
    );
    let status = h.state().status();
    assert!(status.is_error(), "{}", status.text());
    assert!(status.text().contains("no notes"), "{}", status.text());
    assert!(!out.exists());
}

#[test]
fn play_is_disabled_without_a_sound_device() {
    let tmp = tempfile::tempdir().unwrap();
    let h = app(tmp.path());
    let play = h.get_by_role_and_label(egui::accesskit::Role::Button, "▶ Play");
    assert!(play.accesskit_node().is_disabled());
}

#[test]
fn main_window_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 11;
    generate(&mut h);
    h.run_steps(3);
    // The status bar names the CPU's thread count, which differs between machines.
    h.mask(egui::Rect::from_min_max(
        egui::pos2(0.0, 852.0),
        egui::pos2(1400.0, 880.0),
    ));
    h.snapshot("main_window");
}

#[test]
#[allow(clippy::too_many_lines)] // one user story, checked step by step
fn fill_two_bars_in_the_middle_of_the_seed_leaves_every_other_note_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    open_seed(&mut h, fixture("kern/kuckuck.krn"));
    h.state_mut().sampler_settings_mut().seed = 3;
    let before = notes_of(&h);
    // Kuckuck is in 3/4 without a pickup: bars 3 and 4 are steps 24..48.
    assert_eq!(h.state().doc().steps_per_bar(), 12);
    let (start, end) = (24u32, 48u32);

    // Drag over bars 3 and 4 on the ruler above the roll.
    let view = h.state().settings().roll.clone();
    let g = view.grid.unwrap();
    let y = g.top() - 6.0;
    let from = egui::pos2(view.x_of(g, start as f32 + 2.5), y);
    let to = egui::pos2(view.x_of(g, end as f32 - 2.5), y);
    drag(&mut h, from, to, 6);
    assert_eq!(h.state().bar_range(), Some((start, end)));

    h.get_by_label("Fill selection").click();
    h.run_steps(2);
    wait(&mut h);
    let variations = h.state().variations().to_vec();
    assert_eq!(variations.len(), 4, "{}", h.state().status().text());
    for v in &variations {
        assert_eq!(v.replaced_span(), Some((start, end)));
        assert!(!v.notes.is_empty());
        assert!(
            v.notes
                .iter()
                .all(|n| n.start >= start && n.start + n.len <= end),
            "a note outside the span: {:?}",
            v.notes
        );
        // The notes fill the span exactly: from its first step to its last.
        let covered: u32 = v.notes.iter().map(|n| n.len).sum();
        assert!(covered <= end - start);
    }
    assert_ne!(
        variations[0].notes, variations[1].notes,
        "variations differ"
    );
    // Auditioning shows the fill in place of bars 3 and 4, the rest as it was.
    let shown = h.state().shown_document();
    let outside = |notes: Vec<(u32, u32, u8)>| -> Vec<(u32, u32, u8)> {
        notes
            .into_iter()
            .filter(|n| !(start..end).contains(&n.0))
            .collect()
    };
    let shown_notes: Vec<_> = shown
        .notes
        .iter()
        .map(|n| (n.start, n.len, n.pitch))
        .collect();
    let before_notes: Vec<_> = before.iter().map(|n| (n.0, n.1, n.2)).collect();
    assert_eq!(outside(shown_notes), outside(before_notes.clone()));

    // Keep 2: exactly the span changes, and undo brings the seed back.
    h.get_by_label("Keep 2").click();
    h.run_steps(2);
    let after = notes_of(&h);
    let after_notes: Vec<_> = after.iter().map(|n| (n.0, n.1, n.2)).collect();
    assert_eq!(outside(after_notes), outside(before_notes));
    let inside: Vec<_> = after
        .iter()
        .filter(|n| (start..end).contains(&n.0))
        .map(|n| (n.0, n.1, n.2, n.3))
        .collect();
    let expected: Vec<_> = variations[1]
        .notes
        .iter()
        .map(|n| (n.start, n.len, n.pitch, Origin::Generated))
        .collect();
    assert_eq!(inside, expected);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(notes_of(&h), before);

    // The shortcut fills the selected notes (here: bar 6).
    let bar6: std::collections::BTreeSet<u64> = h
        .state()
        .doc()
        .notes
        .iter()
        .filter(|n| (60..72).contains(&n.start))
        .map(|n| n.id)
        .collect();
    h.state_mut().set_selection(bar6);
    h.state_mut().set_bar_range(None);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run_steps(2);
    wait(&mut h);
    let v = &h.state().variations()[0];
    assert_eq!(v.replaced_span(), Some((60, 72)));
    assert!(
        v.notes
            .iter()
            .all(|n| n.start >= 60 && n.start + n.len <= 72)
    );
}

#[test]
fn a_period_from_scratch_shows_its_phrases_and_writes_one_again() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    assert!(h.state().doc().notes.is_empty());
    h.state_mut().sampler_settings_mut().seed = 5;
    h.state_mut().sampler_settings_mut().variations = 2;

    // Pick the form in its menu, as a user would.
    h.get_by_value("Free").click();
    h.run_steps(2);
    h.get_by_label("Period").click();
    h.run_steps(2);
    assert_eq!(
        h.state().settings().sampler.form,
        lstmuse::sampling::Form::Period
    );
    generate(&mut h);
    let variations = h.state().variations().to_vec();
    assert_eq!(variations.len(), 2);
    for v in &variations {
        let letters: Vec<_> = v.phrases.iter().map(|m| m.letter.as_str()).collect();
        assert_eq!(letters, ["A", "A'"], "{v:?}");
        assert!(!v.critique.is_empty(), "the critic says why");
        let (a, b) = (&v.phrases[0], &v.phrases[1]);
        assert_eq!(a.end, b.start, "the phrases meet");
        assert_eq!(
            a.end - a.start,
            b.end - b.start + v.pickup,
            "of equal length, the first with the pickup"
        );
        assert!(v.notes.iter().all(|n| n.start + n.len <= b.end));
    }
    // The roll shows the auditioned melody's brackets; a click on the second letter
    // chooses that phrase's bars.
    let second = variations[0].phrases[1].clone();
    let view = h.state().settings().roll.clone();
    let g = view.grid.unwrap();
    let x = view.x_of(g, (second.start + second.end) as f32 / 2.0);
    h.get_by_label("Keep 1").click();
    h.run_steps(2);
    assert_eq!(
        h.state().phrases().len(),
        2,
        "the kept melody keeps its phrases"
    );
    let letter = egui::pos2(x, g.top() + 4.0);
    h.hover_at(letter);
    h.run_steps(1);
    h.drag_at(letter);
    h.run_steps(1);
    h.drop_at(letter);
    h.run_steps(2);
    assert_eq!(h.state().bar_range(), Some((second.start, second.end)));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert!(h.state().doc().notes.is_empty(), "keep is undone");

    // "New A'" on the first card: keeps it, then writes its second phrase again.
    h.get_all_by_label("A'").next().unwrap().click();
    h.run_steps(2);
    wait(&mut h);
    let kept = notes_of(&h);
    assert_eq!(kept.len(), variations[0].notes.len());
    let fills = h.state().variations();
    assert_eq!(fills.len(), 2, "{}", h.state().status().text());
    for f in fills {
        assert_eq!(f.replaced_span(), Some((second.start, second.end)));
        assert!(
            f.notes
                .iter()
                .all(|n| n.start >= second.start && n.start + n.len <= second.end)
        );
    }
    // Auditioning a new second phrase leaves the first as it was.
    let shown = h.state().shown_document();
    let first_phrase = |notes: Vec<(u32, u32, u8)>| -> Vec<(u32, u32, u8)> {
        notes.into_iter().filter(|n| n.0 < second.start).collect()
    };
    assert_eq!(
        first_phrase(
            shown
                .notes
                .iter()
                .map(|n| (n.start, n.len, n.pitch))
                .collect()
        ),
        first_phrase(kept.iter().map(|n| (n.0, n.1, n.2)).collect())
    );
}

/// The README's screenshot of a period from scratch, its phrases bracketed in the roll:
/// `cargo test --release --test app -- --ignored form_screenshot`.
#[test]
#[ignore = "writes assets/form.png for the README"]
fn form_screenshot() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let s = h.state_mut().sampler_settings_mut();
    s.seed = 2;
    s.form = lstmuse::sampling::Form::Period;
    s.meter = lstmuse::Meter::new(2, 4).unwrap();
    generate(&mut h);
    h.get_by_label("Audition 1").click();
    h.run_steps(3);
    let image = h.render().unwrap();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/form.png");
    image.save(&out).unwrap();
}

/// The open dialog's Voice picker: a two-voice MusicXML file opens as its top line, or as
/// the voice picked (its second staff's voice 5).
#[test]
fn the_open_dialog_picks_a_voice() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let path = fixture("musicxml/twinkle_two_voices.musicxml");
    let pitches = |m: &lstmuse::Melody| -> Vec<u8> {
        m.sounding()
            .filter_map(|n| n.pitch)
            .map(|p| p.midi())
            .collect()
    };
    let read = |voice| {
        let options = ReadOptions {
            voice,
            ..ReadOptions::default()
        };
        pitches(&formats::read_melody(&path, &options).unwrap())
    };
    let (top, second) = (read(None), read(Some(5)));
    assert_ne!(top, second, "the fixture's voices differ");
    for (pick, want) in [(None, &top), (Some("5"), &second)] {
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
        h.run_steps(2);
        if let Some(voice) = pick {
            h.get_by_value("Top line").click();
            h.run_steps(2);
            h.get_by_label(voice).click();
            h.run_steps(2);
        }
        type_path(&mut h, &path, "Open");
        wait(&mut h);
        let got: Vec<u8> = notes_of(&h).iter().map(|n| n.2).collect();
        assert_eq!(&got, want, "{pick:?}: {}", h.state().status().text());
    }
}
