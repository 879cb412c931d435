//! Exact decimal numbers in MusicXML (`<duration>`, `<divisions>`), and their error texts.

use crate::formats::echo;
use crate::music::Ratio;

/// Whether text is a decimal number ([`decimal`] may still refuse it as too long).
pub(super) fn is_number(text: &str) -> bool {
    let t = text.trim();
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    !(whole.is_empty() && frac.is_empty())
        && whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
}

/// The error text for a number [`decimal`] could not read.
pub(super) fn bad_number(what: &str, text: &str) -> String {
    if is_number(text) {
        format!(
            "{what} {} is too large (at most 18 digits)",
            echo(text.trim())
        )
    } else {
        format!("bad {what} {:?}", echo(text))
    }
}

/// Parses a decimal number (`12`, `-3.5`) exactly.
pub(super) fn decimal(text: &str) -> Option<Ratio> {
    let t = text.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = whole.len() + frac.len();
    let all_digits = whole
        .chars()
        .chain(frac.chars())
        .all(|c| c.is_ascii_digit());
    if digits == 0 || digits > 18 || !all_digits {
        return None;
    }
    let num: i64 = format!("{whole}{frac}").parse().ok()?;
    let den = 10i64.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let value = Ratio::new(num, den);
    Some(if negative { Ratio::ZERO - value } else { value })
}
