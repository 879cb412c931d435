//! Jam mode, headless: calls are injected through the MIDI inbox as they are played (100
//! BPM, the real clock running), the bundled model answers, and a fake MIDI output records
//! what is sent and when. The critic is off here, so that an answer is ready within the
//! 75 ms between a call's completion and its bar line even on a loaded test machine;
//! `lstmuse bench jam` times answers with the critic.

use crate::common::app::{app, notes_of, type_path};
use crate::common::lstmuse;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::document::Origin;
use lstmuse::midi_io::jam::JamPhase;
use lstmuse::midi_io::{MidiEvent, MidiInbox, MidiSink};
use lstmuse::music::{Melody, Meter, Note, Pitch, Ratio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// 100 BPM: a 16th lasts 150 ms, a 4/4 bar 2.4 s.
const BPM: f64 = 100.0;
const STEP: u64 = 150_000;
const BAR: u64 = 16 * STEP;
/// Two one-bar calls in C major, quarter notes.
const CALLS: [[u8; 4]; 2] = [[60, 62, 64, 67], [65, 64, 62, 60]];

/// A MIDI output that records each message with the moment it was sent.
type Sent = Arc<Mutex<Vec<(Instant, Vec<u8>)>>>;
struct Recorded(Sent);

impl MidiSink for Recorded {
    fn send(&mut self, message: &[u8]) -> Result<(), String> {
        if let Ok(mut v) = self.0.lock() {
            v.push((Instant::now(), message.to_vec()));
        }
        Ok(())
    }
}

/// Steps the app until the inbox's clock reaches `micros`.
fn wait_clock(h: &mut Harness<'_, LstmuseApp>, inbox: &MidiInbox, micros: u64) {
    while inbox.now_micros() < micros {
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Plays the calls into the inbox as they happen: call `c` in bar `2c`, a little late.
fn play_calls(h: &mut Harness<'_, LstmuseApp>, inbox: &MidiInbox, downbeat: u64) {
    for (c, call) in CALLS.iter().enumerate() {
        for (i, &key) in call.iter().enumerate() {
            let on = downbeat + 2 * c as u64 * BAR + 4 * i as u64 * STEP + 7_000;
            wait_clock(h, inbox, on);
            inbox.receive(on, &[0x90, key, 100]);
            // Released half a 16th early (it still rounds to three 16ths), so that a
            // release the harness delivers a frame late is in before the call completes.
            let off = on + 3 * STEP - STEP / 2;
            wait_clock(h, inbox, off);
            inbox.receive(off, &[0x80, key, 0]);
        }
    }
}

/// The keys still sounding after `sent`, by note-ons, note-offs and "all notes off".
fn sounding(sent: &[(Instant, Vec<u8>)]) -> Vec<u8> {
    let mut on = Vec::new();
    for (_, m) in sent {
        match MidiEvent::parse(m) {
            Some(MidiEvent::NoteOn { key, .. }) => on.push(key),
            Some(MidiEvent::NoteOff { key }) => on.retain(|&k| k != key),
            None if m.len() == 3 && m[0] & 0xF0 == 0xB0 && m[1] == 123 => on.clear(),
            None => {}
        }
    }
    on
}

/// The notes of `origin` as `(start, len, pitch)`.
fn of(h: &Harness<'_, LstmuseApp>, origin: Origin) -> Vec<(u32, u32, u8)> {
    notes_of(h)
        .into_iter()
        .filter(|n| n.3 == origin)
        .map(|n| (n.0, n.1, n.2))
        .collect()
}

#[test]
fn a_jam_answers_each_call_on_its_bar_line_and_stop_keeps_the_dialogue() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = app(tmp.path());
    h.state_mut().transport_settings_mut().bpm = BPM;
    h.state_mut().sampler_settings_mut().critic = false;
    h.state_mut().midi_settings_mut().jam_phrase_bars = 1;
    let sent: Sent = Arc::default();
    h.state_mut()
        .midi_mut()
        .set_output_sink(Box::new(Recorded(sent.clone())), "test sink")
        .unwrap();
    h.get_by_label("Jam").click();
    h.run_steps(2);
    assert!(matches!(
        h.state().jam_phase(),
        Some(JamPhase::CountIn { .. })
    ));
    let downbeat = h.state().jam_downbeat_micros().unwrap();
    let inbox = h.state().midi().inbox().clone();
    play_calls(&mut h, &inbox, downbeat);
    // Into the second answer's bar, then Stop while it sounds.
    wait_clock(&mut h, &inbox, downbeat + 3 * BAR + BAR / 2);
    assert_eq!(h.state().jam_phase(), Some(JamPhase::Answering));
    let log = h.state().jam_log().answers.clone();
    assert_eq!(log.len(), 2, "{}", h.state().status().text());
    assert!(
        log.iter()
            .all(|a| a.skipped_bars == Some(0) && a.ready_before_ms > 0.0),
        "{log:?}"
    );
    h.get_by_label("⏹ Stop jam").click();
    h.run_steps(2);
    assert!(!h.state().is_jamming());
    std::thread::sleep(Duration::from_millis(50));
    let sent = sent.lock().unwrap().clone();
    assert!(sounding(&sent).is_empty(), "Stop leaves no note sounding");
    assert_eq!(h.state().synth_sounding(), 0);

    answers_went_out_in_their_bars(&sent, &inbox, downbeat);

    // The dialogue is the melody: the calls as the seed, note for note, the answers
    // in their bars.
    let calls = of(&h, Origin::Seed);
    let want: Vec<(u32, u32, u8)> = CALLS
        .iter()
        .enumerate()
        .flat_map(|(c, call)| {
            call.iter()
                .enumerate()
                .map(move |(i, &k)| (32 * c as u32 + 4 * i as u32, 3, k))
        })
        .collect();
    assert_eq!(calls, want);
    let answers = of(&h, Origin::Answer);
    assert!(!answers.is_empty());
    assert!(
        answers
            .iter()
            .all(|&(s, len, _)| (16..32).contains(&s) && s + len <= 32 || (48..64).contains(&s)),
        "{answers:?}"
    );
    let dialogue = notes_of(&h);

    undo_redo_and_export(&mut h, &tmp.path().join("dialogue.mid"), &dialogue);

    // `lstmuse jam` on the calls with the answer slots empty gives the same answers.
    same_answers_from_the_command_line(tmp.path(), &dialogue);
}

/// Each answer's note-ons went out in its own bar, never before its bar line.
fn answers_went_out_in_their_bars(sent: &[(Instant, Vec<u8>)], inbox: &MidiInbox, downbeat: u64) {
    let ons: Vec<(Instant, u8)> = sent
        .iter()
        .filter_map(|(t, m)| match MidiEvent::parse(m) {
            Some(MidiEvent::NoteOn { key, .. }) => Some((*t, key)),
            _ => None,
        })
        .collect();
    assert!(!ons.is_empty());
    let bar_line = |b: u64| inbox.instant_at(downbeat + b * BAR);
    for (t, _) in &ons {
        let first = *t >= bar_line(1) && *t < bar_line(2);
        let second = *t >= bar_line(3) && *t < bar_line(4);
        assert!(first || second, "a note-on outside the answers' bars");
    }
    assert!(ons.iter().any(|(t, _)| *t < bar_line(2)));
}

/// One undo step takes the whole dialogue away and redo brings it back; it exports to MIDI
/// with both parts.
fn undo_redo_and_export(
    h: &mut Harness<'_, LstmuseApp>,
    mid: &std::path::Path,
    dialogue: &[(u32, u32, u8, Origin)],
) {
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert!(h.state().doc().notes.is_empty());
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run_steps(2);
    assert_eq!(notes_of(h), dialogue);

    // Exported to MIDI with both parts.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::E);
    h.run_steps(2);
    type_path(h, mid, "Save");
    let back = lstmuse::formats::read_melody(mid, &Default::default()).unwrap();
    let keys: Vec<u8> = back.sounding().map(|n| n.pitch.unwrap().midi()).collect();
    let all: Vec<u8> = dialogue.iter().map(|n| n.2).collect();
    assert_eq!(keys, all, "calls and answers");
}

/// Writes the calls alone (each followed by an empty bar) as kern, runs `lstmuse jam
/// --phrase 1 --seed 1 --candidates 1` on them, and compares its dialogue with the app's as far as the
/// app's went (its second answer was stopped halfway).
fn same_answers_from_the_command_line(dir: &std::path::Path, app: &[(u32, u32, u8, Origin)]) {
    let step = Ratio::new(1, 4);
    let mut notes = Vec::new();
    for call in CALLS {
        for key in call {
            notes.push(Note::new(
                Pitch::from_midi(i32::from(key)).unwrap(),
                step * Ratio::from_int(3),
            ));
            notes.push(Note::rest(step));
        }
        notes.push(Note::rest(Ratio::from_int(4)));
    }
    let calls = Melody {
        meter: Meter::new(4, 4),
        tempo_qpm: Some(BPM),
        notes,
        ..Melody::new()
    }
    .normalized();
    let input = dir.join("calls.krn");
    lstmuse::formats::write_melody(&calls, &input).unwrap();
    let out = dir.join("cli.krn");
    let run = lstmuse(&[
        "jam",
        "--input",
        input.to_str().unwrap(),
        "--phrase",
        "1",
        "--seed",
        "1",
        "--candidates",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let cli = lstmuse::formats::read_melody(&out, &Default::default()).unwrap();
    let cli: Vec<(u32, u32, u8)> = cli
        .with_onsets()
        .filter(|(_, n)| !n.is_rest())
        .map(|(on, n)| {
            let s = (on / step).to_f64() as u32;
            (
                s,
                (n.duration / step).to_f64() as u32,
                n.pitch.unwrap().midi(),
            )
        })
        .collect();
    let app: Vec<(u32, u32, u8)> = app.iter().map(|n| (n.0, n.1, n.2)).collect();
    let end = app.iter().map(|n| n.0 + n.1).max().unwrap();
    let cut: Vec<(u32, u32, u8)> = cli
        .iter()
        .filter(|n| n.0 < end)
        .map(|&(s, len, k)| (s, len.min(end - s), k))
        .collect();
    assert_eq!(app, cut, "the app's dialogue and lstmuse jam's");
}
