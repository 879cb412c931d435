//! UI frame time of the app with 2,000 notes on screen while the playhead moves (as in
//! playback, with follow mode on). Prints the time to build the frame (egui layout and the
//! roll's drawing) and to tessellate it, per frame. `cargo bench --bench gui`.

use egui_kittest::Harness;
use lstmuse::gui::document::{Document, Origin};
use lstmuse::gui::{AppOptions, LstmuseApp};
use std::time::{Duration, Instant};

const NOTES: usize = 2_000;
const FRAMES: usize = 300;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let tmp = std::env::temp_dir().join("lstmuse-bench-gui-models");
    let options = AppOptions {
        model_dir: lstmuse::default_model_dir(),
        audio: false,
        restore: false,
        models_dir: Some(tmp),
        ..AppOptions::default()
    };
    let mut h = Harness::builder()
        .with_size([1600.0, 900.0])
        .with_accessibility_check(false)
        .build_eframe(move |cc| LstmuseApp::new(cc, options));
    let start = Instant::now();
    while !h.state().is_idle() && start.elapsed() < Duration::from_secs(60) {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(3);

    // 2,000 notes over 480 steps: chords of about four notes, all inside the view.
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
        doc.push(start, 2, pitch as u8, origin, conf);
    }
    let visible_steps = 400.0;
    {
        let app = h.state_mut();
        app.doc = doc;
        app.settings.roll.follow = true;
        app.settings.roll.px_per_step = 2.0;
        app.settings.roll.px_per_key = 16.0;
        app.settings.roll.top_pitch = 86.0;
        app.settings.roll.scroll_step = 0.0;
    }
    let ppp = h.ctx.pixels_per_point();
    let mut ui_ms = Vec::with_capacity(FRAMES);
    let mut tess_ms = Vec::with_capacity(FRAMES);
    let mut primitives = 0;
    for f in 0..FRAMES {
        h.state_mut().audio.simulated = Some((f as f32 * 1.6) % visible_steps);
        let t = Instant::now();
        h.step();
        ui_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let shapes = h.output().shapes.clone();
        let t = Instant::now();
        let prims = h.ctx.tessellate(shapes, ppp);
        tess_ms.push(t.elapsed().as_secs_f64() * 1e3);
        primitives = prims.len();
    }
    // Notes inside the roll's view in the last frame.
    let drawn = {
        let app = h.state();
        let v = &app.settings.roll;
        let g = v.grid.expect("the roll was drawn");
        let (first, last) = (v.scroll_step, v.scroll_step + g.width() / v.px_per_step);
        let (lo, hi) = (v.top_pitch - g.height() / v.px_per_key, v.top_pitch);
        app.doc
            .notes
            .iter()
            .filter(|n| (n.end() as f32) >= first && (n.start as f32) <= last)
            .filter(|n| f32::from(n.pitch) >= lo && f32::from(n.pitch) < hi)
            .count()
    };
    let app_ms = h.state().mean_frame_ms();
    let mut total: Vec<f64> = ui_ms.iter().zip(&tess_ms).map(|(a, b)| a + b).collect();
    ui_ms.sort_by(f64::total_cmp);
    tess_ms.sort_by(f64::total_cmp);
    total.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!("gui frame time, {drawn} notes on screen, playhead moving, {FRAMES} frames, 1600x900");
    println!("  app ui() alone         mean {app_ms:.2} ms");
    println!(
        "  egui frame (ui+layout) mean {:.2} ms  median {:.2}  p99 {:.2}  max {:.2}",
        mean(&ui_ms),
        percentile(&ui_ms, 0.5),
        percentile(&ui_ms, 0.99),
        ui_ms[ui_ms.len() - 1]
    );
    println!(
        "  tessellation           mean {:.2} ms  median {:.2}  p99 {:.2}  ({primitives} primitives)",
        mean(&tess_ms),
        percentile(&tess_ms, 0.5),
        percentile(&tess_ms, 0.99)
    );
    println!(
        "  frame CPU total        mean {:.2} ms  p99 {:.2} ms  (target < 8 ms; GPU upload and drawing not included)",
        mean(&total),
        percentile(&total, 0.99)
    );
}
