//! Musical structure beside the symbols: each song's meter and pickup, and the per-step
//! structure inputs a model reads (meter, position in the bar, metrical level, steps to
//! the end, infilling segment).

use crate::corpus::encoding::Symbol;
use crate::music::{Meter, Ratio};
use serde::{Deserialize, Serialize};

/// The 16th-note step of the encoding, in quarter notes.
fn step_length() -> Ratio {
    Ratio::new(1, 4)
}

/// A positive whole number of steps, or `None`.
fn whole_steps(r: Ratio) -> Option<usize> {
    (r.den() == 1 && r.is_positive()).then(|| r.num() as usize)
}

/// The longest bar whose positions get their own input (32 sixteenths: 4/2, 8/4, 16/8).
pub const MAX_BAR_STEPS: usize = 32;

/// Meters with their own input; anything else is "other", a song without one "unknown".
pub const METER_CLASSES: [(u32, u32); 9] = [
    (2, 4),
    (3, 4),
    (4, 4),
    (3, 8),
    (6, 8),
    (9, 8),
    (12, 8),
    (2, 2),
    (3, 2),
];

/// Exact steps-to-end values; beyond them come the coarse buckets.
const EXACT_END_STEPS: usize = 16;
/// Upper bounds (exclusive) of the coarse steps-to-end buckets after the exact ones.
const END_BUCKETS: [usize; 3] = [32, 64, 128];

/// A song's meter and pickup, kept next to its symbols.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SongStructure {
    /// The time signature; `None` is an unknown meter (free meter or none written).
    pub meter: Option<Meter>,
    /// Length of the incomplete first bar in 16th-note steps (0 = starts on a downbeat).
    pub pickup_steps: usize,
}

impl SongStructure {
    /// From a meter and a pickup in quarter notes (rounded down to whole steps).
    pub fn new(meter: Option<Meter>, pickup: Ratio) -> SongStructure {
        let pickup_steps = (pickup / step_length()).floor().max(0) as usize;
        SongStructure {
            meter,
            pickup_steps,
        }
    }

    /// Steps in one bar, when the meter is known and a bar is a whole number of steps.
    pub fn bar_steps(&self) -> Option<usize> {
        whole_steps(self.meter?.bar_length() / step_length())
    }

    /// Steps in one beat: a dotted quarter in 6/8, 9/8 and 12/8, else the lower number's unit.
    pub fn beat_steps(&self) -> Option<usize> {
        let m = self.meter?;
        let unit = Ratio::new(4, i64::from(m.denominator)) / step_length();
        let compound = m.denominator >= 8 && m.numerator > 3 && m.numerator % 3 == 0;
        whole_steps(if compound {
            unit * Ratio::from_int(3)
        } else {
            unit
        })
    }

    /// Position of `step` inside its bar (0 = downbeat), when the bar length is known.
    pub fn bar_position(&self, step: usize) -> Option<usize> {
        let bar = self.bar_steps()?;
        let offset = (bar - self.pickup_steps % bar) % bar;
        Some((step + offset) % bar)
    }

    /// True when `step` starts a bar.
    pub fn is_bar_line(&self, step: usize) -> bool {
        self.bar_position(step) == Some(0)
    }

    /// The metrical level of `step`: 0 downbeat, 1 beat, 2 eighth, 3 sixteenth.
    pub fn metrical_level(&self, step: usize) -> Option<usize> {
        let pos = self.bar_position(step)?;
        let beat = self.beat_steps()?.max(1);
        Some(if pos == 0 {
            0
        } else if pos % beat == 0 {
            1
        } else if pos % 2 == 0 {
            2
        } else {
            3
        })
    }

    /// The first step of bar `bar` (1-based; bar 1 is the first full bar after the pickup).
    pub fn bar_start(&self, bar: usize) -> Option<usize> {
        let bar_steps = self.bar_steps()?;
        let first = self.pickup_steps % bar_steps;
        Some(first + bar.checked_sub(1)? * bar_steps)
    }
}

/// Which part of an infilling sequence a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// An ordinary song, read left to right.
    Plain,
    /// The notes after the span, read first ("/ suffix / prefix middle").
    Suffix,
    /// The notes before the span and the span itself, which ends where the suffix begins.
    Fill,
}

/// The inputs a model reads beside the symbol; recorded in its `config.json`. A model
/// without them (`None` in the config) reads symbols only, as models before them did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructureInputs {
    /// The song's meter, one of [`METER_CLASSES`], other or unknown.
    pub meter: bool,
    /// The step's position in the bar (from the meter and the pickup).
    pub bar_position: bool,
    /// Downbeat, beat, eighth or sixteenth.
    pub metrical_level: bool,
    /// Steps left until the song ends (or, when filling, until the span ends).
    pub steps_to_end: bool,
    /// The infilling segment (plain, suffix, fill).
    pub infill: bool,
    /// While filling: the first symbol after the span (the note the span must lead into).
    #[serde(default)]
    pub join: bool,
    /// The symbols 1, 2 and 4 bars before the step, once the model has read or written
    /// them (Magenta's Lookback RNN feeds 1 and 2; folk tunes repeat whole 4-bar phrases).
    #[serde(default)]
    pub lookback: bool,
    /// The symbols 1, 2 and 4 bars after the step, where they are already known: the
    /// suffix while filling (a span often returns in the phrase after it).
    #[serde(default)]
    pub lookahead: bool,
}

impl Default for StructureInputs {
    /// Every input on.
    fn default() -> Self {
        StructureInputs {
            meter: true,
            bar_position: true,
            metrical_level: true,
            steps_to_end: true,
            infill: true,
            join: true,
            lookback: true,
            lookahead: true,
        }
    }
}

const METER_WIDTH: usize = METER_CLASSES.len() + 2;
const POSITION_WIDTH: usize = MAX_BAR_STEPS + 1;
const LEVEL_WIDTH: usize = 5;
const END_WIDTH: usize = EXACT_END_STEPS + END_BUCKETS.len() + 1;
const SEGMENT_WIDTH: usize = 3;
/// Lowest and highest MIDI pitch with its own join input (model key: C major / A minor).
const JOIN_PITCHES: (u8, u8) = (48, 84);
/// Join pitches, then rest, hold, none.
const JOIN_WIDTH: usize = (JOIN_PITCHES.1 - JOIN_PITCHES.0) as usize + 1 + 3;
/// One symbol input (a join or a neighbour) per bar distance.
const NEIGHBOURS_WIDTH: usize = NEIGHBOUR_BARS.len() * JOIN_WIDTH;

/// How far [`Neighbours`] look, in bars.
pub const NEIGHBOUR_BARS: [usize; 3] = [1, 2, 4];

/// The symbols a whole number of bars before and after a step ([`NEIGHBOUR_BARS`]), where
/// the model has already read or written them; `None` where it has not, or the song has
/// no step there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Neighbours {
    /// 1, 2 and 4 bars before.
    pub back: [Option<Symbol>; 3],
    /// 1, 2 and 4 bars after.
    pub ahead: [Option<Symbol>; 3],
}

/// Where a target step sits: the values that [`StructureInputs::write`] turns into inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepContext {
    /// The step's index in the song (0 = the first step after the opening delimiter).
    pub step: usize,
    /// Steps from this step to the end (of the song, or of the span when filling).
    pub steps_to_end: usize,
    /// The infilling segment.
    pub segment: Segment,
    /// While filling: the symbol right after the span; `None` elsewhere.
    pub join: Option<Symbol>,
    /// The symbols whole bars before and after (see [`StepContext::with_neighbours`]).
    pub neighbours: Neighbours,
}

impl StepContext {
    /// A context without neighbours (they are added by [`with_neighbours`](Self::with_neighbours)).
    pub fn new(step: usize, steps_to_end: usize, segment: Segment, join: Option<Symbol>) -> Self {
        StepContext {
            step,
            steps_to_end,
            segment,
            join,
            neighbours: Neighbours::default(),
        }
    }

    /// The context with the symbols whole bars before and after its step, looked up in
    /// the song with `symbol_at` (song step -> symbol), keeping only what the model has
    /// read or written by then, in the order it reads:
    /// - plain songs read left to right: everything before, nothing after;
    /// - the suffix of an infilling sequence is read backwards: everything after it;
    /// - the prefix and the span come after the suffix: everything before, and after,
    ///   the suffix from the span's end on (`step + steps_to_end`).
    pub fn with_neighbours(
        mut self,
        song: &SongStructure,
        symbol_at: impl Fn(usize) -> Option<Symbol>,
    ) -> StepContext {
        let Some(bar) = song.bar_steps() else {
            return self;
        };
        let k = self.step;
        let (back, ahead_from) = match self.segment {
            Segment::Plain => (true, None),
            Segment::Suffix => (false, Some(k + 1)),
            Segment::Fill => (true, Some(k + self.steps_to_end)),
        };
        for (i, bars) in NEIGHBOUR_BARS.iter().enumerate() {
            let d = bars * bar;
            self.neighbours.back[i] = k.checked_sub(d).filter(|_| back).and_then(&symbol_at);
            self.neighbours.ahead[i] = ahead_from
                .filter(|&from| k + d >= from)
                .and_then(|_| symbol_at(k + d));
        }
        self
    }
}

impl StructureInputs {
    /// Number of input values per step.
    pub fn width(&self) -> usize {
        usize::from(self.meter) * METER_WIDTH
            + usize::from(self.bar_position) * POSITION_WIDTH
            + usize::from(self.metrical_level) * LEVEL_WIDTH
            + usize::from(self.steps_to_end) * END_WIDTH
            + usize::from(self.infill) * SEGMENT_WIDTH
            + usize::from(self.join) * JOIN_WIDTH
            + usize::from(self.lookback) * NEIGHBOURS_WIDTH
            + usize::from(self.lookahead) * NEIGHBOURS_WIDTH
    }

    /// Writes the multi-hot inputs of one step into `out` (`width()` values, zeroed first).
    pub fn write(&self, song: &SongStructure, ctx: StepContext, out: &mut [f32]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        let mut ones = Vec::with_capacity(16);
        self.active(song, ctx, &mut ones);
        for i in ones {
            out[i] = 1.0;
        }
    }

    /// Appends the indices of one step's inputs that are 1 (all others are 0) to `out`:
    /// the sparse form of [`write`](Self::write).
    pub fn active(&self, song: &SongStructure, ctx: StepContext, out: &mut Vec<usize>) {
        let mut base = 0;
        let mut hot = |on: bool, width: usize, index: usize, out: &mut Vec<usize>| {
            if on {
                out.push(base + index.min(width - 1));
                base += width;
            }
        };
        hot(self.meter, METER_WIDTH, meter_class(song.meter), out);
        let position = song
            .bar_position(ctx.step)
            .filter(|_| song.bar_steps().is_some_and(|b| b <= MAX_BAR_STEPS))
            .unwrap_or(MAX_BAR_STEPS);
        hot(self.bar_position, POSITION_WIDTH, position, out);
        let level = song.metrical_level(ctx.step).unwrap_or(LEVEL_WIDTH - 1);
        hot(self.metrical_level, LEVEL_WIDTH, level, out);
        hot(
            self.steps_to_end,
            END_WIDTH,
            end_bucket(ctx.steps_to_end),
            out,
        );
        let segment = match ctx.segment {
            Segment::Plain => 0,
            Segment::Suffix => 1,
            Segment::Fill => 2,
        };
        hot(self.infill, SEGMENT_WIDTH, segment, out);
        hot(self.join, JOIN_WIDTH, join_index(ctx.join), out);
        for symbol in ctx.neighbours.back {
            hot(self.lookback, JOIN_WIDTH, join_index(symbol), out);
        }
        for symbol in ctx.neighbours.ahead {
            hot(self.lookahead, JOIN_WIDTH, join_index(symbol), out);
        }
    }
}

/// The meter's class index: one of [`METER_CLASSES`], then "other", then "unknown".
fn meter_class(meter: Option<Meter>) -> usize {
    match meter {
        None => METER_CLASSES.len() + 1,
        Some(m) => METER_CLASSES
            .iter()
            .position(|&(n, d)| n == m.numerator && d == m.denominator)
            .unwrap_or(METER_CLASSES.len()),
    }
}

/// The index of a symbol input (join or neighbour): the pitch (clamped to
/// [`JOIN_PITCHES`]), rest, hold, or none.
fn join_index(join: Option<Symbol>) -> usize {
    let pitches = (JOIN_PITCHES.1 - JOIN_PITCHES.0) as usize + 1;
    match join {
        Some(Symbol::Note(p)) => {
            (p.midi().clamp(JOIN_PITCHES.0, JOIN_PITCHES.1) - JOIN_PITCHES.0) as usize
        }
        Some(Symbol::Rest) => pitches,
        Some(Symbol::Hold) => pitches + 1,
        Some(Symbol::Delimiter) | None => pitches + 2,
    }
}

fn end_bucket(steps: usize) -> usize {
    if steps < EXACT_END_STEPS {
        return steps;
    }
    EXACT_END_STEPS
        + END_BUCKETS
            .iter()
            .position(|&b| steps < b)
            .unwrap_or(END_BUCKETS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn song(n: u32, d: u32, pickup_steps: usize) -> SongStructure {
        SongStructure {
            meter: Meter::new(n, d),
            pickup_steps,
        }
    }

    #[test]
    fn positions_follow_meter_and_pickup() {
        // 3/4 with an eighth-note pickup: bar lines at steps 2, 14, 26.
        let s = song(3, 4, 2);
        assert_eq!(s.bar_steps(), Some(12));
        assert_eq!(s.bar_position(0), Some(10));
        assert_eq!(s.bar_position(2), Some(0));
        assert!(s.is_bar_line(14) && !s.is_bar_line(13));
        assert_eq!(s.bar_start(1), Some(2));
        assert_eq!(s.bar_start(3), Some(26));
        assert_eq!(s.metrical_level(6), Some(1));
        assert_eq!(s.metrical_level(4), Some(2));
        assert_eq!(s.metrical_level(3), Some(3));
        // 6/8: the beat is a dotted quarter.
        let c = song(6, 8, 0);
        assert_eq!(c.beat_steps(), Some(6));
        assert_eq!(c.metrical_level(6), Some(1));
        assert_eq!(c.metrical_level(4), Some(2));
    }

    #[test]
    fn unknown_meter_is_its_own_value() {
        let s = SongStructure::default();
        assert_eq!(s.bar_position(5), None);
        let inputs = StructureInputs::default();
        let mut out = vec![0.0; inputs.width()];
        let ctx = StepContext::new(5, 40, Segment::Plain, None);
        inputs.write(&s, ctx, &mut out);
        // Exactly one value per group: six, and three each for lookback and lookahead.
        assert_eq!(out.iter().sum::<f32>(), 12.0);
        assert_eq!(out[METER_WIDTH - 1], 1.0, "unknown meter");
        assert_eq!(
            out[METER_WIDTH + POSITION_WIDTH - 1],
            1.0,
            "unknown position"
        );
    }

    #[test]
    fn inputs_differ_by_meter_position_and_end() {
        let inputs = StructureInputs::default();
        let write = |s: &SongStructure, step, end| {
            let mut out = vec![0.0; inputs.width()];
            let ctx = StepContext::new(step, end, Segment::Plain, None);
            inputs.write(s, ctx, &mut out);
            out
        };
        let a = write(&song(3, 4, 0), 0, 10);
        assert_ne!(a, write(&song(2, 4, 0), 0, 10));
        assert_ne!(a, write(&song(3, 4, 0), 1, 10));
        assert_ne!(a, write(&song(3, 4, 0), 0, 11));
        assert_eq!(end_bucket(200), END_WIDTH - 1);
        assert_eq!(end_bucket(40), EXACT_END_STEPS + 1);
    }

    #[test]
    fn neighbours_are_what_the_model_has_read() {
        // 2/4 (8 steps a bar), a song of 64 steps whose step i holds "pitch" 48 + i % 37.
        let s = song(2, 4, 0);
        let at =
            |i: usize| (i < 64).then(|| Symbol::Note(crate::music::Pitch(48 + (i % 37) as u8)));
        let note = |i: usize| Some(Symbol::Note(crate::music::Pitch(48 + (i % 37) as u8)));
        // Plain, step 20: 1 and 2 bars back (12, 4) known, 4 bars back (-12) not; nothing ahead.
        let n = StepContext::new(20, 44, Segment::Plain, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back, [note(12), note(4), None]);
        assert_eq!(n.ahead, [None; 3]);
        // Filling span 16..32, step 20: ahead only from the span's end (32) on: 36 and 52.
        let n = StepContext::new(20, 12, Segment::Fill, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back, [note(12), note(4), None]);
        assert_eq!(n.ahead, [None, note(36), note(52)]);
        // The suffix, read backwards: ahead is read, back is not; past the end is none.
        let n = StepContext::new(40, 24, Segment::Suffix, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back, [None; 3]);
        assert_eq!(n.ahead, [note(48), note(56), None]);
        // Without a meter there are no bars to look across.
        let free = SongStructure::default();
        let n = StepContext::new(20, 44, Segment::Plain, None).with_neighbours(&free, at);
        assert_eq!(n.neighbours, Neighbours::default());
        // Each neighbour is its own input.
        let inputs = StructureInputs::default();
        let mut a = vec![0.0; inputs.width()];
        let mut b = vec![0.0; inputs.width()];
        let ctx = StepContext::new(20, 12, Segment::Fill, None);
        inputs.write(&s, ctx, &mut a);
        inputs.write(&s, ctx.with_neighbours(&s, at), &mut b);
        assert_ne!(a, b);
        assert_eq!(b.iter().sum::<f32>(), 12.0);
    }
}
