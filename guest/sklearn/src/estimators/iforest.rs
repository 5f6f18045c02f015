//! `IsolationForest`, `predict` (the one method MLflow serves): per tree, the
//! leaf's `_decision_path_lengths + _average_path_length_per_tree - 1`, summed in
//! tree order; `score_samples = -2^(-depths / (trees × c(max_samples)))` with
//! `c = _average_path_length`; `decision_function = score_samples - offset_`;
//! `-1` (outlier) where that is negative, else `1`. Rows are cast to float32 and
//! walked as `ExtraTreeRegressor.apply` walks them.

use super::tree::Tree;
use super::{Estimator, Method, attr, features};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// One isolation tree with its per-node path lengths and the features it sees.
#[derive(Debug, Clone)]
struct IsolationTree {
    tree: Tree,
    features: Vec<usize>,
    /// `_decision_path_lengths + _average_path_length_per_tree - 1` per node.
    depth: Vec<f64>,
}

/// A fitted `IsolationForest`.
#[derive(Debug, Clone)]
pub struct IsolationForest {
    pub features: Features,
    trees: Vec<IsolationTree>,
    /// `len(estimators_) × _average_path_length([_max_samples])`.
    denominator: f64,
    offset: f64,
}

/// `_average_path_length` of one leaf size.
fn average_path_length(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n == 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
    }
}

impl IsolationForest {
    pub fn build(node: &Node) -> Result<IsolationForest, Error> {
        let bad = |what: &str| load(format!("IsolationForest: {what}"));
        let features = features(node);
        let n_features = features.count.ok_or_else(|| bad("no n_features_in_"))?;
        let list = |name: &str| attr(node, name)?.as_list().ok_or_else(|| bad(&format!("{name} is not a list")));
        let (estimators, subsets) = (list("estimators_")?, list("estimators_features_")?);
        let (paths, averages) = (list("_decision_path_lengths")?, list("_average_path_length_per_tree")?);
        let n = estimators.len();
        if n == 0 || subsets.len() != n || paths.len() != n || averages.len() != n {
            return Err(bad("estimators_ and their path lengths do not match"));
        }
        let numbers = |v: &Node| -> Option<Vec<f64>> {
            match v.as_array()? {
                NdArray { data: Data::F64(x), .. } => Some(x.clone()),
                NdArray { data: Data::I64(x), .. } => Some(x.iter().map(|&i| i as f64).collect()),
                _ => None,
            }
        };
        let mut trees = Vec::with_capacity(n);
        for i in 0..n {
            let subset: Vec<usize> = numbers(&subsets[i])
                .ok_or_else(|| bad("estimators_features_ is not an index array"))?
                .into_iter()
                .map(|f| f as usize)
                .collect();
            if subset.iter().any(|&f| f >= n_features) {
                return Err(bad("a feature index is out of range"));
            }
            let tree = Tree::build(&estimators[i], subset.len())?;
            let (p, a) = (numbers(&paths[i]), numbers(&averages[i]));
            let (Some(p), Some(a)) = (p, a) else { return Err(bad("path lengths are not arrays")) };
            if p.len() != tree.nodes() || a.len() != p.len() {
                return Err(bad("path lengths do not match the tree"));
            }
            let depth = p.iter().zip(&a).map(|(p, a)| p + a - 1.0).collect();
            trees.push(IsolationTree { tree, features: subset, depth });
        }
        let number = |name: &str| attr(node, name)?.as_f64().ok_or_else(|| bad(&format!("{name} is not a number")));
        let denominator = n as f64 * average_path_length(number("_max_samples")?);
        Ok(IsolationForest { features, trees, denominator, offset: number("offset_")? })
    }

    /// `decision_function`.
    fn decision(&self, x: &Matrix) -> Vec<f64> {
        let x32: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
        let mut depths = vec![0.0; x.rows];
        let mut subset = Vec::new();
        for t in &self.trees {
            for (i, d) in depths.iter_mut().enumerate() {
                let row = &x32[i * x.cols..(i + 1) * x.cols];
                subset.clear();
                subset.extend(t.features.iter().map(|&f| row[f]));
                *d += t.depth[t.tree.leaf(&subset)];
            }
        }
        depths
            .iter()
            .map(|&d| {
                let ratio = if self.denominator != 0.0 { d / self.denominator } else { 1.0 };
                -(2f64.powf(-ratio)) - self.offset
            })
            .collect()
    }
}

impl Estimator for IsolationForest {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        method == Method::Predict
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let out = self.decision(x).iter().map(|&d| if d < 0.0 { -1 } else { 1 }).collect();
        Ok(NdArray { shape: vec![x.rows], data: Data::I64(out) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_path_length_matches_sklearn() {
        assert_eq!(average_path_length(1.0), 0.0);
        assert_eq!(average_path_length(2.0), 1.0);
        // sklearn.ensemble._iforest._average_path_length([256])
        assert!((average_path_length(256.0) - 10.244_770_920_119_917).abs() < 1e-12);
    }
}
