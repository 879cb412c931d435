//! The songs to train on: their ids, the vocabulary, and the corpus's name for the card.

use crate::corpus::data::SongIds;
use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::corpus::folder::{EncodedCorpus, source_label};
use crate::corpus::structure::SongStructure;

/// The songs to train on.
#[derive(Clone, Debug)]
pub struct TrainingData {
    /// The vocabulary (its size sets the model's).
    pub vocab: Vocabulary,
    /// All songs as ids; the validation split is taken from these.
    pub songs: SongIds,
    /// A name for the card, e.g. the corpus folder.
    pub corpus: String,
    /// Where each song came from ("path" or "path<TAB>X:n"), when known (empty otherwise).
    pub sources: Vec<String>,
}

impl TrainingData {
    /// From encoded songs without their meters (every meter unknown); the vocabulary is
    /// built from them.
    pub fn from_songs(songs: &[Vec<Symbol>], corpus: impl Into<String>) -> TrainingData {
        let with_structure: Vec<(&[Symbol], SongStructure)> = songs
            .iter()
            .map(|s| (s.as_slice(), SongStructure::default()))
            .collect();
        TrainingData::build(&with_structure, corpus.into())
    }

    /// From an encoded corpus (or a selection of one), with its meters and pickups and
    /// the vocabulary it was encoded with.
    pub fn from_encoded(encoded: &EncodedCorpus, corpus: impl Into<String>) -> TrainingData {
        let songs = encoded
            .songs
            .iter()
            .map(|s| (s.symbols.as_slice(), s.structure));
        let mut data =
            TrainingData::with_vocabulary(songs, encoded.vocabulary.clone(), corpus.into());
        if data.songs.songs.len() == encoded.songs.len() {
            data.sources = encoded
                .songs
                .iter()
                .map(|s| source_label(&s.source))
                .collect();
        }
        data
    }

    fn build(songs: &[(&[Symbol], SongStructure)], corpus: String) -> TrainingData {
        let vocab = Vocabulary::from_songs(songs.iter().map(|(s, _)| *s));
        TrainingData::with_vocabulary(songs.iter().copied(), vocab, corpus)
    }

    fn with_vocabulary<'a>(
        songs: impl Iterator<Item = (&'a [Symbol], SongStructure)>,
        vocab: Vocabulary,
        corpus: String,
    ) -> TrainingData {
        let (ids, _) = SongIds::from_symbols(songs, &vocab);
        TrainingData {
            vocab,
            songs: ids,
            corpus,
            sources: Vec::new(),
        }
    }
}
