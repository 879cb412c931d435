//! The wgpu backend computes the same training losses as the CPU (runs where a wgpu
//! adapter exists, e.g. Mesa's lavapipe; says SKIP otherwise).

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use lstmuse::corpus::data::{SongIds, Window, batch, windows};
use lstmuse::model::MelodyLstmConfig;
use lstmuse::model::TrainingConfig;
use lstmuse::model::artifact::{weights_from_bytes, weights_to_bytes};
use lstmuse::model::backend::{self, BackendChoice};
use lstmuse::model::loss::masked_loss;

fn losses(
    config: &TrainingConfig,
    weights: &[u8],
    device: &burn::tensor::Device,
    ws: &[Window],
) -> Vec<f32> {
    let train = device.clone().autodiff();
    let path = std::path::Path::new("in-memory");
    let mut model = weights_from_bytes(config, weights.to_vec(), path, &train).unwrap();
    let mut optim = AdamConfig::new().init();
    let refs: Vec<&Window> = ws.iter().collect();
    let b = batch(&refs, None, &train);
    let mut out = Vec::new();
    for _ in 0..3 {
        let (loss, _) = masked_loss(&model, &b).unwrap();
        out.push(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    out
}

#[test]
fn wgpu_training_steps_match_the_cpu() {
    if !cfg!(feature = "wgpu") {
        eprintln!(
            "SKIP: built without the `wgpu` feature (cargo test --release --features wgpu --test library wgpu::)"
        );
        return;
    }
    let gpu = match backend::choose(BackendChoice::Wgpu) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("SKIP: no wgpu adapter here ({e})");
            return;
        }
    };
    eprintln!("wgpu adapter: {}", gpu.name);
    let songs = SongIds {
        songs: vec![vec![3, 4, 5, 2, 2, 6, 1, 2], vec![5, 5, 2, 4, 3, 2, 2, 1]],
        ..SongIds::default()
    };
    let ws = windows(&songs, 8, 0);
    let config = TrainingConfig::new(
        MelodyLstmConfig::new(7)
            .with_hidden_size(16)
            .with_dropout(0.0),
    );
    let cpu = backend::cpu().device;
    let init = config.model.init_seeded(&cpu, 1);
    let weights = weights_to_bytes(&init.valid()).unwrap();
    let a = losses(&config, &weights, &cpu, &ws);
    let b = losses(&config, &weights, &gpu.device, &ws);
    eprintln!("cpu {a:?}\nwgpu {b:?}");
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-3, "cpu {x} vs wgpu {y}");
    }
    assert!(a[2] < a[0], "the loss falls");
}
