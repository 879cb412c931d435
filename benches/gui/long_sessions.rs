//! Long sessions: a soak of generate, audition, keep, undo and fill cycles (resident memory
//! and frame times over the whole run), and a 100,000-tune corpus in the dataset browser
//! (load time with progress, memory, frame times while the table scrolls).

use super::common::{rss_mib, tiny_corpus};
use super::{frame_times, percentile, report, wait_idle};
use eframe::egui;
use egui_kittest::Harness;
use lstmuse::gui::LstmuseApp;
use lstmuse::gui::command::Command;
use std::time::{Duration, Instant};

/// Each step's time: wall clock (UI pass and tessellation), and the UI thread's own CPU
/// time for the same (which leaves out the time other processes and the model thread took
/// the core: this 2-core machine is shared).
#[derive(Default)]
struct Frames {
    wall_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
}

/// The calling thread's CPU time in ms (Linux; 0 elsewhere).
fn thread_cpu_ms() -> f64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec, which `t` is.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6;
        }
    }
    0.0
}

/// Runs `command` and steps until the app is idle again, timing every step.
fn run(h: &mut Harness<'_, LstmuseApp>, command: Command, frames: &mut Frames) {
    let ctx = h.ctx.clone();
    h.state_mut().execute(&ctx, command);
    loop {
        let cpu = thread_cpu_ms();
        let (ui, tess) = frame_times(h, 1, |_, _| {});
        frames.cpu_ms.push(thread_cpu_ms() - cpu);
        frames.wall_ms.push(ui[0] + tess[0]);
        if h.state().is_idle() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One cycle: generate, audition the second variation, keep the first, undo, and fill
/// bars 3-4.
fn cycle(h: &mut Harness<'_, LstmuseApp>, frames: &mut Frames) {
    run(h, Command::Generate, frames);
    run(h, Command::Audition(1), frames);
    run(h, Command::Keep(0), frames);
    run(h, Command::Undo, frames);
    let bar = h.state().doc().steps_per_bar();
    h.state_mut().set_bar_range(Some((2 * bar, 4 * bar)));
    run(h, Command::FillSelection, frames);
}

/// The soak: `cycles` cycles on the Kuckuck seed; prints resident memory before and after
/// (after 20 warm-up cycles) and the frame times of every step.
pub fn soak(h: &mut Harness<'_, LstmuseApp>, cycles: usize) {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/seeds/kuckuck.krn");
    h.state_mut().open_path(seed);
    wait_idle(h);
    let mut warm = Frames::default();
    for _ in 0..20 {
        cycle(h, &mut warm);
    }
    let Some((before, _)) = rss_mib() else {
        println!("soak: SKIP (no /proc/self/status)");
        return;
    };
    let notes = h.state().doc().notes.len();
    let mut frames = Frames::default();
    let t = Instant::now();
    for _ in 0..cycles {
        cycle(h, &mut frames);
    }
    let secs = t.elapsed().as_secs_f64();
    let (after, peak) = rss_mib().unwrap_or_default();
    let Frames {
        mut wall_ms,
        mut cpu_ms,
    } = frames;
    wall_ms.sort_by(f64::total_cmp);
    cpu_ms.sort_by(f64::total_cmp);
    let history = h.state().history();
    println!(
        "soak: {cycles} cycles of generate, audition, keep, undo, fill on Kuckuck in {secs:.0} s \
         ({} frames); resident memory {before:.1} -> {after:.1} MiB ({:+.1} MiB; peak {peak:.1}; \
         target within +50 MiB); the melody has {} notes as it started ({notes}); undo history \
         {} steps, {} KiB",
        wall_ms.len(),
        after - before,
        h.state().doc().notes.len(),
        history.undo_steps(),
        history.bytes() / 1024
    );
    for (what, v) in [("wall clock", &wall_ms), ("UI thread CPU", &cpu_ms)] {
        println!(
            "  frame {what}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 < 8 ms)",
            percentile(v, 0.5),
            percentile(v, 0.99),
            v[v.len() - 1]
        );
    }
}

/// The dataset browser with `tunes` tiny files: loads them (progress shown), then scrolls
/// the table with the mouse wheel.
pub fn dataset_scale(h: &mut Harness<'_, LstmuseApp>, tunes: usize) {
    let Ok(dir) = tempfile::tempdir() else {
        println!("dataset scale: SKIP (no temporary folder)");
        return;
    };
    let t = Instant::now();
    tiny_corpus(dir.path(), tunes);
    let written = t.elapsed().as_secs_f64();
    let (before, _) = rss_mib().unwrap_or_default();
    let t = Instant::now();
    h.state_mut().add_corpus(dir.path().to_path_buf());
    let mut seen = Vec::new();
    while !h.state().is_idle() && t.elapsed() < Duration::from_secs(600) {
        h.step();
        if let Some(p) = h
            .state()
            .dataset()
            .corpora
            .iter()
            .find_map(|c| c.load_progress())
        {
            seen.push(p);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let load = t.elapsed().as_secs_f64();
    h.run_steps(3);
    let (after, peak) = rss_mib().unwrap_or_default();
    let rows = h.state().dataset().rows.len();
    let partial = seen
        .iter()
        .filter(|(read, found)| *found > 0 && read < found)
        .count();
    println!(
        "dataset: {tunes} tiny kern files (written in {written:.1} s) load in {load:.1} s, \
         {rows} rows; {} progress frames, {partial} of them part-way ({:?} … {:?}); resident \
         memory {before:.0} -> {after:.0} MiB (peak {peak:.0} MiB; target under 1 GiB)",
        seen.len(),
        seen.first(),
        seen.last()
    );
    let panel = h.state().dataset().panel_rect;
    let Some(panel) = panel else {
        println!("dataset: the panel was not drawn");
        return;
    };
    h.hover_at(panel.center_top() + egui::vec2(0.0, 220.0));
    let (ui, tess) = scroll_frames(h, 300);
    report(
        &format!("dataset table with {rows} tunes, scrolled with the wheel, 300 frames"),
        ui,
        tess,
        16.0,
    );
    h.state_mut().dataset_mut().corpora.clear();
}

/// Times `frames` frames, each after a mouse-wheel step over the hovered table.
fn scroll_frames(h: &mut Harness<'_, LstmuseApp>, frames: usize) -> (Vec<f64>, Vec<f64>) {
    let mut ui_ms = Vec::with_capacity(frames);
    let mut tess_ms = Vec::with_capacity(frames);
    for f in 0..frames {
        // Down for two thirds of the frames, then back up.
        let dy = if f < frames * 2 / 3 { -120.0 } else { 240.0 };
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        let (ui, tess) = frame_times(h, 1, |_, _| {});
        ui_ms.push(ui[0]);
        tess_ms.push(tess[0]);
    }
    (ui_ms, tess_ms)
}
