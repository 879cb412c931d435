//! An exact rational number: durations and offsets in quarter notes, never floats.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};

/// An exact, always-reduced fraction `num / den` with `den > 0`.
///
/// Durations are measured in quarter notes: `Ratio::new(1, 4)` is a sixteenth note,
/// `Ratio::new(3, 2)` a dotted quarter, `Ratio::new(1, 3)` an eighth-note triplet.
/// Arithmetic saturates instead of overflowing, so absurd input never panics.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "(i64, i64)", into = "(i64, i64)")]
pub struct Ratio {
    num: i64,
    den: i64,
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    a = a.checked_abs().unwrap_or(i64::MAX);
    b = b.checked_abs().unwrap_or(i64::MAX);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Grid steps per quarter note: the grid is 16th notes. [`Ratio::STEP`] is one of them.
pub const STEPS_PER_QUARTER: i64 = 4;

impl Ratio {
    /// Zero.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// One quarter note.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };
    /// The model's grid step: a sixteenth note. Every encoding, sampler, editor and
    /// recorder step is this long.
    pub const STEP: Ratio = Ratio {
        num: 1,
        den: STEPS_PER_QUARTER,
    };

    /// `num / den`, reduced. A zero denominator gives zero (callers validate first).
    pub fn new(num: i64, den: i64) -> Ratio {
        if den == 0 {
            return Ratio::ZERO;
        }
        let g = gcd(num, den);
        let (mut num, mut den) = (num / g, den / g);
        if den < 0 {
            num = num.saturating_neg();
            den = den.saturating_neg();
        }
        Ratio { num, den }
    }

    /// A whole number of quarter notes.
    pub const fn from_int(n: i64) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// Numerator (sign carrier).
    pub fn num(self) -> i64 {
        self.num
    }

    /// Denominator, always positive.
    pub fn den(self) -> i64 {
        self.den
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// True when strictly above zero.
    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// The value as a float, for display and audio only.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Largest integer not above the value.
    pub fn floor(self) -> i64 {
        self.num.div_euclid(self.den)
    }

    /// The value in whole [`STEP`](Self::STEP)s (sixteenths), rounded down; negative values
    /// count as 0 steps.
    pub fn to_steps(self) -> usize {
        usize::try_from((self / Ratio::STEP).floor()).unwrap_or(0)
    }

    /// The value in (fractional) steps, for audio and display positions.
    pub fn to_f64_steps(self) -> f64 {
        self.to_f64() * STEPS_PER_QUARTER as f64
    }

    /// `steps` sixteenths.
    pub fn from_steps(steps: usize) -> Ratio {
        Ratio::from_int(i64::try_from(steps).unwrap_or(i64::MAX)) * Ratio::STEP
    }

    /// Whether the value is a whole multiple of `unit` (a positive ratio).
    pub fn is_multiple_of(self, unit: Ratio) -> bool {
        let q = self / unit;
        q.den == 1
    }

    fn from_i128(num: i128, den: i128) -> Ratio {
        if den == 0 {
            return Ratio::ZERO;
        }
        let mut a = num.abs();
        let mut b = den.abs();
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let g = a.max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = -n;
            d = -d;
        }
        let clamp = |v: i128| v.clamp(i64::MIN as i128 + 1, i64::MAX as i128) as i64;
        if d > i64::MAX as i128 {
            // Too fine to represent: round to the nearest representable value.
            let scale = d / i64::MAX as i128 + 1;
            return Ratio::new(clamp(n / scale), clamp(d / scale));
        }
        Ratio::new(clamp(n), d as i64)
    }
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio::ZERO
    }
}

impl TryFrom<(i64, i64)> for Ratio {
    type Error = String;
    fn try_from((n, d): (i64, i64)) -> Result<Self, Self::Error> {
        if d == 0 {
            return Err("zero denominator".into());
        }
        Ok(Ratio::new(n, d))
    }
}

impl From<Ratio> for (i64, i64) {
    fn from(r: Ratio) -> Self {
        (r.num, r.den)
    }
}

impl Add for Ratio {
    type Output = Ratio;
    fn add(self, o: Ratio) -> Ratio {
        Ratio::from_i128(
            self.num as i128 * o.den as i128 + o.num as i128 * self.den as i128,
            self.den as i128 * o.den as i128,
        )
    }
}

impl Sub for Ratio {
    type Output = Ratio;
    fn sub(self, o: Ratio) -> Ratio {
        Ratio::from_i128(
            self.num as i128 * o.den as i128 - o.num as i128 * self.den as i128,
            self.den as i128 * o.den as i128,
        )
    }
}

impl Mul for Ratio {
    type Output = Ratio;
    fn mul(self, o: Ratio) -> Ratio {
        Ratio::from_i128(
            self.num as i128 * o.num as i128,
            self.den as i128 * o.den as i128,
        )
    }
}

impl Div for Ratio {
    type Output = Ratio;
    /// Division; dividing by zero gives zero (never panics).
    fn div(self, o: Ratio) -> Ratio {
        Ratio::from_i128(
            self.num as i128 * o.den as i128,
            self.den as i128 * o.num as i128,
        )
    }
}

impl AddAssign for Ratio {
    fn add_assign(&mut self, o: Ratio) {
        *self = *self + o;
    }
}

impl SubAssign for Ratio {
    fn sub_assign(&mut self, o: Ratio) {
        *self = *self - o;
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, o: &Ratio) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Ratio {
    fn cmp(&self, o: &Ratio) -> Ordering {
        (self.num as i128 * o.den as i128).cmp(&(o.num as i128 * self.den as i128))
    }
}

impl std::iter::Sum for Ratio {
    fn sum<I: Iterator<Item = Ratio>>(iter: I) -> Ratio {
        iter.fold(Ratio::ZERO, |a, b| a + b)
    }
}

impl fmt::Debug for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_exact_and_reduced() {
        let third = Ratio::new(1, 3);
        assert_eq!(third + third + third, Ratio::ONE);
        assert_eq!(Ratio::new(2, 4), Ratio::new(1, 2));
        assert_eq!(Ratio::new(1, -2), Ratio::new(-1, 2));
        assert_eq!(Ratio::new(3, 2) * Ratio::new(2, 3), Ratio::ONE);
        assert_eq!(Ratio::new(3, 4) / Ratio::new(1, 4), Ratio::from_int(3));
        assert!(Ratio::new(1, 3) < Ratio::new(1, 2));
        assert!(Ratio::new(3, 4).is_multiple_of(Ratio::new(1, 4)));
        assert_eq!(Ratio::new(3, 4).to_steps(), 3);
        assert_eq!(Ratio::new(7, 8).to_steps(), 3, "rounded down");
        assert_eq!(Ratio::new(-1, 4).to_steps(), 0);
        assert_eq!(Ratio::from_steps(6), Ratio::new(3, 2));
        assert!(!Ratio::new(1, 3).is_multiple_of(Ratio::new(1, 4)));
        assert_eq!(Ratio::new(-1, 4).floor(), -1);
    }

    #[test]
    fn absurd_values_do_not_panic() {
        let big = Ratio::new(i64::MAX, 1);
        let _ = big + big;
        let _ = big * big;
        let _ = Ratio::new(1, i64::MAX) * Ratio::new(1, i64::MAX);
        let _ = Ratio::ONE / Ratio::ZERO;
        let _ = Ratio::new(i64::MIN, -1);
    }
}
