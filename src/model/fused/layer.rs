//! One fused LSTM layer over a whole sequence: the forward pass (one recurrent GEMM and
//! one vectorised pass of gate math per step) and its hand-written backward pass (BPTT).

use crate::model::kernels::{Operand, gemm, sigmoid, simd_dispatch, tanh};

/// The sizes of one layer's run: `steps` T, `rows` B (sequences) and `hidden` H.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    /// Time steps T.
    pub steps: usize,
    /// Sequences B.
    pub rows: usize,
    /// Hidden units H.
    pub hidden: usize,
}

impl Dims {
    /// Values in one step's `[B, H]` block.
    fn state(&self) -> usize {
        self.rows * self.hidden
    }

    /// Values in one step's `[B, 4H]` gate block.
    fn gates(&self) -> usize {
        4 * self.state()
    }
}

/// A layer's recurrent weights: `recurrent` `[H, 4H]` and an optional `bias` `[4H]`
/// (gate order: input, forget, output, cell candidate, as in [`crate::model::LstmLayer`]).
#[derive(Clone, Copy, Debug)]
pub struct LayerWeights<'a> {
    /// `[H, 4H]`.
    pub recurrent: &'a [f32],
    /// `[4H]`.
    pub bias: Option<&'a [f32]>,
}

/// What the forward pass keeps for the backward pass, time-major.
#[derive(Clone, Debug)]
pub struct Tape {
    dims: Dims,
    /// Gate activations `[T, B, 4H]`: σ(i), σ(f), σ(o), tanh(g).
    acts: Vec<f32>,
    /// Cell states `[T, B, H]`.
    c: Vec<f32>,
    /// `tanh` of the cell states `[T, B, H]`.
    tc: Vec<f32>,
    /// Hidden states, the layer's output `[T, B, H]`.
    pub h: Vec<f32>,
    /// The initial state `(h0, c0)`, each `[B, H]`; `None` for zeros.
    initial: Option<(Vec<f32>, Vec<f32>)>,
}

/// Gradients of one layer.
#[derive(Clone, Debug)]
pub struct LayerGrads {
    /// Of the input contribution `[T, B, 4H]` (equal to the gates' pre-activations').
    pub input_gates: Vec<f32>,
    /// Of the recurrent weights `[H, 4H]`.
    pub recurrent: Vec<f32>,
    /// Of the bias `[4H]` (the column sums of `input_gates`), when asked for.
    pub bias: Option<Vec<f32>>,
    /// Of the initial hidden state `[B, H]`.
    pub h0: Vec<f32>,
    /// Of the initial cell state `[B, H]`.
    pub c0: Vec<f32>,
}

/// Runs the layer over `dims.steps` steps. `input_gates` `[T, B, 4H]` is the input's
/// contribution to the gates, whatever produced it; it becomes the tape's activations.
/// `initial`: `(h0, c0)`, each `[B, H]`, or `None` for zeros.
///
/// # Panics
/// When a slice does not have its documented length (a caller's bug).
pub fn forward(
    mut input_gates: Vec<f32>,
    weights: LayerWeights<'_>,
    dims: Dims,
    initial: Option<(Vec<f32>, Vec<f32>)>,
) -> Tape {
    let (sb, gb, h) = (dims.state(), dims.gates(), dims.hidden);
    assert_eq!(input_gates.len(), dims.steps * gb, "input gates [T, B, 4H]");
    assert_eq!(
        weights.recurrent.len(),
        h * 4 * h,
        "recurrent weights [H, 4H]"
    );
    if let Some(b) = weights.bias {
        assert_eq!(b.len(), 4 * h, "bias [4H]");
        for row in input_gates.chunks_mut(4 * h) {
            simd_dispatch!(add_row(row, b));
        }
    }
    let mut c = vec![0.0f32; dims.steps * sb];
    let mut tc = vec![0.0f32; dims.steps * sb];
    let mut hs = vec![0.0f32; dims.steps * sb];
    let zeros = vec![0.0f32; if initial.is_some() { 0 } else { sb }];
    let (h0, c0) = initial
        .as_ref()
        .map_or((&zeros[..], &zeros[..]), |(h, c)| (&h[..], &c[..]));
    for t in 0..dims.steps {
        let (h_before, h_now) = hs.split_at_mut(t * sb);
        let h_prev = if t == 0 {
            h0
        } else {
            &h_before[(t - 1) * sb..]
        };
        let gates = &mut input_gates[t * gb..(t + 1) * gb];
        if t > 0 || initial.is_some() {
            let ops = (Operand::plain(h_prev), Operand::plain(weights.recurrent));
            gemm(gates, ops, (dims.rows, h, 4 * h), true);
        }
        let (c_before, c_now) = c.split_at_mut(t * sb);
        let c_prev = if t == 0 {
            c0
        } else {
            &c_before[(t - 1) * sb..]
        };
        let step = CellStep {
            c_prev,
            c: &mut c_now[..sb],
            tc: &mut tc[t * sb..(t + 1) * sb],
            h: &mut h_now[..sb],
        };
        simd_dispatch!(cell_forward(gates, step, h));
    }
    Tape {
        dims,
        acts: input_gates,
        c,
        tc,
        h: hs,
        initial,
    }
}

/// Backpropagates `dh` `[T, B, H]` (the loss's gradient with respect to each step's
/// output) through the layer whose forward pass made `tape`; the bias's gradient only
/// `with_bias`. The tape is consumed: its
/// activations are overwritten, step by step, with the gates' gradients (so a layer's
/// backward pass needs no second `[T, B, 4H]` buffer).
///
/// # Panics
/// When a slice does not have its documented length (a caller's bug).
pub fn backward(tape: Tape, recurrent: &[f32], mut dh: Vec<f32>, with_bias: bool) -> LayerGrads {
    let Tape {
        dims,
        acts: mut dgates,
        c,
        tc,
        h: hs,
        initial,
    } = tape;
    let (sb, gb, h) = (dims.state(), dims.gates(), dims.hidden);
    assert_eq!(dh.len(), dims.steps * sb, "dh [T, B, H]");
    let mut step_grads = vec![0.0f32; gb];
    let mut dc = vec![0.0f32; sb];
    let mut dh_rec = vec![0.0f32; sb];
    let zeros = vec![0.0f32; sb];
    let c0 = initial.as_ref().map_or(&zeros[..], |(_, c)| &c[..]);
    // `dG · Wᵀ` once per step: with `Wᵀ` stored as it is read, the product runs at the
    // speed of the forward one (reading `W` transposed every step was 4× slower).
    let recurrent_t = transpose(recurrent, h, 4 * h);
    for t in (0..dims.steps).rev() {
        let dh_t = &mut dh[t * sb..(t + 1) * sb];
        simd_dispatch!(add_row(dh_t, &dh_rec));
        let c_prev = if t == 0 { c0 } else { &c[(t - 1) * sb..t * sb] };
        let at = &mut dgates[t * gb..(t + 1) * gb];
        let step = CellBack {
            acts: at,
            c_prev,
            tc: &tc[t * sb..(t + 1) * sb],
            dh: dh_t,
            dc: &mut dc,
        };
        simd_dispatch!(cell_backward(step, &mut step_grads, h));
        at.copy_from_slice(&step_grads);
        let ops = (Operand::plain(at), Operand::plain(&recurrent_t));
        gemm(&mut dh_rec, ops, (dims.rows, 4 * h, h), false);
    }
    let mut drec = vec![0.0f32; h * 4 * h];
    if dims.steps > 1 {
        let prev = &hs[..(dims.steps - 1) * sb];
        let ops = (Operand::t(prev), Operand::plain(&dgates[gb..]));
        gemm(
            &mut drec,
            ops,
            (h, (dims.steps - 1) * dims.rows, 4 * h),
            true,
        );
    }
    if let Some((h0, _)) = &initial {
        let ops = (Operand::t(h0), Operand::plain(&dgates[..gb]));
        gemm(&mut drec, ops, (h, dims.rows, 4 * h), true);
    }
    let bias = with_bias.then(|| column_sums(&dgates, 4 * h));
    LayerGrads {
        input_gates: dgates,
        recurrent: drec,
        bias,
        h0: dh_rec,
        c0: dc,
    }
}

/// The transpose `[cols, rows]` of a row-major `[rows, cols]` matrix.
pub fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; m.len()];
    for (r, row) in m.chunks(cols).enumerate().take(rows) {
        for (c, &v) in row.iter().enumerate() {
            out[c * rows + r] = v;
        }
    }
    out
}

/// The sums of the columns of a row-major `[rows, width]` matrix.
pub fn column_sums(m: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; width];
    for row in m.chunks(width) {
        simd_dispatch!(add_row(&mut sums, row));
    }
    sums
}

#[inline(always)]
fn add_row(dst: &mut [f32], src: &[f32]) {
    dst.iter_mut().zip(src).for_each(|(a, b)| *a += b);
}

/// One step's state slices for [`cell_forward`], each `[B, H]`.
struct CellStep<'a> {
    c_prev: &'a [f32],
    c: &'a mut [f32],
    tc: &'a mut [f32],
    h: &'a mut [f32],
}

/// Gate math for one step: pre-activations `gates` `[B, 4H]` become activations, and the
/// new `c`, `tanh(c)` and `h` are written. Each row runs as a few passes over at most five
/// slices, so that every loop vectorises (one loop over all eight slices did not: the
/// compiler cannot prove they do not overlap).
#[inline(always)]
fn cell_forward(gates: &mut [f32], s: CellStep<'_>, hidden: usize) {
    let rows = gates.chunks_mut(4 * hidden).zip(s.c_prev.chunks(hidden));
    let out =
        s.c.chunks_mut(hidden)
            .zip(s.tc.chunks_mut(hidden))
            .zip(s.h.chunks_mut(hidden));
    for ((g, c_prev), ((c, tc), h)) in rows.zip(out) {
        let (ifo, cand) = g.split_at_mut(3 * hidden);
        ifo.iter_mut().for_each(|v| *v = sigmoid(*v));
        cand.iter_mut().for_each(|v| *v = tanh(*v));
        let (i, rest) = ifo.split_at(hidden);
        let (f, o) = rest.split_at(hidden);
        c.iter_mut()
            .zip(f.iter().zip(c_prev))
            .zip(i.iter().zip(cand.iter()))
            .for_each(|((c, (f, cp)), (i, g))| *c = f * cp + i * g);
        tc.iter_mut().zip(c.iter()).for_each(|(t, c)| *t = tanh(*c));
        h.iter_mut()
            .zip(o.iter().zip(tc.iter()))
            .for_each(|(h, (o, t))| *h = o * t);
    }
}

/// One step's slices for [`cell_backward`]: activations `[B, 4H]`, the previous cell state,
/// `tanh(c)` and the summed `dh`, each `[B, H]`, and the cell-state gradient `dc`
/// `[B, H]`, read as the one from the step after and replaced by the one for the step
/// before.
struct CellBack<'a> {
    acts: &'a [f32],
    c_prev: &'a [f32],
    tc: &'a [f32],
    dh: &'a [f32],
    dc: &'a mut [f32],
}

/// The gradients of one step's gate pre-activations, written to `dg` `[B, 4H]`; in
/// passes over few slices each, as in [`cell_forward`].
#[inline(always)]
fn cell_backward(s: CellBack<'_>, dg: &mut [f32], hidden: usize) {
    let rows = s
        .acts
        .chunks(4 * hidden)
        .zip(s.c_prev.chunks(hidden))
        .zip(s.tc.chunks(hidden))
        .zip(s.dh.chunks(hidden));
    let out = s.dc.chunks_mut(hidden).zip(dg.chunks_mut(4 * hidden));
    for ((((a, c_prev), tc), dh), (dc, d)) in rows.zip(out) {
        let (i, rest) = a.split_at(hidden);
        let (f, rest) = rest.split_at(hidden);
        let (o, g) = rest.split_at(hidden);
        let (di, rest) = d.split_at_mut(hidden);
        let (df, rest) = rest.split_at_mut(hidden);
        let (dout, dcand) = rest.split_at_mut(hidden);
        // dc ← dc + dh · o · (1 − tanh²(c)): the cell state's whole gradient.
        dc.iter_mut()
            .zip(dh.iter().zip(o))
            .zip(tc)
            .for_each(|((dc, (dh, o)), t)| *dc += dh * o * (1.0 - t * t));
        di.iter_mut()
            .zip(dc.iter().zip(g))
            .zip(i)
            .for_each(|((d, (dc, g)), i)| *d = dc * g * i * (1.0 - i));
        df.iter_mut()
            .zip(dc.iter().zip(c_prev))
            .zip(f)
            .for_each(|((d, (dc, cp)), f)| *d = dc * cp * f * (1.0 - f));
        dout.iter_mut()
            .zip(dh.iter().zip(tc))
            .zip(o)
            .for_each(|((d, (dh, t)), o)| *d = dh * t * o * (1.0 - o));
        dcand
            .iter_mut()
            .zip(dc.iter().zip(i))
            .zip(g)
            .for_each(|((d, (dc, i)), g)| *d = dc * i * (1.0 - g * g));
        // The cell-state gradient passed to the step before.
        dc.iter_mut().zip(f).for_each(|(dc, f)| *dc *= f);
    }
}
