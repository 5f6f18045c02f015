//! Feature selectors: the columns kept (`_get_support_mask`), from the fitted
//! statistics as sklearn derives the mask (`SelectKBest`, `SelectPercentile`,
//! `SelectFpr`, `SelectFdr`, `SelectFwe`, `GenericUnivariateSelect`,
//! `VarianceThreshold`, `SelectFromModel` over a linear model's `coef_`) or from
//! the stored `support_` (`RFE`, `RFECV`, `SequentialFeatureSelector`).

use super::{attr, features, floats, short};
use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

/// A fitted selector: the input columns it keeps, in order.
#[derive(Debug, Clone)]
pub struct Selector {
    pub features: Features,
    keep: Vec<usize>,
}

impl Selector {
    pub fn build(node: &Node) -> Result<Selector, Error> {
        let class = short(node.class().unwrap_or("?"));
        let mask = match class {
            "VarianceThreshold" => {
                let (_, v) = floats(node, "variances_")?;
                let t = node.get("threshold").and_then(Node::as_f64).unwrap_or(0.0);
                v.iter().map(|&v| v > t).collect()
            }
            "SelectKBest" => k_best(node, attr(node, "k")?)?,
            "SelectPercentile" => percentile(node, param(node, "percentile", 10.0))?,
            "SelectFpr" | "SelectFdr" | "SelectFwe" => by_pvalue(node, class, param(node, "alpha", 0.05))?,
            "GenericUnivariateSelect" => {
                let value = node.get("param").cloned().unwrap_or(Node::Json(1e-5.into()));
                match node.get("mode").and_then(Node::as_str).unwrap_or("percentile") {
                    "percentile" => percentile(node, value.as_f64().unwrap_or(1e-5))?,
                    "k_best" => k_best(node, &value)?,
                    "fpr" => by_pvalue(node, "SelectFpr", value.as_f64().unwrap_or(1e-5))?,
                    "fdr" => by_pvalue(node, "SelectFdr", value.as_f64().unwrap_or(1e-5))?,
                    "fwe" => by_pvalue(node, "SelectFwe", value.as_f64().unwrap_or(1e-5))?,
                    other => return Err(load(format!("GenericUnivariateSelect: mode '{other}' is not supported"))),
                }
            }
            "SelectFromModel" => from_model(node)?,
            "RFE" | "RFECV" | "SequentialFeatureSelector" => match attr(node, "support_")? {
                Node::Array(NdArray { data: Data::Bool(m), .. }) => m.clone(),
                Node::Array(NdArray { data: Data::I64(m), .. }) => m.iter().map(|&v| v != 0).collect(),
                _ => return Err(load(format!("{class}.support_ is not a boolean mask"))),
            },
            other => return Err(load(format!("{other} is not a selector wasmflow supports"))),
        };
        let mut features = features(node);
        features.count.get_or_insert(mask.len());
        if features.count != Some(mask.len()) {
            return Err(load(format!("{class}: its mask does not match n_features_in_")));
        }
        if class == "VarianceThreshold" {
            features.check = Check::Finite { allow_nan: true, dtype: "float64" };
        }
        let keep = mask.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i).collect();
        Ok(Selector { features, keep })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = self.features.matrix(x)?;
        let m = &m;
        let data = (0..m.rows).flat_map(|i| self.keep.iter().map(move |&j| m.data[i * m.cols + j])).collect();
        Ok(Matrix { rows: m.rows, cols: self.keep.len(), data })
    }
}

fn param(node: &Node, name: &str, default: f64) -> f64 {
    node.get(name).and_then(Node::as_f64).unwrap_or(default)
}

/// `_clean_nans(scores_)`: NaN becomes the smallest float.
fn scores(node: &Node) -> Result<Vec<f64>, Error> {
    Ok(floats(node, "scores_")?.1.into_iter().map(|v| if v.is_nan() { f64::MIN } else { v }).collect())
}

/// `SelectKBest`: the k highest scores (a stable sort: among ties, the later columns).
fn k_best(node: &Node, k: &Node) -> Result<Vec<bool>, Error> {
    let scores = scores(node)?;
    if k.as_str() == Some("all") {
        return Ok(vec![true; scores.len()]);
    }
    let k = k.as_i64().and_then(|k| usize::try_from(k).ok()).ok_or_else(|| load("SelectKBest: bad k"))?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut mask = vec![false; scores.len()];
    for &i in &order[scores.len().saturating_sub(k)..] {
        mask[i] = true;
    }
    Ok(mask)
}

/// `SelectPercentile`: scores above numpy's linear percentile, then ties in order.
fn percentile(node: &Node, percentile: f64) -> Result<Vec<bool>, Error> {
    let scores = scores(node)?;
    if percentile >= 100.0 {
        return Ok(vec![true; scores.len()]);
    }
    if percentile <= 0.0 || scores.is_empty() {
        return Ok(vec![false; scores.len()]);
    }
    let threshold = np_percentile(&scores, 100.0 - percentile);
    let mut mask: Vec<bool> = scores.iter().map(|&s| s > threshold).collect();
    let max_feats = (scores.len() as f64 * percentile / 100.0) as usize;
    let kept = mask.iter().filter(|&&m| m).count();
    let ties: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] == threshold).collect();
    for &i in ties.iter().take(max_feats.saturating_sub(kept)) {
        mask[i] = true;
    }
    Ok(mask)
}

/// `np.percentile(values, q)` with the default linear method (numpy's `_lerp`).
fn np_percentile(values: &[f64], q: f64) -> f64 {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (s[lo], s[hi]);
    let diff = b - a;
    if t >= 0.5 { b - diff * (1.0 - t) } else { a + diff * t }
}

/// `SelectFpr` (p < alpha), `SelectFwe` (p < alpha / n), `SelectFdr` (Benjamini–Hochberg).
fn by_pvalue(node: &Node, class: &str, alpha: f64) -> Result<Vec<bool>, Error> {
    let (_, p) = floats(node, "pvalues_")?;
    let n = p.len() as f64;
    Ok(match class {
        "SelectFpr" => p.iter().map(|&v| v < alpha).collect(),
        "SelectFwe" => p.iter().map(|&v| v < alpha / n).collect(),
        _ => {
            let mut sorted = p.clone();
            sorted.sort_by(f64::total_cmp);
            let selected = sorted
                .iter()
                .enumerate()
                .filter(|&(i, &v)| v <= alpha / n * (i + 1) as f64)
                .map(|(_, &v)| v)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            match selected {
                None => vec![false; p.len()],
                Some(max) => p.iter().map(|&v| v <= max).collect(),
            }
        }
    })
}

/// `SelectFromModel`: importances `|coef_|` (summed over rows for 2-D, `norm_order=1`)
/// at or above the threshold (`mean` by default, `1e-5` for l1-penalised models).
fn from_model(node: &Node) -> Result<Vec<bool>, Error> {
    let estimator = attr(node, "estimator_")?;
    let name = short(estimator.class().unwrap_or("?"));
    if node.get("max_features").is_some_and(|m| !m.is_none()) {
        return Err(load("SelectFromModel with max_features is not supported"));
    }
    if node.get("importance_getter").and_then(Node::as_str).is_some_and(|g| g != "auto") {
        return Err(load("SelectFromModel: only importance_getter='auto' is supported"));
    }
    let (shape, coef) = floats(estimator, "coef_")
        .map_err(|_| load(format!("SelectFromModel over {name}: only models with coef_ are supported")))?;
    let importances: Vec<f64> = match shape.as_slice() {
        [_] => coef.iter().map(|c| c.abs()).collect(),
        [r, n] => (0..*n).map(|j| (0..*r).fold(0.0, |s, i| s + coef[i * n + j].abs())).collect(),
        _ => return Err(load("SelectFromModel: coef_ is not 1-D or 2-D")),
    };
    let mean = importances.iter().fold(0.0, |s, v| s + v) / importances.len().max(1) as f64;
    let l1 = estimator.get("penalty").and_then(Node::as_str) == Some("l1") || name.contains("Lasso");
    let threshold = match node.get("threshold") {
        None => mean,
        Some(t) if t.is_none() => {
            if l1 {
                1e-5
            } else {
                mean
            }
        }
        Some(t) => match (t.as_f64(), t.as_str()) {
            (Some(v), _) => v,
            (_, Some("mean")) => mean,
            _ => return Err(load("SelectFromModel: only a number or 'mean' threshold is supported")),
        },
    };
    Ok(importances.iter().map(|&v| v >= threshold).collect())
}
