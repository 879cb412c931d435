//! Note types and dots: the written values a duration can take, and splitting into them.

use crate::music::Ratio;

/// MusicXML note-type names with their length in quarter notes as a power of two.
const TYPES: [(&str, i32); 13] = [
    ("long", 4),
    ("breve", 3),
    ("whole", 2),
    ("half", 1),
    ("quarter", 0),
    ("eighth", -1),
    ("16th", -2),
    ("32nd", -3),
    ("64th", -4),
    ("128th", -5),
    ("256th", -6),
    ("512th", -7),
    ("1024th", -8),
];

/// The most dots the writer puts on one note.
const MAX_DOTS: u32 = 2;

/// The most notes in one tuplet the writer spells with `<time-modification>`.
const MAX_TUPLET: i64 = 31;

/// A written value: a note type and its dots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// The MusicXML `<type>` name.
    pub type_name: &'static str,
    /// The number of `<dot/>`s.
    pub dots: u32,
}

/// One written piece of a note or rest: its sounding length, how it is written, and
/// its tuplet ratio (`actual` notes in the time of `normal`) when it is in one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Sounding length in quarter notes.
    pub length: Ratio,
    /// Type and dots.
    pub written: Written,
    /// `(actual, normal)` for `<time-modification>`, e.g. `(3, 2)` for triplets.
    pub tuplet: Option<(i64, i64)>,
}

fn pow2(exponent: i32) -> Ratio {
    if exponent >= 0 {
        Ratio::from_int(1 << exponent)
    } else {
        Ratio::new(1, 1 << -exponent)
    }
}

/// The length of a type with dots; each dot adds half the previous addition.
fn dotted(base: Ratio, dots: u32) -> Ratio {
    let mut total = base;
    let mut add = base;
    for _ in 0..dots {
        add = add / Ratio::from_int(2);
        total += add;
    }
    total
}

/// The length in quarter notes of a `<type>` name with `dots` dots.
pub fn type_length(name: &str, dots: u32) -> Option<Ratio> {
    let (_, exponent) = TYPES.iter().find(|(n, _)| *n == name.trim())?;
    Some(dotted(pow2(*exponent), dots.min(4)))
}

/// Every written value with its length, longest first.
fn candidates() -> impl Iterator<Item = (Written, Ratio)> {
    TYPES.iter().flat_map(|&(type_name, exponent)| {
        (0..=MAX_DOTS).rev().map(move |dots| {
            let length = dotted(pow2(exponent), dots);
            (Written { type_name, dots }, length)
        })
    })
}

/// The undotted type nearest to `length` (for lengths no type can spell).
pub fn closest(length: Ratio) -> Written {
    let type_name = TYPES
        .iter()
        .map(|&(name, exponent)| (name, pow2(exponent)))
        .find(|&(_, base)| length >= base * Ratio::new(3, 4))
        .map_or("1024th", |(name, _)| name);
    Written { type_name, dots: 0 }
}

/// Splits a length whose denominator is a power of two into written values, greedily
/// longest first. Any rest finer than a 1024th becomes one more piece of that length.
fn split_dyadic(length: Ratio) -> Vec<(Written, Ratio)> {
    let mut out = Vec::new();
    let mut left = length;
    for (written, value) in candidates() {
        while value <= left && out.len() < 64 {
            out.push((written, value));
            left -= value;
        }
    }
    if left.is_positive() {
        out.push((closest(left), left));
    }
    out
}

/// Splits a sounding length into written pieces: dotted values where they fit, and
/// tuplets (`<time-modification>`) for denominators with an odd factor such as 1/3.
pub fn pieces(length: Ratio) -> Vec<Piece> {
    if !length.is_positive() {
        return Vec::new();
    }
    let den = length.den();
    let odd = den >> den.trailing_zeros();
    if odd == 1 {
        return split_dyadic(length)
            .into_iter()
            .map(|(written, length)| Piece {
                length,
                written,
                tuplet: None,
            })
            .collect();
    }
    if odd > MAX_TUPLET {
        let written = closest(length);
        return vec![Piece {
            length,
            written,
            tuplet: None,
        }];
    }
    // `odd` notes in the time of the largest power of two below it (3:2, 5:4, 7:4 …).
    let normal = 1i64 << (63 - odd.leading_zeros() as i64);
    let scale = Ratio::new(odd, normal);
    split_dyadic(length * scale)
        .into_iter()
        .map(|(written, shown)| Piece {
            length: shown / scale,
            written,
            tuplet: Some((odd, normal)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(length: Ratio) -> Vec<(&'static str, u32)> {
        pieces(length)
            .iter()
            .map(|p| (p.written.type_name, p.written.dots))
            .collect()
    }

    #[test]
    fn simple_and_dotted_values() {
        assert_eq!(names(Ratio::ONE), [("quarter", 0)]);
        assert_eq!(names(Ratio::new(3, 2)), [("quarter", 1)]);
        assert_eq!(names(Ratio::new(7, 4)), [("quarter", 2)]);
        assert_eq!(names(Ratio::from_int(3)), [("half", 1)]);
        assert_eq!(names(Ratio::new(3, 8)), [("16th", 1)]);
        assert_eq!(names(Ratio::from_int(4)), [("whole", 0)]);
    }

    #[test]
    fn unrepresentable_values_split() {
        assert_eq!(names(Ratio::new(5, 4)), [("quarter", 0), ("16th", 0)]);
        assert_eq!(names(Ratio::from_int(5)), [("whole", 0), ("quarter", 0)]);
        let total: Ratio = pieces(Ratio::new(5, 4)).iter().map(|p| p.length).sum();
        assert_eq!(total, Ratio::new(5, 4));
    }

    #[test]
    fn tuplets_get_time_modification() {
        let p = pieces(Ratio::new(1, 3));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].written.type_name, "eighth");
        assert_eq!(p[0].tuplet, Some((3, 2)));
        assert_eq!(pieces(Ratio::new(2, 3))[0].written.type_name, "quarter");
        assert_eq!(pieces(Ratio::new(1, 5))[0].tuplet, Some((5, 4)));
        let total: Ratio = pieces(Ratio::new(5, 3)).iter().map(|p| p.length).sum();
        assert_eq!(total, Ratio::new(5, 3));
    }

    #[test]
    fn absurd_lengths_do_not_panic() {
        let tiny = Ratio::new(1, 1 << 40);
        assert_eq!(pieces(tiny)[0].length, tiny);
        assert_eq!(pieces(Ratio::new(1, 1_000_003)).len(), 1);
        assert!(pieces(Ratio::from_int(100_000)).len() <= 65);
        assert!(pieces(Ratio::ZERO).is_empty());
    }

    #[test]
    fn type_lengths() {
        assert_eq!(type_length("eighth", 1), Some(Ratio::new(3, 4)));
        assert_eq!(type_length("whole", 0), Some(Ratio::from_int(4)));
        assert_eq!(type_length("bogus", 0), None);
    }
}
