//! Everything fixed for one sampler call (the primer in the model's key, the symbol masks,
//! the meter), and turning the chosen ids back into melodies in the output key.

use super::config::SamplerConfig;
use super::constraints::SymbolMasks;
use super::generated::{Generated, StepInfo};
use crate::corpus::encoding::{GridConfig, Symbol, Vocabulary, decode, encode};
use crate::corpus::structure::SongStructure;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::music::{Key, Melody, Meter, Mode, Note, Ratio};
use std::ops::Range;

/// Everything fixed for one call: the primer in model space, masks, the meter.
pub(super) struct Plan {
    /// Semitones from the output key into the model's key space.
    pub(super) shift: i32,
    /// `/` and the primer's symbols, as ids.
    pub(super) primer_ids: Vec<usize>,
    pub(super) primer_steps: usize,
    pub(super) delimiter: usize,
    pub(super) rest: Option<usize>,
    pub(super) hold: Option<usize>,
    /// Per symbol id: allowed by range and scale.
    pub(super) allowed: Vec<bool>,
    /// The vocabulary's symbols (model key).
    pub(super) symbols: Vec<Symbol>,
    /// Semitones from the primer's own key to the output key.
    pub(super) primer_to_output: i32,
    /// The output key.
    pub(super) output_key: Key,
    /// Per symbol id: the tonic, for `end_on_tonic`.
    pub(super) tonic: Vec<bool>,
    /// Per symbol id: the relative key's tonic, when the key is open.
    pub(super) relative_tonic: Option<Vec<bool>>,
    /// Per symbol id: its pitch, and pitch class, in the output key (notes only).
    pub(super) out_pitch: Vec<Option<u8>>,
    pub(super) out_pc: Vec<Option<u8>>,
    pub(super) is_note: Vec<bool>,
    pub(super) meter: Meter,
    /// The melody's meter and pickup.
    pub(super) structure: SongStructure,
}

impl Plan {
    pub(super) fn new(vocab: &Vocabulary, primer: &Melody, config: &SamplerConfig) -> Result<Plan> {
        let primer_key = primer.key_or_estimate();
        let to_model = primer_key.map_or(0, Key::semitones_to_c_or_a);
        // Major songs were learnt in C major, minor ones in A minor.
        let model_mode = match primer_key {
            Some(k) if k.mode == Mode::Minor => Mode::Minor,
            _ => Mode::Major,
        };
        let model_key = Key::from_signature(0, model_mode);
        // The output key: the primer's, or the chosen one; `shift` maps output → model.
        let shift = match config.output_key {
            None => to_model,
            Some(k) => {
                let d = (model_key.tonic.pitch_class() as i32 - k.tonic.pitch_class() as i32)
                    .rem_euclid(12);
                if d > 6 { d - 12 } else { d }
            }
        };
        let output_key = config.output_key.or(primer_key).unwrap_or(model_key);
        let delimiter = vocab
            .id(Symbol::Delimiter)
            .ok_or_else(|| Error::Invalid("the vocabulary has no song delimiter".into()))?;
        let mut primer_ids = vec![delimiter];
        let grid = GridConfig {
            time_step: Ratio::STEP,
            split_ties: false,
        };
        let model_primer = primer.transposed(to_model);
        let primer_symbols = encode(&model_primer, &grid);
        Limits::check(
            "16th steps in a primer",
            primer_symbols.len(),
            Limits::DEFAULT.max_steps,
        )?;
        for s in &primer_symbols {
            primer_ids.push(fit_to_vocab(*s, vocab)?);
        }
        let meter = primer.meter.or(config.meter).unwrap_or_default();
        let structure = SongStructure::new(Some(meter), primer.pickup);
        let open_key =
            primer_key.is_none() && config.output_key.is_none() && config.scale.is_none();
        let masks = SymbolMasks::new(vocab, (shift, output_key, open_key), config)?;
        Ok(Plan {
            symbols: vocab.symbols().to_vec(),
            primer_to_output: to_model - shift,
            output_key,
            shift,
            primer_steps: primer_symbols.len(),
            primer_ids,
            delimiter,
            rest: vocab.id(Symbol::Rest),
            hold: vocab.id(Symbol::Hold),
            allowed: masks.allowed,
            tonic: masks.tonic,
            relative_tonic: masks.relative_tonic,
            is_note: masks.is_note,
            out_pitch: masks.out_pitch,
            out_pc: masks.out_pc,
            meter,
            structure,
        })
    }

    pub(super) fn finish(
        &self,
        primer: &Melody,
        chosen: &[usize],
        mut steps: Vec<StepInfo>,
        row: usize,
    ) -> Generated {
        let symbols: Vec<Symbol> = chosen
            .iter()
            .filter_map(|&i| self.symbols.get(i).copied())
            .collect();
        let continuation = decode(&symbols, Ratio::STEP).transposed(-self.shift);
        self.to_output_key(&mut steps, &symbols);
        let span = self.primer_steps..self.primer_steps + chosen.len();
        let mut melody = primer.transposed(self.primer_to_output);
        let mut notes = continuation.notes.into_iter();
        // Holds at the very start continue the primer's last note.
        if symbols.first() == Some(&Symbol::Hold)
            && let Some(first) = notes.next()
        {
            match melody.notes.last_mut() {
                Some(last) => last.duration += first.duration,
                None => melody.notes.push(Note::rest(first.duration)),
            }
        }
        melody.notes.extend(notes);
        self.label(&mut melody, primer, &format!("variation {}", row + 1));
        Generated {
            melody,
            primer_notes: primer.notes.len(),
            span,
            steps,
            phrases: Vec::new(),
            phrase_bars: 0,
            critique: None,
        }
    }

    /// Moves the written steps' symbols from the model's key to the output key.
    pub(super) fn to_output_key(&self, steps: &mut [StepInfo], symbols: &[Symbol]) {
        for (info, sym) in steps.iter_mut().zip(symbols) {
            info.symbol = match sym {
                Symbol::Note(p) => p.transposed(-self.shift).map_or(*sym, Symbol::Note),
                other => *other,
            };
        }
    }

    /// Gives an output melody its meter, key and title: "TITLE (what)".
    pub(super) fn label(&self, melody: &mut Melody, input: &Melody, what: &str) {
        if melody.meter.is_none() {
            melody.meter = Some(self.meter);
        }
        if self.primer_to_output != 0 || melody.key.is_none() {
            melody.key = Some(self.output_key);
            melody.key_signature = Some(self.output_key.signature_fifths());
        }
        let title = input.title.as_deref().unwrap_or("LSTMuse melody");
        melody.title = Some(format!("{title} ({what})"));
    }

    /// The melody with `span` rewritten by `chosen` (model ids of the span's steps);
    /// `song` is the input melody's ids in the model's key.
    pub(super) fn finish_fill(
        &self,
        input: &Melody,
        song: &[usize],
        span: Range<usize>,
        (row, (chosen, mut steps)): (usize, (Vec<usize>, Vec<StepInfo>)),
    ) -> Generated {
        let ids = song[..span.start]
            .iter()
            .chain(&chosen)
            .chain(&song[span.end.min(song.len())..]);
        let symbols: Vec<Symbol> = ids.filter_map(|&i| self.symbols.get(i).copied()).collect();
        self.to_output_key(&mut steps, &symbols[span.start..]);
        let decoded = decode(&symbols, Ratio::STEP).transposed(-self.shift);
        let primer_notes = decode(&symbols[..span.start], Ratio::STEP).notes.len();
        let mut melody = Melody {
            notes: decoded.notes,
            ..input.clone()
        };
        self.label(&mut melody, input, &format!("fill {}", row + 1));
        Generated {
            melody,
            primer_notes,
            span,
            steps,
            phrases: Vec::new(),
            phrase_bars: 0,
            critique: None,
        }
    }
}

/// The vocabulary id of a primer symbol; notes outside the model's range move by octaves.
fn fit_to_vocab(s: Symbol, vocab: &Vocabulary) -> Result<usize> {
    if let Some(id) = vocab.id(s) {
        return Ok(id);
    }
    if let Symbol::Note(p) = s {
        for oct in [12, -12, 24, -24, 36, -36] {
            if let Some(id) = p.transposed(oct).and_then(|q| vocab.id(Symbol::Note(q))) {
                return Ok(id);
            }
        }
        return Err(Error::Invalid(format!(
            "the primer note {} is outside the model's range",
            p.name()
        )));
    }
    Err(Error::Invalid(format!(
        "the model does not know the symbol `{s}`"
    )))
}
