//! `lstmuse bench jam`: how long the model takes to answer a call, deep into a dialogue,
//! and how late answers sound in live jams ([`super::jam_live`]).

use anyhow::{Context, Result};
use lstmuse::model::artifact::ModelArtifact;
use lstmuse::model::{ModelRef, backend};
use lstmuse::music::{Melody, Meter, Note, Pitch, Ratio};
use lstmuse::sampling::SamplerConfig;
use lstmuse::sampling::jam::answer;
use std::path::PathBuf;
use std::time::Instant;

/// The answer's goal, ms (p99, a 2-bar answer after 32 bars).
const GOAL_MS: f64 = 20.0;

/// `bars` bars of 4/4 quarter notes on a C-major pattern: a dialogue so far.
fn dialogue(bars: usize) -> Melody {
    let scale = [60, 62, 64, 65, 67, 65, 64, 62];
    let notes = (0..bars * 4)
        .map(|i| {
            Pitch::from_midi(scale[i % scale.len()])
                .map_or(Note::rest(Ratio::ONE), |p| Note::new(p, Ratio::ONE))
        })
        .collect();
    Melody {
        meter: Meter::new(4, 4),
        key_signature: Some(0),
        notes,
        ..Melody::new()
    }
}

/// The `q`-quantile of sorted times.
pub(super) fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// Runs `lstmuse bench jam`: `runs` 2-bar answers after 32 bars, each with its own seed,
/// then `live` answers in a live jam at each of 60, 120 and 200 BPM.
pub fn run(model_dir: Option<PathBuf>, runs: usize, live: usize) -> Result<()> {
    super::release_note("jam");
    let device = backend::cpu();
    let dir = model_dir
        .or_else(lstmuse::default_model_dir)
        .context("no bundled model found: pass --model DIR")?;
    let a = ModelArtifact::load(&dir, &device.device)?;
    let bound = ModelRef::new(&a, &device.device);
    let played = dialogue(32);
    let at = played.duration();
    let timed = |candidates: usize| -> Result<Vec<f64>> {
        let mut times = Vec::with_capacity(runs);
        for k in 0..=runs.max(1) {
            let config = SamplerConfig {
                seed: k as u64,
                critic: lstmuse::sampling::Critic {
                    candidates,
                    ..Default::default()
                },
                ..SamplerConfig::default()
            };
            let t = Instant::now();
            answer(bound, &played, at, 2, &config)?;
            if k > 0 {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let plain = timed(1)?;
    let times = timed(lstmuse::sampling::critic::CANDIDATES)?;
    let p99 = quantile(&times, 0.99);
    println!(
        "model {}: a 2-bar answer after 32 bars of dialogue (4/4, default sampler, critic on), {} runs",
        dir.display(),
        times.len()
    );
    println!(
        "answer compute: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} the {GOAL_MS} ms goal); \
         a 2-bar phrase's last bar lasts 500 ms at 120 BPM, 300 ms at 200 BPM",
        quantile(&times, 0.5),
        p99,
        times.last().copied().unwrap_or(f64::NAN),
        if p99 < GOAL_MS { "meets" } else { "misses" }
    );
    println!(
        "without the critic (1 candidate): p50 {:.1} ms, p99 {:.1} ms",
        quantile(&plain, 0.5),
        quantile(&plain, 0.99)
    );
    super::jam_live::report(&dir, live)
}
