//! What a model folder records about its training songs beside the weights: how they
//! repeat their phrases (the plan prior) and their form by meter and length (the critic's
//! reference); and recounting both for a folder without retraining it.

use crate::corpus::data::{SongIds, song_phrase_labels};
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::form::FormTable;
use crate::corpus::phrases::{PhraseLabel, PhrasePrior};
use crate::corpus::structure::SongStructure;
use crate::corpus::training_set::TrainingData;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::model::artifact::CONFIG_FILE;
use crate::model::config::TrainingConfig;
use std::path::Path;

/// The training songs' form by meter and length.
pub(crate) fn form_table(songs: &SongIds, vocab: &Vocabulary) -> FormTable {
    let symbols: Vec<(Vec<Symbol>, SongStructure)> = songs
        .songs
        .iter()
        .enumerate()
        .map(|(i, song)| {
            let s = song.iter().filter_map(|&id| vocab.symbol(id)).collect();
            (s, songs.structure_of(i))
        })
        .collect();
    FormTable::from_songs(symbols.iter().map(|(s, st)| (s.as_slice(), *st)))
}

/// The phrase labels of the training songs, counted.
pub(crate) fn phrase_prior(songs: &SongIds, vocab: &Vocabulary) -> PhrasePrior {
    let labels: Vec<Vec<PhraseLabel>> = songs
        .songs
        .iter()
        .enumerate()
        .map(|(i, song)| song_phrase_labels(song, songs.structure_of(i), vocab))
        .collect();
    PhrasePrior::from_songs(labels.iter().map(Vec::as_slice))
}

/// Recounts the plan prior and the corpus form of the model folder `dir` from `data` (the
/// songs it was trained on: the same training split is taken again) and writes them into
/// its `config.json`; the weights are untouched. The folder's vocabulary must be the
/// data's.
pub fn recount(data: &TrainingData, dir: &Path) -> Result<()> {
    let path = dir.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let mut config: TrainingConfig = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if config.model.vocab_size != data.vocab.len() {
        return Err(Error::Invalid(format!(
            "{} was trained on {} symbols, the corpus has {}: recount with the songs it was trained on",
            path.display(),
            config.model.vocab_size,
            data.vocab.len()
        )));
    }
    if !config.model.structure.is_some_and(|s| s.phrase) {
        return Err(Error::Invalid(format!(
            "{} has no phrase inputs: it keeps no plan prior or corpus form",
            path.display()
        )));
    }
    let (train, _) = data.songs.split(config.valid_fraction, config.seed)?;
    config.phrase_prior = Some(phrase_prior(&train, &data.vocab));
    config.form = Some(form_table(&train, &data.vocab));
    let json = serde_json::to_string_pretty(&config).map_err(|e| Error::Internal(e.to_string()))?;
    write_atomic(&path, json.as_bytes())
}
