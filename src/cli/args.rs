//! Value parsers for the command line. Every number is checked where clap reads it, so a
//! NaN, an infinity or a value out of range is a usage error naming the flag, not an empty
//! melody, a panic or a huge allocation later. Lengths are capped through [`Limits`].

use lstmuse::limits::Limits;

/// The most variations one `generate` call makes (the sampler's batch limit).
pub const MAX_VARIATIONS: usize = Limits::DEFAULT.max_variations;

/// The most melodies `eval --generate` makes.
pub const MAX_EVAL_MELODIES: usize = 10_000;

/// Temperatures above this are as flat as a uniform choice.
const MAX_TEMPERATURE: f64 = 100.0;

/// Logit biases and penalties beyond this size already make a symbol certain or impossible.
const MAX_LOGIT_SHIFT: f64 = 100.0;

/// The most windows in one training batch.
const MAX_BATCH: usize = 65_536;

/// The most training epochs.
const MAX_EPOCHS: usize = 1_000_000;

/// The most infilling sequences per song and epoch.
const MAX_INFILL_PER_SONG: usize = 64;

/// A finite number; `text` is echoed with control characters escaped.
fn finite(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{v} is not a finite number"))
    }
}

/// A finite number in the interval `[low, high]`, with either end open.
fn within(
    text: &str,
    (low, low_open): (f64, bool),
    (high, high_open): (f64, bool),
) -> Result<f64, String> {
    let v = finite(text)?;
    let above = if low_open { v > low } else { v >= low };
    let below = if high_open { v < high } else { v <= high };
    if above && below {
        Ok(v)
    } else {
        Err(format!(
            "{v} is out of range: use a number in {}{low}, {high}{}",
            if low_open { "(" } else { "[" },
            if high_open { ")" } else { "]" }
        ))
    }
}

/// A whole number in `low..=high` (a number past `u128`, or 1e10 written out, is "over").
fn count(text: &str, low: usize, high: usize) -> Result<usize, String> {
    let t = text.trim();
    let out_of_range = || format!("{t:?} is out of range: use a whole number from {low} to {high}");
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u128>()
            .ok()
            .and_then(|v| usize::try_from(v).ok())
            .filter(|v| (low..=high).contains(v))
            .ok_or_else(out_of_range);
    }
    Err(format!("{text:?} is not a whole number"))
}

/// The most voices a part may have that `--voice` can name.
const MAX_VOICE: usize = 64;

/// A voice of a part, numbered from 1 as the file numbers it.
pub fn voice(text: &str) -> Result<usize, String> {
    count(text, 1, MAX_VOICE).map_err(|e| {
        if text.trim() == "0" {
            "voices are numbered from 1 (0 is not a voice; --part counts parts from 0)".into()
        } else {
            e
        }
    })
}

/// `--temperature`: 0 (always the most likely symbol) to 100.
pub fn temperature(text: &str) -> Result<f32, String> {
    within(text, (0.0, false), (MAX_TEMPERATURE, false)).map(|v| v as f32)
}

/// `--rest-penalty`, `--hold-bias`: a finite shift of one logit, −100 to 100.
pub fn logit_shift(text: &str) -> Result<f32, String> {
    within(text, (-MAX_LOGIT_SHIFT, false), (MAX_LOGIT_SHIFT, false)).map(|v| v as f32)
}

/// `--top-p`: a probability mass in (0, 1].
pub fn top_p(text: &str) -> Result<f32, String> {
    within(text, (0.0, true), (1.0, false)).map(|v| v as f32)
}

/// `--steps`: 1 to [`Limits::max_steps`] 16th-note steps.
pub fn steps(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_steps)
}

/// `--bars`: 1 to as many bars of 4/4 as [`Limits::max_steps`] allows.
pub fn bars(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_steps / 16)
}

/// `--variations`: 1 to [`MAX_VARIATIONS`].
pub fn variations(text: &str) -> Result<usize, String> {
    count(text, 1, MAX_VARIATIONS)
}

/// `eval --generate`: 1 to [`MAX_EVAL_MELODIES`].
pub fn eval_melodies(text: &str) -> Result<usize, String> {
    count(text, 1, MAX_EVAL_MELODIES)
}

/// A bar number or count (`eval --infill`, `--fill-bars`): 1 to [`Limits::max_bars`].
pub fn bar_number(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_bars)
}

/// `render --bpm`: quarter notes per minute within the synth's range.
pub fn bpm(text: &str) -> Result<f64, String> {
    let (low, high) = lstmuse::synth::BPM_RANGE;
    within(text, (low, false), (high, false))
}

/// `render --program`: a General MIDI program number, 0 to 127.
pub fn gm_program(text: &str) -> Result<lstmuse::synth::GmProgram, String> {
    let max = lstmuse::synth::GmProgram::MAX;
    let number = count(text, 0, usize::from(max))?;
    u8::try_from(number)
        .ok()
        .and_then(lstmuse::synth::GmProgram::new)
        .ok_or_else(|| format!("{text:?} is out of range: use a program number from 0 to {max}"))
}

/// `--range LOW-HIGH`: MIDI note numbers, low ≤ high ≤ 127.
pub fn midi_range(text: &str) -> Result<(u8, u8), String> {
    let shape = || format!("{text:?} is not a range: write it like 60-79 (MIDI numbers 0 to 127)");
    let (lo, hi) = text.split_once('-').ok_or_else(shape)?;
    let note = |v: &str| v.trim().parse::<u8>().ok().filter(|&n| n <= 127);
    let (Some(lo), Some(hi)) = (note(lo), note(hi)) else {
        return Err(shape());
    };
    if lo > hi {
        return Err(format!("the range {lo}-{hi} is empty"));
    }
    Ok((lo, hi))
}

/// `--scale`: a key such as G, Em or Dmix.
pub fn key(text: &str) -> Result<lstmuse::Key, String> {
    lstmuse::Key::parse(text).ok_or_else(|| format!("{text:?} is not a key (try G, Em, Dmix)"))
}

/// `train --hidden`, `--embedding`: 1 (0 for the embedding) to [`Limits::max_model_width`].
pub fn hidden(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_model_width)
}

/// `train --embedding`: 0 (one-hot input) to [`Limits::max_model_width`].
pub fn embedding(text: &str) -> Result<usize, String> {
    count(text, 0, Limits::DEFAULT.max_model_width)
}

/// `train --layers`: 1 to [`Limits::max_model_layers`].
pub fn layers(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_model_layers)
}

/// `train --dropout`, `--valid-split`: a fraction in [0, 1).
pub fn fraction(text: &str) -> Result<f64, String> {
    within(text, (0.0, false), (1.0, true))
}

/// A critic weight: 0 to 100.
pub fn weight(text: &str) -> Result<f32, String> {
    within(text, (0.0, false), (100.0, false)).map(|v| v as f32)
}

/// `--upbeat`: `drawn`, `none`, or a pickup of 1 to 63 sixteenths.
pub fn upbeat(text: &str) -> Result<lstmuse::sampling::Upbeat, String> {
    use lstmuse::sampling::Upbeat;
    match text.trim() {
        "drawn" => Ok(Upbeat::Drawn),
        "none" | "0" => Ok(Upbeat::None),
        n => count(n, 1, 63)
            .map(Upbeat::Steps)
            .map_err(|e| format!("{e}: write drawn, none, or a pickup in sixteenths")),
    }
}

/// `--candidates`: 1 to 64.
pub fn candidates(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))?;
    if (1..=64).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is not between 1 and 64"))
    }
}

/// A share in (0, 1].
pub fn positive_fraction(text: &str) -> Result<f64, String> {
    within(text, (0.0, true), (1.0, false))
}

/// `train --lr`: a positive finite learning rate, at most 10.
pub fn learning_rate(text: &str) -> Result<f64, String> {
    within(text, (0.0, true), (10.0, false))
}

/// `train --weight-decay`: 0 to 1.
pub fn weight_decay(text: &str) -> Result<f64, String> {
    within(text, (0.0, false), (1.0, false))
}

/// `train --batch`: 1 to [`MAX_BATCH`] windows.
pub fn batch(text: &str) -> Result<usize, String> {
    count(text, 1, MAX_BATCH)
}

/// `train --seq-len`: 1 to [`Limits::max_steps`] steps.
pub fn seq_len(text: &str) -> Result<usize, String> {
    count(text, 1, Limits::DEFAULT.max_steps)
}

/// `train --epochs`: 1 to [`MAX_EPOCHS`].
pub fn epochs(text: &str) -> Result<usize, String> {
    count(text, 1, MAX_EPOCHS)
}

/// `train --infill-per-song`: 0 to [`MAX_INFILL_PER_SONG`].
pub fn infill_per_song(text: &str) -> Result<usize, String> {
    count(text, 0, MAX_INFILL_PER_SONG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_finite_and_in_range() {
        assert_eq!(temperature("0"), Ok(0.0));
        assert_eq!(temperature("0.8"), Ok(0.8));
        for bad in [
            "NaN", "nan", "inf", "-inf", "infinity", "-0.1", "1e30", "", "x",
        ] {
            assert!(temperature(bad).is_err(), "temperature {bad}");
        }
        assert_eq!(logit_shift("-1.5"), Ok(-1.5));
        assert!(logit_shift("NaN").is_err() && logit_shift("-inf").is_err());
        assert!(logit_shift("1e9").is_err());
        assert_eq!(top_p("1"), Ok(1.0));
        for bad in ["0", "1.01", "NaN", "-0.5"] {
            assert!(top_p(bad).is_err(), "top-p {bad}");
        }
        assert!(bpm("NaN").is_err() && bpm("0").is_err() && bpm("120").is_ok());
        assert!(fraction("1").is_err() && fraction("0.35").is_ok());
        assert!(learning_rate("0").is_err() && learning_rate("3e-3").is_ok());
    }

    #[test]
    fn counts_are_capped_by_the_limits() {
        assert_eq!(steps("64"), Ok(64));
        let max = Limits::DEFAULT.max_steps;
        assert_eq!(steps(&max.to_string()), Ok(max));
        for bad in [
            "0",
            "10000000000",
            "18446744073709551615",
            "18446744073709551616",
            "999999999999999999999999999999999999999999",
            "-1",
            "1.5",
            "",
        ] {
            let e = steps(bad).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
            assert!(bars(bad).is_err(), "bars {bad}");
        }
        assert!(bars(&(max / 16 + 1).to_string()).is_err());
        assert_eq!(variations("64"), Ok(64));
        assert!(variations("65").is_err());
        assert!(hidden("1000000000").is_err() && layers("0").is_err() && embedding("0").is_ok());
    }

    #[test]
    fn ranges_and_keys() {
        assert_eq!(midi_range("60-79"), Ok((60, 79)));
        for bad in ["79-60", "60", "0-128", "a-b", "60-"] {
            assert!(midi_range(bad).is_err(), "{bad}");
        }
        assert!(key("Em").is_ok());
        let e = key("Ga\u{1b}[31m").unwrap_err();
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn programs_are_general_midi_numbers() {
        assert_eq!(
            gm_program("0").map(|p| p.name()),
            Ok("Acoustic Grand Piano")
        );
        assert_eq!(gm_program("127").map(|p| p.number()), Ok(127));
        for bad in ["128", "-1", "1e2", "", "piano", "99999999999999999999999"] {
            assert!(gm_program(bad).is_err(), "{bad}");
        }
    }
}
