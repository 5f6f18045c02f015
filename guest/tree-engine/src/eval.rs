//! Blocked evaluation: rows in blocks of [`BLOCK_ROWS`], trees in the outer loop
//! (each tree's nodes stay in cache for the whole block), leaf values added in the
//! training library's precision.

use std::fmt;

use crate::{
    Forest, KIND_CATEGORICAL, KIND_EQ_NAN_DEFAULT, KIND_LE_NAN_DEFAULT, KIND_LE_NAN_ZERO, KIND_LE_ZERO_DEFAULT,
    KIND_LEAF, KIND_LINEAR_LEAF, KIND_LT_NAN_DEFAULT, Node,
};

/// Rows evaluated together against one tree before moving to the next tree
/// (XGBoost's CPU predictor uses 64 as well).
pub const BLOCK_ROWS: usize = 64;

/// LightGBM's `kZeroThreshold`: |x| at or below it is zero.
const ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;

/// The number type scores are summed in.
pub trait Accumulate: Copy + PartialEq + fmt::Debug {
    /// `self + leaf`, rounded as the library rounds.
    fn add(self, leaf: f64) -> Self;
}

impl Accumulate for f32 {
    /// XGBoost keeps its margins in `float` and adds `float` leaves.
    fn add(self, leaf: f64) -> Self {
        self + leaf as f32
    }
}

impl Accumulate for f64 {
    /// LightGBM sums `double` leaf outputs.
    fn add(self, leaf: f64) -> Self {
        self + leaf
    }
}

/// Why a prediction could not run.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictError {
    /// The rows are narrower than the model's features, or not whole rows.
    Shape { values: usize, stride: usize, n_features: usize },
    /// The initial scores are not one per output.
    Base { got: usize, n_outputs: usize },
}

impl fmt::Display for PredictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PredictError::Shape { values, stride, n_features } => {
                write!(f, "{values} values do not form rows of {stride} columns for a model of {n_features} features")
            }
            PredictError::Base { got, n_outputs } => write!(f, "{got} base scores for {n_outputs} outputs"),
        }
    }
}

impl std::error::Error for PredictError {}

impl Forest {
    /// Scores of the rows of `data` (row-major, `stride` values a row, the first
    /// `n_features` of which the model reads): `n_outputs` a row, each starting at
    /// `base` and adding every tree's leaf in tree order.
    pub fn predict<A: Accumulate>(&self, data: &[f64], stride: usize, base: &[A]) -> Result<Vec<A>, PredictError> {
        let n_out = self.n_outputs;
        if base.len() != n_out {
            return Err(PredictError::Base { got: base.len(), n_outputs: n_out });
        }
        let shape_error = PredictError::Shape { values: data.len(), stride, n_features: self.n_features };
        if stride < self.n_features || !data.len().is_multiple_of(stride.max(1)) {
            return Err(shape_error);
        }
        let n_rows = match data.len().checked_div(stride) {
            Some(n) => n,
            None if data.is_empty() => 0,
            None => return Err(shape_error),
        };
        let mut out: Vec<A> = Vec::with_capacity(n_rows * n_out);
        for _ in 0..n_rows {
            out.extend_from_slice(base);
        }
        let mut start = 0;
        while start < n_rows {
            let end = (start + BLOCK_ROWS).min(n_rows);
            for tree in &self.trees {
                for r in start..end {
                    let row = &data[r * stride..(r + 1) * stride];
                    let leaf = self.leaf_of(tree.root as usize, row);
                    let scores = &mut out[r * n_out..(r + 1) * n_out];
                    if self.leaf_width == 1 {
                        let t = tree.target as usize;
                        scores[t] = scores[t].add(self.leaf_value(leaf, row));
                    } else {
                        let leaf = self.nodes[leaf].left as usize;
                        for (s, &v) in scores.iter_mut().zip(&self.leaf_values[leaf..leaf + self.leaf_width]) {
                            *s = s.add(v);
                        }
                    }
                }
            }
            start = end;
        }
        Ok(out)
    }

    /// Calls `visit(row, tree, values)` with the leaf values (`leaf_width` of them)
    /// each tree gives each row of `data` (row-major, `stride` values a row), in
    /// the same blocked order as [`Forest::predict`]: for aggregations other than
    /// a sum (ONNX's MIN, MAX). Returns the number of rows.
    pub fn visit_leaves(
        &self,
        data: &[f64],
        stride: usize,
        mut visit: impl FnMut(usize, &crate::TreeInfo, &[f64]),
    ) -> Result<usize, PredictError> {
        let shape_error = PredictError::Shape { values: data.len(), stride, n_features: self.n_features };
        if stride < self.n_features || !data.len().is_multiple_of(stride.max(1)) {
            return Err(shape_error);
        }
        let n_rows = match data.len().checked_div(stride) {
            Some(n) => n,
            None if data.is_empty() => 0,
            None => return Err(shape_error),
        };
        let mut start = 0;
        while start < n_rows {
            let end = (start + BLOCK_ROWS).min(n_rows);
            for tree in &self.trees {
                for r in start..end {
                    let row = &data[r * stride..(r + 1) * stride];
                    let leaf = self.leaf_of(tree.root as usize, row);
                    let n = &self.nodes[leaf];
                    if n.kind == KIND_LINEAR_LEAF {
                        visit(r, tree, &[self.leaf_value(leaf, row)]);
                    } else {
                        let at = n.left as usize;
                        visit(r, tree, &self.leaf_values[at..at + self.leaf_width]);
                    }
                }
            }
            start = end;
        }
        Ok(n_rows)
    }

    /// The value of leaf node `leaf` for `row` (scalar leaves).
    #[inline]
    fn leaf_value(&self, leaf: usize, row: &[f64]) -> f64 {
        let n = &self.nodes[leaf];
        let value = self.leaf_values[n.left as usize];
        if n.kind != KIND_LINEAR_LEAF {
            return value;
        }
        // LightGBM's Tree::Predict for linear trees: a NaN feature falls back to the constant leaf.
        let (constant, start, end) = self.linear_leaves[n.right as usize];
        let mut out = constant;
        for &(feature, coefficient) in &self.linear_terms[start as usize..end as usize] {
            let x = row[feature as usize];
            if x.is_nan() {
                return value;
            }
            out += coefficient * x;
        }
        out
    }

    /// The index of the leaf node `row` reaches from `root`. Children always
    /// follow their parent (checked at build), so the walk ends.
    #[inline]
    fn leaf_of(&self, root: usize, row: &[f64]) -> usize {
        let mut i = root;
        loop {
            let n = &self.nodes[i];
            if n.kind == KIND_LEAF || n.kind == KIND_LINEAR_LEAF {
                return i;
            }
            let x = row[n.feature as usize];
            let left = match n.kind {
                KIND_LT_NAN_DEFAULT => {
                    if x.is_nan() {
                        n.default_left
                    } else {
                        x < n.threshold
                    }
                }
                KIND_LE_NAN_DEFAULT => {
                    if x.is_nan() {
                        n.default_left
                    } else {
                        x <= n.threshold
                    }
                }
                KIND_EQ_NAN_DEFAULT => {
                    if x.is_nan() {
                        n.default_left
                    } else {
                        x == n.threshold
                    }
                }
                KIND_LE_NAN_ZERO => (if x.is_nan() { 0.0 } else { x }) <= n.threshold,
                KIND_LE_ZERO_DEFAULT => {
                    let x = if x.is_nan() { 0.0 } else { x };
                    if (-ZERO_THRESHOLD..=ZERO_THRESHOLD).contains(&x) { n.default_left } else { x <= n.threshold }
                }
                KIND_CATEGORICAL => self.category_goes_left(n, x),
                _ => false,
            };
            i = if left { n.left } else { n.right } as usize;
        }
    }

    fn category_goes_left(&self, n: &Node, x: f64) -> bool {
        if x.is_nan() {
            return n.default_left;
        }
        if x < 0.0 {
            return false;
        }
        let category = x as u64; // truncates; saturates for huge values
        let bits = self.bitset(n);
        match bits.get((category / 32) as usize) {
            Some(word) => (word >> (category % 32)) & 1 == 1,
            None => false,
        }
    }
}
