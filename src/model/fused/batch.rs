//! A training batch on the host, time-major, with the structure inputs kept sparse (they
//! are multi-hot: a few ones among hundreds of zeros per step).

use crate::corpus::data::{Padded, Window};
use crate::corpus::structure::StructureInputs;

/// Sparse rows: row `r`'s entries are `index[starts[r]..starts[r + 1]]` with their `value`s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SparseRows {
    /// `rows + 1` offsets.
    pub starts: Vec<usize>,
    /// Column of each entry.
    pub index: Vec<usize>,
    /// Value of each entry.
    pub value: Vec<f32>,
}

impl SparseRows {
    /// The entries of row `r` as `(column, value)` pairs.
    pub fn row(&self, r: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let span = self.starts[r]..self.starts[r + 1];
        self.index[span.clone()]
            .iter()
            .copied()
            .zip(self.value[span].iter().copied())
    }
}

/// Windows padded to the longest, time-major: row `t · B + b` is step `t` of window `b`.
#[derive(Clone, Debug, PartialEq)]
pub struct HostBatch {
    /// Time steps T (the longest window).
    pub steps: usize,
    /// Windows B.
    pub rows: usize,
    /// Input ids `[T, B]`.
    pub inputs: Vec<usize>,
    /// Target ids `[T, B]`.
    pub targets: Vec<usize>,
    /// Target weights `[T, B]`: 1 for a real target, 0 for padding.
    pub mask: Vec<f32>,
    /// Structure inputs `[T·B, width]`, sparse, for a model that reads them.
    pub features: Option<SparseRows>,
    /// Index of each window in the whole batch (it seeds the window's dropout masks, so
    /// they do not depend on how the batch was split).
    pub first_row: usize,
}

impl HostBatch {
    /// Builds the batch of `windows` (the `first_row`-th onward of the whole batch),
    /// padded as every batch is ([`Padded`]); with `inputs`, the structure inputs too.
    pub fn new(
        windows: &[&Window],
        inputs: Option<&StructureInputs>,
        first_row: usize,
    ) -> HostBatch {
        let padded = Padded::new(windows);
        let (rows, steps) = (windows.len(), padded.steps);
        let mut batch = HostBatch {
            steps,
            rows,
            inputs: Vec::with_capacity(steps * rows),
            targets: Vec::with_capacity(steps * rows),
            mask: Vec::with_capacity(steps * rows),
            features: None,
            first_row,
        };
        for t in 0..steps {
            for b in 0..rows {
                let (input, target, weight) = padded.step(b, t);
                batch.inputs.push(input);
                batch.targets.push(target);
                batch.mask.push(weight);
            }
        }
        batch.features = inputs.map(|inputs| sparse_features(windows, inputs, steps));
        batch
    }

    /// Real targets (weights above zero).
    pub fn targets_count(&self) -> usize {
        self.mask.iter().filter(|&&m| m > 0.0).count()
    }
}

/// The structure inputs of every step, time-major and sparse; padding steps have none.
fn sparse_features(windows: &[&Window], inputs: &StructureInputs, steps: usize) -> SparseRows {
    let rows = windows.len();
    let mut out = SparseRows {
        starts: Vec::with_capacity(steps * rows + 1),
        ..SparseRows::default()
    };
    out.starts.push(0);
    for t in 0..steps {
        for w in windows {
            if let Some(ctx) = w.contexts.get(t).filter(|_| t < w.len()) {
                inputs.active(&w.structure, *ctx, &mut out.index);
                out.value.resize(out.index.len(), 1.0);
            }
            out.starts.push(out.index.len());
        }
    }
    out
}
