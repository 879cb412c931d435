//! Forms: a melody planned as phrases (a period, AABA, AABB, ABAC) and built on what the
//! model already does. A new phrase is a continuation whose last bar lands on a cadence
//! note; a repeat is a copy; a varied repeat is a copy of the opening half whose ending is
//! written again; new material that leads back into a phrase already written is a fill
//! between the notes before it and a copy of that phrase after it.

use super::config::{Landing, Length, SamplerConfig};
use super::critic::Critique;
use super::generated::{Generated, StepInfo};
use super::phrase_plan::PhrasePlan;
use super::sampler::{fill, generate, with_upbeat};
use crate::corpus::encoding::{GridConfig, Symbol, decode, encode};
use crate::corpus::form::FormProfile;
use crate::corpus::phrases::PhraseLabel;
use crate::corpus::structure::SongStructure;
use crate::error::{Error, Result};
use crate::model::ModelRef;
use crate::music::{Key, Melody, Meter, Mode, Ratio};
use serde::{Deserialize, Serialize};

/// The form of a generated melody.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// No plan beyond the model's own (the length in bars decides).
    #[default]
    Free,
    /// Antecedent and consequent: a half cadence, then the opening restated and a close on
    /// the tonic.
    Period,
    /// A, A again, new B leading back, A closing.
    Aaba,
    /// A twice, then B twice.
    Aabb,
    /// A, B, A again, C closing.
    Abac,
}

impl Form {
    /// Every form, in menu order.
    pub const ALL: [Form; 5] = [Form::Free, Form::Period, Form::Aaba, Form::Aabb, Form::Abac];

    /// Its name on the command line and in menus.
    pub fn name(self) -> &'static str {
        match self {
            Form::Free => "free",
            Form::Period => "period",
            Form::Aaba => "aaba",
            Form::Aabb => "aabb",
            Form::Abac => "abac",
        }
    }

    /// The phrases of the form, in order; empty for [`Form::Free`].
    pub fn sections(self) -> Vec<Section> {
        use Cadence::{Close, Half};
        use Source::{Copy, New, Varied};
        let s = |letter: char, source: Source, cadence: Cadence| Section {
            letter,
            source,
            cadence,
        };
        match self {
            Form::Free => Vec::new(),
            Form::Period => vec![s('A', New, Half), s('A', Varied(0), Close)],
            Form::Aaba => vec![
                s('A', New, Close),
                s('A', Copy(0), Close),
                s('B', New, Half),
                s('A', Copy(0), Close),
            ],
            Form::Aabb => vec![
                s('A', New, Close),
                s('A', Copy(0), Close),
                s('B', New, Close),
                s('B', Copy(2), Close),
            ],
            Form::Abac => vec![
                s('A', New, Half),
                s('B', New, Half),
                s('A', Copy(0), Half),
                s('C', New, Close),
            ],
        }
    }
}

/// Where a phrase's notes come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Written new by the model.
    New,
    /// A copy of phrase `i` (the last phrase of a form closes anew in its last bar).
    Copy(usize),
    /// Phrase `i`'s opening half, then a new ending.
    Varied(usize),
}

/// How a phrase ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// On degree 2, 5 or 7, on the downbeat of its last bar, held for a beat.
    Half,
    /// On the tonic.
    Close,
}

/// One phrase of a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its letter.
    pub letter: char,
    /// Where its notes come from.
    pub source: Source,
    /// How it ends.
    pub cadence: Cadence,
}

/// A melody being built, on the grid, in the output key.
struct Draft {
    symbols: Vec<Symbol>,
    /// The model's record of each step it wrote (copies carry their source's); `None` for
    /// the primer's steps.
    infos: Vec<Option<StepInfo>>,
}

/// What every phrase call shares: the model, the settings, the melody's frame.
struct Frame<'a> {
    model: ModelRef<'a>,
    config: &'a SamplerConfig,
    structure: SongStructure,
    meter: Meter,
    key: Key,
    phrase_bars: usize,
    primer: &'a Melody,
    /// The form's phrase labels, for the model's phrase inputs.
    labels: Vec<PhraseLabel>,
}

/// Generates `config.variations` melodies in `form`, phrases of `phrase_bars` bars (the
/// meter's usual length by default), after `primer`, which must end inside the first
/// phrase. [`Form::Free`] is [`generate`].
pub fn generate_form(
    model: ModelRef<'_>,
    primer: &Melody,
    config: &SamplerConfig,
    (form, phrase_bars): (Form, Option<usize>),
) -> Result<Vec<Generated>> {
    let sections = form.sections();
    if sections.is_empty() {
        return generate(model, primer, config);
    }
    let upbeat = with_upbeat(model, primer, config)?;
    let primer = upbeat.as_ref().unwrap_or(primer);
    let meter = primer.meter.or(config.meter).unwrap_or_default();
    let frame = Frame {
        model,
        config,
        structure: SongStructure::new(Some(meter), primer.pickup),
        meter,
        key: primer
            .key_or_estimate()
            .or(config.output_key)
            .unwrap_or_else(|| Key::from_signature(0, Mode::Major)),
        phrase_bars: phrase_bars.unwrap_or_else(|| meter.phrase_bars()).max(1),
        primer,
        labels: labels(&sections),
    };
    let grid = GridConfig {
        time_step: Ratio::STEP,
        split_ties: false,
    };
    let primer_symbols = encode(primer, &grid);
    if primer_symbols.len() >= frame.phrase_start(1) {
        return Err(Error::Invalid(format!(
            "a form starts from a seed of less than one phrase ({} bars of {meter}): shorten \
             the seed, or choose the free form",
            frame.phrase_bars
        )));
    }
    (0..config.variations)
        .map(|v| {
            let draft = Draft {
                infos: vec![None; primer_symbols.len()],
                symbols: primer_symbols.clone(),
            };
            frame.build(&sections, draft, v)
        })
        .collect()
}

impl Frame<'_> {
    /// The first step of phrase `j` (phrase 0 starts with the pickup).
    fn phrase_start(&self, j: usize) -> usize {
        if j == 0 {
            0
        } else {
            self.structure
                .bar_start(j * self.phrase_bars + 1)
                .unwrap_or(usize::MAX)
        }
    }

    /// The steps of bars `first..=last` (1-based).
    fn bars(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        let start = self.structure.bar_start(first).unwrap_or(0);
        start..self.structure.bar_start(last + 1).unwrap_or(start)
    }

    /// Builds variation `v`, phrase by phrase.
    fn build(&self, sections: &[Section], mut draft: Draft, v: usize) -> Result<Generated> {
        let seed = self.config.seed.wrapping_add(7919 * v as u64);
        let p = self.phrase_bars;
        for (j, section) in sections.iter().enumerate() {
            let last = j + 1 == sections.len();
            let end = self.phrase_start(j + 1);
            let from = |i: usize| self.bars(i * p + 1, (i + 1) * p);
            let kept = match section.source {
                Source::New => 0,
                Source::Copy(_) if last => p - 1,
                Source::Copy(_) => p,
                Source::Varied(_) => p.div_ceil(2),
            };
            if let Source::Copy(i) | Source::Varied(i) = section.source {
                let src = from(i);
                let take = self.bars(1, kept).len().min(src.len());
                draft.copy(src.start..src.start + take);
            }
            if draft.symbols.len() < end {
                // A phrase already written comes next: lead into it.
                let after = sections.get(j + 1).and_then(|n| match n.source {
                    Source::Copy(i) | Source::Varied(i) if i < j => Some(from(i)),
                    _ => None,
                });
                let written =
                    self.write(&draft, (j, section, last), (end, after), seed ^ j as u64)?;
                draft.take(written, end);
            }
        }
        Ok(self.finish(draft, sections, v))
    }

    /// Writes the rest of phrase `j` (up to `end`): a continuation, or, when a phrase
    /// already written follows (`after`: its steps), a fill leading into a copy of it.
    fn write(
        &self,
        draft: &Draft,
        (j, section, last): (usize, &Section, bool),
        (end, after): (usize, Option<std::ops::Range<usize>>),
        seed: u64,
    ) -> Result<Generated> {
        let start = draft.symbols.len();
        let cadence_bar = (j + 1) * self.phrase_bars;
        let key = self.key_so_far(draft);
        let landing = self
            .landing(section.cadence, cadence_bar, key)
            .filter(|_| !last);
        // The model's phrase inputs count phrases of the meter's usual length: the form's
        // labels tell it the plan when its phrases are those.
        let plan = if self.phrase_bars == self.meter.phrase_bars() {
            PhrasePlan::Given(self.labels.clone())
        } else {
            PhrasePlan::Open
        };
        let config = SamplerConfig {
            length: Length::Steps(end - start),
            variations: 1,
            seed,
            stop_at_end: false,
            end_on_tonic: last,
            meter: Some(self.meter),
            plan,
            landings: landing.into_iter().collect(),
            ..self.config.clone()
        };
        let mut g = match after {
            Some(src) if !last => {
                let mut symbols = draft.symbols.clone();
                symbols.resize(end, Symbol::Rest);
                symbols.extend_from_slice(&draft.symbols[src]);
                fill(self.model, &self.melody(&symbols, key), start..end, &config)?
            }
            _ => generate(self.model, &self.melody(&draft.symbols, key), &config)?,
        };
        g.pop()
            .ok_or_else(|| Error::Internal("a phrase call returned no melody".into()))
    }

    /// The landing of a cadence on the downbeat of bar `bar`, held for a beat, on the
    /// degrees of `key`.
    fn landing(&self, cadence: Cadence, bar: usize, key: Key) -> Option<Landing> {
        let degrees: &[usize] = match cadence {
            Cadence::Half => &[1, 4, 6],
            Cadence::Close => &[0],
        };
        let scale = key.scale_pitch_classes();
        let mut pitch_classes = [false; 12];
        for &d in degrees {
            pitch_classes[usize::from(scale[d])] = true;
        }
        Some(Landing {
            step: self.structure.bar_start(bar)?,
            pitch_classes,
            hold: self.structure.beat_steps().unwrap_or(4),
            quiet_until: self.structure.bar_start(bar + 1)?,
        })
    }

    /// The melody's key: the seed's, or for a melody started from nothing, C major or A
    /// minor, whichever its notes so far are in.
    fn key_so_far(&self, draft: &Draft) -> Key {
        if self.primer.key_or_estimate().is_some() || self.config.output_key.is_some() {
            return self.key;
        }
        let mut m = decode(&draft.symbols, Ratio::STEP);
        m.key_signature = Some(self.key.signature_fifths());
        m.key_or_estimate().unwrap_or(self.key)
    }

    /// A melody of `symbols` in the frame's meter and pickup, in `key`.
    fn melody(&self, symbols: &[Symbol], key: Key) -> Melody {
        let mut m = decode(symbols, Ratio::STEP);
        m.meter = Some(self.meter);
        m.pickup = self.primer.pickup;
        m.key = Some(key);
        m.key_signature = Some(key.signature_fifths());
        m.title.clone_from(&self.primer.title);
        m
    }

    /// The finished melody: its notes, the steps written, its phrases and the critique.
    fn finish(&self, draft: Draft, sections: &[Section], v: usize) -> Generated {
        let primer_steps = draft.infos.iter().take_while(|i| i.is_none()).count();
        let mut melody = self.melody(&draft.symbols, self.key_so_far(&draft));
        let title = self.primer.title.as_deref().unwrap_or("LSTMuse melody");
        let letters: String = sections.iter().map(|s| s.letter).collect();
        melody.title = Some(format!("{title} ({letters} {})", v + 1));
        let steps: Vec<StepInfo> = draft.symbols[primer_steps..]
            .iter()
            .zip(&draft.infos[primer_steps..])
            .map(|(&symbol, info)| {
                info.unwrap_or(StepInfo {
                    symbol,
                    probability: 1.0,
                    entropy: 0.0,
                })
            })
            .collect();
        let critique = FormProfile::of(&melody, Some(self.phrase_bars)).map(|p| Critique::of(&p));
        Generated {
            primer_notes: self.primer.notes.len(),
            span: primer_steps..draft.symbols.len(),
            steps,
            phrases: labels(sections),
            phrase_bars: self.phrase_bars,
            critique,
            melody,
        }
    }
}

impl Draft {
    /// Appends a copy of the steps `src`. A copy that starts inside a note or a rest starts
    /// it again: the same pitch struck anew, or the same silence.
    fn copy(&mut self, src: std::ops::Range<usize>) {
        let mut symbols = self.symbols[src.clone()].to_vec();
        if symbols.first() == Some(&Symbol::Hold) {
            let sounding = self.symbols[..=src.start]
                .iter()
                .rev()
                .find(|&&s| s != Symbol::Hold)
                .copied();
            symbols[0] = match sounding {
                Some(Symbol::Note(p)) => Symbol::Note(p),
                _ => Symbol::Rest,
            };
        }
        let infos = self.infos[src].to_vec();
        self.symbols.extend(symbols);
        self.infos.extend(infos);
    }

    /// Takes the steps a phrase call wrote, up to `end`.
    fn take(&mut self, g: Generated, end: usize) {
        let start = self.symbols.len();
        for info in g.steps.into_iter().take(end - start) {
            self.symbols.push(info.symbol);
            self.infos.push(Some(info));
        }
        self.symbols.resize(end, Symbol::Rest);
        self.infos.resize(end, None);
    }
}

/// The phrase labels of a form's sections (phrases counted back).
pub fn labels(sections: &[Section]) -> Vec<PhraseLabel> {
    let back = |j: usize, i: usize| u8::try_from(j.saturating_sub(i)).unwrap_or(u8::MAX);
    sections
        .iter()
        .enumerate()
        .map(|(j, s)| match s.source {
            Source::New => PhraseLabel::New,
            Source::Copy(i) => PhraseLabel::Repeat(back(j, i)),
            Source::Varied(i) => PhraseLabel::Varied(back(j, i)),
        })
        .collect()
}

/// The letters of a melody's phrases from their labels: a new phrase takes the next
/// letter, a repeat its source's, a varied repeat its source's with a prime ("A", "A'").
pub fn letters(labels: &[PhraseLabel]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(labels.len());
    let mut next = b'A';
    for (j, label) in labels.iter().enumerate() {
        let source = label.back().and_then(|k| j.checked_sub(usize::from(k)));
        let letter = match (label, source.and_then(|i| out.get(i))) {
            (PhraseLabel::Repeat(_), Some(s)) => s.clone(),
            (PhraseLabel::Varied(_), Some(s)) => format!("{}'", s.trim_end_matches('\'')),
            (PhraseLabel::Unknown, _) => "?".to_string(),
            _ => {
                let l = (next as char).to_string();
                next = next.saturating_add(1).min(b'Z');
                l
            }
        };
        out.push(letter);
    }
    out
}
