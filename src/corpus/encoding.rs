//! The 16th-note symbol encoding (MIDI number, `r`, `_`, `/`) and the symbol↔integer vocabulary.

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::music::{Melody, Note, Pitch, Ratio};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// One step of the encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Symbol {
    /// A note starts at this step (written as its MIDI number, e.g. `60`).
    Note(Pitch),
    /// A rest starts at this step (`r`).
    Rest,
    /// The previous note or rest holds through this step (`_`).
    Hold,
    /// The boundary between two songs (`/`).
    Delimiter,
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Symbol::Note(p) => write!(f, "{}", p.midi()),
            Symbol::Rest => f.write_str("r"),
            Symbol::Hold => f.write_str("_"),
            Symbol::Delimiter => f.write_str("/"),
        }
    }
}

impl Serialize for Symbol {
    /// As its text: `"60"`, `"r"`, `"_"`, `"/"`.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for Symbol {
    type Err = Error;
    fn from_str(s: &str) -> Result<Symbol> {
        Ok(match s {
            "r" => Symbol::Rest,
            "_" => Symbol::Hold,
            "/" => Symbol::Delimiter,
            n => Symbol::Note(
                n.parse::<i32>()
                    .ok()
                    .and_then(Pitch::from_midi)
                    .ok_or_else(|| Error::Invalid(format!("unknown symbol `{n}`")))?,
            ),
        })
    }
}

/// Parses the seed's text form, e.g. `"67 _ 67 _ 65 64 _ r _"`.
pub fn parse_symbols(text: &str) -> Result<Vec<Symbol>> {
    text.split_whitespace().map(str::parse).collect()
}

/// Joins symbols with single spaces, the seed's text form.
pub fn symbols_to_string(symbols: &[Symbol]) -> String {
    let mut s = String::with_capacity(symbols.len() * 3);
    for (i, sym) in symbols.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        use std::fmt::Write;
        let _ = write!(s, "{sym}");
    }
    s
}

/// The grid and tie handling of the encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridConfig {
    /// Length of one step in quarter notes (the seed: 1/4, a sixteenth note).
    pub time_step: Ratio,
    /// Give each written piece of a tied note its own onset symbol, as the seed's
    /// music21 pipeline does. When false a tied note is one onset and holds.
    pub split_ties: bool,
}

impl Default for GridConfig {
    fn default() -> Self {
        GridConfig {
            time_step: Ratio::STEP,
            split_ties: true,
        }
    }
}

/// Encodes a melody on the grid: each written note or rest gives its symbol at the onset
/// and `_` for each further step. Like the seed, a duration covers
/// `floor(duration / time_step)` steps.
pub fn encode(melody: &Melody, grid: &GridConfig) -> Vec<Symbol> {
    let mut out = Vec::new();
    for note in &melody.notes {
        let symbol = note.pitch.map_or(Symbol::Rest, Symbol::Note);
        let parts: &[Ratio] = if grid.split_ties {
            note.written_parts()
        } else {
            std::slice::from_ref(&note.duration)
        };
        for part in parts {
            let steps = (*part / grid.time_step).floor().max(0) as usize;
            for s in 0..steps {
                out.push(if s == 0 { symbol } else { Symbol::Hold });
            }
        }
    }
    out
}

/// Decodes symbols back into notes: an onset symbol starts a note or rest, `_` lengthens
/// it by one step; delimiters end the melody. A leading `_` is read as a rest.
pub fn decode(symbols: &[Symbol], time_step: Ratio) -> Melody {
    let mut melody = Melody::new();
    for sym in symbols {
        match sym {
            Symbol::Delimiter => break,
            Symbol::Hold => match melody.notes.last_mut() {
                Some(last) => last.duration += time_step,
                None => melody.notes.push(Note::rest(time_step)),
            },
            Symbol::Rest => match melody.notes.last_mut() {
                Some(last) if last.is_rest() => last.duration += time_step,
                _ => melody.notes.push(Note::rest(time_step)),
            },
            Symbol::Note(p) => melody.notes.push(Note::new(*p, time_step)),
        }
    }
    melody
}

/// The file a [`Vocabulary`] is saved as, in a model folder or an encoded corpus.
pub const VOCAB_FILE: &str = "vocab.json";

/// The symbol↔integer mapping. Ids follow a fixed order (delimiter, rest, hold, then
/// pitches from low to high), so the same symbol set always gives the same ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    symbols: Vec<Symbol>,
    ids: HashMap<Symbol, usize>,
}

impl Vocabulary {
    /// A vocabulary of the given symbols (deduplicated and put in canonical order).
    /// The delimiter, rest and hold symbols are always included.
    pub fn new(symbols: impl IntoIterator<Item = Symbol>) -> Vocabulary {
        let mut all: Vec<Symbol> = symbols
            .into_iter()
            .chain([Symbol::Delimiter, Symbol::Rest, Symbol::Hold])
            .collect();
        all.sort_by_key(|s| match s {
            Symbol::Delimiter => (0, 0),
            Symbol::Rest => (1, 0),
            Symbol::Hold => (2, 0),
            Symbol::Note(p) => (3, p.midi()),
        });
        all.dedup();
        let ids = all.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        Vocabulary { symbols: all, ids }
    }

    /// Builds a vocabulary from encoded songs.
    pub fn from_songs<'a>(songs: impl IntoIterator<Item = &'a [Symbol]>) -> Vocabulary {
        Vocabulary::new(songs.into_iter().flatten().copied())
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Never true: the three control symbols are always present.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The id of a symbol, if known.
    pub fn id(&self, symbol: Symbol) -> Option<usize> {
        self.ids.get(&symbol).copied()
    }

    /// The symbol of an id, if in range.
    pub fn symbol(&self, id: usize) -> Option<Symbol> {
        self.symbols.get(id).copied()
    }

    /// All symbols in id order.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// Ids of a symbol sequence; an unknown symbol is an error naming it.
    pub fn encode(&self, symbols: &[Symbol]) -> Result<Vec<usize>> {
        symbols
            .iter()
            .map(|s| {
                self.id(*s).ok_or_else(|| {
                    Error::Invalid(format!("symbol `{s}` is not in the model's vocabulary"))
                })
            })
            .collect()
    }

    /// The JSON form: an object from symbol text to id, like the seed's `mapping.json`.
    pub fn to_json(&self) -> String {
        let map: BTreeMap<usize, String> = self
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.to_string()))
            .collect();
        let mut out = String::from("{\n");
        for (i, (id, sym)) in map.iter().enumerate() {
            let comma = if i + 1 < map.len() { "," } else { "" };
            out.push_str(&format!("  \"{sym}\": {id}{comma}\n"));
        }
        out.push('}');
        out.push('\n');
        out
    }

    /// Parses the JSON form; ids must be exactly 0..n.
    pub fn from_json(text: &str) -> std::result::Result<Vocabulary, String> {
        let map: BTreeMap<String, usize> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut by_id: Vec<Option<Symbol>> = vec![None; map.len()];
        for (sym, id) in &map {
            let s: Symbol = sym.parse().map_err(|e: Error| e.to_string())?;
            let slot = by_id
                .get_mut(*id)
                .ok_or_else(|| format!("id {id} of `{sym}` is out of range"))?;
            *slot = Some(s);
        }
        let symbols: Vec<Symbol> = by_id
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.ok_or_else(|| format!("no symbol has id {i}")))
            .collect::<std::result::Result<_, _>>()?;
        let ids = symbols.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        Ok(Vocabulary { symbols, ids })
    }

    /// Saves the JSON form atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_json().as_bytes())
    }

    /// Loads the JSON form; errors name the file.
    pub fn load(path: &Path) -> Result<Vocabulary> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Vocabulary::from_json(&text).map_err(|message| Error::Json {
            path: path.to_path_buf(),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        let mut m = Melody::new();
        m.notes.push(Note::new(Pitch(67), Ratio::new(1, 2)));
        m.notes.push(Note::rest(Ratio::new(1, 4)));
        m.notes.push(Note::new(Pitch(65), Ratio::new(3, 4)));
        let s = encode(&m, &GridConfig::default());
        assert_eq!(symbols_to_string(&s), "67 _ r 65 _ _");
        let back = decode(&s, Ratio::new(1, 4));
        assert_eq!(back.notes, m.notes);
        assert_eq!(parse_symbols("67 _ r 65 _ _").unwrap(), s);
        assert!(parse_symbols("67 x").is_err());
    }

    #[test]
    fn ties_split_like_the_seed_or_hold() {
        let mut m = Melody::new();
        let mut n = Note::new(Pitch(60), Ratio::new(3, 4));
        n.tie_parts = vec![Ratio::new(1, 2), Ratio::new(1, 4)];
        m.notes.push(n);
        let seed = encode(&m, &GridConfig::default());
        assert_eq!(symbols_to_string(&seed), "60 _ 60");
        let merged = encode(
            &m,
            &GridConfig {
                split_ties: false,
                ..GridConfig::default()
            },
        );
        assert_eq!(symbols_to_string(&merged), "60 _ _");
    }

    #[test]
    fn vocabulary_json_round_trip_and_errors() {
        let v = Vocabulary::new([Symbol::Note(Pitch(72)), Symbol::Note(Pitch(60))]);
        assert_eq!(v.len(), 5);
        assert_eq!(v.id(Symbol::Delimiter), Some(0));
        assert_eq!(v.id(Symbol::Note(Pitch(60))), Some(3));
        let back = Vocabulary::from_json(&v.to_json()).unwrap();
        assert_eq!(back, v);
        assert!(Vocabulary::from_json("{\"60\": 3}").is_err());
        assert!(Vocabulary::from_json("{\"zz\": 0}").is_err());
        assert!(Vocabulary::from_json("not json").is_err());
        assert!(v.encode(&[Symbol::Note(Pitch(61))]).is_err());
    }
}
