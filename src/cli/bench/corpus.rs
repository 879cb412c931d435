//! `lstmuse bench corpus`: loading and encoding a corpus, runs per second and peak memory.

use super::measure::peak_rss_mib;
use crate::cli::corpus::load_and_encode;
use anyhow::Result;

/// Loads and encodes `path` `runs` times and prints the figures.
pub fn run(path: &std::path::Path, runs: usize) -> Result<()> {
    let runs = runs.max(1);
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let (loaded, encoded, seconds) = load_and_encode(path)?;
        times.push(seconds);
        last = Some((loaded.files, encoded.songs.len(), encoded.symbol_count()));
    }
    let (files, kept, symbols) = last.unwrap_or_default();
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let median = times[times.len() / 2];
    println!(
        "load + encode {}: {files} files, {kept} songs kept, {symbols} symbols",
        path.display()
    );
    println!(
        "runs {runs}: best {:.1} ms, median {:.1} ms, {:.0} files/s",
        best * 1e3,
        median * 1e3,
        files as f64 / median
    );
    println!("threads {}", rayon::current_num_threads());
    match peak_rss_mib() {
        Some(mib) => println!("peak memory (VmHWM) {mib:.1} MiB"),
        None => println!("peak memory: not available on this platform"),
    }
    if cfg!(debug_assertions) {
        println!(
            "note: a debug build; run `cargo run --release -- bench corpus …` for real figures"
        );
    }
    Ok(())
}
