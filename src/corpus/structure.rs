//! Musical structure beside the symbols: each song's meter and pickup, and the per-step
//! structure inputs a model reads (meter, position in the bar, metrical level, steps to
//! the end, infilling segment, the notes whole bars away and how long they have repeated).

use crate::corpus::encoding::Symbol;
use crate::corpus::phrases::{LABEL_VALUES, PhraseGrid, PhraseLabel};
use crate::music::{Meter, Ratio};
use serde::{Deserialize, Serialize};

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
        let pickup_steps = pickup.to_steps();
        SongStructure {
            meter,
            pickup_steps,
        }
    }

    /// Steps in one bar, when the meter is known and a bar is a whole number of steps.
    pub fn bar_steps(&self) -> Option<usize> {
        whole_steps(self.meter?.bar_length() / Ratio::STEP)
    }

    /// Steps in one beat: a dotted quarter in 6/8, 9/8 and 12/8, else the lower number's unit.
    pub fn beat_steps(&self) -> Option<usize> {
        let m = self.meter?;
        let unit = Ratio::new(4, i64::from(m.denominator)) / Ratio::STEP;
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

    /// True when `step` is a strong beat: the downbeat, or the middle beat of a bar with an
    /// even number of beats (beat 3 in 4/4, beat 2 in 2/4 and 6/8). 3/4 has only its downbeat.
    pub fn is_strong_beat(&self, step: usize) -> bool {
        let (Some(pos), Some(bar), Some(beat)) =
            (self.bar_position(step), self.bar_steps(), self.beat_steps())
        else {
            return false;
        };
        let beats = bar / beat.max(1);
        pos == 0 || (beats >= 2 && beats % 2 == 0 && pos == bar / 2)
    }

    /// The bar `step` falls in (1-based, as [`bar_start`](Self::bar_start) counts; 0 is
    /// the pickup).
    pub fn bar_of(&self, step: usize) -> Option<usize> {
        let bar = self.bar_steps()?;
        let first = self.pickup_steps % bar;
        Some(if step < first {
            0
        } else {
            (step - first) / bar + 1
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
    /// For each neighbour distance: how many of the steps just read repeat (or, ahead, are
    /// repeated by) the steps that many bars away, so that a model knows when the song is
    /// repeating a phrase. Off in folders from before this input.
    #[serde(default)]
    pub repeats: bool,
    /// Neighbours (and repeat runs) 8 bars away too, not only 1, 2 and 4: long songs
    /// repeat whole 8-bar strains. Off in folders from before this input.
    #[serde(default)]
    pub far: bool,
    /// A copy channel: of the steps 1 to [`COPY_BARS`] whole bars before or after that the
    /// model has read, the one with the longest repeat run, and that run, so that one set
    /// of weights learns to copy from wherever the song is repeating itself, the suffix
    /// too. Off in folders from before this input.
    #[serde(default)]
    pub copy: bool,
    /// Phrases: the bar within the phrase (phrases of the meter's usual length), the bars
    /// left to the song's end, and which earlier phrase this one repeats (the plan). Off in
    /// folders from before this input.
    #[serde(default)]
    pub phrase: bool,
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
            repeats: true,
            far: true,
            copy: true,
            phrase: true,
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
/// Repeat-run buckets: 0, 1, 2–3, 4–7, 8–15, 16–31, 32–63, 64 ([`MAX_RUN`]) steps.
const RUN_WIDTH: usize = 8;
/// The bar within its phrase: 0–7, the pickup, no meter.
const PHRASE_BAR_WIDTH: usize = 10;
/// Bars left to the song's last bar: 0–15, 16 or more, unknown.
const END_BARS_WIDTH: usize = 18;
/// All the phrase inputs: the bar, the bars left, the label.
const PHRASE_WIDTH: usize = PHRASE_BAR_WIDTH + END_BARS_WIDTH + LABEL_VALUES;

/// How far [`Neighbours`] look, in bars; the last (8) only for models with
/// [`StructureInputs::far`].
pub const NEIGHBOUR_BARS: [usize; 4] = [1, 2, 4, 8];
/// Neighbour distances.
const N: usize = NEIGHBOUR_BARS.len();

/// The symbols a whole number of bars before and after a step ([`NEIGHBOUR_BARS`]), where
/// the model has already read or written them; `None` where it has not, or the song has
/// no step there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Neighbours {
    /// 1, 2, 4 and 8 bars before.
    pub back: [Option<Symbol>; N],
    /// 1, 2, 4 and 8 bars after.
    pub ahead: [Option<Symbol>; N],
    /// For each distance in `back`: how many of the steps just read (up to [`MAX_RUN`])
    /// repeat the step that many bars before them, i.e. how long the song has been
    /// repeating itself at that distance.
    pub back_runs: [u8; N],
    /// For each distance in `ahead`: how many of the steps just read (up to [`MAX_RUN`])
    /// are repeated that many bars after them, where that is known.
    pub ahead_runs: [u8; N],
    /// The copy channel: of all steps 1 to [`COPY_BARS`] bars before or after that the
    /// model has read, the one with the longest repeat run: its symbol and the run.
    pub copy: (Option<Symbol>, u8),
}

/// How many bars away the copy channel looks, before and after.
pub const COPY_BARS: usize = 8;
const _: () = assert!(
    NEIGHBOUR_BARS[N - 1] <= COPY_BARS,
    "runs are counted up to COPY_BARS"
);

/// The longest repeat run [`Neighbours`] count.
pub const MAX_RUN: usize = 64;

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
    /// Where the song ends while filling (the span's end is `step + steps_to_end`); in
    /// plain songs and suffixes, `steps_to_end` counts to the song's end and this is unused.
    pub song_end: Option<usize>,
    /// What the step's phrase does with the phrases before it (the plan).
    pub phrase: PhraseLabel,
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
            song_end: None,
            phrase: PhraseLabel::Unknown,
        }
    }

    /// The step where the song ends: `step + steps_to_end` outside a fill.
    pub fn song_end(&self) -> Option<usize> {
        match self.segment {
            Segment::Fill => self.song_end,
            Segment::Plain | Segment::Suffix => Some(self.step + self.steps_to_end),
        }
    }

    /// The context with the symbols whole bars before and after its step, looked up in
    /// the song with `symbol_at` (song step -> symbol), keeping only what the model has
    /// read or written by then, in the order it reads:
    /// - plain songs read left to right: everything before, nothing after;
    /// - the suffix of an infilling sequence is read backwards: everything after it;
    /// - the prefix and the span come after the suffix: everything before, and after,
    ///   the suffix from the span's end on (`step + steps_to_end`).
    ///
    /// The repeat runs and the copy channel compare only steps read by then, too.
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
        // Repeat runs over the steps read just before this one, in reading order: how many
        // equal the step `d` steps before (`back`) or after (`ahead`) them.
        let same = |a: usize, b: usize| {
            let x = symbol_at(a);
            x.is_some() && x == symbol_at(b)
        };
        let run = |steps: &mut dyn Iterator<Item = usize>,
                   other: &dyn Fn(usize) -> Option<usize>| {
            steps
                .take(MAX_RUN)
                .take_while(|&j| other(j).is_some_and(|o| same(j, o)))
                .count() as u8
        };
        let back_run = |d: usize| back.then(|| run(&mut (0..k).rev(), &|j| j.checked_sub(d)));
        let ahead_run = |d: usize| {
            ahead_from.map(|first| {
                let known = |j: usize| Some(j + d).filter(|&o| o >= first);
                match self.segment {
                    Segment::Suffix => run(&mut (k + 1..), &known),
                    _ => run(&mut (0..k).rev(), &known),
                }
            })
        };
        let before = |d: usize| k.checked_sub(d).filter(|_| back);
        let after = |d: usize| ahead_from.filter(|&from| k + d >= from).map(|_| k + d);
        // (back, ahead) runs at 1 ..= COPY_BARS bars, each counted once.
        let runs: [(u8, u8); COPY_BARS] = std::array::from_fn(|i| {
            let d = (i + 1) * bar;
            (back_run(d).unwrap_or(0), ahead_run(d).unwrap_or(0))
        });
        for (i, bars) in NEIGHBOUR_BARS.iter().enumerate() {
            let d = bars * bar;
            self.neighbours.back[i] = before(d).and_then(&symbol_at);
            self.neighbours.ahead[i] = after(d).and_then(&symbol_at);
            (self.neighbours.back_runs[i], self.neighbours.ahead_runs[i]) = runs[bars - 1];
        }
        // The copy channel: the longest run at any whole-bar distance up to COPY_BARS;
        // on ties, ahead wins over back and nearer over farther.
        let mut best: Option<(u8, Symbol)> = None;
        for (i, &(back_run, ahead_run)) in runs.iter().enumerate() {
            let d = (i + 1) * bar;
            for (run, step) in [(ahead_run, after(d)), (back_run, before(d))] {
                if run > 0
                    && best.is_none_or(|(r, _)| run > r)
                    && let Some(symbol) = step.and_then(&symbol_at)
                {
                    best = Some((run, symbol));
                }
            }
        }
        if let Some((run, symbol)) = best {
            self.neighbours.copy = (Some(symbol), run);
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
            + (usize::from(self.lookback) + usize::from(self.lookahead))
                * self.distances()
                * (JOIN_WIDTH + usize::from(self.repeats) * RUN_WIDTH)
            + usize::from(self.copy) * (JOIN_WIDTH + RUN_WIDTH)
            + usize::from(self.phrase) * PHRASE_WIDTH
    }

    /// How many of [`NEIGHBOUR_BARS`] the model reads.
    fn distances(&self) -> usize {
        if self.far { N } else { N - 1 }
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
        let n = &ctx.neighbours;
        let d = self.distances();
        // Symbols before, then after; then their repeat runs (the order of the weights).
        for (symbols, on) in [(&n.back, self.lookback), (&n.ahead, self.lookahead)] {
            for &symbol in symbols.iter().take(d) {
                hot(on, JOIN_WIDTH, join_index(symbol), out);
            }
        }
        for (runs, on) in [
            (&n.back_runs, self.lookback),
            (&n.ahead_runs, self.lookahead),
        ] {
            for &run in runs.iter().take(d) {
                hot(on && self.repeats, RUN_WIDTH, run_bucket(run), out);
            }
        }
        let (symbol, run) = n.copy;
        hot(self.copy, JOIN_WIDTH, join_index(symbol), out);
        hot(self.copy, RUN_WIDTH, run_bucket(run), out);
        let (bar, to_end) = phrase_position(song, &ctx);
        hot(self.phrase, PHRASE_BAR_WIDTH, bar, out);
        hot(self.phrase, END_BARS_WIDTH, to_end, out);
        hot(self.phrase, LABEL_VALUES, ctx.phrase.index(), out);
    }
}

/// The phrase inputs' indices of a step: its bar within the phrase (0–7, the pickup, no
/// meter) and the bars left to the song's last bar (0–15, 16+, unknown).
fn phrase_position(song: &SongStructure, ctx: &StepContext) -> (usize, usize) {
    let Some(grid) = PhraseGrid::of(*song) else {
        return (PHRASE_BAR_WIDTH - 1, END_BARS_WIDTH - 1);
    };
    let bar = grid
        .bar_in_phrase(ctx.step)
        .map_or(PHRASE_BAR_WIDTH - 2, |b| b.min(PHRASE_BAR_WIDTH - 3));
    let to_end = ctx
        .song_end()
        .and_then(|end| {
            let last = song.bar_of(end.checked_sub(1)?)?;
            Some(last.saturating_sub(song.bar_of(ctx.step)?))
        })
        .map_or(END_BARS_WIDTH - 1, |b| b.min(END_BARS_WIDTH - 2));
    (bar, to_end)
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

/// The bucket of a repeat run: 0, 1, 2–3, 4–7, 8–15, 16–31, 32–63, 64.
fn run_bucket(run: u8) -> usize {
    match run {
        0 => 0,
        r => (r.ilog2() as usize + 1).min(RUN_WIDTH - 1),
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
        // Strong beats: beats 1 and 3 of 4/4, both beats of 6/8, only beat 1 of 3/4.
        let strong = |s: SongStructure| {
            (0..s.bar_steps().unwrap())
                .filter(|&i| s.is_strong_beat(i))
                .collect::<Vec<_>>()
        };
        assert_eq!(strong(song(4, 4, 0)), vec![0, 8]);
        assert_eq!(strong(song(6, 8, 0)), vec![0, 6]);
        assert_eq!(strong(song(3, 4, 0)), vec![0]);
        assert_eq!(strong(song(2, 4, 0)), vec![0, 4]);
        assert_eq!(
            (s.bar_of(1), s.bar_of(2), s.bar_of(14)),
            (Some(0), Some(1), Some(2))
        );
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
        // Exactly one value per group: six, eight each for lookback and lookahead (four
        // neighbours, four repeat runs), two for the copy channel and three for the phrase.
        assert_eq!(out.iter().sum::<f32>(), 27.0);
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
        assert_eq!(n.back, [note(12), note(4), None, None]);
        assert_eq!(n.ahead, [None; 4]);
        // Filling span 16..32, step 20: ahead only from the span's end (32) on: 36 and 52.
        let n = StepContext::new(20, 12, Segment::Fill, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back, [note(12), note(4), None, None]);
        assert_eq!(n.ahead, [None, note(36), note(52), None]);
        // The suffix, read backwards: ahead is read, back is not; past the end is none.
        let n = StepContext::new(40, 24, Segment::Suffix, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back, [None; 4]);
        assert_eq!(n.ahead, [note(48), note(56), None, None]);
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
        assert_eq!(b.iter().sum::<f32>(), 27.0);
    }

    #[test]
    fn repeat_runs_count_the_steps_that_repeat_what_the_model_has_read() {
        // 2/4, 8 steps a bar: bars 0-1 are 60..=75, bars 2-3 repeat them except step 19.
        let s = song(2, 4, 0);
        let pitch = |p: usize| Symbol::Note(crate::music::Pitch(p as u8));
        let at = |i: usize| {
            (i < 48).then(|| match i {
                19 => pitch(90),
                0..16 => pitch(60 + i),
                16..32 => pitch(60 + i - 16),
                _ => pitch(40 + i),
            })
        };
        // Plain, step 24: steps 23..=20 repeat those 2 bars back (16 steps), 19 does not.
        let n = StepContext::new(24, 24, Segment::Plain, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back_runs, [0, 4, 0, 0]);
        assert_eq!(n.ahead_runs, [0; 4]);
        // Step 36 (bar 4, new material): nothing before it repeats.
        let n = StepContext::new(36, 12, Segment::Plain, None).with_neighbours(&s, at);
        assert_eq!(n.neighbours.back_runs, [0; 4]);
        // Filling the span 4..16, step 8: steps 7..=4, written before it, repeat 2 bars
        // later (23..=20, in the suffix, read); step 3 does not (19 differs).
        let n = StepContext::new(8, 8, Segment::Fill, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.ahead_runs[1], 4);
        // The suffix, read backwards: at step 30, steps 31.. were read; 2 bars back is
        // not known, and two bars ahead (47..) differ.
        let n = StepContext::new(30, 18, Segment::Suffix, None)
            .with_neighbours(&s, at)
            .neighbours;
        assert_eq!(n.back_runs, [0; 4]);
        assert_eq!(n.ahead_runs, [0; 4]);
        // Each run is its own input; a run of 64 or more is the last bucket.
        assert_eq!(run_bucket(0), 0);
        assert_eq!(run_bucket(3), 2);
        assert_eq!(run_bucket(16), 5);
        assert_eq!(run_bucket(64), RUN_WIDTH - 1);
        // The copy channel names the neighbour with the longest run: 2 bars back at step 24
        // (step 8, pitch 68, a run of 4), the suffix 2 bars ahead while filling (step 24).
        let inputs = StructureInputs {
            phrase: false,
            ..StructureInputs::default()
        };
        let copy_channel = |ctx: StepContext| {
            let mut hot = Vec::new();
            inputs.active(&s, ctx.with_neighbours(&s, at), &mut hot);
            let symbol_base = inputs.width() - JOIN_WIDTH - RUN_WIDTH;
            let run = hot.pop().unwrap() - (inputs.width() - RUN_WIDTH);
            (hot.pop().unwrap() - symbol_base, run)
        };
        assert_eq!(
            copy_channel(StepContext::new(24, 24, Segment::Plain, None)),
            (20, 3)
        );
        assert_eq!(
            copy_channel(StepContext::new(8, 8, Segment::Fill, None)),
            (20, 3)
        );
        let none = join_index(None);
        assert_eq!(
            copy_channel(StepContext::new(36, 12, Segment::Plain, None)),
            (none, 0)
        );
        let long = StepContext::new(32, 16, Segment::Plain, None)
            .with_neighbours(&s, |i: usize| (i < 48).then(|| pitch(60 + i % 8)))
            .neighbours;
        assert_eq!(long.back_runs, [24, 16, 0, 0]);
    }
}
