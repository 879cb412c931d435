//! The critic's tilt: weights on the candidates' form features under which the kept
//! melodies' expected form meets a target, as near the model's own choice as can be (the
//! minimum-KL, exponential tilt of each group's choice).

/// Form features per candidate (see `critic::features`).
pub const FEATURES: usize = 10;

/// One candidate: its base score (the log-probability term) and its form features, each
/// centred on its target so that a kept set meeting the targets averages 0.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// The score before the tilt.
    pub base: f64,
    /// The centred features.
    pub features: [f64; FEATURES],
}

/// Ridge on the weights: keeps them finite where a target cannot be met.
const RIDGE: f64 = 1e-3;
/// The largest weight on one feature.
const MAX_WEIGHT: f64 = 10.0;
/// Newton steps at most.
const STEPS: usize = 30;

/// The tilt weights `λ` (one per feature) for groups of `k` consecutive candidates: they
/// minimise `mean_g log Σ_{c∈g} exp(base_c + λ·f_c) + RIDGE/2 |λ|²`, whose gradient is
/// the mean over groups of the expected features of the kept candidate, so at the optimum
/// the kept form meets the targets as closely as the candidates allow.
pub fn solve(rows: &[Row], k: usize) -> [f64; FEATURES] {
    let mut lambda = [0.0; FEATURES];
    let mut value = objective(rows, k, &lambda).0;
    for _ in 0..STEPS {
        let (_, gradient, hessian) = objective(rows, k, &lambda);
        let Some(step) = solve_linear(hessian, gradient) else {
            break;
        };
        // Damped Newton: halve the step until the objective falls.
        let mut scale = 1.0;
        let mut moved = false;
        for _ in 0..20 {
            let mut next = lambda;
            for (l, s) in next.iter_mut().zip(&step) {
                *l = (*l - scale * s).clamp(-MAX_WEIGHT, MAX_WEIGHT);
            }
            let v = objective(rows, k, &next).0;
            if v < value - 1e-12 {
                lambda = next;
                value = v;
                moved = true;
                break;
            }
            scale *= 0.5;
        }
        if !moved || gradient.iter().all(|g| g.abs() < 1e-6) {
            break;
        }
    }
    lambda
}

/// The objective, its gradient and its Hessian at `lambda`.
fn objective(
    rows: &[Row],
    k: usize,
    lambda: &[f64; FEATURES],
) -> (f64, [f64; FEATURES], [[f64; FEATURES]; FEATURES]) {
    let mut value = 0.0;
    let mut gradient = [0.0; FEATURES];
    let mut hessian = [[0.0; FEATURES]; FEATURES];
    let groups = rows.chunks(k.max(1));
    let n = groups.len().max(1) as f64;
    for group in groups {
        let scores: Vec<f64> = group.iter().map(|r| score(r, lambda)).collect();
        let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !top.is_finite() {
            continue;
        }
        let weights: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        value += (top + total.ln()) / n;
        let mut mean = [0.0; FEATURES];
        for (w, r) in weights.iter().zip(group) {
            for (m, f) in mean.iter_mut().zip(&r.features) {
                *m += w / total * f;
            }
        }
        for (w, r) in weights.iter().zip(group) {
            let p = w / total;
            for i in 0..FEATURES {
                let di = r.features[i] - mean[i];
                for j in 0..FEATURES {
                    hessian[i][j] += p * di * (r.features[j] - mean[j]) / n;
                }
            }
        }
        for (g, m) in gradient.iter_mut().zip(&mean) {
            *g += m / n;
        }
    }
    for i in 0..FEATURES {
        value += 0.5 * RIDGE * lambda[i] * lambda[i];
        gradient[i] += RIDGE * lambda[i];
        hessian[i][i] += RIDGE;
    }
    (value, gradient, hessian)
}

/// The tilted score of one candidate.
pub fn score(row: &Row, lambda: &[f64; FEATURES]) -> f64 {
    row.base
        + row
            .features
            .iter()
            .zip(lambda)
            .map(|(f, l)| f * l)
            .sum::<f64>()
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve_linear(
    mut a: [[f64; FEATURES]; FEATURES],
    mut b: [f64; FEATURES],
) -> Option<[f64; FEATURES]> {
    for col in 0..FEATURES {
        let pivot = (col..FEATURES).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..FEATURES {
            let f = a[row][col] / a[col][col];
            let (above, below) = a.split_at_mut(row);
            for (x, p) in below[0][col..].iter_mut().zip(&above[col][col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; FEATURES];
    for row in (0..FEATURES).rev() {
        let tail: f64 = (row + 1..FEATURES).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(final_on_tonic: bool, target: f64) -> Row {
        let mut features = [0.0; FEATURES];
        features[0] = f64::from(u8::from(final_on_tonic)) - target;
        Row {
            base: 0.0,
            features,
        }
    }

    /// The expected first feature of the kept candidates.
    fn kept_mean(rows: &[Row], k: usize, lambda: &[f64; FEATURES]) -> f64 {
        let groups = rows.chunks(k);
        let n = groups.len() as f64;
        groups
            .map(|g| {
                let w: Vec<f64> = g.iter().map(|r| score(r, lambda).exp()).collect();
                let total: f64 = w.iter().sum();
                w.iter()
                    .zip(g)
                    .map(|(w, r)| w / total * r.features[0])
                    .sum::<f64>()
            })
            .sum::<f64>()
            / n
    }

    #[test]
    fn the_tilt_meets_a_target_the_candidates_can_reach() {
        // Groups of 4, one candidate in four ends on the tonic; the corpus's rate is 0.6.
        let rows: Vec<Row> = (0..40).map(|i| row(i % 4 == 0, 0.6)).collect();
        let lambda = solve(&rows, 4);
        assert!(lambda[0] > 0.0);
        assert!(kept_mean(&rows, 4, &lambda).abs() < 0.01);
        // Below the candidates' own rate the tilt turns the other way.
        let rows: Vec<Row> = (0..40).map(|i| row(i % 4 != 0, 0.3)).collect();
        let lambda = solve(&rows, 4);
        assert!(lambda[0] < 0.0);
        assert!(kept_mean(&rows, 4, &lambda).abs() < 0.01);
    }

    #[test]
    fn an_unreachable_target_keeps_the_weights_finite() {
        // No candidate ends on the tonic: no tilt can help, and none runs away.
        let rows: Vec<Row> = (0..16).map(|_| row(false, 0.6)).collect();
        let lambda = solve(&rows, 8);
        assert!(
            lambda
                .iter()
                .all(|l| l.is_finite() && l.abs() <= MAX_WEIGHT)
        );
        // Candidates already at the target need no tilt.
        let rows: Vec<Row> = (0..16).map(|i| row(i % 2 == 0, 0.5)).collect();
        assert!(solve(&rows, 8).iter().all(|l| l.abs() < 1e-6));
    }
}
