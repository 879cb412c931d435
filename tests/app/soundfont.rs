//! The SoundFont voice in the app, driven headless with egui_kittest: loading through the
//! dialog, picking a General MIDI program by name, WAV export through the same path as the
//! library, and a bad file reported while the built-in voices keep playing.

use crate::common;
use crate::common::app::{app, wait};
use crate::common::fixture;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::command::ExportKind;
use lstmuse::synth::{self, GmProgram, RenderConfig, SoundFont, SoundFontVoice, Voice};
use std::sync::Arc;

/// Opens the transport bar's Voice menu (the combo box, not its "Voice" caption).
fn open_voice_menu(h: &mut egui_kittest::Harness<'_, lstmuse::gui::LstmuseApp>) {
    h.get_by_role_and_label(Role::ComboBox, "Voice").click();
    h.run();
}

#[test]
fn a_bad_soundfont_is_reported_and_the_built_in_voices_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    let garbage = fixture("soundfont/not-a-soundfont.sf2");
    h.state_mut().load_soundfont(garbage.clone());
    wait(&mut h);
    let status = h.state().status();
    assert!(status.is_error(), "{}", status.text());
    assert!(
        status.text().contains("not-a-soundfont.sf2"),
        "{}",
        status.text()
    );
    assert!(
        status.text().contains("built-in voices"),
        "{}",
        status.text()
    );
    assert!(h.state().soundfont().font().is_none());
    assert!(h.state().render_config().soundfont.is_none());
    // The voice menu still offers every built-in voice, and choosing one works.
    open_voice_menu(&mut h);
    h.get_by_label("Plucked string").click();
    h.run();
    assert_eq!(h.state().settings().transport.voice, Voice::Pluck);
    assert!(h.query_by_label("Instrument").is_none());
}

#[test]
fn load_a_soundfont_from_the_voice_menu_pick_a_program_and_export() {
    if common::timgm6mb().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.state_mut().open_path(fixture("kern/kuckuck.krn"));
    wait(&mut h);
    assert!(h.query_by_label("Instrument").is_none());

    // Voice ▸ Load SoundFont… opens the path dialog; type the path and press Load.
    open_voice_menu(&mut h);
    h.get_by_label("Load SoundFont…").click();
    h.run();
    h.get_by_label("File path").focus();
    h.run_steps(1);
    h.get_by_label("File path").type_text(common::TIMGM6MB);
    h.run_steps(2);
    h.get_by_label("Load").click();
    h.run_steps(1);
    // It loads on its own thread: the app shows it as loading until it arrives.
    assert!(h.state().soundfont().loading().is_some() || h.state().soundfont().font().is_some());
    wait(&mut h);
    let font = h.state().soundfont().font().cloned().expect("loaded");
    assert!(
        !h.state().status().is_error(),
        "{}",
        h.state().status().text()
    );
    let remembered = &h.state().settings().transport.soundfont;
    assert_eq!(
        remembered.path.as_deref(),
        Some(std::path::Path::new(common::TIMGM6MB))
    );
    assert!(remembered.active);

    // The program picker lists the General MIDI instruments by name.
    h.get_by_label("Instrument").click();
    h.run();
    // A user scrolls the list down to the strings.
    h.get_by_label("40 Violin").scroll_to_me();
    h.run();
    h.get_by_label("40 Violin").click();
    h.run();
    let violin = GmProgram::new(40).unwrap();
    assert_eq!(h.state().settings().transport.soundfont.program, violin);

    assert_wav_export_matches_the_library(&mut h, tmp.path(), &font, violin);

    // Choosing a built-in voice again switches the SoundFont off but keeps it loaded.
    open_voice_menu(&mut h);
    h.get_by_label("Electric piano").click();
    h.run();
    assert!(h.state().render_config().soundfont.is_none());
    assert!(h.query_by_label("Instrument").is_none());
    open_voice_menu(&mut h);
    h.get_by_label(&format!("SoundFont: {}", font.name()))
        .click();
    h.run();
    assert_eq!(
        h.state().render_config().soundfont.map(|v| v.program),
        Some(violin)
    );
}

/// Exports WAV from the app and checks it byte for byte against the library's render of the
/// shown melody with `program` of `font`: the app, the library and the CLI share one path.
fn assert_wav_export_matches_the_library(
    h: &mut egui_kittest::Harness<'_, lstmuse::gui::LstmuseApp>,
    dir: &std::path::Path,
    font: &Arc<SoundFont>,
    program: GmProgram,
) {
    let out = dir.join("export.wav");
    assert!(h.state_mut().export_to(&out, ExportKind::Wav));
    let config = RenderConfig {
        soundfont: Some(SoundFontVoice::new(font.clone(), program)),
        ..h.state().render_config()
    };
    let melody = h.state().shown_melody();
    let rendered = synth::try_render(&melody, &config).unwrap();
    let expected = synth::wav_bytes(&rendered, synth::WavFormat::Pcm16).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), expected);
    let builtin = synth::try_render(
        &melody,
        &RenderConfig {
            soundfont: None,
            ..config
        },
    );
    assert_ne!(builtin.unwrap().samples, rendered.samples);
}
