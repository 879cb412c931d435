//! Meter, key and tempo changes after a melody's start: what a score states mid-piece.

use super::key::Key;
use super::melody::{Melody, Meter};
use super::ratio::Ratio;
use serde::{Deserialize, Serialize};

/// What changes at a [`Change`].
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new time signature; a bar starts where it is written.
    Meter(Meter),
    /// A new key signature in fifths (+ sharps, − flats, as it sounds) and, where the
    /// source states it, the key.
    Key {
        /// The signature in fifths.
        signature: i32,
        /// The stated key (tonic and mode), if any.
        key: Option<Key>,
    },
    /// A new tempo in quarter notes per minute.
    Tempo(f64),
}

/// A change of meter, key or tempo at a time in quarter notes from the melody's start.
/// The values at the start are the melody's own fields (`meter`, `key`, `tempo_qpm`).
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
pub struct Change {
    /// When it takes effect, in quarter notes from the start (always positive).
    pub at: Ratio,
    /// What changes.
    pub kind: ChangeKind,
}

/// Which of the three a change is about (two changes of one sort at one time: the
/// later replaces the earlier).
fn same_sort(a: &ChangeKind, b: &ChangeKind) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

impl Melody {
    /// Records that `kind` takes effect at `at`: at or before the start it sets the
    /// starting value (`meter`, `key` and `key_signature`, `tempo_qpm`); later it is
    /// added to [`Melody::changes`] in time order, unless it restates what is already in
    /// force there. A change of the same sort at the same time is replaced.
    pub fn set_from(&mut self, at: Ratio, kind: ChangeKind) {
        if !at.is_positive() {
            match kind {
                ChangeKind::Meter(m) => self.meter = Some(m),
                ChangeKind::Key { signature, key } => {
                    self.key_signature = Some(signature);
                    self.key = key;
                }
                ChangeKind::Tempo(q) => self.tempo_qpm = Some(q),
            }
            self.changes
                .retain(|c| !(c.at.is_zero() && same_sort(&c.kind, &kind)));
            return;
        }
        self.changes
            .retain(|c| !(c.at == at && same_sort(&c.kind, &kind)));
        if self.in_force(at, &kind) == Some(kind) {
            return;
        }
        let index = self.changes.partition_point(|c| c.at <= at);
        self.changes.insert(index, Change { at, kind });
    }

    /// The value of `kind`'s sort in force just before `at`, as a change kind.
    fn in_force(&self, at: Ratio, kind: &ChangeKind) -> Option<ChangeKind> {
        let earlier = self
            .changes
            .iter()
            .rev()
            .filter(|c| c.at < at)
            .find(|c| same_sort(&c.kind, kind));
        if let Some(c) = earlier {
            return Some(c.kind);
        }
        match kind {
            ChangeKind::Meter(_) => self.meter.map(ChangeKind::Meter),
            ChangeKind::Key { .. } => self.key_signature.map(|signature| ChangeKind::Key {
                signature,
                key: self.key,
            }),
            ChangeKind::Tempo(_) => self.tempo_qpm.map(ChangeKind::Tempo),
        }
    }

    /// The key signature (in fifths) and key in force at `at` (changes at `at` count).
    pub fn key_at(&self, at: Ratio) -> (Option<i32>, Option<Key>) {
        let probe = ChangeKind::Key {
            signature: 0,
            key: None,
        };
        let later = self
            .changes
            .iter()
            .rev()
            .filter(|c| c.at <= at)
            .find(|c| same_sort(&c.kind, &probe));
        match later.map(|c| c.kind) {
            Some(ChangeKind::Key { signature, key }) => (Some(signature), key),
            _ => (self.key_signature, self.key),
        }
    }

    /// The meter changes, in time order.
    pub fn meter_changes(&self) -> impl Iterator<Item = (Ratio, Meter)> + '_ {
        self.changes.iter().filter_map(|c| match c.kind {
            ChangeKind::Meter(m) => Some((c.at, m)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::Mode;

    #[test]
    fn changes_keep_time_order_and_skip_restatements() {
        let mut m = Melody::new();
        let three = Meter::new(3, 4).unwrap();
        let two = Meter::new(2, 4).unwrap();
        m.set_from(Ratio::ZERO, ChangeKind::Meter(three));
        m.set_from(Ratio::from_int(6), ChangeKind::Meter(two));
        m.set_from(Ratio::from_int(3), ChangeKind::Meter(three));
        m.set_from(Ratio::from_int(3), ChangeKind::Tempo(90.0));
        m.set_from(Ratio::from_int(8), ChangeKind::Meter(two));
        let signature = 1;
        let key = Some(Key::from_signature(1, Mode::Major));
        m.set_from(Ratio::from_int(8), ChangeKind::Key { signature, key });
        assert_eq!(m.meter, Some(three));
        let times: Vec<_> = m.changes.iter().map(|c| c.at.num()).collect();
        assert_eq!(times, [3, 6, 8]);
        assert_eq!(m.meter_changes().count(), 1);
        // The same sort at the same time replaces.
        m.set_from(Ratio::from_int(6), ChangeKind::Meter(three));
        assert_eq!(m.meter_changes().count(), 0);
    }
}
