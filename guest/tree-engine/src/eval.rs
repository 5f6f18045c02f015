//! Blocked evaluation: rows in blocks of [`BLOCK_ROWS`], trees in the outer loop
//! (each tree's nodes stay in cache for the whole block), [`LANES`] rows walking a
//! tree in step, leaf values added in the training library's precision.

use std::fmt;

use crate::{
    Forest, KIND_CATEGORICAL, KIND_EQ_NAN_DEFAULT, KIND_LE_NAN_DEFAULT, KIND_LE_NAN_ZERO, KIND_LE_ZERO_DEFAULT,
    KIND_LEAF, KIND_LINEAR_LEAF, KIND_LT_NAN_DEFAULT, Node,
};

/// Rows evaluated together against one tree before moving to the next tree
/// (XGBoost's CPU predictor uses 64 as well).
pub const BLOCK_ROWS: usize = 64;

/// Rows of a block that walk a tree in step ([`Forest::predict`]); 8 measured
/// faster than 4 and than one at a time natively (bench/results/*-trees.md).
const LANES: usize = 8;

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
        // One rule for every split (the common case: XGBoost's numeric splits,
        // LightGBM's with one missing type) is walked without a per-node dispatch.
        match self.rule {
            Uniform::Lt => self.sum_leaves::<A, Lt>(data, stride, n_rows, &mut out),
            Uniform::Le => self.sum_leaves::<A, Le>(data, stride, n_rows, &mut out),
            Uniform::Mixed => self.sum_leaves::<A, Mixed>(data, stride, n_rows, &mut out),
        }
        Ok(out)
    }

    /// Adds every tree's leaf to `out` (`n_outputs` scores a row), block by block.
    fn sum_leaves<A: Accumulate, R: Rule>(&self, data: &[f64], stride: usize, n_rows: usize, out: &mut [A]) {
        let n_out = self.n_outputs;
        let Some(any) = self.nodes.first() else { return };
        let mut leaves = [any; BLOCK_ROWS];
        let mut start = 0;
        while start < n_rows {
            let end = (start + BLOCK_ROWS).min(n_rows);
            if end - start < LANES {
                // Too few rows to walk a tree in step (one-row requests): walk
                // trees in step instead, row by row.
                for r in start..end {
                    let row = &data[r * stride..(r + 1) * stride];
                    self.sum_row::<A, R>(row, &mut out[r * n_out..(r + 1) * n_out]);
                }
                start = end;
                continue;
            }
            for tree in &self.trees {
                self.walk_block::<R>(tree.root as usize, data, stride, start, end, &mut leaves);
                for (r, &leaf) in (start..end).zip(&leaves) {
                    let row = &data[r * stride..(r + 1) * stride];
                    self.add_leaf::<A, R>(tree, leaf, row, &mut out[r * n_out..(r + 1) * n_out]);
                }
            }
            start = end;
        }
    }

    /// Adds every tree's leaf for one `row` to its `scores`, in tree order.
    /// [`LANES`] trees are walked in step, so that their chains of dependent
    /// loads overlap (as the rows of a block do in [`Self::walk_block`]): at one
    /// row, a walk is otherwise one cache miss after another.
    fn sum_row<A: Accumulate, R: Rule>(&self, row: &[f64], scores: &mut [A]) {
        for chunk in self.trees.chunks(LANES) {
            let Some(first) = chunk.first() else { continue };
            let mut lanes = [&self.nodes[first.root as usize]; LANES];
            for (lane, tree) in lanes.iter_mut().zip(chunk) {
                *lane = &self.nodes[tree.root as usize];
            }
            let lanes = &mut lanes[..chunk.len()];
            let mut moved = true;
            while moved {
                moved = false;
                for n in lanes.iter_mut() {
                    if !R::is_leaf(n) {
                        let left = R::goes_left(self, n, row[n.feature as usize]);
                        *n = &self.nodes[if left { n.left } else { n.right } as usize];
                        moved = true;
                    }
                }
            }
            for (tree, &leaf) in chunk.iter().zip(lanes.iter()) {
                self.add_leaf::<A, R>(tree, leaf, row, scores);
            }
        }
    }

    /// Adds the value(s) of `leaf`, which `tree` gave `row`, to the row's `scores`.
    #[inline(always)]
    fn add_leaf<A: Accumulate, R: Rule>(&self, tree: &crate::TreeInfo, leaf: &Node, row: &[f64], scores: &mut [A]) {
        if self.leaf_width == 1 {
            let t = tree.target as usize;
            let value = if R::LINEAR { self.leaf_value(leaf, row) } else { self.leaf_values[leaf.left as usize] };
            scores[t] = scores[t].add(value);
        } else {
            let at = leaf.left as usize;
            for (s, &v) in scores.iter_mut().zip(&self.leaf_values[at..at + self.leaf_width]) {
                *s = s.add(v);
            }
        }
    }

    /// Writes to `leaves[..end - start]` the leaves rows `start..end` (at most
    /// [`BLOCK_ROWS`]) reach in the tree at `root`. [`LANES`] rows walk the tree in
    /// step: one row's walk is a chain of dependent loads (node, feature, next
    /// node), and the lanes' chains overlap.
    #[inline(always)]
    fn walk_block<'a, R: Rule>(
        &'a self,
        root: usize,
        data: &[f64],
        stride: usize,
        start: usize,
        end: usize,
        leaves: &mut [&'a Node; BLOCK_ROWS],
    ) {
        let root = &self.nodes[root];
        let mut r = start;
        while r + LANES <= end {
            let mut lanes = [root; LANES];
            let mut moved = true;
            while moved {
                moved = false;
                for (k, n) in lanes.iter_mut().enumerate() {
                    if !R::is_leaf(n) {
                        let left = R::goes_left(self, n, data[(r + k) * stride + n.feature as usize]);
                        *n = &self.nodes[if left { n.left } else { n.right } as usize];
                        moved = true;
                    }
                }
            }
            leaves[r - start..r - start + LANES].copy_from_slice(&lanes);
            r += LANES;
        }
        for r in r..end {
            leaves[r - start] = self.leaf_by::<R>(root, &data[r * stride..(r + 1) * stride]);
        }
    }

    /// The leaf `row` reaches from `root`, deciding each split with `R`. Children
    /// always follow their parent (checked at build), so the walk ends.
    #[inline(always)]
    fn leaf_by<'a, R: Rule>(&'a self, root: &'a Node, row: &[f64]) -> &'a Node {
        let mut n = root;
        while !R::is_leaf(n) {
            let left = R::goes_left(self, n, row[n.feature as usize]);
            n = &self.nodes[if left { n.left } else { n.right } as usize];
        }
        n
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
                    let n = self.leaf_by::<Mixed>(&self.nodes[tree.root as usize], row);
                    if n.kind == KIND_LINEAR_LEAF {
                        visit(r, tree, &[self.leaf_value(n, row)]);
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

    /// The value of leaf node `n` for `row` (scalar leaves).
    #[inline]
    fn leaf_value(&self, n: &Node, row: &[f64]) -> f64 {
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

    /// Whether `n` (a split of any kind) sends `x` left.
    #[inline]
    fn goes_left(&self, n: &Node, x: f64) -> bool {
        match n.kind {
            KIND_LT_NAN_DEFAULT => Lt::goes_left(self, n, x),
            KIND_LE_NAN_DEFAULT => Le::goes_left(self, n, x),
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

/// The split rule every split of a forest uses, found at build: one rule is
/// walked by a loop of its own, with no dispatch on the node's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Uniform {
    /// Every split is `KIND_LT_NAN_DEFAULT` and every leaf a constant.
    Lt,
    /// Every split is `KIND_LE_NAN_DEFAULT` and every leaf a constant.
    Le,
    /// Anything else.
    Mixed,
}

impl Uniform {
    /// The rule of `nodes`.
    pub(crate) fn of(nodes: &[Node]) -> Uniform {
        let mut kinds = nodes.iter().map(|n| n.kind).filter(|&k| k != KIND_LEAF);
        match kinds.next() {
            Some(KIND_LT_NAN_DEFAULT) if kinds.all(|k| k == KIND_LT_NAN_DEFAULT) => Uniform::Lt,
            Some(KIND_LE_NAN_DEFAULT) if kinds.all(|k| k == KIND_LE_NAN_DEFAULT) => Uniform::Le,
            _ => Uniform::Mixed,
        }
    }
}

/// How a walk decides: which nodes are leaves, and where a split sends `x`.
trait Rule {
    /// Whether leaves may be linear (their value depends on the row).
    const LINEAR: bool;
    fn is_leaf(n: &Node) -> bool;
    fn goes_left(forest: &Forest, n: &Node, x: f64) -> bool;
}

/// A numeric split with NaN the default way: `x < threshold` goes left
/// (XGBoost) or, with `LE`, `x <= threshold` (LightGBM's NaN missing type).
/// Written without a branch on NaN: a NaN compares false, so only
/// `default_left` can send it left.
struct Cmp<const LE: bool>;
type Lt = Cmp<false>;
type Le = Cmp<true>;

impl<const LE: bool> Rule for Cmp<LE> {
    const LINEAR: bool = false;
    #[inline(always)]
    fn is_leaf(n: &Node) -> bool {
        n.kind == KIND_LEAF
    }
    #[inline(always)]
    fn goes_left(_: &Forest, n: &Node, x: f64) -> bool {
        let below = if LE { x <= n.threshold } else { x < n.threshold };
        below | (x.is_nan() & n.default_left)
    }
}

/// Any node kind, dispatched node by node.
struct Mixed;

impl Rule for Mixed {
    const LINEAR: bool = true;
    #[inline(always)]
    fn is_leaf(n: &Node) -> bool {
        n.kind == KIND_LEAF || n.kind == KIND_LINEAR_LEAF
    }
    #[inline(always)]
    fn goes_left(forest: &Forest, n: &Node, x: f64) -> bool {
        forest.goes_left(n, x)
    }
}
