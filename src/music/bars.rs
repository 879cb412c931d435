//! Where a melody's bar lines fall: from its meter, its pickup and its meter changes.

use super::melody::{Melody, Meter};
use super::ratio::Ratio;

/// A stretch of bars of one length, from `start` up to the next segment.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    /// Where its first bar starts.
    start: Ratio,
    /// The length of its bars; `None` for free meter (one bar up to the next segment).
    bar: Option<Ratio>,
    /// The meter its bars are in.
    meter: Option<Meter>,
    /// The index of its first bar (0-based over the whole melody).
    first_bar: usize,
}

/// The bar lines of a melody: a pickup (bar 0, shorter), then bars of the meter, and a
/// new bar wherever the meter changes (the bar before a change that falls mid-bar is cut
/// short there). Bars are numbered from 0.
#[derive(Clone, Debug, PartialEq)]
pub struct BarGrid {
    segments: Vec<Segment>,
}

impl BarGrid {
    /// The grid of a melody: its meter, pickup and meter changes.
    pub fn of(melody: &Melody) -> BarGrid {
        BarGrid::new(melody.meter, melody.pickup, melody.meter_changes())
    }

    /// A grid from a starting meter (`None`: free meter), a pickup (used when it is
    /// shorter than a bar) and meter changes in time order.
    pub fn new(
        meter: Option<Meter>,
        pickup: Ratio,
        changes: impl IntoIterator<Item = (Ratio, Meter)>,
    ) -> BarGrid {
        let bar = meter.map(Meter::bar_length);
        let mut segments = Vec::new();
        match bar {
            Some(b) if pickup.is_positive() && pickup < b => {
                segments.push(Segment {
                    start: Ratio::ZERO,
                    bar: Some(pickup),
                    meter,
                    first_bar: 0,
                });
                segments.push(Segment {
                    start: pickup,
                    bar,
                    meter,
                    first_bar: 1,
                });
            }
            _ => segments.push(Segment {
                start: Ratio::ZERO,
                bar,
                meter,
                first_bar: 0,
            }),
        }
        let mut grid = BarGrid { segments };
        for (at, m) in changes {
            grid.change(at, m);
        }
        grid
    }

    /// Starts bars of `meter` at `at` (a new bar, unless one starts there already).
    fn change(&mut self, at: Ratio, meter: Meter) {
        let Some(&last) = self.segments.last() else {
            return;
        };
        let bar = Some(meter.bar_length());
        if at < last.start {
            // Out of order, or inside the pickup: ignored.
            return;
        }
        if at == last.start {
            if let Some(seg) = self.segments.last_mut() {
                seg.bar = bar;
                seg.meter = Some(meter);
            }
            return;
        }
        let first_bar = match last.bar {
            Some(b) => {
                let whole = ((at - last.start) / b).floor();
                let whole = usize::try_from(whole).unwrap_or(usize::MAX);
                let on_line = (at - last.start).is_multiple_of(b);
                last.first_bar
                    .saturating_add(whole)
                    .saturating_add(usize::from(!on_line))
            }
            None => last.first_bar.saturating_add(1),
        };
        self.segments.push(Segment {
            start: at,
            bar,
            meter: Some(meter),
            first_bar,
        });
    }

    /// The segment holding time `t`.
    fn segment_at(&self, t: Ratio) -> usize {
        self.segments
            .partition_point(|s| s.start <= t)
            .saturating_sub(1)
    }

    /// The segment holding bar `index`.
    fn segment_of_bar(&self, index: usize) -> usize {
        self.segments
            .partition_point(|s| s.first_bar <= index)
            .saturating_sub(1)
    }

    /// The bar (0-based) holding time `t`.
    pub fn bar_of(&self, t: Ratio) -> usize {
        let k = self.segment_at(t);
        let seg = self.segments[k];
        let index = match seg.bar {
            Some(b) if t > seg.start => {
                let whole = ((t - seg.start) / b).floor();
                seg.first_bar
                    .saturating_add(usize::try_from(whole).unwrap_or(usize::MAX))
            }
            _ => seg.first_bar,
        };
        match self.segments.get(k + 1) {
            Some(next) => index.min(next.first_bar.saturating_sub(1)),
            None => index,
        }
    }

    /// Where bar `index` starts.
    pub fn bar_start(&self, index: usize) -> Ratio {
        let seg = self.segments[self.segment_of_bar(index)];
        match seg.bar {
            Some(b) => {
                let n = i64::try_from(index - seg.first_bar).unwrap_or(i64::MAX);
                seg.start + b * Ratio::from_int(n)
            }
            None => seg.start,
        }
    }

    /// Where bar `index` ends: the next bar's start, or `None` for the last bar of a
    /// melody in free meter.
    pub fn bar_end(&self, index: usize) -> Option<Ratio> {
        let k = self.segment_of_bar(index);
        let seg = self.segments[k];
        let next = self.segments.get(k + 1);
        if next.is_some_and(|n| n.first_bar == index.saturating_add(1)) {
            return next.map(|n| n.start);
        }
        seg.bar.map(|_| self.bar_start(index.saturating_add(1)))
    }

    /// The first bar line after `t` (`None` in free meter with no later change).
    pub fn next_barline(&self, t: Ratio) -> Option<Ratio> {
        self.bar_end(self.bar_of(t))
    }

    /// The meter bar `index` is in (`None`: free meter).
    pub fn meter_of(&self, index: usize) -> Option<Meter> {
        self.segments[self.segment_of_bar(index)].meter
    }

    /// Whether bar `index` is shorter than its meter's bar (a pickup, or the bar before
    /// a change that falls mid-bar).
    pub fn is_short(&self, index: usize) -> bool {
        let full = self.meter_of(index).map(Meter::bar_length);
        match (full, self.bar_end(index)) {
            (Some(full), Some(end)) => end - self.bar_start(index) < full,
            _ => false,
        }
    }

    /// The bars a melody of `length` quarter notes spans (at least one).
    pub fn bar_count(&self, length: Ratio) -> usize {
        if !length.is_positive() {
            return 1;
        }
        let last = self.bar_of(length);
        if self.bar_start(last) == length {
            last.max(1)
        } else {
            last.saturating_add(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64) -> Ratio {
        Ratio::from_int(n)
    }

    #[test]
    fn pickup_then_bars_then_a_change() {
        let three = Meter::new(3, 4);
        let two = Meter::new(2, 4).unwrap();
        let grid = BarGrid::new(three, q(1), [(q(7), two)]);
        // Bar 0: [0, 1); bars 1, 2: [1, 4), [4, 7); bar 3 onwards: 2/4 from 7.
        assert_eq!(grid.bar_of(Ratio::new(1, 2)), 0);
        assert_eq!(grid.bar_of(q(1)), 1);
        assert_eq!(grid.bar_of(q(6)), 2);
        assert_eq!(grid.bar_of(q(7)), 3);
        assert_eq!(grid.bar_of(q(9)), 4);
        assert_eq!(grid.bar_start(4), q(9));
        assert_eq!(grid.next_barline(q(2)), Some(q(4)));
        assert_eq!(grid.meter_of(3), Some(two));
        assert!(grid.is_short(0) && !grid.is_short(1));
        assert_eq!(grid.bar_count(q(11)), 5);
    }

    #[test]
    fn a_change_mid_bar_cuts_the_bar_short() {
        let four = Meter::new(4, 4);
        let three = Meter::new(3, 4).unwrap();
        let grid = BarGrid::new(four, Ratio::ZERO, [(q(6), three)]);
        assert_eq!(grid.bar_of(q(5)), 1);
        assert_eq!(grid.bar_end(1), Some(q(6)));
        assert!(grid.is_short(1));
        assert_eq!(grid.bar_of(q(6)), 2);
        assert_eq!(grid.bar_start(3), q(9));
    }

    #[test]
    fn free_meter_has_one_open_bar() {
        let grid = BarGrid::new(None, Ratio::ZERO, []);
        assert_eq!(grid.bar_of(q(100)), 0);
        assert_eq!(grid.next_barline(q(3)), None);
        let grid = BarGrid::new(None, Ratio::ZERO, [(q(5), Meter::default())]);
        assert_eq!(grid.next_barline(q(3)), Some(q(5)));
        assert_eq!(grid.bar_of(q(9)), 2);
    }
}
