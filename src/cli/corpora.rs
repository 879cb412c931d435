//! The songs `train` reads: one or more corpora, without the near-variants of held-out
//! sets, encoded by the preprocessing.

use super::args;
use anyhow::{Result, bail};
use clap::Args;
use lstmuse::corpus::overlap::variants_in_pool;
use lstmuse::corpus::preprocess::PreprocessConfig;
use lstmuse::corpus::{self, EncodedCorpus, source_label};
use lstmuse::music::Melody;
use std::path::PathBuf;

/// The file in a model folder that lists the training songs left out as near-variants.
pub const NEAR_VARIANTS_FILE: &str = "near_variants.tsv";

/// Where the training songs come from.
#[derive(Args, Debug, Clone)]
pub struct CorpusArgs {
    /// A corpus: a folder (searched recursively) or a file; give it several times to train
    /// on several.
    #[arg(long = "corpus", required = true, value_name = "PATH")]
    pub corpus: Vec<PathBuf>,
    /// A held-out set (folder or file): every song of the corpora that is a near-variant of
    /// one of its songs (holds at least --near-threshold of that song's runs of 8 melodic
    /// intervals) is left out, the held-out songs themselves too when they are inside the
    /// corpora. Give it several times for several sets.
    #[arg(long, value_name = "PATH")]
    pub exclude_near: Vec<PathBuf>,
    /// The share of a held-out song's interval runs that makes another song its
    /// near-variant, in (0, 1].
    #[arg(long, default_value_t = 0.5, value_parser = args::positive_fraction)]
    pub near_threshold: f64,
}

/// The songs to train on.
pub struct TrainingSongs {
    /// The kept songs, encoded.
    pub encoded: EncodedCorpus,
    /// A name for the card: the corpora, and what was left out.
    pub name: String,
    /// Songs left out as near-variants of held-out songs.
    pub removed: Vec<Removed>,
}

/// A training song left out as a near-variant of a held-out song.
pub struct Removed {
    /// The song left out.
    pub song: Melody,
    /// The held-out song it is nearest to.
    pub held_out: Melody,
    /// The share of the held-out song's interval runs it holds.
    pub share: f64,
}

impl TrainingSongs {
    /// The songs left out, one tab-separated line each (song, held-out song, share) under
    /// a header, for the model folder.
    pub fn removed_tsv(&self) -> String {
        let mut text = String::from("left_out\tnear_variant_of\tshare\n");
        for r in &self.removed {
            text.push_str(&format!(
                "{}\t{}\t{:.3}\n",
                source_label(&r.song.source).replace('\t', " "),
                source_label(&r.held_out.source).replace('\t', " "),
                r.share
            ));
        }
        text
    }
}

/// Loads every corpus (reporting the first bad files of each), leaves out the near-variants
/// of the held-out sets, and encodes the rest; no passing song is an error.
pub fn load(args: &CorpusArgs) -> Result<TrainingSongs> {
    let mut melodies = Vec::new();
    for path in &args.corpus {
        let loaded = corpus::load(path)?;
        for e in loaded.errors.iter().take(5) {
            eprintln!("skipped: {e}");
        }
        melodies.extend(loaded.melodies);
    }
    let mut held_out = Vec::new();
    for path in &args.exclude_near {
        held_out.extend(corpus::load(path)?.melodies);
    }
    let out = variants_in_pool(&held_out, &melodies, args.near_threshold);
    let mut removed = Vec::with_capacity(out.len());
    let mut kept = Vec::with_capacity(melodies.len());
    for (i, m) in melodies.into_iter().enumerate() {
        match out.binary_search_by_key(&i, |v| v.pool) {
            Ok(at) => removed.push(Removed {
                song: m,
                held_out: held_out[out[at].probe].clone(),
                share: out[at].share,
            }),
            Err(_) => kept.push(m),
        }
    }
    let encoded = corpus::encode(&kept, &PreprocessConfig::default());
    let names: Vec<String> = args
        .corpus
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if encoded.songs.is_empty() {
        bail!(
            "no song of {} passes the preprocessing filter",
            names.join(", ")
        );
    }
    let mut name = names.join(" + ");
    if !args.exclude_near.is_empty() {
        let held: Vec<String> = args
            .exclude_near
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        name.push_str(&format!(
            " (without {} near-variants of {}, listed in {NEAR_VARIANTS_FILE})",
            removed.len(),
            held.join(", ")
        ));
    }
    Ok(TrainingSongs {
        encoded,
        name,
        removed,
    })
}
