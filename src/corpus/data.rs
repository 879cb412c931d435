//! Training data: songs as id sequences, cut into windows; batches with targets shifted by one.

use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::phrases::{PhraseGrid, PhraseLabel};
use crate::corpus::structure::{Neighbours, Segment, SongStructure, StepContext, StructureInputs};
use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Songs as vocabulary ids, without delimiters, each with its meter and pickup.
#[derive(Clone, Debug, Default)]
pub struct SongIds {
    /// One id sequence per song.
    pub songs: Vec<Vec<usize>>,
    /// Each song's meter and pickup (same order as `songs`; missing entries are unknown).
    pub structure: Vec<SongStructure>,
}

impl SongIds {
    /// Maps encoded songs to ids. Songs with a symbol outside the vocabulary are skipped
    /// and counted in the second value.
    pub fn from_symbols<'a>(
        songs: impl IntoIterator<Item = (&'a [Symbol], SongStructure)>,
        vocab: &Vocabulary,
    ) -> (SongIds, usize) {
        let mut out = SongIds::default();
        let mut skipped = 0;
        for (s, structure) in songs {
            match vocab.encode(s) {
                Ok(ids) => {
                    out.songs.push(ids);
                    out.structure.push(structure);
                }
                Err(_) => skipped += 1,
            }
        }
        (out, skipped)
    }

    /// Total symbols.
    pub fn symbols(&self) -> usize {
        self.songs.iter().map(Vec::len).sum()
    }

    /// The meter and pickup of song `index` (unknown when not recorded).
    pub fn structure_of(&self, index: usize) -> SongStructure {
        self.structure.get(index).copied().unwrap_or_default()
    }

    /// Splits off `fraction` of the songs (at least one when there are two or more) for
    /// validation, chosen by a seeded shuffle: `(train, valid)`.
    pub fn split(&self, fraction: f64, seed: u64) -> Result<(SongIds, SongIds)> {
        let (train_idx, valid_idx) = self.split_indices(fraction, seed)?;
        let pick = |idx: &[usize]| SongIds {
            songs: idx.iter().map(|&i| self.songs[i].clone()).collect(),
            structure: idx.iter().map(|&i| self.structure_of(i)).collect(),
        };
        Ok((pick(&train_idx), pick(&valid_idx)))
    }

    /// The indices of the songs [`split`](Self::split) trains on and validates on, each
    /// in order.
    pub fn split_indices(&self, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::Invalid(format!(
                "validation split must be in [0, 1), got {fraction}"
            )));
        }
        let mut order: Vec<usize> = (0..self.songs.len()).collect();
        shuffle(&mut order, seed);
        let mut n_valid = (self.songs.len() as f64 * fraction).round() as usize;
        if fraction > 0.0 && n_valid == 0 && self.songs.len() >= 2 {
            n_valid = 1;
        }
        let mut valid_idx: Vec<usize> = order[..n_valid].to_vec();
        let mut train_idx: Vec<usize> = order[n_valid..].to_vec();
        valid_idx.sort_unstable();
        train_idx.sort_unstable();
        Ok((train_idx, valid_idx))
    }
}

/// A training window: `len + 1` ids (inputs are the first `len`, targets the last `len`),
/// a mask that is 0 on padding targets, and where each target sits in its song.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// `len + 1` ids.
    pub ids: Vec<usize>,
    /// `len` weights: 1 for a real target, 0 for padding.
    pub mask: Vec<f32>,
    /// The song's meter and pickup.
    pub structure: SongStructure,
    /// `len` contexts, one per target (empty for windows without structure).
    pub contexts: Vec<StepContext>,
}

impl Window {
    /// Steps in the window.
    pub fn len(&self) -> usize {
        self.mask.len()
    }

    /// True for a window without steps.
    pub fn is_empty(&self) -> bool {
        self.mask.is_empty()
    }
}

/// Cuts every song, framed by delimiters (`/ song /`), into windows of `len` steps. The
/// last window of a song is padded with delimiters that the mask leaves out of the loss.
/// Each window starts from a fresh state in training, as each song does in generation.
pub fn windows(songs: &SongIds, len: usize, delimiter: usize) -> Vec<Window> {
    let len = len.max(1);
    let mut out = Vec::new();
    for (index, song) in songs.songs.iter().enumerate() {
        let mut framed = Vec::with_capacity(song.len() + 2);
        framed.push(delimiter);
        framed.extend_from_slice(song);
        framed.push(delimiter);
        let contexts = plain_contexts(song.len());
        let structure = songs.structure_of(index);
        let targets = framed.len() - 1;
        let mut start = 0;
        while start < targets {
            let end = (start + len).min(targets);
            let mut ids: Vec<usize> = framed[start..=end].to_vec();
            let real = ids.len() - 1;
            ids.resize(len + 1, delimiter);
            let mut mask = vec![1.0; real];
            mask.resize(len, 0.0);
            let mut ctx = contexts[start..end].to_vec();
            ctx.resize(len, PADDING);
            out.push(Window {
                ids,
                mask,
                structure,
                contexts: ctx,
            });
            start += len;
        }
    }
    out
}

/// The context of a padding target (never scored).
const PADDING: StepContext = StepContext {
    step: 0,
    steps_to_end: 0,
    segment: Segment::Plain,
    join: None,
    neighbours: Neighbours {
        back: [None; 4],
        ahead: [None; 4],
        back_runs: [0; 4],
        ahead_runs: [0; 4],
        copy: (None, 0),
    },
    song_end: None,
    phrase: crate::corpus::phrases::PhraseLabel::Unknown,
};

/// The contexts of the targets of `/ song /`: steps `0..=len`, the last one the closing `/`.
fn plain_contexts(len: usize) -> Vec<StepContext> {
    (0..=len)
        .map(|step| StepContext::new(step, len - step, Segment::Plain, None))
        .collect()
}

/// One whole song as a window: `/ song /`, every target scored, no cut.
pub fn song_window(song: &[usize], structure: SongStructure, delimiter: usize) -> Window {
    let mut ids = Vec::with_capacity(song.len() + 2);
    ids.push(delimiter);
    ids.extend_from_slice(song);
    ids.push(delimiter);
    Window {
        ids,
        mask: vec![1.0; song.len() + 1],
        structure,
        contexts: plain_contexts(song.len()),
    }
}

/// Fills in the window's [`Neighbours`]: the symbols of `song` (the ids the window was
/// cut from) whole bars before and after each target, where the model has read them.
/// Training, evaluation and generation all call this, so the model sees the same inputs.
pub fn add_neighbours(w: &mut Window, song: &[usize], vocab: &Vocabulary) {
    let structure = w.structure;
    for ctx in &mut w.contexts {
        *ctx = ctx.with_neighbours(&structure, |step| {
            song.get(step).and_then(|&id| vocab.symbol(id))
        });
    }
}

/// Gives every target of the window the label of its phrase (`labels` per phrase of the
/// song, from [`crate::corpus::phrases::labels`] or a plan); without a meter, or past the
/// labels, a step's phrase is unknown.
pub fn add_phrases(w: &mut Window, labels: &[PhraseLabel]) {
    let Some(grid) = PhraseGrid::of(w.structure) else {
        return;
    };
    for ctx in &mut w.contexts {
        ctx.phrase = labels
            .get(grid.phrase_of(ctx.step))
            .copied()
            .unwrap_or_default();
    }
}

/// The phrase labels of a song of ids (from its own repetitions).
pub fn song_phrase_labels(
    song: &[usize],
    structure: SongStructure,
    vocab: &Vocabulary,
) -> Vec<PhraseLabel> {
    let Some(grid) = PhraseGrid::of(structure) else {
        return Vec::new();
    };
    let symbols: Vec<Symbol> = song.iter().filter_map(|&id| vocab.symbol(id)).collect();
    crate::corpus::phrases::labels(&symbols, &grid)
}

/// Settings for [`sequences`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SequenceOptions {
    /// The longest window; longer songs are cut into windows of this many steps.
    pub max_len: usize,
    /// Infilling sequences per song (0 = none).
    pub infill_per_song: usize,
    /// Seed for the spans.
    pub seed: u64,
    /// Give each song's steps its phrase labels (for a model with phrase inputs), leaving
    /// a song's labels unknown with probability [`UNKNOWN_PLAN_SHARE`] so the model also
    /// writes without a plan.
    pub phrases: bool,
}

/// The share of training songs whose phrase labels are hidden (unknown), per epoch.
pub const UNKNOWN_PLAN_SHARE: f64 = 0.3;

/// Training sequences: every song whole (`/ song /`, cut only when longer than
/// `max_len`), plus `infill_per_song` infilling sequences per song, each for a random span
/// (see [`infill_window`]). Windows have their own lengths; [`batch`] pads them.
pub fn sequences(
    songs: &SongIds,
    vocab: &Vocabulary,
    delimiter: usize,
    options: &SequenceOptions,
) -> Vec<Window> {
    let max_len = options.max_len.max(1);
    let mut out = Vec::new();
    let mut rng = SplitMix64(options.seed ^ 0x5EED_F111);
    for (index, song) in songs.songs.iter().enumerate() {
        let first = out.len();
        if song.len() < max_len {
            out.push(song_window(song, songs.structure_of(index), delimiter));
        } else {
            let single = SongIds {
                songs: vec![song.clone()],
                structure: vec![songs.structure_of(index)],
            };
            for mut w in windows(&single, max_len, delimiter) {
                let real = w.mask.iter().filter(|&&m| m > 0.0).count();
                w.ids.truncate(real + 1);
                w.mask.truncate(real);
                w.contexts.truncate(real);
                out.push(w);
            }
        }
        for _ in 0..options.infill_per_song {
            let structure = songs.structure_of(index);
            let Some((a, b)) = random_span(song.len(), &structure, &mut rng) else {
                continue;
            };
            let span = FillSpan {
                steps: a..b,
                join: vocab.symbol(song[b]),
            };
            if let Some(w) = infill_window(song, structure, &span, delimiter, max_len) {
                out.push(w);
            }
        }
        let labels = if options.phrases && rng.next_f64() >= UNKNOWN_PLAN_SHARE {
            song_phrase_labels(song, songs.structure_of(index), vocab)
        } else {
            Vec::new()
        };
        for w in &mut out[first..] {
            add_neighbours(w, song, vocab);
            add_phrases(w, &labels);
        }
    }
    out
}

/// A random span `a..b` to fill: whole bars (1 to 4) when the meter is known, else 4 to
/// 64 steps; the suffix after it is never empty.
fn random_span(
    len: usize,
    structure: &SongStructure,
    rng: &mut SplitMix64,
) -> Option<(usize, usize)> {
    if len < 3 {
        return None;
    }
    let pick = |rng: &mut SplitMix64, n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
    if let Some(bar) = structure.bar_steps().filter(|_| rng.next_f64() < 0.75) {
        let starts: Vec<usize> = (0..len).filter(|&s| structure.is_bar_line(s)).collect();
        if !starts.is_empty() {
            let a = starts[pick(rng, starts.len())];
            let b = (a + bar * (1 + pick(rng, 4))).min(len - 1);
            if b > a {
                return Some((a, b));
            }
        }
    }
    let span = 4 + pick(rng, 61);
    let a = pick(rng, len - 1);
    let b = (a + span).min(len - 1);
    (b > a).then_some((a, b))
}

/// The steps a fill rewrites, and the symbol right after them (where the fill must lead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillSpan {
    /// 16th steps `a..b` of the song.
    pub steps: std::ops::Range<usize>,
    /// The symbol at step `b`, if the song goes on after the span.
    pub join: Option<Symbol>,
}

/// The infilling sequence for `span` `a..b` of a song: `/ s_{b+k-1} … s_b / s_0 … s_{b-1}`,
/// the suffix read backwards so that the notes nearest the span come last, then the
/// prefix and the span itself. Its targets are the inputs shifted by one, the last being
/// `s_b`, where the span must join. Suffix targets count their steps to the song's end,
/// the others to the span's end, and those carry `join` (the symbol `s_b`). A suffix too
/// long for `max_len` keeps its part nearest the span; `None` when even the prefix and the
/// span do not fit.
pub fn infill_window(
    song: &[usize],
    structure: SongStructure,
    span: &FillSpan,
    delimiter: usize,
    max_len: usize,
) -> Option<Window> {
    let (a, b) = (span.steps.start, span.steps.end);
    let join = span.join;
    let len = song.len();
    if a >= b || b >= len || b.saturating_add(3) > max_len {
        return None;
    }
    let suffix_len = (len - b).min(max_len - b - 2);
    let mut ids = Vec::with_capacity(suffix_len + b + 3);
    let mut contexts = Vec::with_capacity(suffix_len + b + 2);
    ids.push(delimiter);
    for step in (b..b + suffix_len).rev() {
        ids.push(song[step]);
        contexts.push(StepContext::new(step, len - step, Segment::Suffix, None));
    }
    ids.push(delimiter);
    contexts.push(StepContext::new(b, 0, Segment::Suffix, None));
    for (step, &id) in song.iter().enumerate().take(b + 1) {
        ids.push(id);
        let mut ctx = StepContext::new(step, b - step, Segment::Fill, join);
        ctx.song_end = Some(len);
        contexts.push(ctx);
    }
    // The last id (s_b) is only a target.
    Some(Window {
        ids,
        mask: vec![1.0; contexts.len()],
        structure,
        contexts,
    })
}

/// A batch on a device.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Input ids `[batch, len]`.
    pub inputs: Tensor<2, Int>,
    /// Target ids `[batch, len]`: the inputs shifted by one.
    pub targets: Tensor<2, Int>,
    /// Target weights `[batch, len]`.
    pub mask: Tensor<2>,
    /// Structure inputs `[batch, len, width]`, when the model reads them.
    pub features: Option<Tensor<3>>,
    /// Number of real targets (the mask's sum).
    pub targets_count: usize,
}

/// The rule every batcher applies (the tensor [`batch`] and the fused trainer's host
/// batch): windows padded to the longest with the first window's last id; step `t` of a
/// window reads `ids[t]` and predicts `ids[t + 1]` with weight `mask[t]`, and a padding
/// step reads and predicts the pad with weight 0.
#[derive(Clone, Copy, Debug)]
pub struct Padded<'a> {
    /// The windows, one batch row each.
    pub windows: &'a [&'a Window],
    /// Steps per row: the longest window.
    pub steps: usize,
    /// The padding id.
    pub pad: usize,
}

impl<'a> Padded<'a> {
    /// The windows of one batch, padded to the longest.
    pub fn new(windows: &'a [&'a Window]) -> Padded<'a> {
        Padded {
            windows,
            steps: windows.iter().map(|w| w.len()).max().unwrap_or(0),
            pad: windows
                .first()
                .and_then(|w| w.ids.last().copied())
                .unwrap_or(0),
        }
    }

    /// Step `t` of row `b`: the input id, the target id and the target's weight.
    pub fn step(&self, b: usize, t: usize) -> (usize, usize, f32) {
        let w = self.windows[b];
        if t < w.len() {
            (w.ids[t], w.ids[t + 1], w.mask[t])
        } else {
            (self.pad, self.pad, 0.0)
        }
    }
}

/// Builds a batch from windows, padded to the longest ([`Padded`]); with `inputs`, the
/// structure inputs of every step too.
pub fn batch(windows: &[&Window], inputs: Option<&StructureInputs>, device: &Device) -> Batch {
    let padded = Padded::new(windows);
    let (b, len) = (windows.len(), padded.steps);
    let width = inputs.map_or(0, StructureInputs::width);
    let mut ids_in = Vec::with_capacity(b * len);
    let mut targets = Vec::with_capacity(b * len);
    let mut mask = Vec::with_capacity(b * len);
    let mut features = vec![0.0f32; b * len * width];
    for (row, w) in windows.iter().enumerate() {
        for t in 0..len {
            let (input, target, weight) = padded.step(row, t);
            ids_in.push(input as i64);
            targets.push(target as i64);
            mask.push(weight);
        }
        let n = w.len();
        if let Some(inputs) = inputs {
            for (t, ctx) in w.contexts.iter().enumerate().take(n) {
                let at = (row * len + t) * width;
                inputs.write(&w.structure, *ctx, &mut features[at..at + width]);
            }
        }
    }
    let targets_count = mask.iter().filter(|&&m| m > 0.0).count();
    Batch {
        inputs: Tensor::from_data(TensorData::new(ids_in, [b, len]), device),
        targets: Tensor::from_data(TensorData::new(targets, [b, len]), device),
        mask: Tensor::from_data(TensorData::new(mask, [b, len]), device),
        features: inputs
            .map(|_| Tensor::from_data(TensorData::new(features, [b, len, width]), device)),
        targets_count,
    }
}

/// Fisher–Yates shuffle with a seed.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = SplitMix64(seed);
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// Batches of window indices for one epoch: shuffled; windows of different lengths are
/// grouped by length inside blocks of 32 batches, so padding stays small.
pub fn epoch_batches(ws: &[Window], batch_size: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..ws.len()).collect();
    shuffle(&mut order, seed);
    let uniform = ws.windows(2).all(|p| p[0].len() == p[1].len());
    if !uniform {
        for block in order.chunks_mut(batch_size * 32) {
            block.sort_by_key(|&i| ws[i].len());
        }
    }
    let mut batches: Vec<Vec<usize>> = order.chunks(batch_size).map(<[usize]>::to_vec).collect();
    if !uniform {
        shuffle(&mut batches, seed.rotate_left(17));
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_frame_pad_and_mask() {
        let songs = SongIds {
            songs: vec![vec![5, 6, 7, 8, 9]],
            ..SongIds::default()
        };
        let w = windows(&songs, 4, 0);
        // framed: 0 5 6 7 8 9 0  -> 6 targets -> windows at 0 and 4
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].ids, vec![0, 5, 6, 7, 8]);
        assert_eq!(w[0].mask, vec![1.0; 4]);
        assert_eq!(w[1].ids, vec![8, 9, 0, 0, 0]);
        assert_eq!(w[1].mask, vec![1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn split_is_by_song_and_seeded() {
        let songs = SongIds {
            songs: (0..20).map(|i| vec![i]).collect(),
            ..SongIds::default()
        };
        let (t1, v1) = songs.split(0.1, 3).unwrap();
        let (t2, v2) = songs.split(0.1, 3).unwrap();
        assert_eq!((t1.songs.len(), v1.songs.len()), (18, 2));
        assert_eq!(v1.songs, v2.songs);
        assert_eq!(t1.songs, t2.songs);
        assert!(songs.split(1.5, 0).is_err());
    }

    #[test]
    fn infill_window_reads_suffix_backwards_then_prefix_and_joins() {
        // Song 10 11 12 13 14 15, span 2..4 (12 13): `/ 15 14 / 10 11 12 13` -> `15 14 / 10 11 12 13 14`.
        let song = vec![10, 11, 12, 13, 14, 15];
        let join = Some(Symbol::Rest);
        let span = |steps, join| FillSpan { steps, join };
        let w = infill_window(&song, SongStructure::default(), &span(2..4, join), 0, 64).unwrap();
        assert_eq!(w.ids, vec![0, 15, 14, 0, 10, 11, 12, 13, 14]);
        assert_eq!(w.mask, vec![1.0; 8]);
        assert_eq!(w.contexts[0].segment, Segment::Suffix);
        assert_eq!((w.contexts[0].step, w.contexts[0].steps_to_end), (5, 1));
        assert_eq!(w.contexts[2].steps_to_end, 0, "the `/` after the suffix");
        let last = w.contexts[7];
        assert_eq!(
            (last.step, last.steps_to_end, last.segment, last.join),
            (4, 0, Segment::Fill, join)
        );
        // A cut suffix keeps the part nearest the span.
        let w = infill_window(&song, SongStructure::default(), &span(2..3, None), 0, 6).unwrap();
        assert_eq!(w.ids, vec![0, 13, 0, 10, 11, 12, 13]);
        assert!(infill_window(&song, SongStructure::default(), &span(2..5, None), 0, 5).is_none());
    }

    #[test]
    fn batches_pad_to_the_longest_window() {
        let songs = SongIds {
            songs: vec![vec![5, 6], vec![5, 6, 7, 8]],
            ..SongIds::default()
        };
        let options = SequenceOptions {
            max_len: 64,
            infill_per_song: 1,
            seed: 1,
            phrases: true,
        };
        let vocab = Vocabulary::new((0..9).map(|i| Symbol::Note(crate::music::Pitch(60 + i))));
        let ws = sequences(&songs, &vocab, 0, &options);
        assert_eq!(ws[0].len(), 3);
        let refs: Vec<&Window> = ws.iter().collect();
        let inputs = StructureInputs::default();
        let b = batch(&refs, Some(&inputs), &Device::flex());
        let [n, len] = b.inputs.dims();
        assert_eq!(n, ws.len());
        assert_eq!(len, ws.iter().map(Window::len).max().unwrap());
        assert_eq!(b.features.unwrap().dims(), [n, len, inputs.width()]);
        assert_eq!(
            b.targets_count,
            ws.iter()
                .map(|w| w.mask.iter().filter(|&&m| m > 0.0).count())
                .sum::<usize>()
        );
    }
}
