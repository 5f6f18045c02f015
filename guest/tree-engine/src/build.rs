//! Building a [`Forest`] from loader-neutral trees: limits, index checks, a proof
//! that each tree is a tree (explicit stack, no recursion), and the depth-first
//! re-layout that puts every child after its parent.

use std::fmt;

use crate::{
    Forest, KIND_CATEGORICAL, KIND_EQ_NAN_DEFAULT, KIND_LE_NAN_DEFAULT, KIND_LE_NAN_ZERO, KIND_LE_ZERO_DEFAULT,
    KIND_LEAF, KIND_LINEAR_LEAF, KIND_LT_NAN_DEFAULT, Node, TreeInfo,
};

/// How a split decides, as the library that wrote the model decides.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitRule {
    /// XGBoost: `x < threshold` goes left, NaN the default way.
    LtNanDefault,
    /// LightGBM `missing_type` NaN: `x <= threshold` goes left, NaN the default way.
    LeNanDefault,
    /// LightGBM `missing_type` None: NaN counts as 0, `x <= threshold` goes left.
    LeNanZero,
    /// LightGBM `missing_type` Zero: NaN counts as 0 and 0 goes the default way.
    LeZeroDefault,
    /// ONNX `BRANCH_EQ`: `x == threshold` goes left, NaN the default way.
    EqNanDefault,
    /// Categories whose bit is set (32 a word, least significant bit first) go left;
    /// other categories right; NaN the default way.
    Categorical(Vec<u32>),
}

/// A split node as a loader reads it; `left`/`right` index the tree's node list.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSplit {
    pub feature: u32,
    pub threshold: f64,
    pub left: u32,
    pub right: u32,
    pub default_left: bool,
    pub rule: SplitRule,
}

/// A node as a loader reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawNode {
    /// A split.
    Split(RawSplit),
    /// A leaf with its value(s): one, or one per output.
    Leaf(Vec<f64>),
    /// A leaf worth `constant + Σ coefficient·x[feature]` (summed in term order),
    /// or `value` when one of its features is NaN (LightGBM's linear trees).
    Linear { value: f64, constant: f64, terms: Vec<(u32, f64)> },
}

/// A tree as a loader reads it: the root is `nodes[0]`; a scalar-leaf tree adds to
/// output `target`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTree {
    pub nodes: Vec<RawNode>,
    pub target: u32,
}

/// Sizes past which a model is refused as absurd (or hostile).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_trees: usize,
    pub max_nodes: usize,
    pub max_features: usize,
    pub max_outputs: usize,
    pub max_bitset_words: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_trees: 1 << 20,
            max_nodes: 1 << 25,
            max_features: 1 << 24,
            max_outputs: 1 << 16,
            max_bitset_words: 1 << 22,
        }
    }
}

/// Why a forest was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildError {
    /// A size past [`Limits`] (or zero where something is needed).
    Size(String),
    /// A child index outside its tree.
    ChildOutOfRange { tree: usize, node: usize, child: u32, len: usize },
    /// A node reached twice from the root: a cycle or a shared node.
    NotATree { tree: usize, node: usize },
    /// A split on a feature the model does not have.
    Feature { tree: usize, node: usize, feature: u32, n_features: usize },
    /// A leaf with the wrong number of values, or a tree with a bad target.
    Leaf(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Size(m) | BuildError::Leaf(m) => f.write_str(m),
            BuildError::ChildOutOfRange { tree, node, child, len } => {
                write!(f, "tree {tree}: node {node} has child {child}, but the tree has {len} nodes")
            }
            BuildError::NotATree { tree, node } => {
                write!(f, "tree {tree}: node {node} is reached twice (the nodes do not form a tree)")
            }
            BuildError::Feature { tree, node, feature, n_features } => {
                write!(f, "tree {tree}: node {node} splits on feature {feature}, but the model has {n_features}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

impl Forest {
    /// Checks and lays out `trees` over `n_features` inputs and `n_outputs` outputs;
    /// each leaf holds `leaf_width` values (1, or `n_outputs` for vector leaves).
    pub fn new(
        trees: Vec<RawTree>,
        n_features: usize,
        n_outputs: usize,
        leaf_width: usize,
        limits: &Limits,
    ) -> Result<Forest, BuildError> {
        let size = |m: String| Err(BuildError::Size(m));
        if trees.len() > limits.max_trees {
            return size(format!("{} trees is more than the {} allowed", trees.len(), limits.max_trees));
        }
        let total: usize = trees.iter().map(|t| t.nodes.len()).sum();
        if total > limits.max_nodes {
            return size(format!("{total} nodes is more than the {} allowed", limits.max_nodes));
        }
        if n_features > limits.max_features {
            return size(format!("{n_features} features is more than the {} allowed", limits.max_features));
        }
        if n_outputs == 0 || n_outputs > limits.max_outputs {
            return size(format!("{n_outputs} outputs is not between 1 and {}", limits.max_outputs));
        }
        if leaf_width != 1 && leaf_width != n_outputs {
            return Err(BuildError::Leaf(format!("leaves of {leaf_width} values for {n_outputs} outputs")));
        }
        let mut forest = Forest {
            nodes: Vec::with_capacity(total),
            trees: Vec::with_capacity(trees.len()),
            leaf_values: Vec::new(),
            bitsets: Vec::new(),
            bitset_ranges: Vec::new(),
            linear_leaves: Vec::new(),
            linear_terms: Vec::new(),
            n_features,
            n_outputs,
            leaf_width,
            rule: crate::eval::Uniform::Mixed,
        };
        for (t, tree) in trees.into_iter().enumerate() {
            forest.add_tree(t, tree, limits)?;
        }
        forest.rule = crate::eval::Uniform::of(&forest.nodes);
        Ok(forest)
    }

    fn add_tree(&mut self, t: usize, tree: RawTree, limits: &Limits) -> Result<(), BuildError> {
        let len = tree.nodes.len();
        if len == 0 {
            return Err(BuildError::Size(format!("tree {t} has no nodes")));
        }
        if self.leaf_width == 1 && tree.target as usize >= self.n_outputs {
            return Err(BuildError::Leaf(format!(
                "tree {t} adds to output {}, but the model has {}",
                tree.target, self.n_outputs
            )));
        }
        // Depth-first order from the root, with an explicit stack; a node reached
        // twice means a cycle or a shared node.
        let mut seen = vec![false; len];
        let mut order = Vec::with_capacity(len);
        let mut stack = vec![0u32];
        while let Some(i) = stack.pop() {
            let i = i as usize;
            if std::mem::replace(&mut seen[i], true) {
                return Err(BuildError::NotATree { tree: t, node: i });
            }
            order.push(i);
            if let RawNode::Split(s) = &tree.nodes[i] {
                for child in [s.right, s.left] {
                    if child as usize >= len {
                        return Err(BuildError::ChildOutOfRange { tree: t, node: i, child, len });
                    }
                    stack.push(child);
                }
                if s.feature as usize >= self.n_features {
                    return Err(BuildError::Feature {
                        tree: t,
                        node: i,
                        feature: s.feature,
                        n_features: self.n_features,
                    });
                }
            }
        }
        let base = self.nodes.len();
        let mut new_index = vec![0u32; len];
        for (k, &old) in order.iter().enumerate() {
            new_index[old] = u32::try_from(base + k).map_err(|_| BuildError::Size("too many nodes".into()))?;
        }
        let mut nodes = tree.nodes;
        for &old in &order {
            let node = match std::mem::replace(&mut nodes[old], RawNode::Leaf(Vec::new())) {
                RawNode::Linear { value, constant, terms } => {
                    if self.leaf_width != 1 {
                        return Err(BuildError::Leaf(format!("tree {t}: linear leaf {old} in a vector-leaf forest")));
                    }
                    if let Some(&(feature, _)) = terms.iter().find(|(f, _)| *f as usize >= self.n_features) {
                        return Err(BuildError::Feature { tree: t, node: old, feature, n_features: self.n_features });
                    }
                    if self.linear_terms.len() + terms.len() > limits.max_nodes {
                        return Err(BuildError::Size(format!("more than {} linear terms", limits.max_nodes)));
                    }
                    let offset = self.leaf_values.len() as u32;
                    self.leaf_values.push(value);
                    let start = self.linear_terms.len() as u32;
                    self.linear_terms.extend_from_slice(&terms);
                    self.linear_leaves.push((constant, start, self.linear_terms.len() as u32));
                    let model = (self.linear_leaves.len() - 1) as u32;
                    Node {
                        threshold: 0.0,
                        feature: 0,
                        left: offset,
                        right: model,
                        kind: KIND_LINEAR_LEAF,
                        default_left: false,
                    }
                }
                RawNode::Leaf(values) => {
                    if values.len() != self.leaf_width {
                        return Err(BuildError::Leaf(format!(
                            "tree {t}: leaf {old} has {} values, expected {}",
                            values.len(),
                            self.leaf_width
                        )));
                    }
                    let offset = u32::try_from(self.leaf_values.len())
                        .map_err(|_| BuildError::Size("too many leaf values".into()))?;
                    self.leaf_values.extend_from_slice(&values);
                    Node { threshold: 0.0, feature: 0, left: offset, right: 0, kind: KIND_LEAF, default_left: false }
                }
                RawNode::Split(s) => {
                    let (kind, threshold) = match s.rule {
                        SplitRule::LtNanDefault => (KIND_LT_NAN_DEFAULT, s.threshold),
                        SplitRule::LeNanDefault => (KIND_LE_NAN_DEFAULT, s.threshold),
                        SplitRule::LeNanZero => (KIND_LE_NAN_ZERO, s.threshold),
                        SplitRule::LeZeroDefault => (KIND_LE_ZERO_DEFAULT, s.threshold),
                        SplitRule::EqNanDefault => (KIND_EQ_NAN_DEFAULT, s.threshold),
                        SplitRule::Categorical(bits) => {
                            let start = self.bitsets.len();
                            if start + bits.len() > limits.max_bitset_words {
                                return Err(BuildError::Size(format!(
                                    "categorical splits need more than {} bitset words",
                                    limits.max_bitset_words
                                )));
                            }
                            self.bitsets.extend_from_slice(&bits);
                            self.bitset_ranges.push((start as u32, self.bitsets.len() as u32));
                            (KIND_CATEGORICAL, (self.bitset_ranges.len() - 1) as f64)
                        }
                    };
                    Node {
                        threshold,
                        feature: s.feature,
                        left: new_index[s.left as usize],
                        right: new_index[s.right as usize],
                        kind,
                        default_left: s.default_left,
                    }
                }
            };
            self.nodes.push(node);
        }
        self.trees.push(TreeInfo { root: base as u32, target: tree.target });
        Ok(())
    }

    /// The categorical bitset of a `KIND_CATEGORICAL` node.
    pub(crate) fn bitset(&self, node: &Node) -> &[u32] {
        let (s, e) = self.bitset_ranges.get(node.threshold as usize).copied().unwrap_or((0, 0));
        self.bitsets.get(s as usize..e as usize).unwrap_or(&[])
    }
}
