//! Scoring a model on songs it did not train on: cross-entropy per step, per note onset and
//! per pitch, and the bits of a masked span with the left context only or with both sides.

use crate::corpus::data::{
    FillSpan, SongIds, Window, add_neighbours, batch, infill_window, song_window,
};
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::structure::Segment;
use crate::error::{Error, Result};
use crate::model::ModelRef;
use crate::model::artifact::WEIGHTS_FILE;
use burn::tensor::activation::log_softmax;
use serde::Serialize;

/// A model's figures on a set of songs, each song scored from a fresh state.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// Songs scored.
    pub songs: usize,
    /// Songs skipped because they use symbols outside the model's vocabulary.
    pub skipped_songs: usize,
    /// Nats per 16th-note step, averaged over every target inside songs (every target
    /// but the closing delimiter).
    pub nll_per_step: f64,
    /// Bits per note onset: the same, over the targets that are note onsets.
    pub bits_per_note: f64,
    /// Bits of each note's pitch given that a note starts there: −log2 of P(pitch)
    /// renormalised over the pitch symbols at that onset (IDyOM's pitch-only measure).
    pub pitch_bits_per_note: f64,
    /// Next-step accuracy over the targets inside songs.
    pub accuracy: f64,
    /// Targets scored inside songs.
    pub steps: usize,
    /// Note-onset targets.
    pub onsets: usize,
}

/// Bits of the notes inside a masked span, from the left context only and from both sides.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InfillReport {
    /// Bars masked per song (the span starts at bar 3).
    pub bars: usize,
    /// Songs with a known meter and at least `bars + 4` bars.
    pub infill_songs: usize,
    /// Note onsets inside the spans.
    pub infill_notes: usize,
    /// Bits per note inside the span given the notes before it (plain left-to-right).
    pub infill_left_bits_per_note: f64,
    /// Bits per note inside the span given the notes before and after it; `None` for a
    /// model that was not trained to fill.
    pub infill_both_bits_per_note: Option<f64>,
}

/// Per-target figures gathered by [`score`].
#[derive(Default)]
struct Tally {
    nll: f64,
    onset_nll: f64,
    pitch_nll: f64,
    right: usize,
    steps: usize,
    onsets: usize,
}

impl Tally {
    fn add(&mut self, row: &[f32], target: usize, is_note: &[bool]) {
        let lp = f64::from(row[target]);
        let best = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(j, _)| j);
        self.nll -= lp;
        self.steps += 1;
        self.right += usize::from(best == target);
        if is_note.get(target).copied().unwrap_or(false) {
            self.onset_nll -= lp;
            self.onsets += 1;
            let note_mass: f64 = row
                .iter()
                .zip(is_note)
                .filter(|(_, n)| **n)
                .map(|(l, _)| f64::from(*l).exp())
                .sum();
            self.pitch_nll -= lp - note_mass.max(f64::MIN_POSITIVE).ln();
        }
    }
}

/// Runs the model over `ws` in batches of similar length and calls `visit(window, t,
/// target, log_probabilities)` for every target whose mask is set.
fn score(
    model: ModelRef<'_>,
    ws: &[Window],
    batch_size: usize,
    mut visit: impl FnMut(usize, usize, usize, &[f32]),
) -> Result<()> {
    let inputs = model.structure();
    let mut order: Vec<usize> = (0..ws.len()).collect();
    order.sort_by_key(|&i| ws[i].len());
    for group in order.chunks(batch_size.max(1)) {
        let refs: Vec<&Window> = group.iter().map(|&i| &ws[i]).collect();
        let b = batch(&refs, inputs, model.device);
        let [rows, len] = b.inputs.dims();
        let logits = model.model.forward(b.inputs, b.features);
        let vocab = logits.dims()[2];
        let logp: Vec<f32> = log_softmax(logits.reshape([rows * len, vocab]), 1)
            .into_data()
            .convert::<f32>()
            .try_to_vec()
            .map_err(|e| Error::Internal(format!("cannot read the model's output: {e:?}")))?;
        if let Some(x) = logp.iter().find(|x| !x.is_finite()) {
            return Err(Error::Invalid(format!(
                "the model scores a step {x}, not a finite number: its weights \
                 ({WEIGHTS_FILE}) are damaged"
            )));
        }
        for (r, &w) in group.iter().enumerate() {
            let window = &ws[w];
            for t in 0..window.len() {
                if window.mask[t] > 0.0 {
                    let at = (r * len + t) * vocab;
                    visit(w, t, window.ids[t + 1], &logp[at..at + vocab]);
                }
            }
        }
    }
    Ok(())
}

fn note_flags(vocab: &Vocabulary) -> Vec<bool> {
    vocab
        .symbols()
        .iter()
        .map(|s| matches!(s, Symbol::Note(_)))
        .collect()
}

/// Songs per batch when scoring.
const EVAL_BATCH: usize = 64;

/// Scores songs: each is fed as `/ song` from a zero state and must predict `song`
/// (the closing `/` is not scored). A model with structure inputs also reads each song's
/// meter, bar positions and length. `skipped_songs` is reported as given.
pub fn evaluate(model: ModelRef<'_>, songs: &SongIds, skipped_songs: usize) -> Result<EvalReport> {
    let vocab = model.vocab;
    let delimiter = vocab
        .id(Symbol::Delimiter)
        .ok_or_else(|| Error::Invalid("the vocabulary has no song delimiter".into()))?;
    let is_note = note_flags(vocab);
    let mut ws = Vec::new();
    for (i, song) in songs.songs.iter().enumerate() {
        if song.is_empty() {
            continue;
        }
        let mut w = song_window(song, songs.structure_of(i), delimiter);
        add_neighbours(&mut w, song, vocab);
        if let Some(last) = w.mask.last_mut() {
            *last = 0.0;
        }
        ws.push(w);
    }
    let mut tally = Tally::default();
    score(model, &ws, EVAL_BATCH, |_, _, target, row| {
        tally.add(row, target, &is_note)
    })?;
    let per = |v: f64, n: usize| v / n.max(1) as f64;
    Ok(EvalReport {
        songs: ws.len(),
        skipped_songs,
        nll_per_step: per(tally.nll, tally.steps),
        bits_per_note: per(tally.onset_nll, tally.onsets) / std::f64::consts::LN_2,
        pitch_bits_per_note: per(tally.pitch_nll, tally.onsets) / std::f64::consts::LN_2,
        accuracy: per(tally.right as f64, tally.steps),
        steps: tally.steps,
        onsets: tally.onsets,
    })
}

/// The span `bars` bars long from the downbeat of bar 3, in songs with a known meter and at
/// least `bars + 4` full bars; `(song index, start, end)` in steps.
pub fn infill_spans(songs: &SongIds, bars: usize) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (i, song) in songs.songs.iter().enumerate() {
        let structure = songs.structure_of(i);
        let (Some(bar), Some(start)) = (structure.bar_steps(), structure.bar_start(3)) else {
            continue;
        };
        let first = structure.pickup_steps % bar;
        let full_bars = song.len().saturating_sub(first) / bar;
        let end = start + bars * bar;
        if bars > 0 && full_bars >= bars + 4 && end < song.len() {
            out.push((i, start, end));
        }
    }
    out
}

/// Masks `bars` bars from bar 3 of every long-enough song and scores the notes inside the
/// span: left to right (the plain model), and, for a model trained to fill, from the
/// infilling sequence `/ suffix / prefix span` that sees both sides.
pub fn evaluate_infill(model: ModelRef<'_>, songs: &SongIds, bars: usize) -> Result<InfillReport> {
    let vocab = model.vocab;
    let delimiter = vocab
        .id(Symbol::Delimiter)
        .ok_or_else(|| Error::Invalid("the vocabulary has no song delimiter".into()))?;
    let is_note = note_flags(vocab);
    let spans = infill_spans(songs, bars);
    let in_span = |ctx_step: usize, (_, a, b): (usize, usize, usize)| (a..b).contains(&ctx_step);
    let mut plain = Vec::with_capacity(spans.len());
    let mut both = Vec::with_capacity(spans.len());
    for &(i, a, b) in &spans {
        let song = &songs.songs[i];
        let structure = songs.structure_of(i);
        let mut w = song_window(song, structure, delimiter);
        add_neighbours(&mut w, song, vocab);
        for (t, m) in w.mask.iter_mut().enumerate() {
            *m = if (a..b).contains(&t) { 1.0 } else { 0.0 };
        }
        plain.push(w);
        let span = FillSpan {
            steps: a..b,
            join: vocab.symbol(song[b]),
        };
        if let Some(mut w) = infill_window(song, structure, &span, delimiter, usize::MAX) {
            add_neighbours(&mut w, song, vocab);
            for (ctx, m) in w.contexts.iter().zip(w.mask.iter_mut()) {
                let fill = ctx.segment == Segment::Fill && (a..b).contains(&ctx.step);
                *m = if fill { 1.0 } else { 0.0 };
            }
            both.push(w);
        }
    }
    let mut left = Tally::default();
    score(model, &plain, 32, |w, t, target, row| {
        debug_assert!(in_span(t, spans[w]));
        left.add(row, target, &is_note)
    })?;
    let fills = model.structure().is_some_and(|i| i.infill);
    let both_bits = if fills {
        let mut tally = Tally::default();
        score(model, &both, 32, |_, _, target, row| {
            tally.add(row, target, &is_note)
        })?;
        Some(tally.onset_nll / tally.onsets.max(1) as f64 / std::f64::consts::LN_2)
    } else {
        None
    };
    Ok(InfillReport {
        bars,
        infill_songs: spans.len(),
        infill_notes: left.onsets,
        infill_left_bits_per_note: left.onset_nll
            / left.onsets.max(1) as f64
            / std::f64::consts::LN_2,
        infill_both_bits_per_note: both_bits,
    })
}
