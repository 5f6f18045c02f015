//! `TreeEnsemble` (ai.onnx.ml opset 5): nodes and leaves in two arrays shared
//! by trees listed by their roots, comparison modes as a `uint8` tensor. Each
//! tree is collected from its root with an explicit stack (a node reached twice
//! is refused) into a [`RawTree`] for the engine; scores are finished as the
//! regressor's ([`super::tree_finalize::regression`]), as onnxruntime does.
//! `BRANCH_MEMBER` (set membership) is refused at load.

use std::collections::HashMap;

use tract_onnx::model::ParsingContext;
use tract_onnx::pb::{NodeProto, TensorProto};
use tract_onnx::tract_hir::internal::*;
use wasmflow_tree_engine::{Forest, Limits, RawNode, RawTree};

use super::op::{MlOp, values};
use super::transform::Post;
use super::tree::{Ensemble, Mode, OnnxSplit, Regressor, check_size, engine_split};
use super::tree_finalize::Aggregate;

fn tensor_attr(ctx: &ParsingContext, node: &NodeProto, name: &str) -> TractResult<Option<Tensor>> {
    node.get_attr_opt::<&TensorProto>(name)?.map(|t| ctx.load_tensor(t)).transpose()
}

fn mode(code: u8) -> TractResult<Mode> {
    Ok(match code {
        0 => Mode::Leq,
        1 => Mode::Lt,
        2 => Mode::Gte,
        3 => Mode::Gt,
        4 => Mode::Eq,
        5 => Mode::Neq,
        6 => bail!("BRANCH_MEMBER nodes are not supported"),
        other => bail!("unknown node mode {other}"),
    })
}

/// One tree's node or leaf, by index into the shared arrays.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Ref {
    Node(usize),
    Leaf(usize),
}

pub fn tree_ensemble(ctx: &ParsingContext, node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let ints = |name: &str| -> TractResult<Vec<i64>> { Ok(node.get_attr_opt_vec(name)?.unwrap_or_default()) };
    let n_targets: usize = node.get_attr_opt("n_targets")?.unwrap_or(1);
    ensure!(n_targets > 0, "n_targets is 0");
    let modes: Vec<u8> = match tensor_attr(ctx, node, "nodes_modes")? {
        Some(t) => values::<u8>(&t)?,
        None => bail!("no nodes_modes"),
    };
    let splits: Vec<f64> =
        tensor_attr(ctx, node, "nodes_splits")?.map(|t| values::<f64>(&t)).transpose()?.unwrap_or_default();
    let weights: Vec<f64> =
        tensor_attr(ctx, node, "leaf_weights")?.map(|t| values::<f64>(&t)).transpose()?.unwrap_or_default();
    let (features, true_ids, false_ids) =
        (ints("nodes_featureids")?, ints("nodes_truenodeids")?, ints("nodes_falsenodeids")?);
    let (true_leaf, false_leaf, tracks) =
        (ints("nodes_trueleafs")?, ints("nodes_falseleafs")?, ints("nodes_missing_value_tracks_true")?);
    let (targets, roots) = (ints("leaf_targetids")?, ints("tree_roots")?);
    let n = modes.len();
    for (name, len) in [
        ("nodes_splits", splits.len()),
        ("nodes_featureids", features.len()),
        ("nodes_truenodeids", true_ids.len()),
        ("nodes_falsenodeids", false_ids.len()),
        ("nodes_trueleafs", true_leaf.len()),
        ("nodes_falseleafs", false_leaf.len()),
    ] {
        ensure!(len == n, "{name} has {len} values for {n} nodes");
    }
    ensure!(targets.len() == weights.len(), "{} leaf targets for {} leaf weights", targets.len(), weights.len());
    check_size(n + weights.len(), n_targets)?;
    // Trees may share nodes; the copies made per tree count against the same limit.
    let mut copied = 0usize;
    let reference = |id: i64, leaf: bool| -> TractResult<Ref> {
        let i = usize::try_from(id).map_err(|_| format_err!("negative node index {id}"))?;
        ensure!(i < if leaf { weights.len() } else { n }, "index {i} out of range");
        Ok(if leaf { Ref::Leaf(i) } else { Ref::Node(i) })
    };
    let aggregate = match node.get_attr_opt::<i64>("aggregate_function")?.unwrap_or(1) {
        0 => Aggregate::Average,
        1 => Aggregate::Sum,
        2 => Aggregate::Min,
        3 => Aggregate::Max,
        other => bail!("unknown aggregate_function {other}"),
    };
    // Targets a leaf does not weigh must not count as 0 in a min or max.
    let fill = if matches!(aggregate, Aggregate::Min | Aggregate::Max) { f64::NAN } else { 0.0 };
    let mut has = vec![false; n_targets];
    let mut trees = Vec::with_capacity(roots.len());
    for (t, &root) in roots.iter().enumerate() {
        // Local index of each reached node or leaf, in discovery order.
        let mut local: HashMap<Ref, u32> = HashMap::new();
        let mut order = vec![reference(root, false)?];
        local.insert(order[0], 0);
        let mut k = 0;
        while k < order.len() {
            if let Ref::Node(i) = order[k] {
                for child in [reference(true_ids[i], true_leaf[i] != 0)?, reference(false_ids[i], false_leaf[i] != 0)?]
                {
                    ensure!(!local.contains_key(&child), "tree {t}: a node is reached twice");
                    copied += 1;
                    check_size(copied, n_targets)?;
                    local.insert(child, order.len() as u32);
                    order.push(child);
                }
            }
            k += 1;
        }
        let mut nodes = Vec::with_capacity(order.len());
        for r in &order {
            nodes.push(match *r {
                Ref::Leaf(l) => {
                    let target = usize::try_from(targets[l]).ok().filter(|&x| x < n_targets);
                    let target = target.ok_or_else(|| format_err!("leaf {l} adds to target {}", targets[l]))?;
                    has[target] = true;
                    let mut v = vec![fill; n_targets];
                    v[target] = weights[l];
                    RawNode::Leaf(v)
                }
                Ref::Node(i) => {
                    let child = |id: i64, leaf: bool| -> TractResult<u32> { Ok(local[&reference(id, leaf)?]) };
                    RawNode::Split(engine_split(&OnnxSplit {
                        mode: mode(modes[i])?,
                        feature: u32::try_from(features[i]).map_err(|_| format_err!("feature {}", features[i]))?,
                        threshold: splits[i],
                        true_child: child(true_ids[i], true_leaf[i] != 0)?,
                        false_child: child(false_ids[i], false_leaf[i] != 0)?,
                        missing_tracks_true: tracks.get(i).is_some_and(|&v| v != 0),
                    }))
                }
            });
        }
        trees.push(RawTree { nodes, target: 0 });
    }
    let n_features = features.iter().copied().max().unwrap_or(0).max(0) as usize + 1;
    let post = match node.get_attr_opt::<i64>("post_transform")?.unwrap_or(0) {
        0 => Post::None,
        1 => Post::Softmax,
        2 => Post::Logistic,
        3 => Post::SoftmaxZero,
        4 => Post::Probit,
        other => bail!("unknown post_transform {other}"),
    };
    let forest =
        Forest::new(trees, n_features, n_targets, n_targets, &Limits::default()).map_err(|e| format_err!("{e}"))?;
    let ensemble = Ensemble { forest, aggregate, base: Vec::new(), post, has };
    Ok(MlOp::boxed(Regressor { name: "TreeEnsemble", ensemble }))
}
