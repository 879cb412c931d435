//! Where incoming MIDI lands: midir's input callback calls [`MidiInbox::receive`], and the
//! app drains the messages on its own thread.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most messages kept before the app drains them (older ones are dropped first).
const CAPACITY: usize = 4096;

/// A message as it arrived: microseconds on the inbox's clock, and the raw bytes.
pub type Timed = (u64, Vec<u8>);

/// Called when a message arrives (the app asks for a repaint).
type Waker = Arc<dyn Fn() + Send + Sync>;

/// A shared queue of timestamped MIDI messages, with the clock they are stamped by.
/// Clones share the queue.
#[derive(Clone)]
pub struct MidiInbox {
    queue: Arc<Mutex<VecDeque<Timed>>>,
    epoch: Instant,
    waker: Option<Waker>,
}

impl Default for MidiInbox {
    fn default() -> Self {
        MidiInbox::new()
    }
}

impl std::fmt::Debug for MidiInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiInbox")
            .field("queued", &self.len())
            .finish()
    }
}

impl MidiInbox {
    /// An empty inbox whose clock starts now.
    pub fn new() -> MidiInbox {
        MidiInbox {
            queue: Arc::default(),
            epoch: Instant::now(),
            waker: None,
        }
    }

    /// The same inbox, calling `waker` after each message (from the sender's thread).
    pub fn with_waker(mut self, waker: impl Fn() + Send + Sync + 'static) -> MidiInbox {
        self.waker = Some(Arc::new(waker));
        self
    }

    /// Microseconds since the inbox was made: the clock messages and recordings use.
    pub fn now_micros(&self) -> u64 {
        self.epoch.elapsed().as_micros().min(u128::from(u64::MAX)) as u64
    }

    /// The moment `micros` on the inbox's clock stands for.
    pub fn instant_at(&self, micros: u64) -> Instant {
        self.epoch + std::time::Duration::from_micros(micros)
    }

    /// Takes one message: what midir's input callback calls, with [`Self::now_micros`]
    /// as the time (tests pass their own times).
    pub fn receive(&self, micros: u64, bytes: &[u8]) {
        if let Ok(mut q) = self.queue.lock() {
            if q.len() >= CAPACITY {
                q.pop_front();
            }
            q.push_back((micros, bytes.to_vec()));
        }
        if let Some(w) = &self.waker {
            w();
        }
    }

    /// Everything received since the last drain, oldest first.
    pub fn drain(&self) -> Vec<Timed> {
        self.queue
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn messages_come_out_in_order_and_wake_the_app() {
        let woken = Arc::new(AtomicUsize::new(0));
        let w = woken.clone();
        let inbox = MidiInbox::new().with_waker(move || {
            w.fetch_add(1, Ordering::SeqCst);
        });
        let sender = inbox.clone();
        std::thread::spawn(move || {
            sender.receive(5, &[0x90, 60, 100]);
            sender.receive(9, &[0x80, 60, 0]);
        })
        .join()
        .unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), 2);
        let got = inbox.drain();
        assert_eq!(got, vec![(5, vec![0x90, 60, 100]), (9, vec![0x80, 60, 0])]);
        assert!(inbox.is_empty());
    }
}
