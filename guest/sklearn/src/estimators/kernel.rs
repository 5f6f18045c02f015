//! Models that answer from their training data or fitted matrices with a few
//! array operations: `KernelRidge` (linear or RBF kernel against `X_fit_`),
//! `LabelPropagation` / `LabelSpreading` (RBF weights against `X_`),
//! `QuadraticDiscriminantAnalysis`, the PLS regressors (`PLSRegression`,
//! `PLSCanonical`, `CCA`: centred `X @ coef_.T + intercept_`) and
//! `IsotonicRegression` (scipy's linear `interp1d`), in sklearn's order of operations.

use super::centroid::discriminant_proba;
use super::{Estimator, Method, argmax, attr, classes, features, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    /// `K(X, X_fit_) @ dual_coef_`; `gamma` set for the RBF kernel.
    KernelRidge { train: Vec<f64>, dual: Vec<f64>, targets: usize, one_d: bool, gamma: Option<f64> },
    /// `rbf(X_, X).T @ label_distributions_`, rows normalised.
    Propagation { train: Vec<f64>, labels: Vec<f64>, gamma: f64 },
    /// Per class: mean, `R * S^-0.5` (features × rank), `Σ log S`, `log prior`.
    Qda { means: Vec<f64>, rotations: Vec<(usize, Vec<f64>)>, log_det: Vec<f64>, log_prior: Vec<f64> },
    /// `(X - x_mean) @ coef.T + intercept`.
    Pls { mean: Vec<f64>, coef: Vec<f64>, intercept: Vec<f64>, one_d: bool },
    /// `interp1d(x, y)` with NaN outside (or clipped to `[x_min, x_max]`).
    Isotonic { x: Vec<f64>, y: Vec<f64>, clip: Option<(f64, f64)> },
}

/// A fitted model of this module.
#[derive(Debug, Clone)]
pub struct KernelModel {
    pub features: Features,
    kind: Kind,
    classes: Option<NdArray>,
}

fn matrix(node: &Node, name: &str) -> Result<(usize, usize, Vec<f64>), Error> {
    let (shape, v) = floats(node, name)?;
    match shape.as_slice() {
        [r, c] => Ok((*r, *c, v)),
        [r] => Ok((*r, 1, v)),
        _ => Err(load(format!("{}.{name} has shape {shape:?}", short(node.class().unwrap_or("?"))))),
    }
}

impl KernelModel {
    pub fn build(node: &Node) -> Result<KernelModel, Error> {
        let class = short(node.class().unwrap_or("?"));
        let mut features = features(node);
        let mut classes_ = None;
        let kind = match class {
            "KernelRidge" => {
                let (_, n, train) = matrix(node, "X_fit_")?;
                let (shape, dual) = floats(node, "dual_coef_")?;
                let gamma = match attr(node, "kernel")?.as_str() {
                    Some("linear") => None,
                    Some("rbf") => Some(node.get("gamma").and_then(Node::as_f64).unwrap_or(1.0 / n as f64)),
                    other => return Err(load(format!("KernelRidge: kernel {other:?} is not supported"))),
                };
                let (targets, one_d) = if shape.len() == 1 { (1, true) } else { (shape[1], false) };
                features.count.get_or_insert(n);
                Kind::KernelRidge { train, dual, targets, one_d, gamma }
            }
            "LabelPropagation" | "LabelSpreading" => {
                if node.get("kernel").and_then(Node::as_str) != Some("rbf") {
                    return Err(load(format!("{class}: only the rbf kernel is supported")));
                }
                let (_, n, train) = matrix(node, "X_")?;
                let (_, _, labels) = matrix(node, "label_distributions_")?;
                let gamma = node.get("gamma").and_then(Node::as_f64).unwrap_or(20.0);
                classes_ = Some(classes(node)?);
                features.count.get_or_insert(n);
                Kind::Propagation { train, labels, gamma }
            }
            "QuadraticDiscriminantAnalysis" => {
                let labels = classes(node)?;
                let (k, n, means) = matrix(node, "means_")?;
                let (_, priors) = floats(node, "priors_")?;
                let rotations = attr(node, "rotations_")?.as_list().ok_or_else(|| load("QDA: rotations_"))?;
                let scalings = attr(node, "scalings_")?.as_list().ok_or_else(|| load("QDA: scalings_"))?;
                if k != labels.len() || rotations.len() != k || scalings.len() != k || priors.len() != k {
                    return Err(load("QuadraticDiscriminantAnalysis: means_, rotations_, scalings_ do not match"));
                }
                let (mut rs, mut log_det) = (Vec::new(), Vec::new());
                for (r, s) in rotations.iter().zip(scalings) {
                    let (
                        Node::Array(NdArray { shape, data: Data::F64(r) }),
                        Node::Array(NdArray { data: Data::F64(s), .. }),
                    ) = (r, s)
                    else {
                        return Err(load("QuadraticDiscriminantAnalysis: rotations_ / scalings_ are not arrays"));
                    };
                    let [rows, rank] = shape.as_slice() else { return Err(load("QDA: a rotation is not 2-D")) };
                    if *rows != n || s.len() != *rank {
                        return Err(load("QuadraticDiscriminantAnalysis: a rotation does not match its scalings"));
                    }
                    let scaled = r.iter().enumerate().map(|(i, v)| v * s[i % rank].powf(-0.5)).collect();
                    rs.push((*rank, scaled));
                    log_det.push(s.iter().map(|v| v.ln()).sum());
                }
                classes_ = Some(labels);
                features.count.get_or_insert(n);
                Kind::Qda { means, rotations: rs, log_det, log_prior: priors.iter().map(|p| p.ln()).collect() }
            }
            "PLSRegression" | "PLSCanonical" | "CCA" => {
                let (targets, n, coef) = matrix(node, "coef_")?;
                let (_, mean) = floats(node, "_x_mean")?;
                let (_, intercept) = floats(node, "intercept_")?;
                if mean.len() != n || intercept.len() != targets {
                    return Err(load(format!("{class}: _x_mean / intercept_ do not match coef_")));
                }
                let one_d = node.get("_predict_1d").and_then(Node::as_bool).unwrap_or(false);
                features.count.get_or_insert(n);
                Kind::Pls { mean, coef, intercept, one_d }
            }
            "IsotonicRegression" => {
                let (_, x) = floats(node, "X_thresholds_")?;
                let (_, y) = floats(node, "y_thresholds_")?;
                if x.len() != y.len() || x.is_empty() {
                    return Err(load("IsotonicRegression: X_thresholds_ and y_thresholds_ do not match"));
                }
                let clip = match node.get("out_of_bounds").and_then(Node::as_str).unwrap_or("nan") {
                    "nan" => None,
                    "clip" => Some((
                        attr(node, "X_min_")?.as_f64().unwrap_or(x[0]),
                        attr(node, "X_max_")?.as_f64().unwrap_or(x[x.len() - 1]),
                    )),
                    other => return Err(load(format!("IsotonicRegression: out_of_bounds='{other}' is not supported"))),
                };
                features.count = Some(1);
                Kind::Isotonic { x, y, clip }
            }
            other => return Err(load(format!("{other} is not a model wasmflow supports"))),
        };
        Ok(KernelModel { features, kind, classes: classes_ })
    }

    /// Class scores (QDA: decision values; propagation: normalised weights).
    fn scores(&self, x: &Matrix) -> Vec<f64> {
        let n = x.cols;
        match &self.kind {
            Kind::Propagation { train, labels, gamma } => {
                let k = labels.len() / (train.len() / n).max(1);
                let d = squared_distances(train, x);
                let rows_train = train.len() / n;
                let mut out = Vec::with_capacity(x.rows * k);
                for i in 0..x.rows {
                    let mut p = vec![0.0; k];
                    for t in 0..rows_train {
                        let w = (d[t * x.rows + i] * -gamma).exp();
                        for c in 0..k {
                            p[c] += w * labels[t * k + c];
                        }
                    }
                    let sum: f64 = p.iter().sum();
                    out.extend(p.into_iter().map(|v| v / sum));
                }
                out
            }
            Kind::Qda { means, rotations, log_det, log_prior } => {
                let k = rotations.len();
                let mut out = Vec::with_capacity(x.rows * k);
                for i in 0..x.rows {
                    let row = x.row(i);
                    for c in 0..k {
                        let xm: Vec<f64> = row.iter().zip(&means[c * n..(c + 1) * n]).map(|(a, b)| a - b).collect();
                        let (rank, r) = &rotations[c];
                        let norm2: f64 = (0..*rank)
                            .map(|j| {
                                let v: f64 = xm.iter().enumerate().map(|(f, a)| a * r[f * rank + j]).sum();
                                v * v
                            })
                            .sum();
                        out.push(-0.5 * (norm2 + log_det[c]) + log_prior[c]);
                    }
                }
                out
            }
            _ => unreachable!("classifiers only"),
        }
    }

    fn regress(&self, x: &Matrix) -> NdArray {
        let n = x.cols;
        match &self.kind {
            Kind::KernelRidge { train, dual, targets, one_d, gamma } => {
                let rows_train = train.len() / n;
                let k: Vec<f64> = match gamma {
                    None => (0..x.rows)
                        .flat_map(|i| (0..rows_train).map(move |t| dot(x.row(i), &train[t * n..(t + 1) * n])))
                        .collect(),
                    Some(g) => {
                        let d = squared_distances_xy(x, train);
                        d.into_iter().map(|v| (v * -g).exp()).collect()
                    }
                };
                let data = (0..x.rows)
                    .flat_map(|i| {
                        let row = &k[i * rows_train..(i + 1) * rows_train];
                        (0..*targets).map(move |c| row.iter().enumerate().map(|(t, v)| v * dual[t * targets + c]).sum())
                    })
                    .collect();
                let shape = if *one_d { vec![x.rows] } else { vec![x.rows, *targets] };
                NdArray { shape, data: Data::F64(data) }
            }
            Kind::Pls { mean, coef, intercept, one_d } => {
                let t = intercept.len();
                let data = (0..x.rows)
                    .flat_map(|i| {
                        let xm: Vec<f64> = x.row(i).iter().zip(mean).map(|(a, b)| a - b).collect();
                        (0..t).map(move |c| dot(&xm, &coef[c * n..(c + 1) * n]) + intercept[c]).collect::<Vec<_>>()
                    })
                    .collect();
                let shape = if *one_d { vec![x.rows] } else { vec![x.rows, t] };
                NdArray { shape, data: Data::F64(data) }
            }
            Kind::Isotonic { x: xs, y, clip } => {
                let data =
                    x.data.iter().map(|&v| interp1d(xs, y, clip.map_or(v, |(lo, hi)| v.clamp(lo, hi)))).collect();
                NdArray { shape: vec![x.rows], data: Data::F64(data) }
            }
            _ => unreachable!("regressors only"),
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `euclidean_distances(train, x, squared=True)`, `train rows × x rows`.
fn squared_distances(train: &[f64], x: &Matrix) -> Vec<f64> {
    let n = x.cols;
    let tt: Vec<f64> = train.chunks(n).map(|r| dot(r, r)).collect();
    let xx: Vec<f64> = x.data.chunks(n).map(|r| dot(r, r)).collect();
    let mut out = Vec::with_capacity(tt.len() * x.rows);
    for (t, row) in train.chunks(n).enumerate() {
        for (i, xx) in xx.iter().enumerate() {
            let mut d = -2.0 * dot(row, x.row(i));
            d += tt[t];
            d += xx;
            out.push(d.max(0.0));
        }
    }
    out
}

/// `euclidean_distances(x, train, squared=True)`, `x rows × train rows`.
fn squared_distances_xy(x: &Matrix, train: &[f64]) -> Vec<f64> {
    let n = x.cols;
    let tt: Vec<f64> = train.chunks(n).map(|r| dot(r, r)).collect();
    let mut out = Vec::with_capacity(tt.len() * x.rows);
    for i in 0..x.rows {
        let xx = dot(x.row(i), x.row(i));
        for (t, row) in train.chunks(n).enumerate() {
            let mut d = -2.0 * dot(x.row(i), row);
            d += xx;
            d += tt[t];
            out.push(d.max(0.0));
        }
    }
    out
}

/// scipy's `interp1d(x, y, kind="linear", bounds_error=False)` at `v` (NaN outside).
fn interp1d(x: &[f64], y: &[f64], v: f64) -> f64 {
    if x.len() == 1 {
        return y[0];
    }
    if v.is_nan() || v < x[0] || v > x[x.len() - 1] {
        return f64::NAN;
    }
    let hi = x.partition_point(|&a| a < v).clamp(1, x.len() - 1);
    let lo = hi - 1;
    let slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
    slope * (v - x[lo]) + y[lo]
}

impl Estimator for KernelModel {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        method == Method::Predict || self.classes.is_some()
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some(classes) = &self.classes else { return Ok(self.regress(x)) };
        let picks: Vec<usize> = self.scores(x).chunks(classes.len()).map(argmax).collect();
        Ok(take(classes, &picks))
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.classes.as_ref().map_or(1, NdArray::len);
        let mut out = self.scores(x);
        if let Kind::Qda { .. } = self.kind {
            out.chunks_mut(k).for_each(discriminant_proba);
        }
        Ok(NdArray { shape: vec![x.rows, k], data: Data::F64(out) })
    }
}
