//! UI frame times, printed per scenario (`cargo bench --bench gui`, or name scenarios:
//! `cargo bench --bench gui -- soak dataset`):
//! 1. `playback`: 2,000 notes on screen while the playhead moves (follow mode on);
//! 2. `training`: the training panel's live plot and the dataset table (1,700 erk files)
//!    while training on the Essen erk corpus runs in the background (needs
//!    ../shared/corpus; skipped without);
//! 3. `soak`: 2,000 cycles of generate, audition, keep, undo and fill: resident memory
//!    before and after, and every step's frame time ([`long_sessions`]);
//! 4. `dataset`: a generated corpus of 100,000 tiny files: load time with progress, memory,
//!    and frame times while the table scrolls;
//! 5. `first`: a new user's first melody: the app built as on a first start (the welcome
//!    shown), "Generate a melody" clicked in the welcome as soon as the model is ready, and
//!    the first variation rendered as Play renders it (the sound device itself is not timed).
//!
//! Each frame is timed for the UI pass (egui layout and our drawing) and tessellation.

#[path = "../tests/common/mod.rs"]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
#[path = "gui/long_sessions.rs"]
mod long_sessions;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use lstmuse::gui::document::{Document, Origin, RollNote};
use lstmuse::gui::{AppOptions, LstmuseApp};
use std::time::{Duration, Instant};

const NOTES: usize = 2_000;
const FRAMES: usize = 300;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn wait_idle(h: &mut Harness<'_, LstmuseApp>) {
    let start = Instant::now();
    while !h.state().is_idle() && start.elapsed() < Duration::from_secs(60) {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(3);
}

/// Times `frames` frames; `before` runs ahead of each one.
fn frame_times(
    h: &mut Harness<'_, LstmuseApp>,
    frames: usize,
    mut before: impl FnMut(&mut LstmuseApp, usize),
) -> (Vec<f64>, Vec<f64>) {
    let ppp = h.ctx.pixels_per_point();
    let mut ui_ms = Vec::with_capacity(frames);
    let mut tess_ms = Vec::with_capacity(frames);
    for f in 0..frames {
        before(h.state_mut(), f);
        let t = Instant::now();
        h.step();
        ui_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let shapes = h.output().shapes.clone();
        let t = Instant::now();
        let _ = h.ctx.tessellate(shapes, ppp);
        tess_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    (ui_ms, tess_ms)
}

fn report(name: &str, mut ui_ms: Vec<f64>, mut tess_ms: Vec<f64>, target: f64) {
    let mut total: Vec<f64> = ui_ms.iter().zip(&tess_ms).map(|(a, b)| a + b).collect();
    ui_ms.sort_by(f64::total_cmp);
    tess_ms.sort_by(f64::total_cmp);
    total.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!("{name}");
    println!(
        "  UI pass       mean {:.2} ms  median {:.2}  p99 {:.2}  max {:.2}",
        mean(&ui_ms),
        percentile(&ui_ms, 0.5),
        percentile(&ui_ms, 0.99),
        ui_ms[ui_ms.len() - 1]
    );
    println!(
        "  tessellation  mean {:.2} ms  median {:.2}  p99 {:.2}",
        mean(&tess_ms),
        percentile(&tess_ms, 0.5),
        percentile(&tess_ms, 0.99)
    );
    println!(
        "  frame CPU     mean {:.2} ms  p99 {:.2} ms  max {:.2} ms  (target < {target} ms; GPU drawing not included)",
        mean(&total),
        percentile(&total, 0.99),
        total[total.len() - 1]
    );
}

fn playback_scenario(h: &mut Harness<'_, LstmuseApp>) {
    // 2,000 notes over 400 steps: chords of five notes, all inside the view.
    let mut doc = Document::default();
    let mut pitch = 60i32;
    for i in 0..NOTES {
        let start = (i / 5) as u32 % 400;
        pitch = 48 + (pitch - 48 + 7 * (i as i32 % 5) + 3).rem_euclid(36);
        let origin = if i % 3 == 0 {
            Origin::Seed
        } else {
            Origin::Generated
        };
        let conf = if origin == Origin::Generated {
            vec![(0.6, 1.2); 2]
        } else {
            vec![]
        };
        doc.push(RollNote::new(start, 2, pitch as u8, origin).with_confidence(conf));
    }
    {
        let app = h.state_mut();
        app.set_document(doc);
        let roll = app.roll_view_mut();
        roll.follow = true;
        roll.px_per_step = 2.0;
        roll.px_per_key = 16.0;
        roll.top_pitch = 86.0;
        roll.scroll_step = 0.0;
    }
    let (ui_ms, tess_ms) = frame_times(h, FRAMES, |app, f| {
        app.simulate_playhead(Some((f as f32 * 1.6) % 400.0));
    });
    // Notes inside the roll's view in the last frame.
    let drawn = {
        let app = h.state();
        let v = &app.settings().roll;
        let g = v.grid.expect("the roll was drawn");
        let (first, last) = (v.scroll_step, v.scroll_step + g.width() / v.px_per_step);
        let (lo, hi) = (v.top_pitch - g.height() / v.px_per_key, v.top_pitch);
        app.doc()
            .notes
            .iter()
            .filter(|n| (n.end() as f32) >= first && (n.start as f32) <= last)
            .filter(|n| f32::from(n.pitch) >= lo && f32::from(n.pitch) < hi)
            .count()
    };
    report(
        &format!(
            "playback: {drawn} notes on screen, playhead moving, {FRAMES} frames, 1600x900 (app ui() alone {:.2} ms)",
            h.state().mean_frame_ms()
        ),
        ui_ms,
        tess_ms,
        8.0,
    );
    h.state_mut().simulate_playhead(None);
}

fn training_scenario(h: &mut Harness<'_, LstmuseApp>) {
    let erk =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/essen-erk-krn");
    if !erk.is_dir() {
        println!("training scenario: SKIP ({} not found)", erk.display());
        return;
    }
    h.state_mut().add_corpus(erk.clone());
    wait_idle(h);
    let name = format!("bench-{}", std::process::id());
    let out = h.state().models_dir().join(&name);
    {
        let app = h.state_mut();
        app.set_tab(lstmuse::gui::app::Tab::Training);
        let s = app.training_settings_mut();
        s.backend = lstmuse::model::backend::BackendChoice::Cpu;
        s.model_name = name;
        s.epochs = 1;
        app.start_training(false).expect("training starts");
    }
    // Let batches arrive, then time frames with the table and the plot on screen.
    let t = Instant::now();
    while h.state().training().figures.batch_loss.len() < 5
        && t.elapsed() < Duration::from_secs(120)
    {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let rows = h.state().dataset().rows.len();
    let (ui, tess) = frame_times(h, 200, |_, _| std::thread::sleep(Duration::from_millis(16)));
    let points = h.state().training().figures.batch_loss.len();
    report(
        &format!(
            "training on erk in the background: {rows} tunes in the table, live plot with {points} batch points, 200 frames at ~60 fps"
        ),
        ui,
        tess,
        16.0,
    );
    let app_rate = app_training_rate(h);
    h.state_mut().stop_training_and_wait();
    let _ = std::fs::remove_dir_all(out);
    compare_with_cli(&erk, app_rate);
}

/// Batches over which the app's and the CLI's training speeds are compared.
const RATE_BATCHES: usize = 40;

/// The app's training speed (steps/s after `RATE_BATCHES` batches) while the UI keeps
/// drawing at ~60 fps.
fn app_training_rate(h: &mut Harness<'_, LstmuseApp>) -> Option<f64> {
    let t = Instant::now();
    while h.state().training().figures.batch_loss.len() < RATE_BATCHES
        && h.state().training().is_running()
        && t.elapsed() < Duration::from_secs(600)
    {
        h.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    (h.state().training().figures.batch_loss.len() >= RATE_BATCHES)
        .then(|| h.state().training().figures.steps_per_sec)
}

/// Runs `lstmuse train` (the CLI, the same recommended settings as the app's defaults) for
/// `RATE_BATCHES` batches and prints its speed beside the app's.
fn compare_with_cli(erk: &std::path::Path, app_rate: Option<f64>) {
    use std::io::BufRead;
    let out = std::env::temp_dir().join(format!("lstmuse-bench-cli-{}", std::process::id()));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lstmuse"))
        .args([
            "train",
            "--backend",
            "cpu",
            "--epochs",
            "1",
            "--json",
            "--corpus",
        ])
        .arg(erk)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        println!("training speed: SKIP (cannot start the lstmuse binary)");
        return;
    };
    let mut cli_rate = None;
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if v["event"] == "batch" && v["batch"].as_u64() == Some(RATE_BATCHES as u64) {
                cli_rate = v["steps_per_sec"].as_f64();
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&out);
    match (app_rate, cli_rate) {
        (Some(app), Some(cli)) => println!(
            "training speed, recommended settings, first {RATE_BATCHES} batches of erk: app {app:.0} steps/s (UI drawing at ~60 fps), CLI {cli:.0} steps/s; app/CLI {:.2}",
            app / cli
        ),
        _ => println!("training speed: no figure (app {app_rate:?}, CLI {cli_rate:?})"),
    }
}

/// From building the app to the first melody rendered, as a new user meets it.
fn first_melody_scenario() {
    let t0 = Instant::now();
    let options = AppOptions {
        model_dir: lstmuse::default_model_dir(),
        audio: false,
        restore: false,
        models_dir: Some(std::env::temp_dir().join("lstmuse-bench-gui-models")),
        ..AppOptions::default()
    };
    let mut h = Harness::builder()
        .with_size([1600.0, 900.0])
        .with_accessibility_check(false)
        .build_eframe(move |cc| LstmuseApp::new(cc, options));
    while h.state().model().is_none() && t0.elapsed() < Duration::from_secs(60) {
        h.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    let ready = t0.elapsed();
    h.get_by_label("Generate a melody").click();
    while h.state().variations().is_empty() && t0.elapsed() < Duration::from_secs(60) {
        h.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    let generated = t0.elapsed();
    let melody = h.state().shown_melody();
    let rendered = lstmuse::synth::try_render(&melody, &lstmuse::synth::RenderConfig::default())
        .expect("the first variation renders");
    let total = t0.elapsed();
    println!(
        "first melody: model ready {:.0} ms, {} notes generated at {:.0} ms, {:.1} s of audio rendered at {:.0} ms (app built to first sound, sound device not included)",
        ready.as_secs_f64() * 1e3,
        melody.sounding().count(),
        generated.as_secs_f64() * 1e3,
        rendered.samples.len() as f64
            / f64::from(rendered.channels)
            / f64::from(rendered.sample_rate),
        total.as_secs_f64() * 1e3
    );
}

fn main() {
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| named.is_empty() || named.iter().any(|n| n == name);
    let options = AppOptions {
        model_dir: lstmuse::default_model_dir(),
        audio: false,
        restore: false,
        models_dir: Some(std::env::temp_dir().join("lstmuse-bench-gui-models")),
        welcome: false,
        ..AppOptions::default()
    };
    if wanted("first") {
        first_melody_scenario();
    }
    let mut h = Harness::builder()
        .with_size([1600.0, 900.0])
        .with_accessibility_check(false)
        .build_eframe(move |cc| LstmuseApp::new(cc, options));
    wait_idle(&mut h);
    if wanted("playback") {
        playback_scenario(&mut h);
    }
    if wanted("training") {
        training_scenario(&mut h);
    }
    if wanted("soak") {
        long_sessions::soak(&mut h, 2_000);
    }
    if wanted("dataset") {
        long_sessions::dataset_scale(&mut h, 100_000);
    }
}
