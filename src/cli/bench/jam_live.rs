//! `lstmuse bench jam`'s live part: a jam run on the real clock by the engine the app
//! runs it with ([`JamEngine`]: the session ticked every millisecond, answers written on
//! its thread and played through the MIDI output thread), with a player's calls injected
//! through the inbox, and the lateness of each answer's first note against its due time.

use super::jam::quantile;
use anyhow::{Result, anyhow};
use lstmuse::midi_io::jam::{JamConfig, ScheduledAnswer, Turns};
use lstmuse::midi_io::jam_engine::{AnswerModel, AnswerPlayer, JamEngine, JamEvent};
use lstmuse::midi_io::{MidiEvent, MidiInbox, MidiOutThread, MidiSink, Scheduler, Tempo};
use lstmuse::music::{Meter, Ratio};
use lstmuse::sampling::SamplerConfig;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lateness goal at 120 BPM, ms (p99).
pub const LATE_GOAL_MS: f64 = 5.0;

/// Note-ons sent, with the moment each went out.
type Sent = Arc<Mutex<Vec<Instant>>>;

/// A MIDI output that notes when each note-on is sent.
struct Stamps(Sent);

impl MidiSink for Stamps {
    fn send(&mut self, message: &[u8]) -> Result<(), String> {
        if matches!(MidiEvent::parse(message), Some(MidiEvent::NoteOn { .. }))
            && let Ok(mut v) = self.0.lock()
        {
            v.push(Instant::now());
        }
        Ok(())
    }
}

/// Per answer: the model's time (ms) and its first note's lateness (ms; negative: early).
pub struct LiveFigures {
    /// The model's time per answer, ms.
    pub compute_ms: Vec<f64>,
    /// The first note's lateness per answer, ms.
    pub late_ms: Vec<f64>,
    /// Answers that came too late for a bar.
    pub skipped: usize,
}

/// The player's one-bar calls, as `(step, key)` quarter notes, in C major.
const CALLS: [[u8; 4]; 4] = [
    [60, 62, 64, 65],
    [67, 65, 64, 62],
    [64, 65, 67, 72],
    [71, 69, 67, 62],
];

/// Jams `answers` one-bar calls and answers at `bpm` in 4/4 with the model in `dir`
/// and measures each answer.
pub fn run(dir: &std::path::Path, bpm: f64, answers: usize) -> Result<LiveFigures> {
    let tempo = Tempo::new(bpm, Meter::default());
    let config = JamConfig {
        tempo,
        phrase_bars: 1,
        count_in_bars: 1,
        turns: Turns::EveryOtherPhrase,
    };
    let inbox = MidiInbox::new();
    let sent: Sent = Arc::default();
    let out = MidiOutThread::spawn(Box::new(Stamps(sent.clone())), "bench")?;
    let due: Sent = Arc::default();
    let play: AnswerPlayer = {
        let (handle, inbox, due) = (out.handle(), inbox.clone(), due.clone());
        Box::new(move |s: &ScheduledAnswer| {
            let first = s.melody.with_onsets().find(|(_, n)| !n.is_rest());
            if let (Some((on, _)), Ok(mut due)) = (first, due.lock()) {
                let at = s.start_micros as i64 + tempo.micros_at((on / Ratio::STEP).to_f64());
                due.push(inbox.instant_at(at.max(0) as u64));
            }
            handle.play_at(
                Scheduler::new(&s.melody, tempo, 100),
                inbox.instant_at(s.start_micros),
            );
        })
    };
    let model = AnswerModel {
        dir: dir.to_path_buf(),
        sampler: SamplerConfig {
            seed: 0,
            ..SamplerConfig::default()
        },
        scale_from_dialogue: false,
    };
    let engine = JamEngine::start(config, inbox.clone(), model, play)?;
    let downbeat = engine.session().downbeat_micros();
    let step = tempo.micros_per_step();
    let mut events = calls(downbeat, step, answers);
    let mut figures = LiveFigures {
        compute_ms: Vec::new(),
        late_ms: Vec::new(),
        skipped: 0,
    };
    let end = downbeat as f64 + (32 * answers) as f64 * step;
    while (inbox.now_micros() as f64) < end + 2.0 * step {
        let now = inbox.now_micros();
        while events.last().is_some_and(|e| e.0 <= now) {
            if let Some((t, m)) = events.pop() {
                inbox.receive(t, &m);
            }
        }
        for event in engine.poll() {
            match event {
                JamEvent::Answered(a) => {
                    figures.compute_ms.push(a.compute_ms);
                    figures.skipped += usize::from(a.skipped_bars != Some(0));
                }
                JamEvent::Failed(why) => return Err(anyhow!(why)),
                JamEvent::Thru { .. } => {}
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    engine.stop();
    drop(out);
    let sent = sent.lock().map_err(|_| anyhow!("the sink's lock"))?.clone();
    let due = due
        .lock()
        .map_err(|_| anyhow!("the due list's lock"))?
        .clone();
    figures.late_ms = lateness(&sent, &due);
    Ok(figures)
}

/// The player's calls as timed messages, the next one last: call `k` in bar `2k`, four
/// quarter notes, 8 ms late, released a 16th early.
fn calls(downbeat: u64, step: f64, answers: usize) -> Vec<(u64, [u8; 3])> {
    let mut events: Vec<(u64, [u8; 3])> = (0..answers)
        .flat_map(|k| {
            CALLS[k % CALLS.len()]
                .iter()
                .enumerate()
                .flat_map(move |(i, &key)| {
                    let on = downbeat as f64 + (32 * k + 4 * i) as f64 * step + 8_000.0;
                    let off = on + 3.0 * step;
                    [(on as u64, [0x90, key, 100]), (off as u64, [0x80, key, 0])]
                })
        })
        .collect();
    events.reverse();
    events
}

/// Per due moment: how late the first note-on sent from 20 ms before it went out, ms.
fn lateness(sent: &[Instant], due: &[Instant]) -> Vec<f64> {
    let mut late = Vec::new();
    for &d in due {
        // The first note-on sent from 20 ms before it was due.
        if let Some(t) = sent.iter().find(|&&t| t + Duration::from_millis(20) >= d) {
            let by = if *t >= d {
                (*t - d).as_secs_f64()
            } else {
                -(d - *t).as_secs_f64()
            };
            late.push(by * 1e3);
        }
    }
    late
}

/// Runs live jams of `live` answers at 60, 120 and 200 BPM and prints their figures
/// (nothing when `live` is 0).
pub fn report(dir: &std::path::Path, live: usize) -> Result<()> {
    if live == 0 {
        return Ok(());
    }
    println!(
        "live jams, 4/4, one-bar calls injected through the inbox, answers (critic on) played \
         through the MIDI output thread, {live} answers each:"
    );
    for bpm in [60.0, 120.0, 200.0] {
        let f = run(dir, bpm, live)?;
        let mut compute = f.compute_ms.clone();
        compute.sort_by(f64::total_cmp);
        let mut late = f.late_ms.clone();
        late.sort_by(f64::total_cmp);
        let goal = if bpm == 120.0 {
            format!(
                " ({} the {} ms goal)",
                if quantile(&late, 0.99) < LATE_GOAL_MS {
                    "meets"
                } else {
                    "misses"
                },
                LATE_GOAL_MS
            )
        } else {
            String::new()
        };
        println!(
            "  {bpm:>3} BPM: compute p50 {:.1} ms, p99 {:.1} ms; first note late p50 {:.2} ms, \
             p99 {:.2} ms, max {:.2} ms{goal}; {} answer(s) skipped a bar",
            quantile(&compute, 0.5),
            quantile(&compute, 0.99),
            quantile(&late, 0.5),
            quantile(&late, 0.99),
            late.last().copied().unwrap_or(f64::NAN),
            f.skipped
        );
    }
    Ok(())
}
