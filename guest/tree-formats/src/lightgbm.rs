//! LightGBM text models (`model.lgb`, what `Booster.save_model` writes) read into a
//! [`Forest`] and predicted as LightGBM 4's `Booster.predict`: float64 inputs, leaf
//! outputs summed in float64 per class, then the objective's transform.
//!
//! Splits follow `decision_type`: bit 0 categorical, bit 1 default-left, bits 2–3
//! the missing type (None: NaN counts as 0; Zero: 0 and NaN go the default way;
//! NaN: NaN goes the default way). Categorical splits send the categories of their
//! `cat_threshold` bitset left; NaN and negative categories go right. Linear trees
//! (`linear_tree=true`) have leaves worth `leaf_const + Σ leaf_coeff·x`, or
//! `leaf_value` when one of the leaf's features is NaN.

use std::collections::HashMap;

use wasmflow_tree_engine::{Forest, Limits, RawNode, RawSplit, RawTree, SplitRule};

use crate::error::{Error, load};
use crate::output::{Data, Output};

/// How raw scores become predictions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// Raw scores (regression, l1, huber, fair, quantile, mape, ranking, custom).
    Identity,
    /// `1 / (1 + exp(-s·x))` (binary with `sigmoid:s`, cross_entropy with s = 1).
    Sigmoid(f64),
    /// Sigmoid per class (multiclassova).
    SigmoidEach(f64),
    /// Softmax over the classes (multiclass).
    Softmax,
    /// `exp(x)` (poisson, gamma, tweedie).
    Exp,
    /// `log(1 + exp(x))` (cross_entropy_lambda).
    Softplus,
    /// `sign(x)·x²` (regression with `sqrt`).
    SignedSquare,
}

/// A loaded LightGBM model.
#[derive(Debug, Clone)]
pub struct LgbModel {
    pub forest: Forest,
    pub objective: String,
    pub transform: Transform,
    pub feature_names: Vec<String>,
    /// Random forests (`average_output`) divide the sum by the number of iterations.
    pub average_over: Option<usize>,
}

/// Most leaves a tree may declare (LightGBM's own `num_leaves` cap is 131072).
const MAX_LEAVES: usize = 1 << 17;

/// Reads a LightGBM text model (`name` is used in errors).
pub fn load_model(bytes: &[u8], name: &str, limits: &Limits) -> Result<LgbModel, Error> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| load(format!("{name}: not a LightGBM text model (not UTF-8)")))?;
    parse(text, limits).map_err(|e| load(format!("{name}: {e}")))
}

fn parse(text: &str, limits: &Limits) -> Result<LgbModel, Error> {
    let mut lines = text.lines().map(str::trim);
    if lines.next() != Some("tree") {
        return Err(load("not a LightGBM text model (it does not start with `tree`)"));
    }
    if !text.contains("\nend of trees") {
        return Err(load("truncated LightGBM model: `end of trees` is missing"));
    }
    let header = section(&mut lines, |l| l.starts_with("Tree=") || l == "end of trees");
    let get = |k: &str| header.get(k).copied().ok_or_else(|| load(format!("the header has no `{k}`")));
    let n_classes = number::<usize>(get("num_class")?, "num_class")?.max(1);
    let per_iteration = number::<usize>(get("num_tree_per_iteration")?, "num_tree_per_iteration")?.max(1);
    let n_features = number::<usize>(get("max_feature_idx")?, "max_feature_idx")?.saturating_add(1);
    let objective = header.get("objective").copied().unwrap_or("custom").to_string();
    let transform = transform_of(&objective)?;
    let feature_names = header.get("feature_names").map_or(Vec::new(), |n| n.split(' ').map(String::from).collect());

    let mut trees = Vec::new();
    for (i, block) in text.split("\nTree=").skip(1).enumerate() {
        if trees.len() >= limits.max_trees {
            return Err(load(format!("more than {} trees", limits.max_trees)));
        }
        let body = block.split("end of trees").next().unwrap_or(block);
        let mut tree = read_tree(body).map_err(|e| load(format!("tree {i}: {e}")))?;
        tree.target = (i % per_iteration) as u32;
        trees.push(tree);
    }
    if matches!(transform, Transform::Softmax | Transform::SigmoidEach(_)) && per_iteration != n_classes {
        return Err(load(format!("{n_classes} classes but {per_iteration} trees an iteration")));
    }
    let n_outputs = per_iteration;
    let iterations = trees.len() / per_iteration;
    let forest = Forest::new(trees, n_features, n_outputs, 1, limits).map_err(|e| load(e.to_string()))?;
    let average_over = header.contains_key("average_output").then_some(iterations.max(1));
    Ok(LgbModel { forest, objective, transform, feature_names, average_over })
}

/// `key=value` lines until `stop` (or the end).
fn section<'a>(lines: &mut impl Iterator<Item = &'a str>, stop: impl Fn(&str) -> bool) -> HashMap<&'a str, &'a str> {
    let mut map = HashMap::new();
    for line in lines {
        if stop(line) {
            break;
        }
        match line.split_once('=') {
            Some((k, v)) => map.insert(k, v),
            None => map.insert(line, ""),
        };
    }
    map
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, Error> {
    text.trim().parse().map_err(|_| load(format!("`{what}` is not a number: {text:?}")))
}

/// A space-separated list of `len` numbers.
fn list<T: std::str::FromStr>(fields: &HashMap<&str, &str>, key: &str, len: usize) -> Result<Vec<T>, Error> {
    let text = fields.get(key).copied().ok_or_else(|| load(format!("`{key}` is missing")))?;
    let values = text.split_whitespace().map(|t| number(t, key)).collect::<Result<Vec<T>, _>>()?;
    if values.len() != len {
        return Err(load(format!("`{key}` has {} values, expected {len}", values.len())));
    }
    Ok(values)
}

fn transform_of(objective: &str) -> Result<Transform, Error> {
    let mut words = objective.split_whitespace();
    let name = words.next().unwrap_or("custom");
    let options: Vec<&str> = words.collect();
    let sigmoid =
        options.iter().find_map(|o| o.strip_prefix("sigmoid:")).map_or(Ok(1.0), |s| number::<f64>(s, "sigmoid"))?;
    Ok(match name {
        "binary" => Transform::Sigmoid(sigmoid),
        "cross_entropy" | "xentropy" => Transform::Sigmoid(1.0),
        "cross_entropy_lambda" | "xentlambda" => Transform::Softplus,
        "multiclass" | "softmax" => Transform::Softmax,
        "multiclassova" | "multiclass_ova" | "ova" | "ovr" => Transform::SigmoidEach(sigmoid),
        "poisson" | "gamma" | "tweedie" => Transform::Exp,
        "regression" | "regression_l2" | "l2" | "mean_squared_error" | "mse" if options.contains(&"sqrt") => {
            Transform::SignedSquare
        }
        "regression" | "regression_l2" | "l2" | "mean_squared_error" | "mse" | "regression_l1" | "l1" | "huber"
        | "fair" | "quantile" | "mape" | "lambdarank" | "rank_xendcg" | "xendcg" | "custom" | "none" => {
            Transform::Identity
        }
        o => return Err(load(format!("objective {o:?} is not supported"))),
    })
}

/// One `Tree=` block: internal nodes `0..num_leaves-1`, then the leaves.
fn read_tree(block: &str) -> Result<RawTree, Error> {
    let fields = section(&mut block.lines().skip(1).map(str::trim), |_| false);
    let n_leaves: usize = number(fields.get("num_leaves").copied().unwrap_or(""), "num_leaves")?;
    if n_leaves == 0 || n_leaves > MAX_LEAVES {
        return Err(load(format!("num_leaves={n_leaves} is not between 1 and {MAX_LEAVES}")));
    }
    let leaves: Vec<f64> = list(&fields, "leaf_value", n_leaves)?;
    let leaf_nodes = if fields.get("is_linear").is_some_and(|v| v.trim() == "1") {
        linear_leaves(&fields, leaves)?
    } else {
        leaves.into_iter().map(|v| RawNode::Leaf(vec![v])).collect()
    };
    if n_leaves == 1 {
        return Ok(RawTree { nodes: leaf_nodes, target: 0 });
    }
    let n = n_leaves - 1;
    let feature: Vec<u32> = list(&fields, "split_feature", n)?;
    let threshold: Vec<f64> = list(&fields, "threshold", n)?;
    let decision: Vec<u8> = list(&fields, "decision_type", n)?;
    let left: Vec<i64> = list(&fields, "left_child", n)?;
    let right: Vec<i64> = list(&fields, "right_child", n)?;
    let n_cat: usize = number(fields.get("num_cat").copied().unwrap_or("0"), "num_cat")?;
    let (boundaries, bits): (Vec<usize>, Vec<u32>) = if n_cat > 0 {
        if n_cat > n {
            return Err(load(format!("num_cat={n_cat} but only {n} splits")));
        }
        let boundaries: Vec<usize> = list(&fields, "cat_boundaries", n_cat + 1)?;
        let words = boundaries.last().copied().unwrap_or(0);
        (boundaries, list(&fields, "cat_threshold", words)?)
    } else {
        (Vec::new(), Vec::new())
    };
    // Children: >= 0 an internal node, < 0 the leaf !child (placed after the splits).
    let child = |c: i64| -> Result<u32, Error> {
        let index = if c >= 0 { c } else { n as i64 + !c };
        u32::try_from(index)
            .ok()
            .filter(|&i| (i as usize) < n + n_leaves)
            .ok_or_else(|| load(format!("child {c} is out of range")))
    };
    let mut nodes = Vec::with_capacity(n + n_leaves);
    for i in 0..n {
        let d = decision[i];
        let rule = if d & 1 == 1 {
            let k = threshold[i] as usize;
            let (s, e) = match (boundaries.get(k), boundaries.get(k + 1)) {
                (Some(&s), Some(&e)) if s <= e && e <= bits.len() => (s, e),
                _ => return Err(load(format!("split {i}: categorical bitset {k} is out of range"))),
            };
            SplitRule::Categorical(bits[s..e].to_vec())
        } else {
            match (d >> 2) & 3 {
                0 => SplitRule::LeNanZero,
                1 => SplitRule::LeZeroDefault,
                2 => SplitRule::LeNanDefault,
                m => return Err(load(format!("split {i}: unknown missing type {m}"))),
            }
        };
        // Categorical NaN goes right in LightGBM, whatever the default bit says.
        let default_left = d & 2 == 2 && d & 1 == 0;
        nodes.push(RawNode::Split(RawSplit {
            feature: feature[i],
            threshold: threshold[i],
            left: child(left[i])?,
            right: child(right[i])?,
            default_left,
            rule,
        }));
    }
    nodes.extend(leaf_nodes);
    Ok(RawTree { nodes, target: 0 })
}

/// The leaves of a linear tree: `leaf_const`, and per leaf `num_features` terms of
/// `leaf_features`/`leaf_coeff`; `leaves` (`leaf_value`) is the NaN fallback.
fn linear_leaves(fields: &HashMap<&str, &str>, leaves: Vec<f64>) -> Result<Vec<RawNode>, Error> {
    let n = leaves.len();
    let constants: Vec<f64> = list(fields, "leaf_const", n)?;
    let counts: Vec<usize> = list(fields, "num_features", n)?;
    let total =
        counts.iter().try_fold(0usize, |a, &c| a.checked_add(c)).ok_or_else(|| load("num_features overflows"))?;
    let features: Vec<u32> = list(fields, "leaf_features", total)?;
    let coefficients: Vec<f64> = list(fields, "leaf_coeff", total)?;
    let mut start = 0;
    let mut nodes = Vec::with_capacity(n);
    for (i, value) in leaves.into_iter().enumerate() {
        let end = start + counts[i];
        let terms = features[start..end].iter().copied().zip(coefficients[start..end].iter().copied()).collect();
        nodes.push(RawNode::Linear { value, constant: constants[i], terms });
        start = end;
    }
    Ok(nodes)
}

impl LgbModel {
    /// Raw scores (`raw_score=True`), `n_outputs` a row.
    pub fn raw_scores(&self, rows: &[f64]) -> Result<Vec<f64>, Error> {
        let base = vec![0.0; self.forest.n_outputs()];
        let mut scores = self
            .forest
            .predict::<f64>(rows, self.forest.n_features(), &base)
            .map_err(|e| Error::Evaluation(e.to_string()))?;
        if let Some(n) = self.average_over {
            scores.iter_mut().for_each(|s| *s /= n as f64);
        }
        Ok(scores)
    }

    /// `Booster.predict` (what MLflow's `_LGBModelWrapper` returns): float64,
    /// `(rows,)` or `(rows, classes)`.
    pub fn predict(&self, rows: &[f64]) -> Result<Output, Error> {
        let mut s = self.raw_scores(rows)?;
        let k = self.forest.n_outputs();
        match self.transform {
            Transform::Identity => {}
            Transform::Sigmoid(a) | Transform::SigmoidEach(a) => {
                s.iter_mut().for_each(|x| *x = 1.0 / (1.0 + (-a * *x).exp()))
            }
            Transform::Exp => s.iter_mut().for_each(|x| *x = x.exp()),
            Transform::Softplus => s.iter_mut().for_each(|x| *x = x.exp().ln_1p()),
            Transform::SignedSquare => s.iter_mut().for_each(|x| *x = x.signum() * *x * *x),
            Transform::Softmax => s.chunks_mut(k).for_each(softmax),
        }
        let n = s.len().checked_div(k).unwrap_or(0);
        Ok(Output::rows(n, k, Data::F64(s)))
    }
}

/// LightGBM's `Common::Softmax`.
fn softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in row.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in row.iter_mut() {
        *x /= sum;
    }
}
