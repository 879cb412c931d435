//! Repeat expansion: plays `|: … :|` sections twice and picks the endings `[1`, `[2`
//! for each pass, the way abc2midi does.
//!
//! A section starts at `|:`, after the previous `:|`, or at the tune's start (a `||`
//! is not a start). `:|` jumps back on the first pass, and again as long as a later
//! ending of the section names a higher pass (`|1 … :|2 … :|3 …`). An ending that
//! does not name the current pass is skipped up to the next ending, `:|`, `|:`, `||`
//! or `|]`. After the last ending has been played, a `||` or `|]` closes the section.

use super::body::Item;
use crate::error::Result;
use crate::limits::Limits;

/// The written events and changes in playing order, at most `max_events` of them (else
/// an [`Error::Limit`](crate::Error::Limit)). Linear in the items times the passes.
pub(super) fn expand(items: &[Item], max_events: usize) -> Result<Vec<&Item>> {
    let mut out = Vec::with_capacity(items.len().min(max_events));
    let mut state = State {
        section: 0,
        pass: 1,
        last_jump: None,
        later_endings: later_endings(items),
    };
    // Every jump moves the pass on, so this bound only guards against surprises.
    let mut budget = items.len().saturating_mul(70).max(1024);
    let mut pos = 0;
    while pos < items.len() && budget > 0 {
        budget -= 1;
        pos = match &items[pos] {
            item @ (Item::Event(_) | Item::Change(_)) => {
                if out.len() == max_events {
                    Limits::check(
                        "notes and rests after expanding repeats",
                        max_events.saturating_add(1),
                        max_events,
                    )?;
                }
                out.push(item);
                pos + 1
            }
            Item::Bar {
                end_repeat,
                start_repeat,
                double,
            } => state.bar(pos, (*end_repeat, *start_repeat, *double)),
            Item::Ending(mask) if mask & pass_bit(state.pass) != 0 => pos + 1,
            Item::Ending(_) => state.skip_ending(items, pos + 1),
        };
    }
    Ok(out)
}

/// For each position `k` (and `items.len()`), the passes named by the endings from `k`
/// up to the next `|:`: what a `:|` just before `k` may still go back for.
fn later_endings(items: &[Item]) -> Vec<u64> {
    let mut out = vec![0u64; items.len() + 1];
    for (k, item) in items.iter().enumerate().rev() {
        out[k] = match item {
            Item::Bar {
                start_repeat: true, ..
            } => 0,
            Item::Ending(mask) => mask | out[k + 1],
            _ => out[k + 1],
        };
    }
    out
}

fn pass_bit(pass: u32) -> u64 {
    1u64.checked_shl(pass).unwrap_or(0)
}

struct State {
    /// The first item of the current repeated section.
    section: usize,
    /// 1 on the first time through the section, 2 on the second, …
    pass: u32,
    /// The furthest `:|` we jumped back from.
    last_jump: Option<usize>,
    /// [`later_endings`] of the items.
    later_endings: Vec<u64>,
}

impl State {
    /// Handles a bar line at `pos` (`(end repeat, start repeat, double bar)`) and returns
    /// the next position.
    fn bar(&mut self, pos: usize, (end, start, double): (bool, bool, bool)) -> usize {
        if end {
            if self.pass < 64 && self.repeat_again(pos) {
                self.pass += 1;
                self.last_jump = Some(self.last_jump.map_or(pos, |j| j.max(pos)));
                return self.section;
            }
            self.new_section(pos + 1);
        } else if double && self.pass > 1 && self.last_jump.is_some_and(|j| pos > j) {
            // The last ending is over.
            self.new_section(pos + 1);
        }
        if start {
            self.new_section(pos + 1);
        }
        pos + 1
    }

    /// Whether `:|` at `pos` goes back: always on the first pass, later only when an
    /// ending further on (before the next `|:`) is for a higher pass.
    fn repeat_again(&self, pos: usize) -> bool {
        if self.pass == 1 {
            return true;
        }
        let higher = !pass_bit(self.pass + 1).wrapping_sub(1);
        self.later_endings
            .get(pos + 1)
            .is_some_and(|mask| mask & higher != 0)
    }

    fn new_section(&mut self, at: usize) {
        self.section = at;
        self.pass = 1;
        self.last_jump = None;
    }

    /// Skips an ending not played on this pass; returns where to go on.
    fn skip_ending(&mut self, items: &[Item], from: usize) -> usize {
        for (k, item) in items.iter().enumerate().skip(from) {
            match item {
                Item::Ending(_) => return k,
                Item::Bar {
                    end_repeat: true,
                    start_repeat,
                    ..
                } => {
                    // The skipped ending ends with `:|`: go on after it.
                    if *start_repeat {
                        self.new_section(k + 1);
                    }
                    return k + 1;
                }
                Item::Bar {
                    start_repeat: true, ..
                }
                | Item::Bar { double: true, .. } => return k,
                _ => {}
            }
        }
        items.len()
    }
}
