//! The melody LSTM: a fused LSTM cell written from tensor ops, with `forward` for training
//! and a stateful `step` (generation runs the same weights on the host: [`super::host`]).

use crate::corpus::structure::StructureInputs;
use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig};
use burn::tensor::activation::{sigmoid, tanh};
use burn::tensor::{Device, Int, Tensor, TensorData, s};

/// Shape and regularisation of a [`MelodyLstm`].
#[derive(Config, Debug, PartialEq)]
pub struct MelodyLstmConfig {
    /// Number of symbols (inputs and outputs).
    pub vocab_size: usize,
    /// Size of a learned input embedding; 0 feeds the symbols one-hot, as the seed does.
    #[config(default = 0)]
    pub embedding_size: usize,
    /// Stacked LSTM layers.
    #[config(default = 1)]
    pub layers: usize,
    /// Hidden units per layer.
    #[config(default = 256)]
    pub hidden_size: usize,
    /// Dropout between layers and before the output layer (training only).
    #[config(default = 0.2)]
    pub dropout: f64,
    /// The structure inputs read beside the symbol (meter, bar position, …); `None` (and
    /// a `config.json` from before they existed) reads symbols only.
    pub structure: Option<StructureInputs>,
}

impl MelodyLstmConfig {
    /// Values of structure input per step (0 without structure inputs).
    pub fn structure_width(&self) -> usize {
        self.structure.as_ref().map_or(0, StructureInputs::width)
    }
}

/// One LSTM layer with the four gates fused into one `[·, 4H]` product (gate order:
/// input, forget, output, cell candidate).
#[derive(Module, Debug)]
pub struct LstmLayer {
    /// Input weights `[input_size, 4H]`; for a one-hot first layer, one row per symbol
    /// with the bias folded in.
    pub input_weights: Param<Tensor<2>>,
    /// Recurrent weights `[H, 4H]`.
    pub hidden_weights: Param<Tensor<2>>,
    /// Bias `[4H]`; absent on a one-hot first layer (folded into its rows).
    pub bias: Option<Param<Tensor<1>>>,
}

/// The recurrent state: `(hidden, cell)` per layer, each `[batch, H]`.
#[derive(Clone, Debug)]
pub struct LstmState {
    /// `(h, c)` for each layer, bottom first.
    pub layers: Vec<(Tensor<2>, Tensor<2>)>,
}

impl LstmState {
    /// All-zero state for `batch` rows.
    pub fn zeros(config: &MelodyLstmConfig, batch: usize, device: &Device) -> LstmState {
        let z = || Tensor::<2>::zeros([batch, config.hidden_size], device);
        LstmState {
            layers: (0..config.layers).map(|_| (z(), z())).collect(),
        }
    }
}

/// Dropout masks for [`MelodyLstm::forward_with_masks`], already scaled (0 or
/// `1 / (1 − p)`), each `[batch, seq, H]`.
#[derive(Clone, Debug)]
pub struct DropoutMasks {
    /// The mask of each layer's input (`None` for the first layer, which has none).
    pub inputs: Vec<Option<Tensor<3>>>,
    /// The mask of the output layer's input.
    pub output: Tensor<3>,
}

/// Symbols in, next-symbol logits out.
#[derive(Module, Debug)]
pub struct MelodyLstm {
    /// Optional embedding `[vocab, E]`.
    pub embedding: Option<Param<Tensor<2>>>,
    /// Structure-input weights `[width, 4H]` into the first layer's gates, when the model
    /// reads structure inputs.
    pub structure_weights: Option<Param<Tensor<2>>>,
    /// The LSTM layers, bottom first.
    pub layers: Vec<LstmLayer>,
    /// Dropout on layer outputs.
    pub dropout: Dropout,
    /// Output projection `H → vocab`.
    pub output: Linear,
    /// Hidden units per layer.
    pub hidden_size: usize,
}

impl MelodyLstmConfig {
    /// Builds the model with PyTorch's LSTM initialisation (uniform ±1/√H), forget-gate
    /// bias 1. The weights come from Burn's random generator: seed it and draw them through
    /// [`seed_draws`](super::seeded::seed_draws) (some are drawn here, the rest on first use).
    pub fn init(&self, device: &Device) -> MelodyLstm {
        let h = self.hidden_size.max(1);
        let k = 1.0 / (h as f64).sqrt();
        self.build(
            device,
            Initializer::Uniform { min: -k, max: k },
            Initializer::Normal {
                mean: 0.0,
                std: 1.0,
            },
            None,
        )
    }

    /// The model with every weight zero (forget-gate bias 1), for loading a record into:
    /// nothing is drawn from Burn's random generator, which other threads may be using.
    pub fn init_for_load(&self, device: &Device) -> MelodyLstm {
        self.build(
            device,
            Initializer::Zeros,
            Initializer::Zeros,
            Some(Initializer::Zeros),
        )
    }

    /// The model with `uniform` for the LSTM weights, `normal` for the embedding, and
    /// `output` (or Burn's default) for the output layer.
    fn build(
        &self,
        device: &Device,
        uniform: Initializer,
        normal: Initializer,
        output: Option<Initializer>,
    ) -> MelodyLstm {
        let h = self.hidden_size.max(1);
        let one_hot = self.embedding_size == 0;
        let embedding =
            (!one_hot).then(|| normal.init([self.vocab_size, self.embedding_size], device));
        let layers = (0..self.layers.max(1))
            .map(|l| {
                let input_size = match (l, one_hot) {
                    (0, true) => self.vocab_size,
                    (0, false) => self.embedding_size,
                    _ => h,
                };
                let folded = l == 0 && one_hot;
                let bias = (!folded)
                    .then(|| forget_bias(uniform.init::<1, _>([4 * h], device), h, device));
                let mut input_weights = uniform.init::<2, _>([input_size, 4 * h], device);
                if folded {
                    // One-hot rows carry the bias: give every row the forget-gate bias of 1.
                    let w = input_weights.val();
                    let mut f = vec![0.0f32; 4 * h];
                    f[h..2 * h].iter_mut().for_each(|v| *v = 1.0);
                    let shift = Tensor::<1>::from_data(TensorData::new(f, [4 * h]), device)
                        .unsqueeze::<2>();
                    input_weights = Param::from_tensor((w + shift).detach());
                }
                LstmLayer {
                    input_weights,
                    hidden_weights: uniform.init([h, 4 * h], device),
                    bias,
                }
            })
            .collect();
        let width = self.structure_width();
        let structure_weights = (width > 0).then(|| uniform.init([width, 4 * h], device));
        let linear = LinearConfig::new(h, self.vocab_size);
        MelodyLstm {
            embedding,
            structure_weights,
            layers,
            dropout: DropoutConfig::new(self.dropout).init(),
            output: match output {
                Some(initializer) => linear.with_initializer(initializer),
                None => linear,
            }
            .init(device),
            hidden_size: h,
        }
    }
}

fn forget_bias(b: Param<Tensor<1>>, h: usize, device: &Device) -> Param<Tensor<1>> {
    let mut f = vec![0.0f32; 4 * h];
    f[h..2 * h].iter_mut().for_each(|v| *v = 1.0);
    Param::from_tensor(
        (b.val() + Tensor::<1>::from_data(TensorData::new(f, [4 * h]), device)).detach(),
    )
}

impl LstmLayer {
    /// One time step. `input_gates` is this step's input contribution `[B, 4H]`.
    fn cell(
        &self,
        input_gates: Tensor<2>,
        (h, c): (Tensor<2>, Tensor<2>),
        hidden: usize,
    ) -> (Tensor<2>, Tensor<2>) {
        let mut gates = input_gates + h.matmul(self.hidden_weights.val());
        if let Some(b) = &self.bias {
            gates = gates + b.val().unsqueeze::<2>();
        }
        let sig = sigmoid(gates.clone().slice(s![.., 0..3 * hidden]));
        let candidate = tanh(gates.slice(s![.., 3 * hidden..4 * hidden]));
        let mut parts = sig.chunk(3, 1).into_iter();
        let (Some(i), Some(f), Some(o)) = (parts.next(), parts.next(), parts.next()) else {
            unreachable!("chunk(3) of a [B, 3H] tensor gives three parts");
        };
        let c = f * c + i * candidate;
        let h = o * tanh(c.clone());
        (h, c)
    }
}

impl MelodyLstm {
    /// Hidden units per layer.
    pub fn hidden_size(&self) -> usize {
        self.hidden_size
    }

    /// Number of layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// True when the model reads structure inputs beside the symbols.
    pub fn reads_structure(&self) -> bool {
        self.structure_weights.is_some()
    }

    /// The structure inputs' contribution to the first layer's gates: `[.., width]` →
    /// `[.., 4H]`; `None` for a model without structure inputs.
    fn structure_gates<const D: usize>(&self, features: Option<Tensor<D>>) -> Option<Tensor<D>> {
        let w = self.structure_weights.as_ref()?;
        let f = features?;
        let dims = f.dims();
        let width = dims[D - 1];
        let rows: usize = dims[..D - 1].iter().product();
        let mut out_dims = dims;
        out_dims[D - 1] = 4 * self.hidden_size;
        Some(f.reshape([rows, width]).matmul(w.val()).reshape(out_dims))
    }

    /// Runs the LSTM layers for one step: tokens `[B]` (plus the structure inputs'
    /// gate contribution `[B, 4H]`) → top hidden state `[B, H]`.
    fn advance(
        &self,
        tokens: Tensor<1, Int>,
        extra: Option<Tensor<2>>,
        state: LstmState,
        drop: &dyn Fn(usize, Tensor<2>) -> Tensor<2>,
    ) -> (Tensor<2>, LstmState) {
        let hidden = self.hidden_size;
        let mut next = Vec::with_capacity(self.layers.len());
        let mut below: Option<Tensor<2>> = None;
        for (l, (layer, hc)) in self.layers.iter().zip(state.layers).enumerate() {
            let input_gates = match (l, &below, &self.embedding) {
                (0, _, None) => layer.input_weights.val().select(0, tokens.clone()),
                (0, _, Some(e)) => e
                    .val()
                    .select(0, tokens.clone())
                    .matmul(layer.input_weights.val()),
                (_, Some(x), _) => drop(l, x.clone()).matmul(layer.input_weights.val()),
                _ => unreachable!("layers above the first always have an input"),
            };
            let input_gates = match (l, &extra) {
                (0, Some(x)) => input_gates + x.clone(),
                _ => input_gates,
            };
            let (h, c) = layer.cell(input_gates, hc, hidden);
            below = Some(h.clone());
            next.push((h, c));
        }
        let top = below.unwrap_or_else(|| Tensor::zeros([1, hidden], &tokens.device()));
        (top, LstmState { layers: next })
    }

    /// Training: token ids `[batch, seq]` and, for a model that reads them, structure
    /// inputs `[batch, seq, width]` → logits `[batch, seq, vocab]`, from a zero state.
    pub fn forward(&self, tokens: Tensor<2, Int>, features: Option<Tensor<3>>) -> Tensor<3> {
        self.forward_dropping(tokens, features, None)
    }

    /// [`forward`](Self::forward) with given dropout masks instead of the model's random
    /// ones, for checking another implementation's gradients against this one's.
    pub fn forward_with_masks(
        &self,
        tokens: Tensor<2, Int>,
        features: Option<Tensor<3>>,
        masks: &DropoutMasks,
    ) -> Tensor<3> {
        self.forward_dropping(tokens, features, Some(masks))
    }

    fn forward_dropping(
        &self,
        tokens: Tensor<2, Int>,
        features: Option<Tensor<3>>,
        masks: Option<&DropoutMasks>,
    ) -> Tensor<3> {
        let [batch, seq] = tokens.dims();
        let device = tokens.device();
        let mut state = LstmState {
            layers: (0..self.layers.len())
                .map(|_| {
                    let z = Tensor::<2>::zeros([batch, self.hidden_size], &device);
                    (z.clone(), z)
                })
                .collect(),
        };
        let width = features.as_ref().map_or(0, |f| f.dims()[2]);
        let mut outputs = Vec::with_capacity(seq);
        for t in 0..seq {
            let tok = tokens.clone().slice(s![.., t..t + 1]).reshape([batch]);
            // Slice the inputs (which need no gradient) and multiply per step: slicing a
            // product over the whole sequence would make every step's backward pass write
            // a zero-padded [batch, seq, 4H] gradient, quadratic in the sequence length.
            let x = self.structure_gates(features.as_ref().map(|f| {
                f.clone()
                    .slice(s![.., t..t + 1, ..])
                    .reshape([batch, width])
            }));
            let drop = |l: usize, x: Tensor<2>| match masks.and_then(|m| m.inputs.get(l)) {
                Some(Some(m)) => {
                    x * m
                        .clone()
                        .slice(s![.., t..t + 1, ..])
                        .reshape([batch, self.hidden_size])
                }
                _ => self.dropout.forward(x),
            };
            let (h, next) = self.advance(tok, x, state, &drop);
            state = next;
            outputs.push(h);
        }
        let hs: Tensor<3> = Tensor::stack(outputs, 1);
        let hs = match masks {
            Some(m) => hs * m.output.clone(),
            None => self.dropout.forward(hs),
        };
        self.output.forward(hs)
    }

    /// Generation: one token per row `[batch]`, its structure inputs `[batch, width]`
    /// (for a model that reads them) and the state → logits `[batch, vocab]` and the new
    /// state. Applied token by token it gives the same logits as [`forward`](Self::forward).
    pub fn step(
        &self,
        tokens: Tensor<1, Int>,
        features: Option<Tensor<2>>,
        state: LstmState,
    ) -> (Tensor<2>, LstmState) {
        let extra = self.structure_gates(features);
        let drop = |_: usize, x: Tensor<2>| self.dropout.forward(x);
        let (h, state) = self.advance(tokens, extra, state, &drop);
        let logits = self.output.forward(self.dropout.forward(h));
        (logits, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i64], shape: [usize; 2], device: &Device) -> Tensor<2, Int> {
        Tensor::from_data(TensorData::new(v.to_vec(), shape), device)
    }

    #[test]
    fn step_equals_forward() {
        for (embedding_size, structure) in
            [(0, None), (8, None), (0, Some(StructureInputs::default()))]
        {
            let device = Device::flex();
            let config = MelodyLstmConfig::new(6)
                .with_hidden_size(16)
                .with_layers(2)
                .with_embedding_size(embedding_size)
                .with_structure(structure);
            let model = config.init_seeded(&device, 7).valid();
            let tokens = ids(&[0, 3, 4, 2, 5, 1, 1, 2, 0, 5], [2, 5], &device);
            let width = config.structure_width();
            let values: Vec<f32> = (0..2 * 5 * width)
                .map(|i| ((i * 7) % 3) as f32 / 2.0)
                .collect();
            let features = (width > 0)
                .then(|| Tensor::<3>::from_data(TensorData::new(values, [2, 5, width]), &device));
            let full: Vec<f32> = model
                .forward(tokens.clone(), features.clone())
                .into_data()
                .try_to_vec()
                .unwrap();
            let mut state = LstmState::zeros(&config, 2, &device);
            let mut stepped = vec![Vec::new(); 2];
            for t in 0..5 {
                let tok = tokens.clone().slice(s![.., t..t + 1]).reshape([2]);
                let f = features
                    .as_ref()
                    .map(|f| f.clone().slice(s![.., t..t + 1, ..]).reshape([2, width]));
                let (logits, next) = model.step(tok, f, state);
                state = next;
                let v: Vec<f32> = logits.into_data().try_to_vec().unwrap();
                for b in 0..2 {
                    stepped[b].extend_from_slice(&v[b * 6..(b + 1) * 6]);
                }
            }
            let stepped: Vec<f32> = stepped.concat();
            assert_eq!(full.len(), stepped.len());
            for (a, b) in full.iter().zip(&stepped) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b}");
            }
        }
    }
}
