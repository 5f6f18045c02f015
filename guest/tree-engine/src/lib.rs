//! A tree-ensemble engine shared by wasmflow's tree flavors (XGBoost, LightGBM) and,
//! later, ONNX `TreeEnsemble*` and boosters inside scikit-learn models.
//!
//! A [`Forest`] is built once from loader-neutral [`RawTree`]s: every node index is
//! checked, each tree is proven to be a tree (no cycle, no shared node) with an
//! explicit stack (never recursion on untrusted depth), and the nodes are laid out
//! again in depth-first order so that every child sits after its parent. Evaluation
//! ([`Forest::predict`]) then walks rows in blocks with the trees in the outer loop,
//! as onnxruntime's tree aggregator and XGBoost's CPU predictor do, and adds leaf
//! values in the precision of the library that trained the model
//! ([`Accumulate`]: `f32` for XGBoost, `f64` for LightGBM).
//!
//! Nothing here panics on a model or an input: bad models fail in [`Forest::new`]
//! with a [`BuildError`], and an input of the wrong width is a [`PredictError`].

mod build;
mod eval;

pub use build::{BuildError, Limits, RawNode, RawSplit, RawTree, SplitRule};
pub use eval::{Accumulate, PredictError};

/// One node of the compact array. A split sends a row to `left` or `right` (indices
/// into [`Forest::nodes`], always greater than the node's own index); a leaf's
/// `left` is the offset of its values in [`Forest::leaf_values`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Split threshold (numeric splits) or bitset index (categorical splits).
    pub threshold: f64,
    /// Feature index (splits).
    pub feature: u32,
    /// Left child, or the leaf-value offset of a leaf.
    pub left: u32,
    /// Right child.
    pub right: u32,
    /// What kind of node this is and how it treats missing values: one of the `KIND_*`.
    pub kind: u8,
    /// Whether a missing value goes left.
    pub default_left: bool,
}

/// A leaf.
pub const KIND_LEAF: u8 = 0;
/// `x < threshold` goes left; NaN follows the default direction (XGBoost).
pub const KIND_LT_NAN_DEFAULT: u8 = 1;
/// `x <= threshold` goes left; NaN follows the default direction (LightGBM `missing_type` NaN).
pub const KIND_LE_NAN_DEFAULT: u8 = 2;
/// `x <= threshold` goes left; NaN counts as 0 (LightGBM `missing_type` None).
pub const KIND_LE_NAN_ZERO: u8 = 3;
/// NaN counts as 0, and 0 (|x| ≤ 1e-35) follows the default direction; otherwise `x <= threshold`
/// (LightGBM `missing_type` Zero).
pub const KIND_LE_ZERO_DEFAULT: u8 = 4;
/// A leaf whose value is a linear model of the row (LightGBM `linear_tree`): `left` is
/// the offset of its constant-leaf value (used when a term's feature is NaN),
/// `right` the index of its linear model.
pub const KIND_LINEAR_LEAF: u8 = 6;
/// `x == threshold` goes left; NaN follows the default direction (ONNX `BRANCH_EQ`).
pub const KIND_EQ_NAN_DEFAULT: u8 = 7;
/// Categorical: the integer part of `x` in the node's bitset goes left, any other
/// category (negative, past the bitset) right, NaN the default direction.
pub const KIND_CATEGORICAL: u8 = 5;

/// One tree of a forest: where its root is and which output it adds to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeInfo {
    /// Index of the root in [`Forest::nodes`].
    pub root: u32,
    /// Output column its leaves add to (scalar leaves), or 0 for vector leaves.
    pub target: u32,
}

/// A validated ensemble of trees over `n_features` inputs with `n_outputs` outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    nodes: Vec<Node>,
    trees: Vec<TreeInfo>,
    leaf_values: Vec<f64>,
    /// Categorical bitsets, 32 categories a word, least significant bit first.
    bitsets: Vec<u32>,
    /// `[start, end)` word ranges of each bitset in `bitsets`.
    bitset_ranges: Vec<(u32, u32)>,
    /// Linear leaves: constant and `[start, end)` range of their terms in `linear_terms`.
    linear_leaves: Vec<(f64, u32, u32)>,
    /// `(feature, coefficient)` terms of the linear leaves.
    linear_terms: Vec<(u32, f64)>,
    n_features: usize,
    n_outputs: usize,
    /// Values per leaf: 1 (the leaf adds to its tree's target) or `n_outputs`.
    leaf_width: usize,
    /// The split rule shared by every node, if there is one (set by [`Forest::new`]).
    rule: eval::Uniform,
}

impl Forest {
    /// The nodes of every tree, depth-first per tree.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The trees, in the order their leaf values are added.
    pub fn trees(&self) -> &[TreeInfo] {
        &self.trees
    }

    /// Leaf values (`leaf_width` per leaf).
    pub fn leaf_values(&self) -> &[f64] {
        &self.leaf_values
    }

    /// Number of input features a row must have.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of outputs per row.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// A forest of the first `n` trees (iteration ranges, best iterations).
    pub fn truncated(&self, n: usize) -> Forest {
        let mut forest = self.clone();
        forest.trees.truncate(n);
        forest
    }

    /// A forest of trees `range` (XGBoost's `iteration_range` after mapping
    /// iterations to trees). An empty or out-of-range range keeps what exists.
    pub fn slice(&self, start: usize, end: usize) -> Forest {
        let end = end.min(self.trees.len());
        let start = start.min(end);
        let mut forest = self.clone();
        forest.trees = self.trees[start..end].to_vec();
        forest
    }
}

#[cfg(test)]
mod tests;
