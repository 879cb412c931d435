//! `lstmuse bench generate`: one 512-step melody, 16 × 256 steps and a 2-bar fill × 8, against
//! the seed's method, and where the time goes.

use super::measure::{median_ms, peak_rss_mib};
use super::release_note;
use super::seed_method::{SeedShape, default_vocabulary, seed_method};
use anyhow::Result;
use burn::tensor::{Device, Int, Tensor, TensorData};
use lstmuse::corpus::encoding::Symbol;
use lstmuse::error::Result as LibResult;
use lstmuse::model::{HostLstm, LstmState, ModelRef};
use lstmuse::music::Melody;
use lstmuse::sampling::{self, Length, SamplerConfig};
use serde::Serialize;
use std::path::PathBuf;

/// Generation timings in ms (medians over the runs).
#[derive(Clone, Debug, Serialize)]
pub struct GenerateBench {
    /// `sampling::generate`: one melody of 512 steps.
    pub one_512_ms: f64,
    /// `sampling::generate`: 16 variations of 256 steps, batched.
    pub batch_16x256_ms: f64,
    /// The seed's method, one melody of 512 steps.
    pub seed_one_512_ms: f64,
    /// The seed's method, 16 × 256 (the 16 windows batched).
    pub seed_16x256_ms: f64,
    /// 512 host-engine steps alone (what generation runs), no sampler.
    pub host_steps_512_ms: f64,
    /// 512 `model.step` calls alone (id tensor in, logits to host), no sampler.
    pub steps_512_ms: f64,
    /// 512 `model.step` calls without reading the logits back.
    pub steps_512_no_read_ms: f64,
    /// 256 `model.step` calls on 16 rows, logits to host.
    pub steps_16x256_ms: f64,
    /// 512 recurrent products `[1,H]×[H,4H]` alone: the arithmetic floor of 512 steps.
    pub matvec_512_ms: f64,
    /// 512 × 14 small element-wise ops on `[1, 4H]`, about the rest of a step's ops.
    pub small_ops_512_ms: f64,
    /// `sampling::fill`: 8 variations of bars 5–6 of a 16-bar 4/4 melody (the model reads
    /// the 14 other bars first); `None` for a model that cannot fill.
    pub fill_2bars_8_ms: Option<f64>,
    /// One unprimed 8-bar 2/4 melody with the critic (its default candidates), and four;
    /// `None` for a model without the corpus form the critic needs.
    pub critic_ms: Option<(f64, f64)>,
}

/// Times one and four unprimed 8-bar 2/4 melodies with the critic; `None` for a model
/// without the corpus form.
fn time_critic(bound: ModelRef<'_>, runs: usize) -> LibResult<Option<(f64, f64)>> {
    if bound.form.is_none() {
        return Ok(None);
    }
    let mut failure = None;
    let mut timed = |variations| {
        let c = SamplerConfig {
            length: Length::Bars(8),
            meter: lstmuse::music::Meter::new(2, 4),
            variations,
            ..SamplerConfig::default()
        };
        median_ms(runs, || {
            if let Err(e) = sampling::generate(bound, &Melody::new(), &c) {
                failure = Some(e);
            }
        })
    };
    let times = (timed(1), timed(4));
    match failure {
        Some(e) => Err(e),
        None => Ok(Some(times)),
    }
}

/// A 16-bar 4/4 melody of quarter notes on a C-major scale pattern, for the fill bench.
fn bench_melody() -> Melody {
    let mut m = Melody::new();
    m.meter = lstmuse::music::Meter::new(4, 4);
    m.key = lstmuse::music::Key::parse("C");
    for i in 0..64 {
        let pitch = [60, 62, 64, 65, 67, 65, 64, 62][i % 8];
        m.notes.push(lstmuse::music::Note::new(
            lstmuse::music::Pitch(pitch),
            lstmuse::music::Ratio::ONE,
        ));
    }
    m
}

/// Times `sampling::fill` of bars 5–6 of [`bench_melody`], 8 variations; `None` for a
/// model that cannot fill.
fn time_fill(bound: ModelRef<'_>, runs: usize) -> LibResult<Option<f64>> {
    if !bound.structure().is_some_and(|s| s.infill) {
        return Ok(None);
    }
    let melody = bench_melody();
    let c = SamplerConfig {
        variations: 8,
        ..SamplerConfig::default()
    };
    let mut failure = None;
    let ms = median_ms(runs, || {
        if let Err(e) = sampling::fill(bound, &melody, 64..96, &c) {
            failure = Some(e);
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(Some(ms)),
    }
}

/// Times `steps` calls of `model.step` on `rows` rows, reading the logits back when `read`
/// (the tensor path, for comparison with the host engine generation uses).
fn time_steps(bound: ModelRef<'_>, runs: usize, (steps, rows): (usize, usize), read: bool) -> f64 {
    let ModelRef {
        model,
        config,
        vocab,
        device,
        ..
    } = bound;
    median_ms(runs, || {
        let mut state = LstmState::zeros(config, rows, device);
        for i in 0..steps {
            let ids = vec![(i % vocab.len()) as i64; rows];
            let t = Tensor::<1, Int>::from_data(TensorData::new(ids, [rows]), device);
            let (logits, next) = model.step(t, None, state);
            state = next;
            if read {
                let _ = logits.into_data();
            }
        }
    })
}

/// Times `steps` steps of the host engine ([`HostLstm`], what generation runs) on `rows`
/// rows, structure inputs included for a model that reads them.
fn time_host_steps(
    bound: ModelRef<'_>,
    runs: usize,
    (steps, rows): (usize, usize),
) -> LibResult<f64> {
    let engine = HostLstm::new(bound.model)?;
    let width = engine.structure_width();
    // A typical multi-hot row: one value per input group.
    let features: Vec<f32> = (0..rows * width)
        .map(|i| f32::from(u8::from(i % 29 == 0)))
        .collect();
    let mut failure = None;
    let ms = median_ms(runs, || {
        let mut state = engine.zeros(rows);
        let mut logits = Vec::new();
        for i in 0..steps {
            let ids = vec![i % engine.vocab_size(); rows];
            let f = (width > 0).then_some(&features[..]);
            if let Err(e) = engine.step(&ids, f, &mut state, &mut logits) {
                failure = Some(e);
            }
        }
    });
    failure.map_or(Ok(ms), Err)
}

/// Times 512 recurrent products `[1,H]×[H,4H]` and 512 × 14 small element-wise ops.
fn time_ops(hidden: usize, runs: usize, device: &Device) -> (f64, f64) {
    let x = Tensor::<2>::ones([1, hidden], device);
    let w = Tensor::<2>::ones([hidden, 4 * hidden], device);
    let matvec = median_ms(runs, || {
        for _ in 0..512 {
            let _ = x.clone().matmul(w.clone());
        }
    });
    let g = Tensor::<2>::ones([1, 4 * hidden], device);
    let small_ops = median_ms(runs, || {
        for _ in 0..512 * 14 {
            let _ = g.clone() + g.clone();
        }
    });
    (matvec, small_ops)
}

/// Times `sampling::generate` and the seed's method with `model` on `device`.
pub fn measure_generation(bound: ModelRef<'_>, runs: usize) -> LibResult<GenerateBench> {
    let ModelRef {
        model,
        config: model_config,
        vocab,
        device,
        ..
    } = bound;
    let primer = Melody::new();
    // The plain sampler (no critic), as these figures always measured.
    let config = |steps, variations| SamplerConfig {
        length: Length::Steps(steps),
        variations,
        critic: sampling::Critic {
            candidates: 1,
            ..sampling::Critic::default()
        },
        ..SamplerConfig::default()
    };
    let mut failure = None;
    let mut timed = |steps, rows| {
        let c = config(steps, rows);
        median_ms(runs, || {
            if let Err(e) = sampling::generate(bound, &primer, &c) {
                failure = Some(e);
            }
        })
    };
    let one_512_ms = timed(512, 1);
    let batch_16x256_ms = timed(256, 16);
    if let Some(e) = failure {
        return Err(e);
    }
    let fill_2bars_8_ms = time_fill(bound, runs)?;
    let critic_ms = time_critic(bound, runs)?;
    let steps = |steps, rows, read| time_steps(bound, runs, (steps, rows), read);
    let host_steps_512_ms = time_host_steps(bound, runs, (512, 1))?;
    let steps_512_ms = steps(512, 1, true);
    let steps_512_no_read_ms = steps(512, 1, false);
    let steps_16x256_ms = steps(256, 16, true);
    let (matvec_512_ms, small_ops_512_ms) = time_ops(model_config.hidden_size, runs, device);
    let seed = |rows, steps| {
        let shape = SeedShape {
            rows,
            steps,
            window: 64,
            pad: vocab.id(Symbol::Delimiter).unwrap_or(0),
        };
        let mut result = Ok(());
        let ms = median_ms(1, || {
            if let Err(e) = seed_method(model, shape, device) {
                result = Err(e);
            }
        });
        result.map(|()| ms)
    };
    let seed_one_512_ms = seed(1, 512)?;
    let seed_16x256_ms = seed(16, 256)?;
    Ok(GenerateBench {
        one_512_ms,
        batch_16x256_ms,
        seed_one_512_ms,
        seed_16x256_ms,
        host_steps_512_ms,
        steps_512_ms,
        steps_512_no_read_ms,
        steps_16x256_ms,
        matvec_512_ms,
        small_ops_512_ms,
        fill_2bars_8_ms,
        critic_ms,
    })
}

/// The generation bench's figures, against the goals.
fn print_generate_bench(g: &GenerateBench, hidden: usize) {
    let goal = if g.one_512_ms < 20.0 {
        "meets"
    } else {
        "misses"
    };
    println!(
        "generate 1 × 512 steps: {:>8.1} ms   ({goal} the 20 ms goal)",
        g.one_512_ms
    );
    println!("generate 16 × 256 steps: {:>7.1} ms", g.batch_16x256_ms);
    match g.critic_ms {
        Some((one, four)) => println!(
            "one 8-bar 2/4 melody with the critic ({} candidates): {one:>6.1} ms   ({} the 50 ms goal); 4 variations: {four:.1} ms   ({} the 150 ms goal)",
            sampling::critic::CANDIDATES,
            if one < 50.0 { "meets" } else { "misses" },
            if four < 150.0 { "meets" } else { "misses" }
        ),
        None => {
            println!("critic: this model carries no corpus form (trained before phrase inputs)")
        }
    }
    match g.fill_2bars_8_ms {
        Some(ms) => println!(
            "fill 2 bars × 8 variations (bars 5–6 of 16 in 4/4): {ms:>6.1} ms   ({} the 50 ms goal)",
            if ms < 50.0 { "meets" } else { "misses" }
        ),
        None => println!("fill: this model was not trained to fill"),
    }
    println!(
        "seed's method (re-read 64 steps per step) 1 × 512: {:>8.1} ms   speed-up {:.0}×",
        g.seed_one_512_ms,
        g.seed_one_512_ms / g.one_512_ms
    );
    println!(
        "seed's method 16 × 256 (windows batched): {:>8.1} ms   speed-up {:.0}×",
        g.seed_16x256_ms,
        g.seed_16x256_ms / g.batch_16x256_ms
    );
    println!(
        "where the time goes: 512 host-engine steps alone {:.1} ms ({:.1} µs/step), sampler and bookkeeping {:+.1} ms (generate minus model steps; noise when near 0)",
        g.host_steps_512_ms,
        g.host_steps_512_ms * 1e3 / 512.0,
        g.one_512_ms - g.host_steps_512_ms,
    );
    println!(
        "  the same 512 steps as Burn tensor ops (before the host engine): {:.1} ms ({:.1} ms without reading the logits back); 16 × 256 tensor steps {:.1} ms",
        g.steps_512_ms, g.steps_512_no_read_ms, g.steps_16x256_ms
    );
    println!(
        "  of the 512 model steps: recurrent [1,{h}]×[{h},{h4}] products alone {:.1} ms, 512 × 14 small element-wise ops {:.1} ms",
        g.matvec_512_ms,
        g.small_ops_512_ms,
        h = hidden,
        h4 = 4 * hidden
    );
    if let Some(r) = peak_rss_mib() {
        println!("peak memory (VmHWM) {r:.0} MiB");
    }
}

/// Runs `lstmuse bench generate`.
pub fn run(model_dir: Option<PathBuf>, runs: usize) -> Result<()> {
    use lstmuse::model::MelodyLstmConfig;
    use lstmuse::model::artifact::ModelArtifact;

    let device = lstmuse::model::backend::cpu();
    let dir = model_dir.or_else(lstmuse::default_model_dir);
    let (model, model_config, vocab, (prior, form), what) = match dir {
        Some(dir) => {
            let a = ModelArtifact::load(&dir, &device.device)?;
            (
                a.model,
                a.config.model,
                a.vocab,
                (a.config.phrase_prior, a.config.form),
                format!("model {}", dir.display()),
            )
        }
        None => {
            let vocab = default_vocabulary();
            let config = MelodyLstmConfig::new(vocab.len());
            (
                burn::module::Module::valid(&config.init_seeded(&device.device, 0)),
                config,
                vocab,
                (None, None),
                "no trained model found: a freshly initialised model".to_owned(),
            )
        }
    };
    println!(
        "{what}: {}×{} LSTM, {} symbols; {}; median of {} runs",
        model_config.layers,
        model_config.hidden_size,
        vocab.len(),
        device.name,
        runs.max(1)
    );
    let bound = lstmuse::model::ModelRef {
        model: &model,
        config: &model_config,
        vocab: &vocab,
        device: &device.device,
        phrase_prior: prior.as_ref(),
        form: form.as_ref(),
    };
    let g = measure_generation(bound, runs)?;
    print_generate_bench(&g, model_config.hidden_size);
    release_note("generate");
    Ok(())
}
