//! MIDI without hardware: the recorder and step input fed `(micros, bytes)` as midir's
//! callback delivers them, the output scheduler against a fake port, and the ports'
//! answer on a machine without a MIDI subsystem.

use lstmuse::midi_io::ports;
use lstmuse::midi_io::{
    MidiInbox, MidiOutThread, MidiSink, RecordConfig, RecordPhase, Recorder, Scheduler, StepAction,
    StepInput, StepLength, Tempo,
};
use lstmuse::{Melody, Meter, Ratio};
use std::sync::{Arc, Mutex};

/// 120 BPM in 4/4: a 16th is 125 ms, the count-in bar 2 s (so the downbeat is at 2 s).
fn tempo() -> Tempo {
    Tempo::new(120.0, Meter::default())
}

const DOWNBEAT: u64 = 2_000_000;
const STEP: u64 = 125_000;

fn on(key: u8) -> [u8; 3] {
    [0x90, key, 100]
}

fn off(key: u8) -> [u8; 3] {
    [0x80, key, 0]
}

/// The recording through an inbox, as the input callback fills it.
fn record(messages: &[(u64, [u8; 3])], stop_at: u64) -> Melody {
    let inbox = MidiInbox::new();
    for (t, m) in messages {
        inbox.receive(*t, m);
    }
    let mut rec = Recorder::new(RecordConfig::new(tempo()), 0);
    for (t, bytes) in inbox.drain() {
        rec.handle(t, &bytes);
    }
    rec.stop(stop_at);
    rec.melody().unwrap()
}

/// `(key or None for a rest, length in 16ths)`.
fn steps(m: &Melody) -> Vec<(Option<u8>, i64)> {
    m.notes
        .iter()
        .map(|n| {
            let s = n.duration * Ratio::from_int(4);
            assert!(s.den() == 1, "off the grid: {:?}", n.duration);
            (n.pitch.map(|p| p.midi()), s.num())
        })
        .collect()
}

#[test]
fn early_and_late_notes_land_on_the_nearest_sixteenth() {
    // Meant: C on 0 (a quarter), D on 4 (an eighth), E on 6 (a 16th), a 16th rest, F on 8
    // (a quarter).
    // Played up to 45 ms early or late (a 16th is 125 ms).
    let m = record(
        &[
            (DOWNBEAT - 30_000, on(60)),
            (DOWNBEAT + 4 * STEP - 40_000, off(60)),
            (DOWNBEAT + 4 * STEP + 35_000, on(62)),
            (DOWNBEAT + 6 * STEP - 20_000, off(62)),
            (DOWNBEAT + 6 * STEP - 45_000, on(64)),
            (DOWNBEAT + 7 * STEP + 40_000, off(64)),
            (DOWNBEAT + 8 * STEP + 10_000, on(65)),
            (DOWNBEAT + 12 * STEP + 44_000, off(65)),
        ],
        DOWNBEAT + 16 * STEP,
    );
    assert_eq!(m.pickup, Ratio::ZERO);
    assert_eq!(
        steps(&m),
        vec![
            (Some(60), 4),
            (Some(62), 2),
            (Some(64), 1),
            (None, 1),
            (Some(65), 4)
        ]
    );
    assert_eq!(m.meter, Some(Meter::default()));
    assert_eq!(m.tempo_qpm, Some(120.0));
}

#[test]
fn a_chord_keeps_its_top_note() {
    // A C major chord rolled over 30 ms, then a single G.
    let m = record(
        &[
            (DOWNBEAT + 5_000, on(64)),
            (DOWNBEAT + 20_000, on(60)),
            (DOWNBEAT + 35_000, on(67)),
            (DOWNBEAT + 4 * STEP, off(60)),
            (DOWNBEAT + 4 * STEP, off(64)),
            (DOWNBEAT + 4 * STEP, off(67)),
            (DOWNBEAT + 8 * STEP, on(79)),
            (DOWNBEAT + 10 * STEP, off(79)),
        ],
        DOWNBEAT + 12 * STEP,
    );
    assert_eq!(steps(&m), vec![(Some(67), 4), (None, 4), (Some(79), 2)]);
}

#[test]
fn the_count_in_lasts_one_bar_of_the_meter() {
    for (meter, bpm, bar_micros, beats) in [
        (Meter::default(), 120.0, 2_000_000, 4),
        (Meter::new(3, 4).unwrap(), 90.0, 2_000_000, 3),
        (Meter::new(6, 8).unwrap(), 60.0, 3_000_000, 2),
    ] {
        let start = 7_000_000;
        let rec = Recorder::new(RecordConfig::new(Tempo::new(bpm, meter)), start);
        assert_eq!(rec.count_in_micros(), bar_micros, "{meter}");
        assert_eq!(
            rec.phase(start),
            RecordPhase::CountIn { beats_left: beats },
            "{meter}"
        );
        assert_eq!(
            rec.phase(start + bar_micros - 1),
            RecordPhase::CountIn { beats_left: 1 }
        );
        assert_eq!(rec.phase(start + bar_micros), RecordPhase::Recording);
        assert!(rec.position_steps(start) < 0.0);
    }
}

#[test]
fn a_note_held_across_the_stop_ends_at_the_stop() {
    let m = record(
        &[(DOWNBEAT, on(60)), (DOWNBEAT + 2 * STEP, on(62))],
        DOWNBEAT + 8 * STEP + 20_000,
    );
    // C is cut by D (legato); D still held at the stop: it lasts until then.
    assert_eq!(steps(&m), vec![(Some(60), 2), (Some(62), 6)]);
}

#[test]
fn n_bars_stop_by_themselves_and_later_notes_are_ignored() {
    let config = RecordConfig {
        bars: Some(1),
        ..RecordConfig::new(tempo())
    };
    let mut rec = Recorder::new(config, 0);
    rec.handle(DOWNBEAT + 12 * STEP, &on(72));
    assert_eq!(rec.tick(DOWNBEAT + 15 * STEP), RecordPhase::Recording);
    assert_eq!(rec.tick(DOWNBEAT + 16 * STEP), RecordPhase::Finished);
    rec.handle(DOWNBEAT + 17 * STEP, &on(74));
    let m = rec.melody().unwrap();
    assert_eq!(steps(&m), vec![(None, 12), (Some(72), 4)]);
}

#[test]
fn an_upbeat_in_the_count_in_bar_is_a_pickup() {
    let m = record(
        &[
            (DOWNBEAT - 2 * STEP, on(67)),
            (DOWNBEAT - 10_000, off(67)),
            (DOWNBEAT + 5_000, on(72)),
            (DOWNBEAT + 4 * STEP, off(72)),
        ],
        DOWNBEAT + 8 * STEP,
    );
    assert_eq!(m.pickup, Ratio::new(1, 2));
    assert_eq!(steps(&m), vec![(Some(67), 2), (Some(72), 4)]);
}

#[test]
fn step_input_with_a_rest_and_a_length_change() {
    let mut s = StepInput::new(8, StepLength::Quarter);
    let mut actions = Vec::new();
    actions.extend(s.handle(&on(60)));
    actions.extend(s.handle(&off(60)));
    actions.push(s.rest());
    s.length = StepLength::Eighth;
    s.dotted = true;
    actions.extend(s.handle(&on(62)));
    actions.extend(s.handle(&[0x90, 62, 0]));
    s.dotted = false;
    s.length = s.length.shorter();
    actions.extend(s.handle(&on(64)));
    assert_eq!(
        actions,
        vec![
            StepAction::Note {
                start: 8,
                len: 4,
                key: 60
            },
            StepAction::Rest { start: 12, len: 4 },
            StepAction::Note {
                start: 16,
                len: 3,
                key: 62
            },
            StepAction::Note {
                start: 19,
                len: 1,
                key: 64
            },
        ]
    );
    assert_eq!(s.cursor(), 20);
}

#[test]
fn without_a_midi_subsystem_the_ports_say_so_and_nothing_panics() {
    let has_seq = std::path::Path::new("/dev/snd/seq").exists();
    let listed = ports::input_ports();
    if has_seq && cfg!(feature = "midi") {
        eprintln!("SKIP: this machine has an ALSA sequencer; listing gave {listed:?}");
        return;
    }
    let message = listed.unwrap_err().to_string();
    assert!(message.starts_with("no MIDI subsystem: "), "{message}");
    if cfg!(feature = "midi") {
        assert!(message.contains("/dev/snd/seq"), "{message}");
    }
    assert!(ports::output_ports().is_err());
    assert!(ports::connect_input("Keystation 49", MidiInbox::new()).is_err());
    assert!(ports::connect_output("FluidSynth").is_err());
    let virtual_port = ports::virtual_output().err().unwrap().to_string();
    assert!(virtual_port.contains("MIDI"), "{virtual_port}");
}

/// Checks that every note-on is matched by a note-off, never doubled, and that nothing
/// is left sounding at the end; returns how many notes were struck.
fn assert_balanced(stream: &[Vec<u8>]) -> usize {
    let mut sounding: Vec<u8> = Vec::new();
    let mut struck = 0;
    for m in stream {
        match m[0] & 0xF0 {
            0x90 if m[2] > 0 => {
                assert!(!sounding.contains(&m[1]), "key {} struck twice", m[1]);
                sounding.push(m[1]);
                struck += 1;
            }
            0x80 | 0x90 => sounding.retain(|&k| k != m[1]),
            _ => {}
        }
    }
    assert!(sounding.is_empty(), "still sounding: {sounding:?}");
    struck
}

fn scale() -> Melody {
    lstmuse::sampling::primer_from_text("60 _ _ _ 62 _ _ _ 64 _ 65 _ 67 _ _ _ _ _ _ _").unwrap()
}

const CC_ALL_NOTES_OFF: [u8; 3] = [0xB0, 123, 0];

#[test]
fn midi_out_releases_every_note_on_stop_seek_pause_and_at_the_end() {
    let mut sink: Vec<Vec<u8>> = Vec::new();
    let mut s = Scheduler::new(&scale(), tempo(), 100);
    s.play(0, 0.0, &mut sink).unwrap();
    assert_eq!(sink.last().unwrap(), &vec![0x90, 60, 100]);
    // Mid-note seek: C is released before playback jumps to E.
    s.tick(2 * STEP, &mut sink).unwrap();
    s.seek(2 * STEP, 8.0, &mut sink).unwrap();
    assert_eq!(s.sounding(), &[64]);
    assert!(sink.contains(&vec![0x80, 60, 0]));
    // Pause mid-note, resume, stop mid-note.
    s.tick(3 * STEP, &mut sink).unwrap();
    s.pause(&mut sink).unwrap();
    assert!(s.sounding().is_empty());
    assert_eq!(s.playhead(), Some(9.0));
    s.resume(10 * STEP, &mut sink).unwrap();
    assert_eq!(s.sounding(), &[64]);
    s.tick(12 * STEP, &mut sink).unwrap();
    assert_eq!(s.playhead(), Some(11.0));
    assert_eq!(s.sounding(), &[65]);
    s.stop(&mut sink).unwrap();
    assert_eq!(sink.last().unwrap(), &CC_ALL_NOTES_OFF.to_vec());
    assert_eq!(s.playhead(), None);
    assert_balanced(&sink);

    // To the end: every note struck once, the last one released when the melody ends.
    let mut sink: Vec<Vec<u8>> = Vec::new();
    let mut s = Scheduler::new(&scale(), tempo(), 100);
    s.play(0, 0.0, &mut sink).unwrap();
    let mut t = 0;
    while s.tick(t, &mut sink).unwrap() {
        t += 10_000;
    }
    assert_eq!(assert_balanced(&sink), 5);
    assert!(t >= 20 * STEP);
    assert!(sink.contains(&CC_ALL_NOTES_OFF.to_vec()));
}

#[test]
fn a_looped_selection_releases_its_notes_at_every_turn() {
    let mut sink: Vec<Vec<u8>> = Vec::new();
    // Loop steps 2..10: the seam falls inside C's start and inside E.
    let mut s = Scheduler::new(&scale(), tempo(), 90).with_loop(Some((2, 10)));
    s.play(0, 4.0, &mut sink).unwrap();
    for i in 0..100 {
        assert!(s.tick(i * 30_000, &mut sink).unwrap());
    }
    // 3 s at 125 ms a step from step 4, looping 8 steps: several turns.
    let head = s.playhead().unwrap();
    assert!((2.0..10.0).contains(&head), "{head}");
    s.stop(&mut sink).unwrap();
    let struck = assert_balanced(&sink);
    assert!(struck >= 5, "{struck}");
    // Each turn ends with its notes released and "all notes off".
    let backstops = sink.iter().filter(|m| **m == CC_ALL_NOTES_OFF).count();
    assert!(backstops >= 3, "{backstops}");
}

/// A port that keeps what it is sent, shared with the test.
#[derive(Clone, Default)]
struct SharedSink(Arc<Mutex<Vec<Vec<u8>>>>);

impl MidiSink for SharedSink {
    fn send(&mut self, message: &[u8]) -> Result<(), String> {
        self.0.lock().unwrap().push(message.to_vec());
        Ok(())
    }
}

#[test]
fn the_output_thread_sends_in_time_and_releases_everything_on_quit() {
    let sent = SharedSink::default();
    let out = MidiOutThread::spawn(Box::new(sent.clone()), "test port").unwrap();
    // 400 BPM: a 16th lasts 37.5 ms.
    let fast = Tempo::new(400.0, Meter::default());
    out.play(Scheduler::new(&scale(), fast, 100), 0.0);
    assert!(out.is_playing());
    std::thread::sleep(std::time::Duration::from_millis(200));
    let head = out.playhead().unwrap();
    assert!(head > 2.0, "playhead {head}");
    out.seek(10.0);
    std::thread::sleep(std::time::Duration::from_millis(60));
    drop(out); // quitting mid-note
    let stream = sent.0.lock().unwrap().clone();
    assert!(assert_balanced(&stream) >= 3);
    assert_eq!(stream.last().unwrap(), &CC_ALL_NOTES_OFF.to_vec());
}
