//! `TreeEnsembleClassifier` and `TreeEnsembleRegressor` (ai.onnx.ml opsets 1
//! and 3) on wasmflow's tree engine instead of tract's op: the node attributes
//! become a validated [`Forest`] (every comparison mode, NaN tracking), rows are
//! scored in blocks with the trees outer, and [`super::tree_finalize`] turns the
//! scores into onnxruntime's outputs.

use std::collections::{BTreeMap, HashMap};

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use wasmflow_tree_engine::{Forest, Limits, RawNode, RawSplit, RawTree, SplitRule};

use super::labels::Labels;
use super::op::{ClassifierKernel, Kernel, MlOp, matrix, row_fact, row_output, tensor};
use super::transform::Post;
use super::tree_finalize::{Aggregate, ClassifierShape, Scratch, Winner, classification, regression};

/// A split as the ONNX attributes give it (`mode` one of the `BRANCH_*`).
pub struct OnnxSplit {
    pub mode: Mode,
    pub feature: u32,
    pub threshold: f64,
    pub true_child: u32,
    pub false_child: u32,
    pub missing_tracks_true: bool,
}

/// The comparison of a branch node; `true` sends a row to the true child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
}

impl Mode {
    fn parse(s: &str) -> TractResult<Option<Mode>> {
        Ok(Some(match s {
            "BRANCH_LEQ" => Mode::Leq,
            "BRANCH_LT" => Mode::Lt,
            "BRANCH_GTE" => Mode::Gte,
            "BRANCH_GT" => Mode::Gt,
            "BRANCH_EQ" => Mode::Eq,
            "BRANCH_NEQ" => Mode::Neq,
            "LEAF" => return Ok(None),
            other => bail!("unknown node mode {other:?}"),
        }))
    }
}

/// The engine's split for an ONNX one: `>=`, `>` and `!=` are the negations of
/// `<`, `<=` and `==` with the children swapped; NaN goes to the true child when
/// the node tracks missing values as true (always for `!=`, where NaN ≠ t).
pub fn engine_split(s: &OnnxSplit) -> RawSplit {
    let (rule, negated) = match s.mode {
        Mode::Leq => (SplitRule::LeNanDefault, false),
        Mode::Lt => (SplitRule::LtNanDefault, false),
        Mode::Gte => (SplitRule::LtNanDefault, true),
        Mode::Gt => (SplitRule::LeNanDefault, true),
        Mode::Eq => (SplitRule::EqNanDefault, false),
        Mode::Neq => (SplitRule::EqNanDefault, true),
    };
    let nan_true = s.missing_tracks_true || s.mode == Mode::Neq;
    let (left, right) = if negated { (s.false_child, s.true_child) } else { (s.true_child, s.false_child) };
    RawSplit { feature: s.feature, threshold: s.threshold, left, right, default_left: nan_true != negated, rule }
}

/// The evaluator shared by both operators.
#[derive(Debug)]
pub struct Ensemble {
    pub forest: Forest,
    pub aggregate: Aggregate,
    pub base: Vec<f32>,
    pub post: Post,
    /// Outputs some leaf weighs.
    pub has: Vec<bool>,
}

impl Ensemble {
    /// Aggregated scores `[rows, n_outputs]` (before base values and transforms).
    pub fn scores(&self, x: &Tensor) -> TractResult<(usize, Vec<f32>)> {
        let (rows, cols, data) = matrix::<f64>(x)?;
        let n = self.forest.n_outputs();
        ensure!(
            cols >= self.forest.n_features(),
            "rows of {cols} features for a model reading {}",
            self.forest.n_features()
        );
        match self.aggregate {
            Aggregate::Sum | Aggregate::Average => {
                let zero = vec![0f32; n];
                let s = self.forest.predict::<f32>(&data, cols.max(1), &zero).map_err(|e| format_err!("{e}"))?;
                Ok((rows, s))
            }
            Aggregate::Min | Aggregate::Max => {
                let mut s = vec![f32::NAN; rows * n];
                let min = self.aggregate == Aggregate::Min;
                self.forest
                    .visit_leaves(&data, cols.max(1), |r, _, leaf| {
                        for (j, &v) in leaf.iter().enumerate() {
                            let cur = &mut s[r * n + j];
                            let v = v as f32;
                            if !v.is_nan() && (cur.is_nan() || (min && v < *cur) || (!min && v > *cur)) {
                                *cur = v;
                            }
                        }
                    })
                    .map_err(|e| format_err!("{e}"))?;
                Ok((rows, s))
            }
        }
    }
}

impl Ensemble {
    /// Regression outputs `[rows, n_targets]` (aggregated, based, transformed).
    pub fn regress(&self, x: &Tensor) -> TractResult<TValue> {
        let n = self.forest.n_outputs();
        let (rows, mut scores) = self.scores(x)?;
        let n_trees = self.forest.trees().len();
        for row in scores.chunks_mut(n) {
            // Min/max leave NaN where no tree gave the target a value.
            let has: Vec<bool> = row.iter().zip(&self.has).map(|(v, &h)| h && !v.is_nan()).collect();
            row.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
            regression(row, &has, self.aggregate, n_trees, &self.base, self.post);
        }
        tensor(&[rows, n], scores)
    }
}

/// Raw attributes of a tree ensemble, whichever operator holds them.
struct Attrs {
    tree_ids: Vec<i64>,
    node_ids: Vec<i64>,
    features: Vec<i64>,
    modes: Vec<String>,
    values: Vec<f64>,
    true_ids: Vec<i64>,
    false_ids: Vec<i64>,
    tracks_true: Vec<i64>,
    leaf_tree: Vec<i64>,
    leaf_node: Vec<i64>,
    leaf_out: Vec<i64>,
    leaf_weight: Vec<f64>,
}

fn floats(ctx: &ParsingContext, node: &NodeProto, name: &str) -> TractResult<Option<Vec<f64>>> {
    if let Some(t) = node.get_attr_opt::<&tract_onnx::pb::TensorProto>(&format!("{name}_as_tensor"))? {
        let t = ctx.load_tensor(t)?;
        return Ok(Some(super::op::values::<f64>(&t)?));
    }
    Ok(node.get_attr_opt_vec::<f32>(name)?.map(|v| v.into_iter().map(f64::from).collect()))
}

fn read_attrs(ctx: &ParsingContext, node: &NodeProto, leaf: &str) -> TractResult<Attrs> {
    let ints = |name: &str| -> TractResult<Vec<i64>> { Ok(node.get_attr_opt_vec(name)?.unwrap_or_default()) };
    let a = Attrs {
        tree_ids: ints("nodes_treeids")?,
        node_ids: ints("nodes_nodeids")?,
        features: ints("nodes_featureids")?,
        modes: node.get_attr_opt_vec("nodes_modes")?.unwrap_or_default(),
        values: floats(ctx, node, "nodes_values")?.unwrap_or_default(),
        true_ids: ints("nodes_truenodeids")?,
        false_ids: ints("nodes_falsenodeids")?,
        tracks_true: ints("nodes_missing_value_tracks_true")?,
        leaf_tree: ints(&format!("{leaf}_treeids"))?,
        leaf_node: ints(&format!("{leaf}_nodeids"))?,
        leaf_out: ints(&format!("{leaf}_ids"))?,
        leaf_weight: floats(ctx, node, &format!("{leaf}_weights"))?.unwrap_or_default(),
    };
    let n = a.node_ids.len();
    ensure!(n > 0, "no nodes");
    for (name, len) in [
        ("nodes_treeids", a.tree_ids.len()),
        ("nodes_featureids", a.features.len()),
        ("nodes_modes", a.modes.len()),
        ("nodes_values", a.values.len()),
        ("nodes_truenodeids", a.true_ids.len()),
        ("nodes_falsenodeids", a.false_ids.len()),
    ] {
        ensure!(len == n, "{name} has {len} values for {n} nodes");
    }
    ensure!(
        a.tracks_true.is_empty() || a.tracks_true.len() == n,
        "nodes_missing_value_tracks_true has the wrong length"
    );
    let m = a.leaf_weight.len();
    ensure!(
        a.leaf_tree.len() == m && a.leaf_node.len() == m && a.leaf_out.len() == m,
        "{leaf} attributes differ in length"
    );
    Ok(a)
}

fn index(v: i64, what: &str) -> TractResult<u32> {
    u32::try_from(v).map_err(|_| format_err!("{what} {v} is out of range"))
}

/// Most leaf values (leaves × outputs) a model may ask for.
const MAX_LEAF_VALUES: usize = 1 << 26;

/// Refuses absurd sizes before anything is allocated for them: `nodes` nodes
/// (each possibly a leaf of `n_outputs` values).
pub fn check_size(nodes: usize, n_outputs: usize) -> TractResult<()> {
    let limits = Limits::default();
    ensure!(n_outputs <= limits.max_outputs, "{n_outputs} outputs is more than the {} allowed", limits.max_outputs);
    ensure!(nodes <= limits.max_nodes, "{nodes} nodes is more than the {} allowed", limits.max_nodes);
    ensure!(
        nodes.saturating_mul(n_outputs) <= MAX_LEAF_VALUES,
        "{nodes} nodes of {n_outputs} outputs is more than the {MAX_LEAF_VALUES} leaf values allowed"
    );
    Ok(())
}

/// Builds the forest: trees in order of their ids, each tree's nodes indexed by
/// position with the root (node id 0, else the tree's first node) first.
fn build_forest(a: &Attrs, n_outputs: usize, fill: f64) -> TractResult<(Forest, Vec<bool>)> {
    check_size(a.modes.len(), n_outputs)?;
    let mut trees: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, &t) in a.tree_ids.iter().enumerate() {
        trees.entry(t).or_default().push(i);
    }
    let mut weights: HashMap<(i64, i64), Vec<(usize, f64)>> = HashMap::new();
    let mut has = vec![false; n_outputs];
    for k in 0..a.leaf_weight.len() {
        let out = usize::try_from(a.leaf_out[k]).ok().filter(|&o| o < n_outputs);
        let out = out.ok_or_else(|| format_err!("leaf weight for output {} of {n_outputs}", a.leaf_out[k]))?;
        has[out] = true;
        weights.entry((a.leaf_tree[k], a.leaf_node[k])).or_default().push((out, a.leaf_weight[k]));
    }
    let n_features = a.features.iter().copied().max().unwrap_or(0).max(0) as usize + 1;
    let mut raw = Vec::with_capacity(trees.len());
    for (&tree, members) in &trees {
        let mut members = members.clone();
        if let Some(p) = members.iter().position(|&i| a.node_ids[i] == 0) {
            members.swap(0, p);
        }
        let local: HashMap<i64, u32> = members.iter().enumerate().map(|(k, &i)| (a.node_ids[i], k as u32)).collect();
        let child = |id: i64| {
            local.get(&id).copied().ok_or_else(|| format_err!("tree {tree}: child node id {id} does not exist"))
        };
        let mut nodes = Vec::with_capacity(members.len());
        for &i in &members {
            nodes.push(match Mode::parse(&a.modes[i])? {
                None => {
                    let mut leaf = vec![fill; n_outputs];
                    for &(out, w) in weights.get(&(tree, a.node_ids[i])).map(Vec::as_slice).unwrap_or(&[]) {
                        leaf[out] = if leaf[out].is_nan() { w } else { leaf[out] + w };
                    }
                    RawNode::Leaf(leaf)
                }
                Some(mode) => RawNode::Split(engine_split(&OnnxSplit {
                    mode,
                    feature: index(a.features[i], "feature id")?,
                    threshold: a.values[i],
                    true_child: child(a.true_ids[i])?,
                    false_child: child(a.false_ids[i])?,
                    missing_tracks_true: a.tracks_true.get(i).is_some_and(|&t| t != 0),
                })),
            });
        }
        raw.push(RawTree { nodes, target: 0 });
    }
    let forest =
        Forest::new(raw, n_features, n_outputs, n_outputs, &Limits::default()).map_err(|e| format_err!("{e}"))?;
    Ok((forest, has))
}

fn aggregate(node: &NodeProto) -> TractResult<Aggregate> {
    Ok(match node.get_attr_opt::<String>("aggregate_function")?.as_deref().unwrap_or("SUM") {
        "SUM" => Aggregate::Sum,
        "AVERAGE" => Aggregate::Average,
        "MIN" => Aggregate::Min,
        "MAX" => Aggregate::Max,
        other => bail!("unknown aggregate_function {other:?}"),
    })
}

fn post(node: &NodeProto) -> TractResult<Post> {
    Post::parse(node.get_attr_opt::<String>("post_transform")?.as_deref().unwrap_or("NONE"))
}

fn base(ctx: &ParsingContext, node: &NodeProto) -> TractResult<Vec<f32>> {
    Ok(floats(ctx, node, "base_values")?.unwrap_or_default().into_iter().map(|v| v as f32).collect())
}

pub fn regressor(ctx: &ParsingContext, node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let a = read_attrs(ctx, node, "target")?;
    let n_targets: usize = node.get_attr_opt("n_targets")?.unwrap_or(1);
    ensure!(n_targets > 0, "n_targets is 0");
    let aggregate = aggregate(node)?;
    let fill = if matches!(aggregate, Aggregate::Min | Aggregate::Max) { f64::NAN } else { 0.0 };
    let (forest, has) = build_forest(&a, n_targets, fill)?;
    let ensemble = Ensemble { forest, aggregate, base: base(ctx, node)?, post: post(node)?, has };
    Ok(MlOp::boxed(Regressor { name: "TreeEnsembleRegressor", ensemble }))
}

pub fn classifier(ctx: &ParsingContext, node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let a = read_attrs(ctx, node, "class")?;
    let labels = Labels::from_node(node, "classlabels_int64s", "classlabels_strings")?;
    let n = labels.len();
    ensure!(n > 0, "no class labels");
    let (forest, has) = build_forest(&a, n, 0.0)?;
    let shape = ClassifierShape {
        binary_case: n == 2 && has.iter().filter(|&&h| h).count() == 1,
        weights_all_positive: a.leaf_weight.iter().all(|&w| w >= 0.0),
    };
    let ensemble = Ensemble { forest, aggregate: Aggregate::Sum, base: base(ctx, node)?, post: post(node)?, has };
    Ok(MlOp::boxed(Classifier { ensemble, labels, shape }))
}

/// A regression ensemble as an operator (`TreeEnsembleRegressor`, `TreeEnsemble`).
#[derive(Debug)]
pub struct Regressor {
    pub name: &'static str,
    pub ensemble: Ensemble,
}

impl Kernel for Regressor {
    fn name(&self) -> &'static str {
        self.name
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        row_output(s, &inputs[0], &outputs[0], DatumType::F32, Some(self.ensemble.forest.n_outputs()))
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(row_fact(inputs[0], DatumType::F32, Some(self.ensemble.forest.n_outputs()))))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        Ok(tvec!(self.ensemble.regress(&inputs[0])?))
    }
}

#[derive(Debug)]
struct Classifier {
    ensemble: Ensemble,
    labels: Labels,
    shape: ClassifierShape,
}

impl Classifier {
    fn width(&self) -> usize {
        self.labels.len().max(2)
    }
}

impl ClassifierKernel for Classifier {
    fn name(&self) -> &'static str {
        "TreeEnsembleClassifier"
    }

    fn labels(&self) -> DatumType {
        self.labels.datum_type()
    }

    fn width(&self) -> usize {
        Self::width(self)
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let e = &self.ensemble;
        let n = e.forest.n_outputs();
        let (rows, scores) = e.scores(&inputs[0])?;
        let mut probabilities = Vec::with_capacity(rows * self.width());
        let mut winners = Vec::with_capacity(rows);
        let mut scratch = Scratch::default();
        for row in scores.chunks(n) {
            winners.push(classification(row, &e.has, &e.base, e.post, &self.shape, &mut probabilities, &mut scratch));
        }
        let literal = winners.iter().any(|w| matches!(w, Winner::Literal(_)));
        let index: Vec<usize> = winners
            .iter()
            .map(|w| match w {
                Winner::Class(i) => *i,
                Winner::Literal(p) => *p as usize,
            })
            .collect();
        let labels = if literal && matches!(self.labels, Labels::Int(_)) {
            self.labels.binary_default(&index, rows)?
        } else {
            self.labels.pick(&index, rows)?
        };
        Ok(tvec!(labels, tensor(&[rows, self.width()], probabilities)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_before_allocation() {
        assert!(check_size(100, 3).is_ok());
        assert!(check_size(10, 1 << 40).is_err());
        assert!(check_size(1 << 30, 1).is_err());
        assert!(check_size(1 << 20, 1 << 10).is_err());
    }

    #[test]
    fn negated_modes_swap_children_and_send_nan_to_the_true_child_when_tracked() {
        let split = |mode, tracks| {
            engine_split(&OnnxSplit {
                mode,
                feature: 0,
                threshold: 1.0,
                true_child: 1,
                false_child: 2,
                missing_tracks_true: tracks,
            })
        };
        let gte = split(Mode::Gte, true);
        assert_eq!((gte.left, gte.right, gte.default_left, gte.rule), (2, 1, false, SplitRule::LtNanDefault));
        let gt = split(Mode::Gt, false);
        assert_eq!((gt.left, gt.right, gt.default_left, gt.rule), (2, 1, true, SplitRule::LeNanDefault));
        let neq = split(Mode::Neq, false);
        assert_eq!((neq.left, neq.right, neq.default_left), (2, 1, false));
        let leq = split(Mode::Leq, true);
        assert_eq!((leq.left, leq.right, leq.default_left), (1, 2, true));
    }
}
