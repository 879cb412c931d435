//! The thread that owns a MIDI output and sends a [`Scheduler`]'s messages on time
//! (the UI's frames are too coarse). Dropping it releases every note and ends the thread.

use super::message::all_notes_off;
use super::scheduler::{MidiSink, Scheduler};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the UI asks of the thread.
enum Order {
    Play(Box<Scheduler>, f64),
    PlayAt(Box<Scheduler>, Instant),
    Stop,
    Pause,
    Resume,
    Seek(f64),
    Quit,
}

/// What the thread reports back.
#[derive(Clone, Debug, Default)]
struct Report {
    playhead: Option<f32>,
    playing: bool,
    error: Option<String>,
}

/// A MIDI output with its sending thread.
pub struct MidiOutThread {
    name: String,
    orders: Sender<Order>,
    report: Arc<Mutex<Report>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MidiOutThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiOutThread")
            .field("name", &self.name)
            .finish()
    }
}

impl MidiOutThread {
    /// Starts the thread that sends to `sink`; `name` is the port's, for menus.
    pub fn spawn(
        sink: Box<dyn MidiSink + Send>,
        name: impl Into<String>,
    ) -> std::io::Result<MidiOutThread> {
        let (orders, rx) = mpsc::channel();
        let report = Arc::new(Mutex::new(Report::default()));
        let shared = report.clone();
        let thread = std::thread::Builder::new()
            .name("midi-out".into())
            .spawn(move || run(sink, &rx, &shared))?;
        Ok(MidiOutThread {
            name: name.into(),
            orders,
            report,
            thread: Some(thread),
        })
    }

    /// The port it sends to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Plays `scheduler` from `from_step` (whatever was playing is released first).
    pub fn play(&self, scheduler: Scheduler, from_step: f64) {
        self.set_playing(true);
        let _ = self
            .orders
            .send(Order::Play(Box::new(scheduler), from_step));
    }

    /// A handle that other threads (a jam's) play through, from a given moment.
    pub fn handle(&self) -> MidiOutHandle {
        MidiOutHandle {
            orders: self.orders.clone(),
            report: self.report.clone(),
        }
    }

    /// Stops and releases every note.
    pub fn stop(&self) {
        self.set_playing(false);
        let _ = self.orders.send(Order::Stop);
    }

    /// Pauses and releases every note.
    pub fn pause(&self) {
        let _ = self.orders.send(Order::Pause);
    }

    /// Goes on after a pause.
    pub fn resume(&self) {
        let _ = self.orders.send(Order::Resume);
    }

    /// Jumps to `step`, releasing every sounding note first.
    pub fn seek(&self, step: f64) {
        let _ = self.orders.send(Order::Seek(step));
    }

    /// Marks the state at once, so the UI does not wait for the thread to say so.
    fn set_playing(&self, playing: bool) {
        if let Ok(mut r) = self.report.lock() {
            r.playing = playing;
            if !playing {
                r.playhead = None;
            }
        }
    }

    /// True while the melody is being sent.
    pub fn is_playing(&self) -> bool {
        self.report.lock().is_ok_and(|r| r.playing)
    }

    /// The playhead in steps, from the messages sent.
    pub fn playhead(&self) -> Option<f32> {
        self.report.lock().ok().and_then(|r| r.playhead)
    }

    /// The last send failure (a port unplugged), once.
    pub fn take_error(&self) -> Option<String> {
        self.report.lock().ok().and_then(|mut r| r.error.take())
    }
}

/// Plays to a [`MidiOutThread`] from another thread; stopping stays with the owner.
#[derive(Clone)]
pub struct MidiOutHandle {
    orders: Sender<Order>,
    report: Arc<Mutex<Report>>,
}

impl MidiOutHandle {
    /// Plays `scheduler` from its start at the moment `at` (whatever was playing is
    /// released first): nothing is sent before then.
    pub fn play_at(&self, scheduler: Scheduler, at: Instant) {
        if let Ok(mut r) = self.report.lock() {
            r.playing = true;
        }
        let _ = self.orders.send(Order::PlayAt(Box::new(scheduler), at));
    }
}

impl Drop for MidiOutThread {
    fn drop(&mut self) {
        let _ = self.orders.send(Order::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread: follows orders, and sends what is due every millisecond while playing.
fn run(mut sink: Box<dyn MidiSink + Send>, orders: &Receiver<Order>, report: &Mutex<Report>) {
    let epoch = Instant::now();
    let now = || epoch.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
    let mut current: Option<Box<Scheduler>> = None;
    loop {
        let playing = current.as_ref().is_some_and(|s| s.is_playing());
        let wait = Duration::from_millis(if playing { 1 } else { 50 });
        let order = match orders.recv_timeout(wait) {
            Ok(o) => Some(o),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Order::Quit),
        };
        let sink = sink.as_mut();
        let mut result = match order {
            Some(Order::Quit) => {
                let _ = match current.as_mut() {
                    Some(s) => s.stop(sink),
                    None => sink.send(&all_notes_off()),
                };
                return;
            }
            Some(Order::PlayAt(mut next, at)) => {
                let released = current.as_mut().map_or(Ok(()), |s| s.stop(sink));
                let origin = at.saturating_duration_since(epoch).as_micros();
                next.start_at(origin.min(u128::from(u64::MAX)) as u64);
                current = Some(next);
                released
            }
            Some(o) => obey(o, &mut current, now(), sink),
            None => Ok(()),
        };
        if let Some(s) = current.as_mut() {
            result = result.and(s.tick(now(), sink).map(|_| ()));
        }
        if let Ok(mut r) = report.lock() {
            r.playing = current.as_ref().is_some_and(|s| s.is_playing());
            r.playhead = current.as_ref().and_then(|s| s.playhead());
            if let Err(e) = result {
                r.error = Some(e);
            }
        }
    }
}

/// Applies one order (not Quit) to the scheduler.
fn obey(
    order: Order,
    current: &mut Option<Box<Scheduler>>,
    now: u64,
    sink: &mut dyn MidiSink,
) -> Result<(), String> {
    match order {
        Order::Play(mut next, from) => {
            if let Some(old) = current.as_mut() {
                old.stop(sink)?;
            }
            let started = next.play(now, from, sink);
            *current = Some(next);
            started
        }
        Order::Stop => current.as_mut().map_or(Ok(()), |s| s.stop(sink)),
        Order::Pause => current.as_mut().map_or(Ok(()), |s| s.pause(sink)),
        Order::Resume => current.as_mut().map_or(Ok(()), |s| s.resume(now, sink)),
        Order::Seek(step) => current.as_mut().map_or(Ok(()), |s| s.seek(now, step, sink)),
        Order::Quit | Order::PlayAt(..) => Ok(()),
    }
}
