//! The thread that runs a live jam: it drains the MIDI inbox into the [`JamSession`],
//! ticks it every millisecond, writes each answer with its own copy of the model as soon
//! as the call is complete on the grid, and hands the scheduled answer to the player at
//! once, so neither the UI's frames nor its other jobs delay an answer.

use super::inbox::MidiInbox;
use super::jam::{JamConfig, JamSession, ScheduledAnswer};
use super::message::MidiEvent;
use crate::error::Result;
use crate::model::artifact::ModelArtifact;
use crate::model::{ModelRef, backend};
use crate::sampling::SamplerConfig;
use crate::sampling::jam::answer;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Plays a scheduled answer (from the jam's thread): to a MIDI output, or a synth.
pub type AnswerPlayer = Box<dyn FnMut(&ScheduledAnswer) + Send>;

/// One answer's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnswerFigures {
    /// The model's time to write it, ms.
    pub compute_ms: f64,
    /// How long before its bar line it was ready, ms (negative: late).
    pub ready_before_ms: f64,
    /// Bars dropped because it was late; `None` when no bar was left to play.
    pub skipped_bars: Option<u32>,
}

/// What the jam's thread reports.
#[derive(Clone, Debug, PartialEq)]
pub enum JamEvent {
    /// A key went down (`on`) or up: sound it through.
    Thru {
        /// MIDI key.
        key: u8,
        /// Down or up.
        on: bool,
    },
    /// An answer was written and handed to the player.
    Answered(AnswerFigures),
    /// The model could not be loaded or could not answer: why.
    Failed(String),
}

/// How the model writes answers: its folder (loaded anew on the jam's thread) and the
/// sampler settings; `scale_from_dialogue` locks the scale to the dialogue's own key.
#[derive(Clone, Debug)]
pub struct AnswerModel {
    /// The model folder.
    pub dir: PathBuf,
    /// Sampler settings (the seed is offset by each answer's phrase).
    pub sampler: SamplerConfig,
    /// Scale lock keeps to the key of the dialogue so far.
    pub scale_from_dialogue: bool,
}

/// A running jam: its session, shared with the thread that drives it.
pub struct JamEngine {
    session: Arc<Mutex<JamSession>>,
    inbox: MidiInbox,
    stop: Arc<AtomicBool>,
    events: Receiver<JamEvent>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for JamEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JamEngine").finish_non_exhaustive()
    }
}

impl JamEngine {
    /// Starts the count-in now and the thread that drains `inbox`; `play` plays each
    /// answer. The model is loaded during the count-in.
    pub fn start(
        config: JamConfig,
        inbox: MidiInbox,
        model: AnswerModel,
        play: AnswerPlayer,
    ) -> std::io::Result<JamEngine> {
        inbox.drain();
        let session = Arc::new(Mutex::new(JamSession::new(config, inbox.now_micros())));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, events) = mpsc::channel();
        let shared = (session.clone(), inbox.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("lstmuse-jam".into())
            .spawn(move || run(&shared, &model, play, &tx))?;
        Ok(JamEngine {
            session,
            inbox,
            stop,
            events,
            thread: Some(thread),
        })
    }

    /// The session (the thread holds it only briefly).
    pub fn session(&self) -> MutexGuard<'_, JamSession> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The inbox's clock now.
    pub fn now_micros(&self) -> u64 {
        self.inbox.now_micros()
    }

    /// What the thread reported since the last call.
    pub fn poll(&self) -> Vec<JamEvent> {
        self.events.try_iter().collect()
    }

    /// Stops the thread and the session now, and returns the session.
    pub fn stop(mut self) -> JamSession {
        self.halt();
        let now = self.inbox.now_micros();
        let mut session = self.session().clone();
        session.stop(now);
        session
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for JamEngine {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The jam's thread: loads the model, then drains, ticks and answers until stopped.
fn run(
    (session, inbox, stop): &(Arc<Mutex<JamSession>>, MidiInbox, Arc<AtomicBool>),
    model: &AnswerModel,
    mut play: AnswerPlayer,
    tx: &Sender<JamEvent>,
) {
    let device = backend::cpu();
    let artifact = match ModelArtifact::load(&model.dir, &device.device) {
        Ok(a) => Some(a),
        Err(e) => {
            let _ = tx.send(JamEvent::Failed(format!("the jam's model: {e}")));
            None
        }
    };
    let lock = || {
        session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    while !stop.load(Ordering::Relaxed) {
        for (micros, bytes) in inbox.drain() {
            lock().handle(micros, &bytes);
            let thru = match MidiEvent::parse(&bytes) {
                Some(MidiEvent::NoteOn { key, .. }) => Some((key, true)),
                Some(MidiEvent::NoteOff { key }) => Some((key, false)),
                None => None,
            };
            if let Some((key, on)) = thru {
                let _ = tx.send(JamEvent::Thru { key, on });
            }
        }
        let request = lock().tick(inbox.now_micros());
        if let Some(request) = request {
            let t = Instant::now();
            let written = artifact
                .as_ref()
                .map(|a| write_answer(a, &device.device, model, &request));
            let compute_ms = t.elapsed().as_secs_f64() * 1e3;
            match written {
                Some(Ok(notes)) => {
                    let now = inbox.now_micros();
                    let scheduled = lock().answered(&notes, now);
                    let due = lock().micros_at(request.at);
                    let ready_before_ms = (due as f64 - now as f64) / 1e3;
                    if let Some(s) = &scheduled {
                        play(s);
                    }
                    let _ = tx.send(JamEvent::Answered(AnswerFigures {
                        compute_ms,
                        ready_before_ms,
                        skipped_bars: scheduled.map(|s| s.skipped_bars),
                    }));
                }
                Some(Err(e)) => {
                    lock().not_answered();
                    let _ = tx.send(JamEvent::Failed(format!("the model could not answer: {e}")));
                }
                None => lock().not_answered(),
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One answer from the model, with the answer's seed and scale.
fn write_answer(
    artifact: &ModelArtifact,
    device: &burn::tensor::Device,
    model: &AnswerModel,
    request: &super::jam::AnswerRequest,
) -> Result<Vec<crate::music::Note>> {
    let bound = ModelRef::new(artifact, device);
    let mut config = SamplerConfig {
        seed: model.sampler.seed.wrapping_add(request.seed_offset),
        variations: 1,
        ..model.sampler.clone()
    };
    if model.scale_from_dialogue {
        config.scale = config.scale.and(request.dialogue.key_or_estimate());
    }
    answer(bound, &request.dialogue, request.at, request.bars, &config)
}
