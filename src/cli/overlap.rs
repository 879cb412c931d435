//! `lstmuse corpus overlap A B`: which songs of A are near-variants of songs of B.

use anyhow::{Context, Result};
use lstmuse::corpus::{self, overlap, source_label};
use lstmuse::fsutil::write_atomic;
use std::collections::BTreeMap;
use std::path::Path;

/// Finds the near-variant pairs, prints a summary (per file of A) and optionally the list.
pub fn run(a: &Path, b: &Path, threshold: f64, list: Option<&Path>, json: bool) -> Result<()> {
    let pool = corpus::load(a)?.melodies;
    let probes = corpus::load(b)?.melodies;
    let pairs = overlap::near_variants(&probes, &pool, threshold);
    let mut in_a: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen = vec![false; pool.len()];
    for v in &pairs {
        if !std::mem::replace(&mut seen[v.pool], true) {
            let file = pool[v.pool]
                .source
                .path
                .as_ref()
                .and_then(|p| p.file_name())
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            *in_a.entry(file).or_default() += 1;
        }
    }
    let songs_a = seen.iter().filter(|&&s| s).count();
    let mut songs_b: Vec<usize> = pairs.iter().map(|v| v.probe).collect();
    songs_b.dedup();
    if let Some(path) = list {
        let mut text = String::from("a\tb\tshare\n");
        for v in &pairs {
            text.push_str(&format!(
                "{}\t{}\t{:.3}\n",
                source_label(&pool[v.pool].source).replace('\t', " "),
                source_label(&probes[v.probe].source).replace('\t', " "),
                v.share
            ));
        }
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write the list to {}", path.display()))?;
    }
    if json {
        let value = serde_json::json!({
            "a_songs": pool.len(),
            "b_songs": probes.len(),
            "threshold": threshold,
            "pairs": pairs.len(),
            "a_near_variants": songs_a,
            "b_with_variants": songs_b.len(),
            "a_by_file": in_a,
        });
        println!("{value}");
        return Ok(());
    }
    println!(
        "{} of {}'s {} songs have a near-variant in {} ({} pairs, threshold {threshold})",
        songs_b.len(),
        b.display(),
        probes.len(),
        a.display(),
        pairs.len()
    );
    println!(
        "{songs_a} of {}'s {} songs are near-variants of them:",
        a.display(),
        pool.len()
    );
    for (file, n) in &in_a {
        println!("  {n:>5}  {file}");
    }
    Ok(())
}
