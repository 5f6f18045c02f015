//! `NearestCentroid` (euclidean): `predict` picks the nearest centroid when the
//! class priors are uniform, else the best discriminant score; `predict_proba`
//! normalises the discriminant scores (`-‖x/s - c/s‖² + 2 log prior`, s the
//! within-class deviation where it is not 0), distances computed as sklearn's
//! `euclidean_distances` computes them (`-2 x·c + ‖x‖² + ‖c‖²`).

use super::{Estimator, Method, argmax, classes, features, floats, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// A fitted `NearestCentroid`.
#[derive(Debug, Clone)]
pub struct NearestCentroid {
    pub features: Features,
    /// `classes × features`, row-major.
    centroids: Vec<f64>,
    std_dev: Vec<f64>,
    prior: Vec<f64>,
    classes: NdArray,
}

impl NearestCentroid {
    pub fn build(node: &Node) -> Result<NearestCentroid, Error> {
        if node.get("metric").and_then(Node::as_str).is_some_and(|m| m != "euclidean") {
            return Err(load("NearestCentroid: only metric='euclidean' is supported"));
        }
        let classes = classes(node)?;
        let (shape, centroids) = floats(node, "centroids_")?;
        let (_, std_dev) = floats(node, "within_class_std_dev_")?;
        let (_, prior) = floats(node, "class_prior_")?;
        let [k, n] = shape.as_slice() else { return Err(load("NearestCentroid.centroids_ is not 2-D")) };
        if *k != classes.len() || std_dev.len() != *n || prior.len() != *k {
            return Err(load("NearestCentroid: centroids_, within_class_std_dev_ and classes_ do not match"));
        }
        let mut features = features(node);
        features.count.get_or_insert(*n);
        Ok(NearestCentroid { features, centroids, std_dev, prior, classes })
    }

    fn distances(x: &Matrix, centroids: &[f64]) -> Vec<f64> {
        euclidean_distances(x, centroids)
    }

    /// `_decision_function`: one discriminant score per class.
    fn scores(&self, x: &Matrix) -> Vec<f64> {
        let scale = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .enumerate()
                .map(|(i, &a)| {
                    let s = self.std_dev[i % x.cols];
                    if s != 0.0 { a / s } else { a }
                })
                .collect()
        };
        let xs = Matrix { rows: x.rows, cols: x.cols, data: scale(&x.data) };
        let d = Self::distances(&xs, &scale(&self.centroids));
        let k = self.classes.len();
        d.iter().enumerate().map(|(i, &d)| -(d * d) + 2.0 * self.prior[i % k].ln()).collect()
    }
}

impl Estimator for NearestCentroid {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, _method: Method) -> bool {
        true
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.classes.len();
        let uniform = self.prior.iter().all(|&p| (p - 1.0 / k as f64).abs() <= 1e-8 + 1e-5 * (1.0 / k as f64));
        let picks: Vec<usize> = if uniform {
            // pairwise_distances_argmin: the first smallest distance.
            Self::distances(x, &self.centroids)
                .chunks(k)
                .map(|r| argmax(&r.iter().map(|d| -d).collect::<Vec<_>>()))
                .collect()
        } else {
            self.scores(x).chunks(k).map(argmax).collect()
        };
        Ok(take(&self.classes, &picks))
    }
    /// `exp(predict_log_proba)`: scores shifted by the row max, normalised.
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.classes.len();
        let mut out = self.scores(x);
        out.chunks_mut(k).for_each(discriminant_proba);
        Ok(NdArray { shape: vec![x.rows, k], data: Data::F64(out) })
    }
}

/// `DiscriminantAnalysisPredictionMixin.predict_proba` of one row of scores, in
/// place: `exp(s - max - log(Σ exp(s - max)))`.
pub(super) fn discriminant_proba(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    row.iter_mut().for_each(|v| *v -= max);
    let log_sum = row.iter().map(|v| v.exp()).sum::<f64>().ln();
    row.iter_mut().for_each(|v| *v = (*v - log_sum).exp());
}

/// `euclidean_distances(x, centres)` of every row, in sklearn's formula and order.
pub(super) fn euclidean_distances(x: &Matrix, centroids: &[f64]) -> Vec<f64> {
    let n = x.cols;
    let norms = |v: &[f64]| -> Vec<f64> { v.chunks(n).map(|r| r.iter().map(|a| a * a).sum()).collect() };
    let (xx, cc) = (norms(&x.data), norms(centroids));
    let mut out = Vec::with_capacity(x.rows * cc.len());
    for (i, xx) in xx.iter().enumerate() {
        let row = x.row(i);
        for (c, centroid) in centroids.chunks(n).enumerate() {
            let dot: f64 = row.iter().zip(centroid).map(|(a, b)| a * b).sum();
            let mut d = -2.0 * dot;
            d += xx;
            d += cc[c];
            out.push(d.max(0.0).sqrt());
        }
    }
    out
}
