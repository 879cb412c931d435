//! Call and response: a player's phrases, each answered by the model with a phrase of the
//! same length that starts on the bar line after the call and continues everything played
//! so far.

use super::config::{Length, SamplerConfig};
use super::sampler::generate;
use crate::error::{Error, Result};
use crate::model::ModelRef;
use crate::music::{Melody, Note, Ratio};

/// Who played a turn of the dialogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The player's phrase, kept note for note.
    Call,
    /// The model's answer.
    Answer,
    /// Nobody: an empty phrase that follows no call.
    Silence,
}

/// One phrase-long turn: where it is (quarter notes from the start) and who played it.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    /// Its first bar line (the first turn also holds the pickup).
    pub start: Ratio,
    /// Its end.
    pub end: Ratio,
    /// Who played it.
    pub part: Part,
}

/// A whole dialogue: one melody and its turns.
#[derive(Clone, Debug, PartialEq)]
pub struct Dialogue {
    /// The calls and the answers in one line.
    pub melody: Melody,
    /// Phrase by phrase, who played it.
    pub turns: Vec<Turn>,
}

/// The notes of `m` sounding in `[from, to)`, cut at both ends; a note that began before
/// `from` is not the span's own and becomes a rest.
pub fn notes_between(m: &Melody, from: Ratio, to: Ratio) -> Vec<Note> {
    let mut out = Vec::new();
    for (on, n) in m.with_onsets() {
        let (a, b) = (on.max(from), (on + n.duration).min(to));
        if b <= a {
            continue;
        }
        let mut n = if on < from {
            Note::rest(b - a)
        } else {
            n.clone()
        };
        if n.duration != b - a {
            n.duration = b - a;
            n.tie_parts.clear();
        }
        out.push(n);
    }
    let covered: Ratio = out.iter().map(|n| n.duration).sum();
    if covered < to - from {
        out.push(Note::rest(to - from - covered));
    }
    out
}

/// Bars of the dialogue the model reads before it answers, at least: the farthest
/// neighbour input looks 8 bars back. An answer deep into a long dialogue then costs the
/// same as one early on (the jam's answers must be ready within a fraction of a bar).
pub const CONTEXT_BARS: usize = 8;

/// What the model reads to answer at `at` (a bar line): the dialogue's last
/// [`CONTEXT_BARS`] bars or a few more, cut on a phrase boundary of the dialogue's own
/// phrase grid so that every bar keeps its place in its phrase, in the key of the whole
/// dialogue. Returns the context and where it starts in the dialogue.
pub fn context(played: &Melody, at: Ratio) -> Result<(Melody, Ratio)> {
    let meter = played
        .meter
        .ok_or_else(|| Error::Invalid("a dialogue needs a meter".into()))?;
    let bar = meter.bar_length();
    let first = played.pickup;
    let bars_before = if at > first {
        ((at - first) / bar).to_f64().floor() as usize
    } else {
        0
    };
    let group = meter.phrase_bars().max(1);
    let skip = bars_before.saturating_sub(CONTEXT_BARS) / group * group;
    if skip == 0 {
        return Ok((played.truncated(at).normalized(), Ratio::ZERO));
    }
    let from = first + bar * Ratio::from_int(skip as i64);
    let window = Melody {
        notes: notes_between(played, from, at),
        pickup: Ratio::ZERO,
        key: played.truncated(at).key_or_estimate(),
        ..played.clone()
    };
    Ok((window.normalized(), from))
}

/// The model's answer to everything in `played` before `at` (a bar line): `bars` bars from
/// `at`, exactly, in the melody's key. The model reads the dialogue's [`context`] (its
/// last 8 to 11 bars); `config`'s temperature, scale lock, range and seed apply; one
/// variation is drawn.
pub fn answer(
    model: ModelRef<'_>,
    played: &Melody,
    at: Ratio,
    bars: usize,
    config: &SamplerConfig,
) -> Result<Vec<Note>> {
    let meter = played
        .meter
        .ok_or_else(|| Error::Invalid("a dialogue needs a meter".into()))?;
    let (primer, from) = context(played, at)?;
    let at = at - from;
    let config = SamplerConfig {
        length: Length::Bars(bars),
        variations: 1,
        stop_at_end: false,
        end_on_tonic: false,
        ..config.clone()
    };
    let written = generate(model, &primer, &config)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Invalid("the model wrote no answer".into()))?;
    let end = at + meter.bar_length() * Ratio::from_int(bars as i64);
    Ok(notes_between(&written.melody, at, end))
}

/// Fills a recorded performance's empty phrases with answers: the performance is cut into
/// turns of `phrase_bars` bars from its first bar line (the pickup belongs to the first);
/// a turn with a note onset is a call and is kept note for note; an empty turn right after
/// a call is answered, continuing the calls and answers before it; other empty turns stay
/// silent. Each answer is drawn with its own seed (`config.seed` plus its turn).
pub fn fill_answers(
    model: ModelRef<'_>,
    performance: &Melody,
    phrase_bars: usize,
    config: &SamplerConfig,
) -> Result<Dialogue> {
    let meter = performance.meter.ok_or_else(|| {
        Error::Invalid("the performance has no meter: a dialogue needs bar lines".into())
    })?;
    if !(1..=16).contains(&phrase_bars) {
        return Err(Error::Invalid(format!(
            "a phrase of {phrase_bars} bars: choose 1 to 16"
        )));
    }
    let phrase = meter.bar_length() * Ratio::from_int(phrase_bars as i64);
    let first = performance.pickup;
    let total = performance.duration();
    let mut dialogue = Melody {
        notes: notes_between(performance, Ratio::ZERO, first),
        ..performance.clone()
    };
    let mut turns = Vec::new();
    let mut start = first;
    let mut k: u64 = 0;
    while start < total {
        let end = start + phrase;
        let onset = performance
            .with_onsets()
            .any(|(on, n)| !n.is_rest() && on >= start && on < end);
        let after_call = turns.last().is_some_and(|t: &Turn| t.part == Part::Call);
        let (part, notes) = if onset {
            (Part::Call, notes_between(performance, start, end))
        } else if after_call {
            let seeded = SamplerConfig {
                seed: config.seed.wrapping_add(k),
                ..config.clone()
            };
            (
                Part::Answer,
                answer(model, &dialogue, start, phrase_bars, &seeded)?,
            )
        } else {
            (Part::Silence, vec![Note::rest(phrase)])
        };
        dialogue.notes.extend(notes);
        turns.push(Turn { start, end, part });
        start = end;
        k += 1;
    }
    dialogue = dialogue.normalized();
    Ok(Dialogue {
        melody: dialogue,
        turns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Meter, Pitch};

    fn q(n: i64) -> Ratio {
        Ratio::from_int(n)
    }

    #[test]
    fn the_context_is_the_last_phrases_cut_on_a_phrase_boundary_in_the_dialogues_key() {
        let p = |m| Pitch::from_midi(m).unwrap();
        // A one-quarter pickup, then 30 bars of 4/4 (phrases of 4 bars) in G major.
        let scale = [67, 69, 71, 72, 74, 72, 71, 69, 66];
        let mut notes = vec![Note::new(p(62), q(1))];
        notes.extend((0..120).map(|i| Note::new(p(scale[i % scale.len()]), q(1))));
        let m = Melody {
            meter: Meter::new(4, 4),
            pickup: q(1),
            notes,
            ..Melody::new()
        };
        let at = q(1 + 30 * 4);
        let (window, from) = context(&m, at).unwrap();
        // 30 bars before: skip 20 (5 phrases), keep 10.
        assert_eq!(from, q(1 + 20 * 4));
        assert_eq!(window.duration(), q(10 * 4));
        assert_eq!(window.pickup, Ratio::ZERO);
        assert_eq!(window.notes, notes_between(&m, from, at));
        assert_eq!(window.key, m.key_or_estimate(), "the whole dialogue's key");
        // Early on, the whole dialogue.
        let (early, from) = context(&m, q(1 + 8 * 4)).unwrap();
        assert_eq!(from, Ratio::ZERO);
        assert_eq!(early, m.truncated(q(1 + 8 * 4)).normalized());
    }

    #[test]
    fn a_span_keeps_its_own_notes_and_cuts_the_rest() {
        let p = |m| Pitch::from_midi(m).unwrap();
        let m = Melody {
            meter: Meter::new(2, 4),
            notes: vec![
                Note::new(p(60), q(3)),
                Note::new(p(62), q(1)),
                Note::rest(q(2)),
            ],
            ..Melody::new()
        };
        let got = notes_between(&m, q(2), q(6));
        assert_eq!(
            got,
            vec![Note::rest(q(1)), Note::new(p(62), q(1)), Note::rest(q(2))],
            "the note held into the span is not the span's"
        );
        assert_eq!(
            notes_between(&m, q(4), q(8))
                .iter()
                .map(|n| n.duration)
                .sum::<Ratio>(),
            q(4),
            "padded to the span's end"
        );
    }
}
