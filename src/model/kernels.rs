//! Host arithmetic shared by generation and fused training: matrix products through the
//! `gemm` crate, and branch-free `exp`, sigmoid and tanh whose loops vectorise.

/// `e^x` for `x` clamped to ±87, within a few ulp (Cephes' `expf`): `e^x = 2^n · e^r`
/// with `n` the nearest integer to `x·log2(e)`, `r = x − n·ln 2` in two parts, and a
/// polynomial for `e^r`, `|r| ≤ ln(2)/2`. Branch-free, without casts and without `mul_add`
/// (a library call where the target has no FMA), so loops over slices vectorise.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer.
    let x = x.clamp(-87.0, 87.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = (x - n * 0.693_359_4) + n * 2.121_944_4e-4;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // `t` is ROUND + n exactly, so its low mantissa bits hold n: integer arithmetic
    // instead of a float-to-int cast (whose saturating semantics stop vectorisation).
    let k = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    e * f32::from_bits((k.wrapping_add(127) as u32) << 23)
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// `tanh(x)`, as `2·sigmoid(2x) − 1`.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + fast_exp(-2.0 * x)) - 1.0
}

/// `dst += src`, element by element.
pub fn add(dst: &mut [f32], src: &[f32]) {
    dst.iter_mut().zip(src).for_each(|(a, b)| *a += b);
}

/// A row-major matrix operand of [`gemm`]: `data` holds `[rows, cols]`, or with
/// `transposed` the `[cols, rows]` matrix whose transpose is meant.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    /// The values, row-major as stored.
    pub data: &'a [f32],
    /// Read the stored matrix transposed.
    pub transposed: bool,
}

impl<'a> Operand<'a> {
    /// The stored matrix as it is.
    pub fn plain(data: &'a [f32]) -> Operand<'a> {
        Operand {
            data,
            transposed: false,
        }
    }

    /// The transpose of the stored matrix.
    pub fn t(data: &'a [f32]) -> Operand<'a> {
        Operand {
            data,
            transposed: true,
        }
    }

    /// Column and row strides of the `[rows, cols]` matrix meant.
    fn strides(&self, cols: usize, rows: usize) -> (isize, isize) {
        if self.transposed {
            (rows as isize, 1)
        } else {
            (1, cols as isize)
        }
    }
}

/// `dst[m, n] (+)= a[m, k] · b[k, n]` (added to `dst` when `accumulate`, else written),
/// row-major, with the `gemm` crate on one thread (SIMD chosen at run time).
///
/// # Panics
/// When a slice's length does not match its shape: a bug in the caller, never user data.
pub fn gemm(
    dst: &mut [f32],
    (a, b): (Operand<'_>, Operand<'_>),
    (m, k, n): (usize, usize, usize),
    accumulate: bool,
) {
    assert!(
        dst.len() == m * n && a.data.len() == m * k && b.data.len() == k * n,
        "gemm: [{m}, {k}] x [{k}, {n}] into {} from {} and {}",
        dst.len(),
        a.data.len(),
        b.data.len()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.iter_mut().for_each(|v| *v = 0.0);
        }
        return;
    }
    let (a_cs, a_rs) = a.strides(k, m);
    let (b_cs, b_rs) = b.strides(n, k);
    // SAFETY: the slices hold exactly the matrices the pointers and strides describe
    // (lengths checked above; a transposed operand reads the stored `[k, m]`/`[n, k]`
    // matrix with swapped strides), and `dst` is borrowed mutably, so it aliases neither.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a_cs,
            a_rs,
            b.data.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `dst[m, n] += a[m, k] · b[k, n]`, all row-major and untransposed.
pub fn matmul_add(dst: &mut [f32], a: &[f32], b: &[f32], dims: (usize, usize, usize)) {
    gemm(dst, (Operand::plain(a), Operand::plain(b)), dims, true);
}

/// Runs `$body` (an `#[inline(always)]` function call) compiled for AVX-512 or AVX2+FMA
/// when the CPU has them, so its plain loops vectorise at full width; else as built.
macro_rules! simd_dispatch {
    ($body:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
            unsafe fn wide<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: the CPU has the features the function is compiled for.
                unsafe { wide(|| $body) }
            } else if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: as above.
                unsafe { avx2(|| $body) }
            } else {
                $body
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            $body
        }
    }};
}
pub(crate) use simd_dispatch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_activations_match_the_library() {
        for i in -2000..=2000 {
            let x = i as f32 / 50.0;
            let e = fast_exp(x);
            assert!(
                (e - x.exp()).abs() <= 3e-7 * x.exp(),
                "exp({x}): {e} vs {}",
                x.exp()
            );
            assert!((tanh(x) - x.tanh()).abs() < 2e-7, "tanh({x})");
            assert!(
                (sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs() < 2e-7,
                "sigmoid({x})"
            );
        }
        assert!((0.0..1e-30).contains(&sigmoid(-1e9)) && sigmoid(1e9) == 1.0);
        assert!(tanh(1e9) == 1.0 && tanh(-1e9) == -1.0);
        assert!(fast_exp(f32::NEG_INFINITY) >= 0.0);
    }

    #[test]
    fn gemm_reads_transposed_operands() {
        // a = [[1, 2, 3], [4, 5, 6]] (2×3), b = [[1, 0], [0, 1], [1, 1]] (3×2).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let at = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let bt = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let want = [4.0, 5.0, 10.0, 11.0];
        for (x, y) in [
            (Operand::plain(&a), Operand::plain(&b)),
            (Operand::t(&at), Operand::plain(&b)),
            (Operand::plain(&a), Operand::t(&bt)),
            (Operand::t(&at), Operand::t(&bt)),
        ] {
            let mut c = [100.0; 4];
            gemm(&mut c, (x, y), (2, 3, 2), false);
            assert_eq!(c, want);
            gemm(&mut c, (x, y), (2, 3, 2), true);
            assert_eq!(c, want.map(|v| 2.0 * v));
        }
    }
}
