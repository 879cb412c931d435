//! A corpus's form, per meter and length: what the critic compares a candidate melody with.

use super::measures::FormProfile;
use super::stats::FormStats;
use crate::corpus::encoding::{Symbol, decode};
use crate::corpus::structure::SongStructure;
use crate::music::{Meter, Ratio};
use serde::{Deserialize, Serialize};

/// Songs up to this many bars form a meter's short class; longer ones its long class.
pub const SHORT_BARS: usize = 8;

/// The form of a corpus's songs of one meter (or of every meter) and length class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormClass {
    /// The meter; `None` for the songs of every meter together.
    pub meter: Option<Meter>,
    /// True for songs longer than [`SHORT_BARS`] bars.
    pub long: bool,
    /// Songs measured.
    pub songs: usize,
    /// Their form.
    pub stats: FormStats,
    /// How many of them start with a pickup of each length (16th steps; 0 = none).
    #[serde(default)]
    pub pickups: Vec<(usize, usize)>,
}

/// A corpus's form by meter and length class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormTable {
    /// One entry per meter and length class with songs.
    pub classes: Vec<FormClass>,
}

/// The songs of one meter (or all meters) and length class while a table is built.
struct Group {
    meter: Option<Meter>,
    long: bool,
    profiles: Vec<FormProfile>,
    pickups: Vec<(usize, usize)>,
}

/// Adds `n` to the count of `key` in a list of `(key, count)` pairs.
fn tally(counts: &mut Vec<(usize, usize)>, key: usize, n: usize) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, count)) => *count += n,
        None => counts.push((key, n)),
    }
}

impl FormTable {
    /// Measures encoded songs (model key: C major or A minor; the mode is read from the
    /// notes) with their meters and pickups; songs without a meter are left out.
    pub fn from_songs<'a>(
        songs: impl IntoIterator<Item = (&'a [Symbol], SongStructure)>,
    ) -> FormTable {
        let mut groups: Vec<Group> = Vec::new();
        for (symbols, structure) in songs {
            let Some(meter) = structure.meter else {
                continue;
            };
            let mut melody = decode(symbols, Ratio::STEP);
            melody.meter = Some(meter);
            melody.pickup = Ratio::from_steps(structure.pickup_steps);
            melody.key_signature = Some(0);
            let Some(profile) = FormProfile::of(&melody, None) else {
                continue;
            };
            let long = super::grid::FormGrid::new(&melody).is_some_and(|g| g.bars() > SHORT_BARS);
            for key in [Some(meter), None] {
                let index = match groups.iter().position(|g| g.meter == key && g.long == long) {
                    Some(i) => i,
                    None => {
                        groups.push(Group {
                            meter: key,
                            long,
                            profiles: Vec::new(),
                            pickups: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                let group = &mut groups[index];
                group.profiles.push(profile.clone());
                tally(&mut group.pickups, structure.pickup_steps, 1);
            }
        }
        let mut classes: Vec<FormClass> = groups
            .into_iter()
            .map(|mut g| {
                g.pickups.sort_unstable();
                FormClass {
                    meter: g.meter,
                    long: g.long,
                    songs: g.profiles.len(),
                    stats: FormStats::of(&g.profiles),
                    pickups: g.pickups,
                }
            })
            .collect();
        let order = |c: &FormClass| (c.meter.map(|m| (m.denominator, m.numerator)), c.long);
        classes.sort_by_key(order);
        FormTable { classes }
    }

    /// How often the songs of `meter` (either length) start with a pickup of each length.
    pub fn pickups(&self, meter: Meter) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for c in self.classes.iter().filter(|c| c.meter == Some(meter)) {
            for &(steps, n) in &c.pickups {
                tally(&mut out, steps, n);
            }
        }
        out.sort_unstable();
        out
    }

    /// The form of songs like one of `bars` bars in `meter`: its length class, else the
    /// meter's other class; for a meter the corpus does not have, every meter's songs.
    pub fn lookup(&self, meter: Meter, bars: usize) -> Option<&FormStats> {
        let long = bars > SHORT_BARS;
        let class = |m: Option<Meter>, l: bool| {
            self.classes
                .iter()
                .find(|c| c.meter == m && c.long == l)
                .map(|c| &c.stats)
        };
        class(Some(meter), long)
            .or_else(|| class(Some(meter), !long))
            .or_else(|| class(None, long))
            .or_else(|| class(None, !long))
    }
}
