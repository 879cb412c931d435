//! `lstmuse bench jam`'s live part: a jam run on the real clock as the app runs it (the
//! session ticked every millisecond, answers written on a model thread, played through
//! the MIDI output thread), with a player's calls injected through the inbox, and the
//! lateness of each answer's first note against the time it was due.

use super::jam::quantile;
use anyhow::{Result, anyhow};
use lstmuse::midi_io::jam::{AnswerRequest, JamConfig, JamSession, Turns};
use lstmuse::midi_io::{MidiEvent, MidiInbox, MidiOutThread, MidiSink, Scheduler, Tempo};
use lstmuse::model::ModelRef;
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::music::{Meter, Note, Ratio};
use lstmuse::sampling::SamplerConfig;
use lstmuse::sampling::jam::answer;
use std::sync::mpsc;
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

/// Jams `answers` one-bar calls and answers at `bpm` in 4/4 and measures each answer.
pub fn run(artifact: &ModelArtifact, bpm: f64, answers: usize) -> Result<LiveFigures> {
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
    let (ask_tx, notes_rx, model_thread) = model_thread(artifact)?;
    let mut session = JamSession::new(config, inbox.now_micros());
    let downbeat = session.downbeat_micros();
    let step = tempo.micros_per_step();
    let mut events = calls(downbeat, step, answers);
    let mut figures = LiveFigures {
        compute_ms: Vec::new(),
        late_ms: Vec::new(),
        skipped: 0,
    };
    let mut due = Vec::new();
    let end = downbeat as f64 + (32 * answers) as f64 * step;
    while (inbox.now_micros() as f64) < end + 2.0 * step {
        let now = inbox.now_micros();
        while events.last().is_some_and(|e| e.0 <= now) {
            if let Some((t, m)) = events.pop() {
                inbox.receive(t, &m);
            }
        }
        for (t, m) in inbox.drain() {
            session.handle(t, &m);
        }
        if let Some(request) = session.tick(inbox.now_micros()) {
            ask_tx.send(request)?;
        }
        if let Ok((notes, ms)) = notes_rx.try_recv() {
            figures.compute_ms.push(ms);
            let notes = notes.map_err(|e| anyhow!(e))?;
            match session.answered(&notes, inbox.now_micros()) {
                Some(s) => {
                    figures.skipped += usize::from(s.skipped_bars > 0);
                    let first = s
                        .melody
                        .with_onsets()
                        .find(|(_, n)| !n.is_rest())
                        .map(|(on, _)| on);
                    if let Some(on) = first {
                        let at = s.start_micros as f64
                            + tempo.micros_at((on / Ratio::STEP).to_f64()) as f64;
                        due.push(inbox.instant_at(at as u64));
                    }
                    out.play_at(
                        Scheduler::new(&s.melody, tempo, 100),
                        inbox.instant_at(s.start_micros),
                    );
                }
                None => figures.skipped += 1,
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(ask_tx);
    model_thread
        .join()
        .map_err(|_| anyhow!("the model thread panicked"))??;
    drop(out);
    let sent = sent.lock().map_err(|_| anyhow!("the sink's lock"))?.clone();
    figures.late_ms = lateness(&sent, &due);
    Ok(figures)
}

/// What the model thread takes and gives back.
type ModelThread = (
    mpsc::Sender<AnswerRequest>,
    mpsc::Receiver<(Result<Vec<Note>, String>, f64)>,
    std::thread::JoinHandle<Result<()>>,
);

/// A thread with the model (loaded anew, as the app's model thread holds its own) that
/// answers requests with the default sampler (critic on), timing each.
fn model_thread(artifact: &ModelArtifact) -> Result<ModelThread> {
    let (ask_tx, ask_rx) = mpsc::channel::<AnswerRequest>();
    let (notes_tx, notes_rx) = mpsc::channel::<(Result<Vec<Note>, String>, f64)>();
    let dir = artifact
        .dir
        .clone()
        .ok_or_else(|| anyhow!("the model has no folder"))?;
    let model_thread = std::thread::spawn(move || -> Result<()> {
        let device = lstmuse::model::backend::cpu();
        let a = ModelArtifact::load(&dir, &device.device)?;
        let bound = ModelRef::new(&a, &device.device);
        for request in ask_rx {
            let t = Instant::now();
            let config = SamplerConfig {
                seed: request.seed_offset,
                variations: 1,
                ..SamplerConfig::default()
            };
            let r = answer(bound, &request.dialogue, request.at, request.bars, &config)
                .map_err(|e| e.to_string());
            if notes_tx.send((r, t.elapsed().as_secs_f64() * 1e3)).is_err() {
                break;
            }
        }
        Ok(())
    });
    Ok((ask_tx, notes_rx, model_thread))
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
pub fn report(a: &ModelArtifact, live: usize) -> Result<()> {
    if live == 0 {
        return Ok(());
    }
    println!(
        "live jams, 4/4, one-bar calls injected through the inbox, answers (critic on) played \
         through the MIDI output thread, {live} answers each:"
    );
    for bpm in [60.0, 120.0, 200.0] {
        let f = run(a, bpm, live)?;
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
