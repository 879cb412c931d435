//! The melody LSTM for generation on plain `f32` slices: one step costs one GEMM per
//! layer and no tensor dispatch, so a 512-step melody takes milliseconds on any backend.

use crate::error::{Error, Result};
use crate::model::MelodyLstm;
use crate::model::kernels::{add, matmul_add, sigmoid, simd_dispatch, tanh};
use burn::module::Param;
use burn::tensor::Tensor;

/// One layer's weights, row-major.
#[derive(Clone, Debug)]
pub(crate) struct HostLayer {
    /// `[input, 4H]`; for a one-hot first layer, one row per symbol with the bias folded in.
    pub(crate) input: Vec<f32>,
    /// `[H, 4H]`.
    pub(crate) recurrent: Vec<f32>,
    /// `[4H]`, absent on a one-hot first layer.
    pub(crate) bias: Option<Vec<f32>>,
}

/// A copy of a [`MelodyLstm`]'s weights in host memory, for stepping one token at a time.
/// Gate order as in the model: input, forget, output, cell candidate.
#[derive(Clone, Debug)]
pub struct HostLstm {
    pub(crate) hidden: usize,
    pub(crate) vocab: usize,
    /// Embedding `[vocab, E]`, when the model has one.
    pub(crate) embedding: Option<(Vec<f32>, usize)>,
    /// Structure-input weights `[width, 4H]`.
    pub(crate) structure: Option<(Vec<f32>, usize)>,
    pub(crate) layers: Vec<HostLayer>,
    /// Output projection `[H, vocab]` and bias `[vocab]`.
    pub(crate) output: (Vec<f32>, Option<Vec<f32>>),
}

/// The recurrent state for `rows` sequences: `h` and `c` per layer, each `[rows, H]`.
#[derive(Clone, Debug, PartialEq)]
pub struct HostState {
    rows: usize,
    h: Vec<Vec<f32>>,
    c: Vec<Vec<f32>>,
}

impl HostState {
    /// The state of one sequence (`rows` must be 1) copied to `rows` sequences.
    pub fn repeat(&self, rows: usize) -> HostState {
        let spread = |v: &Vec<Vec<f32>>| v.iter().map(|l| l.repeat(rows)).collect();
        HostState {
            rows,
            h: spread(&self.h),
            c: spread(&self.c),
        }
    }
}

fn host<const D: usize>(t: Tensor<D>, what: &str) -> Result<Vec<f32>> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| Error::Internal(format!("cannot read the model's {what}: {e:?}")))
}

fn param<const D: usize>(p: &Param<Tensor<D>>, what: &str) -> Result<Vec<f32>> {
    host(p.val(), what)
}

impl HostLstm {
    /// Copies the weights of `model` to host memory.
    pub fn new(model: &MelodyLstm) -> Result<HostLstm> {
        let hidden = model.hidden_size();
        let vocab = model.output.weight.val().dims()[1];
        let embedding = match &model.embedding {
            Some(e) => Some((param(e, "embedding")?, e.val().dims()[1])),
            None => None,
        };
        let structure = match &model.structure_weights {
            Some(w) => Some((param(w, "structure weights")?, w.val().dims()[0])),
            None => None,
        };
        let layers = model
            .layers
            .iter()
            .map(|l| {
                Ok(HostLayer {
                    input: param(&l.input_weights, "input weights")?,
                    recurrent: param(&l.hidden_weights, "recurrent weights")?,
                    bias: l.bias.as_ref().map(|b| param(b, "bias")).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let output = (
            param(&model.output.weight, "output weights")?,
            model
                .output
                .bias
                .as_ref()
                .map(|b| param(b, "output bias"))
                .transpose()?,
        );
        Ok(HostLstm {
            hidden,
            vocab,
            embedding,
            structure,
            layers,
            output,
        })
    }

    /// The name of the first weight tensor that holds a NaN or an infinity, if any.
    pub fn first_non_finite(&self) -> Option<String> {
        let bad = |v: &[f32]| v.iter().any(|x| !x.is_finite());
        if self.embedding.as_ref().is_some_and(|(e, _)| bad(e)) {
            return Some("the embedding".into());
        }
        if self.structure.as_ref().is_some_and(|(w, _)| bad(w)) {
            return Some("the structure-input weights".into());
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let parts = [
                ("input weights", Some(&layer.input)),
                ("recurrent weights", Some(&layer.recurrent)),
                ("bias", layer.bias.as_ref()),
            ];
            for (name, v) in parts {
                if v.is_some_and(|v| bad(v)) {
                    return Some(format!("layer {}'s {name}", l + 1));
                }
            }
        }
        let (w, b) = &self.output;
        (bad(w) || b.as_ref().is_some_and(|b| bad(b))).then(|| "the output layer".into())
    }

    /// Number of symbols.
    pub fn vocab_size(&self) -> usize {
        self.vocab
    }

    /// Values of structure input per step (0 for a model that reads symbols only).
    pub fn structure_width(&self) -> usize {
        self.structure.as_ref().map_or(0, |(_, w)| *w)
    }

    /// The all-zero state for `rows` sequences.
    pub fn zeros(&self, rows: usize) -> HostState {
        let z = || vec![vec![0.0; rows * self.hidden]; self.layers.len()];
        HostState {
            rows,
            h: z(),
            c: z(),
        }
    }

    /// One step: a token per row (`tokens.len()` = the state's rows), each row's structure
    /// inputs `[rows, width]` (ignored by a model that reads symbols only) → next-symbol
    /// logits `[rows, vocab]` written to `logits`. Agrees with [`MelodyLstm::step`].
    pub fn step(
        &self,
        tokens: &[usize],
        features: Option<&[f32]>,
        state: &mut HostState,
        logits: &mut Vec<f32>,
    ) -> Result<()> {
        self.advance(tokens, features, state)?;
        let rows = state.rows;
        let top = state.h.last().map_or(&[][..], |h| &h[..]);
        logits.clear();
        logits.resize(rows * self.vocab, 0.0);
        if let Some(b) = &self.output.1 {
            logits.chunks_mut(self.vocab).for_each(|row| add(row, b));
        }
        matmul_add(logits, top, &self.output.0, (rows, self.hidden, self.vocab));
        Ok(())
    }

    /// One step without the output layer: the state moves on, no logits are computed (a
    /// primer's steps, whose predictions nobody reads).
    pub fn advance(
        &self,
        tokens: &[usize],
        features: Option<&[f32]>,
        state: &mut HostState,
    ) -> Result<()> {
        let rows = state.rows;
        let g = 4 * self.hidden;
        if tokens.len() != rows || tokens.iter().any(|&t| t >= self.vocab) {
            return Err(Error::Internal(format!(
                "a step needs {rows} token(s) below {}, got {tokens:?}",
                self.vocab
            )));
        }
        let mut gates = vec![0.0f32; rows * g];
        let mut below: Vec<f32> = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            gates.iter_mut().for_each(|v| *v = 0.0);
            if l == 0 {
                self.first_layer_input(layer, tokens, features, &mut gates)?;
            } else {
                matmul_add(&mut gates, &below, &layer.input, (rows, self.hidden, g));
            }
            if let Some(b) = &layer.bias {
                gates.chunks_mut(g).for_each(|row| add(row, b));
            }
            matmul_add(
                &mut gates,
                &state.h[l],
                &layer.recurrent,
                (rows, self.hidden, g),
            );
            let (h, c) = (&mut state.h[l], &mut state.c[l]);
            simd_dispatch!(cell(&gates, h, c, self.hidden));
            if l + 1 < self.layers.len() {
                below.clone_from(&state.h[l]);
            }
        }
        Ok(())
    }

    /// The first layer's input contribution: the symbol's row (or its embedding times the
    /// input weights) plus the structure inputs' rows, added sparsely (they are multi-hot).
    fn first_layer_input(
        &self,
        layer: &HostLayer,
        tokens: &[usize],
        features: Option<&[f32]>,
        gates: &mut [f32],
    ) -> Result<()> {
        let g = 4 * self.hidden;
        match &self.embedding {
            None => {
                for (row, &t) in gates.chunks_mut(g).zip(tokens) {
                    add(row, &layer.input[t * g..(t + 1) * g]);
                }
            }
            Some((e, size)) => {
                let x: Vec<f32> = tokens
                    .iter()
                    .flat_map(|&t| e[t * size..(t + 1) * size].iter().copied())
                    .collect();
                matmul_add(gates, &x, &layer.input, (tokens.len(), *size, g));
            }
        }
        let (Some((w, width)), Some(f)) = (&self.structure, features) else {
            return Ok(());
        };
        if f.len() != tokens.len() * width {
            return Err(Error::Internal(format!(
                "structure inputs: expected {} values, got {}",
                tokens.len() * width,
                f.len()
            )));
        }
        for (row, fr) in gates.chunks_mut(g).zip(f.chunks(*width)) {
            for (j, &v) in fr.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                row.iter_mut()
                    .zip(&w[j * g..(j + 1) * g])
                    .for_each(|(a, b)| *a += v * b);
            }
        }
        Ok(())
    }
}

/// The gate math for every row: `gates` `[rows, 4H]` → new `c` and `h` `[rows, H]`.
#[inline(always)]
fn cell(gates: &[f32], h: &mut [f32], c: &mut [f32], hidden: usize) {
    for ((g, h), c) in gates
        .chunks(4 * hidden)
        .zip(h.chunks_mut(hidden))
        .zip(c.chunks_mut(hidden))
    {
        let (i, rest) = g.split_at(hidden);
        let (f, rest) = rest.split_at(hidden);
        let (o, cand) = rest.split_at(hidden);
        for j in 0..hidden {
            let cj = sigmoid(f[j]) * c[j] + sigmoid(i[j]) * tanh(cand[j]);
            c[j] = cj;
            h[j] = sigmoid(o[j]) * tanh(cj);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::structure::StructureInputs;
    use crate::model::{LstmState, MelodyLstmConfig};
    use burn::module::Module;
    use burn::tensor::{Device, Int, TensorData};

    #[test]
    fn host_steps_agree_with_the_model() {
        let cases = [
            (0, 1, None),
            (8, 2, None),
            (0, 2, Some(StructureInputs::default())),
        ];
        for (embedding_size, layers, structure) in cases {
            let device = Device::flex();
            let config = MelodyLstmConfig::new(7)
                .with_hidden_size(13)
                .with_layers(layers)
                .with_embedding_size(embedding_size)
                .with_structure(structure);
            let model = config.init_seeded(&device, 11).valid();
            let engine = HostLstm::new(&model).unwrap();
            let width = config.structure_width();
            assert_eq!(engine.structure_width(), width);
            let rows = 3;
            let mut state = LstmState::zeros(&config, rows, &device);
            let mut hs = engine.zeros(rows);
            let mut logits = Vec::new();
            for t in 0..6usize {
                let tokens: Vec<usize> = (0..rows).map(|r| (t * 3 + r) % 7).collect();
                let f: Vec<f32> = (0..rows * width)
                    .map(|i| f32::from(u8::from((i * 5 + t) % 11 == 0)))
                    .collect();
                let ids: Vec<i64> = tokens.iter().map(|&x| x as i64).collect();
                let tok = Tensor::<1, Int>::from_data(TensorData::new(ids, [rows]), &device);
                let ft = (width > 0).then(|| {
                    Tensor::<2>::from_data(TensorData::new(f.clone(), [rows, width]), &device)
                });
                let (l, next) = model.step(tok, ft, state);
                state = next;
                let want: Vec<f32> = l.into_data().try_into_vec().unwrap();
                engine
                    .step(&tokens, (width > 0).then_some(&f[..]), &mut hs, &mut logits)
                    .unwrap();
                for (a, b) in want.iter().zip(&logits) {
                    assert!((a - b).abs() < 1e-4, "step {t}: {a} vs {b}");
                }
            }
            // A bad token is an error, not a panic.
            assert!(engine.step(&[7, 0, 0], None, &mut hs, &mut logits).is_err());
        }
    }
}
