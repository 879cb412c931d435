//! Checks of the fused training path against Burn's autodiff of the composed model.

use super::batch::HostBatch;
use super::layer::Dims;
use super::network::dropout_mask;
use super::*;
use crate::corpus::structure::{Segment, SongStructure, StepContext};
use crate::model::{DropoutMasks, MelodyLstmConfig};
use crate::music::Meter;
use crate::rng::SplitMix64;
use burn::tensor::Int;
use burn::tensor::activation::log_softmax;

/// Windows of the given lengths with random ids, a few padded targets and contexts.
fn windows(lens: &[usize], vocab: usize, seed: u64) -> Vec<Window> {
    let mut rng = SplitMix64(seed);
    let structure = SongStructure {
        meter: Meter::new(3, 4),
        pickup_steps: 2,
    };
    lens.iter()
        .map(|&len| {
            let ids = (0..=len)
                .map(|_| (rng.next_u64() % vocab as u64) as usize)
                .collect();
            let mask = (0..len)
                .map(|t| if t % 7 == 6 { 0.0 } else { 1.0 })
                .collect();
            let contexts = (0..len)
                .map(|t| StepContext::new(t, len - t, Segment::Plain, None))
                .collect();
            Window {
                ids,
                mask,
                structure,
                contexts,
            }
        })
        .collect()
}

/// The masked mean cross-entropy of the composed model (Burn ops, autodiff), with the
/// fused path's dropout masks when `dropout` is set.
fn composed_loss(
    model: &MelodyLstm,
    ws: &[&Window],
    structure: Option<&StructureInputs>,
    dropout: Option<(f32, u64)>,
    device: &Device,
) -> Tensor<1> {
    let b = crate::corpus::data::batch(ws, structure, device);
    let masks = dropout.map(|(p, seed)| {
        let host = HostBatch::new(ws, structure, 0);
        let dims = Dims {
            steps: host.steps,
            rows: host.rows,
            hidden: model.hidden_size(),
        };
        let mask = |salt: u64| {
            let m = dropout_mask(&host, dims, p, seed, salt);
            // [T, B, H] → [B, T, H]
            Tensor::<3>::from_data(
                TensorData::new(m, [dims.steps, dims.rows, dims.hidden]),
                device,
            )
            .swap_dims(0, 1)
        };
        DropoutMasks {
            inputs: (0..model.num_layers())
                .map(|l| (l > 0).then(|| mask(l as u64)))
                .collect(),
            output: mask(0),
        }
    });
    let logits = match &masks {
        Some(m) => model.forward_with_masks(b.inputs.clone(), b.features.clone(), m),
        None => model.forward(b.inputs.clone(), b.features.clone()),
    };
    let [n, len, vocab] = logits.dims();
    let logp = log_softmax(logits.reshape([n * len, vocab]), 1);
    let targets: Tensor<2, Int> = b.targets.reshape([n * len, 1]);
    let picked = logp.gather(1, targets).reshape([n * len]);
    (picked * b.mask.reshape([n * len]))
        .sum()
        .neg()
        .div_scalar(b.targets_count as f32)
}

fn values<const D: usize>(grads: &GradientsParams, p: &Param<Tensor<D>>) -> Vec<f32> {
    grads
        .get::<D>(p.id)
        .expect("a gradient for every parameter")
        .into_data()
        .convert::<f32>()
        .try_into_vec()
        .unwrap()
}

/// Every parameter's gradient, in a fixed order, with its name.
fn all_grads(model: &MelodyLstm, g: &GradientsParams) -> Vec<(String, Vec<f32>)> {
    let mut out = Vec::new();
    if let Some(p) = &model.embedding {
        out.push(("embedding".into(), values(g, p)));
    }
    if let Some(p) = &model.structure_weights {
        out.push(("structure".into(), values(g, p)));
    }
    for (l, layer) in model.layers.iter().enumerate() {
        out.push((format!("layer {l} input"), values(g, &layer.input_weights)));
        out.push((
            format!("layer {l} recurrent"),
            values(g, &layer.hidden_weights),
        ));
        if let Some(b) = &layer.bias {
            out.push((format!("layer {l} bias"), values(g, b)));
        }
    }
    out.push(("output".into(), values(g, &model.output.weight)));
    if let Some(b) = &model.output.bias {
        out.push(("output bias".into(), values(g, b)));
    }
    out
}

/// The largest difference relative to the largest magnitude of the reference.
fn relative_error(a: &[f32], b: &[f32]) -> f32 {
    let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
    a.iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

struct Case {
    layers: usize,
    hidden: usize,
    embedding: usize,
    structure: bool,
    lens: &'static [usize],
    dropout: f32,
    threads: usize,
}

fn check(case: &Case, seed: u64) {
    let vocab = 9;
    let plain = Device::flex();
    let device = plain.clone().autodiff();
    let structure = case.structure.then(StructureInputs::default);
    let config = MelodyLstmConfig::new(vocab)
        .with_layers(case.layers)
        .with_hidden_size(case.hidden)
        .with_embedding_size(case.embedding)
        .with_dropout(f64::from(case.dropout))
        .with_structure(structure);
    let model = config.init_seeded(&device, seed);
    let ws = windows(case.lens, vocab, seed);
    let refs: Vec<&Window> = ws.iter().collect();
    let dropout = (case.dropout > 0.0).then_some((case.dropout, seed ^ 77));
    let loss = composed_loss(&model, &refs, structure.as_ref(), dropout, &device);
    let want_loss = f64::from(loss.clone().into_scalar::<f32>());
    let want = GradientsParams::from_grads(loss.backward(), &model);
    let options = FusedOptions {
        structure: structure.as_ref(),
        dropout: f64::from(case.dropout),
        seed: seed ^ 77,
        threads: case.threads,
    };
    let got = gradients(&model, &refs, &options, &plain).unwrap();
    assert!(
        (got.loss - want_loss).abs() < 1e-5 * want_loss.max(1.0),
        "loss {} vs {want_loss}",
        got.loss
    );
    let (fused, composed) = (all_grads(&model, &got.grads), all_grads(&model, &want));
    for ((name, a), (_, b)) in fused.iter().zip(&composed) {
        let e = relative_error(a, b);
        assert!(
            e < 1e-4,
            "{name}: relative error {e:e} (lens {:?})",
            case.lens
        );
    }
}

#[test]
fn fused_gradients_match_autodiff_of_the_composed_model() {
    let cases = [
        // B = 1, T = 1.
        Case {
            layers: 1,
            hidden: 8,
            embedding: 0,
            structure: false,
            lens: &[1],
            dropout: 0.0,
            threads: 1,
        },
        // H not a multiple of 16, uneven lengths (padding), two shards.
        Case {
            layers: 1,
            hidden: 13,
            embedding: 0,
            structure: true,
            lens: &[5, 9, 3],
            dropout: 0.0,
            threads: 2,
        },
        // Two layers, an embedding, dropout masks.
        Case {
            layers: 2,
            hidden: 13,
            embedding: 5,
            structure: false,
            lens: &[7, 7],
            dropout: 0.3,
            threads: 1,
        },
        // Two layers, one-hot, structure, dropout, three shards.
        Case {
            layers: 2,
            hidden: 20,
            embedding: 0,
            structure: true,
            lens: &[6, 11, 4, 8],
            dropout: 0.25,
            threads: 3,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        check(case, 100 + i as u64);
    }
}

#[test]
fn a_split_batch_draws_the_same_masks_and_gradients() {
    let plain = Device::flex();
    let device = plain.clone().autodiff();
    let model = MelodyLstmConfig::new(9)
        .with_layers(2)
        .with_hidden_size(12)
        .with_dropout(0.3)
        .init_seeded(&device, 5);
    let ws = windows(&[6, 6, 6, 6], 9, 5);
    let refs: Vec<&Window> = ws.iter().collect();
    let run = |threads| {
        let options = FusedOptions {
            structure: None,
            dropout: 0.3,
            seed: 9,
            threads,
        };
        let step = gradients(&model, &refs, &options, &plain).unwrap();
        (step.loss, all_grads(&model, &step.grads))
    };
    let (one, four) = (run(1), run(4));
    assert!((one.0 - four.0).abs() < 1e-6);
    for ((name, a), (_, b)) in one.1.iter().zip(&four.1) {
        assert!(relative_error(a, b) < 1e-5, "{name}");
    }
    // And a run is repeatable.
    assert_eq!(run(2).1, run(2).1);
}

#[test]
fn evaluation_matches_the_training_loss_without_dropout() {
    let plain = Device::flex();
    let model = MelodyLstmConfig::new(9).with_hidden_size(10).init(&plain);
    let ws = windows(&[4, 9], 9, 3);
    let refs: Vec<&Window> = ws.iter().collect();
    let options = FusedOptions {
        structure: None,
        dropout: 0.0,
        seed: 0,
        threads: 2,
    };
    let (sum, _, count) = evaluate(&model, &refs, &options).unwrap();
    let step = gradients(&model, &refs, &options, &plain).unwrap();
    assert_eq!(count, step.targets);
    assert!((sum / count as f64 - step.loss).abs() < 1e-9);
    // A symbol outside the vocabulary is an error, not a panic.
    let mut bad = ws[0].clone();
    bad.ids[2] = 9;
    assert!(evaluate(&model, &[&bad], &options).is_err());
}

#[test]
fn the_layer_gradients_of_its_initial_state_match_finite_differences() {
    use super::layer::{self, LayerWeights};
    let dims = Dims {
        steps: 4,
        rows: 2,
        hidden: 5,
    };
    let mut rng = SplitMix64(21);
    let mut random = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    };
    let (sb, g) = (dims.rows * dims.hidden, 4 * dims.hidden);
    let input = random(dims.steps * dims.rows * g);
    let recurrent = random(dims.hidden * g);
    let bias = random(g);
    let (h0, c0) = (random(sb), random(sb));
    let probe = random(dims.steps * sb);
    // L = Σ h · probe, so dL/dh = probe at every step.
    let loss = |h0: &[f32], c0: &[f32]| -> f64 {
        let w = LayerWeights {
            recurrent: &recurrent,
            bias: Some(&bias),
        };
        let tape = layer::forward(input.clone(), w, dims, Some((h0.to_vec(), c0.to_vec())));
        tape.h
            .iter()
            .zip(&probe)
            .map(|(a, b)| f64::from(a * b))
            .sum()
    };
    let w = LayerWeights {
        recurrent: &recurrent,
        bias: Some(&bias),
    };
    let tape = layer::forward(input.clone(), w, dims, Some((h0.clone(), c0.clone())));
    let grads = layer::backward(tape, &recurrent, probe.clone(), true);
    let eps = 1e-2f32;
    for i in 0..sb {
        for (which, got) in [(0, grads.h0[i]), (1, grads.c0[i])] {
            let (mut up, mut down) = ((h0.clone(), c0.clone()), (h0.clone(), c0.clone()));
            if which == 0 {
                up.0[i] += eps;
                down.0[i] -= eps;
            } else {
                up.1[i] += eps;
                down.1[i] -= eps;
            }
            let want = (loss(&up.0, &up.1) - loss(&down.0, &down.1)) / (2.0 * f64::from(eps));
            assert!(
                (f64::from(got) - want).abs() < 2e-3 * want.abs().max(1.0),
                "d{}0[{i}]: {got} vs {want}",
                ["h", "c"][which]
            );
        }
    }
}
