//! Feature maps learnt from (or against) the training data: `BernoulliRBM`
//! (hidden-unit means), `Nystroem` (RBF kernel against `components_`),
//! `AdditiveChi2Sampler`, `FeatureAgglomeration` (cluster means), `TfidfTransformer`,
//! `KernelPCA` (linear kernel, centred as `KernelCenterer` centres) and
//! `FactorAnalysis` (posterior means), each in sklearn's order of operations.

use super::linear::expit;
use super::{attr, features, floats, short};
use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    /// `expit(X @ components.T + intercept)`.
    Rbm { components: Vec<f64>, intercept: Vec<f64> },
    /// `rbf(X, components) @ normalization.T`.
    Nystroem { components: Vec<f64>, normalization: Vec<f64>, gamma: f64 },
    /// `sample_steps` and `sample_interval`.
    Chi2 { steps: usize, interval: f64 },
    /// Cluster label of each feature, and cluster sizes.
    Agglomeration { labels: Vec<usize>, sizes: Vec<f64> },
    /// `X * idf` (if any), rows l2-normalised (if `norm='l2'`).
    Tfidf { idf: Option<Vec<f64>>, l2: bool },
    /// `X @ X_fit.T`, centred, `@ eigenvectors / sqrt(eigenvalues)`.
    KernelPca { train: Vec<f64>, fit_rows: Vec<f64>, fit_all: f64, alphas: Vec<f64> },
    /// `((X - mean) @ Wpsi.T) @ inv(I + Wpsi @ components.T)`.
    Factor { mean: Vec<f64>, wpsi: Vec<f64>, cov: Vec<f64> },
}

/// A fitted feature map.
#[derive(Debug, Clone)]
pub struct FeatureMap {
    pub features: Features,
    kind: Kind,
    outputs: usize,
}

fn matrix(node: &Node, name: &str) -> Result<(usize, usize, Vec<f64>), Error> {
    let (shape, v) = floats(node, name)?;
    match shape.as_slice() {
        [r, c] => Ok((*r, *c, v)),
        _ => Err(load(format!("{}.{name} has shape {shape:?}", short(node.class().unwrap_or("?"))))),
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl FeatureMap {
    pub fn build(node: &Node) -> Result<FeatureMap, Error> {
        let class = short(node.class().unwrap_or("?"));
        let mut features = features(node);
        let n = features.count;
        let (kind, outputs) = match class {
            "BernoulliRBM" => {
                let (k, _, components) = matrix(node, "components_")?;
                let (_, intercept) = floats(node, "intercept_hidden_")?;
                (Kind::Rbm { components, intercept }, k)
            }
            "Nystroem" => {
                if node.get("kernel").and_then(Node::as_str) != Some("rbf") {
                    return Err(load("Nystroem: only the rbf kernel is supported"));
                }
                let (k, width, components) = matrix(node, "components_")?;
                let (_, _, normalization) = matrix(node, "normalization_")?;
                let gamma = node.get("gamma").and_then(Node::as_f64).unwrap_or(1.0 / width as f64);
                (Kind::Nystroem { components, normalization, gamma }, k)
            }
            "AdditiveChi2Sampler" => {
                let steps = node.get("sample_steps").and_then(Node::as_i64).unwrap_or(2) as usize;
                let interval = match (node.get("sample_interval").and_then(Node::as_f64), steps) {
                    (Some(i), _) => i,
                    (None, 1) => 0.8,
                    (None, 2) => 0.5,
                    (None, 3) => 0.4,
                    _ => return Err(load("AdditiveChi2Sampler: sample_interval is required")),
                };
                let n = n.ok_or_else(|| load("AdditiveChi2Sampler is not fitted"))?;
                (Kind::Chi2 { steps, interval }, n * (2 * steps - 1))
            }
            "FeatureAgglomeration" => {
                let labels: Vec<usize> = match attr(node, "labels_")? {
                    Node::Array(NdArray { data: Data::I64(v), .. }) => v.iter().map(|&l| l.max(0) as usize).collect(),
                    _ => return Err(load("FeatureAgglomeration.labels_ is not an integer array")),
                };
                let k = labels.iter().max().map_or(0, |m| m + 1);
                let mut sizes = vec![0.0; k];
                labels.iter().for_each(|&l| sizes[l] += 1.0);
                (Kind::Agglomeration { labels, sizes }, k)
            }
            "TfidfTransformer" => {
                let idf = match node.get("idf_") {
                    Some(v) if !v.is_none() => Some(floats(node, "idf_")?.1),
                    _ if node.get("use_idf").and_then(Node::as_bool) == Some(false) => None,
                    _ => return Err(load("TfidfTransformer: idf_ is missing")),
                };
                let l2 = match node.get("norm").and_then(Node::as_str) {
                    Some("l2") => true,
                    None => false,
                    Some(other) => return Err(load(format!("TfidfTransformer: norm '{other}' is not supported"))),
                };
                if node.get("sublinear_tf").and_then(Node::as_bool) == Some(true) {
                    return Err(load("TfidfTransformer(sublinear_tf=True) is not supported"));
                }
                (Kind::Tfidf { idf, l2 }, 0)
            }
            "KernelPCA" => {
                if node.get("kernel").and_then(Node::as_str) != Some("linear") {
                    return Err(load("KernelPCA: only the linear kernel is supported"));
                }
                let (_, _, train) = matrix(node, "X_fit_")?;
                let (rows, k, vectors) = matrix(node, "eigenvectors_")?;
                let (_, values) = floats(node, "eigenvalues_")?;
                let centerer = attr(node, "_centerer")?;
                let (_, fit_rows) = floats(centerer, "K_fit_rows_")?;
                let fit_all = attr(centerer, "K_fit_all_")?.as_f64().ok_or_else(|| load("KernelPCA: K_fit_all_"))?;
                if values.len() != k || fit_rows.len() != rows {
                    return Err(load("KernelPCA: eigenvectors_, eigenvalues_ and the centerer do not match"));
                }
                let alphas = vectors
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if values[i % k] != 0.0 { v / values[i % k].sqrt() } else { 0.0 })
                    .collect();
                (Kind::KernelPca { train, fit_rows, fit_all, alphas }, k)
            }
            "FactorAnalysis" => {
                let (k, width, components) = matrix(node, "components_")?;
                let (_, mean) = floats(node, "mean_")?;
                let (_, noise) = floats(node, "noise_variance_")?;
                if mean.len() != width || noise.len() != width {
                    return Err(load("FactorAnalysis: mean_ / noise_variance_ do not match components_"));
                }
                let wpsi: Vec<f64> = components.iter().enumerate().map(|(i, c)| c / noise[i % width]).collect();
                let mut a = vec![0.0; k * k];
                for r in 0..k {
                    for c in 0..k {
                        let v = dot(&wpsi[r * width..(r + 1) * width], &components[c * width..(c + 1) * width]);
                        a[r * k + c] = f64::from(u8::from(r == c)) + v;
                    }
                }
                let cov = invert(a, k).ok_or_else(|| load("FactorAnalysis: I + W Ψ⁻¹ Wᵀ is singular"))?;
                (Kind::Factor { mean, wpsi, cov }, k)
            }
            other => return Err(load(format!("{other} is not a transformer wasmflow supports"))),
        };
        if let Kind::Agglomeration { labels, .. } = &kind {
            features.count.get_or_insert(labels.len());
        }
        Ok(FeatureMap { features, kind, outputs })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = &self.features.matrix(x)?;
        let (rows, n, k) = (m.rows, m.cols, self.outputs);
        let mut out = Vec::with_capacity(rows * k.max(n));
        match &self.kind {
            Kind::Rbm { components, intercept } => {
                for i in 0..rows {
                    out.extend((0..k).map(|r| expit(dot(m.row(i), &components[r * n..(r + 1) * n]) + intercept[r])));
                }
            }
            Kind::Nystroem { components, normalization, gamma } => {
                let cc: Vec<f64> = components.chunks(n).map(|c| dot(c, c)).collect();
                for i in 0..rows {
                    let xx = dot(m.row(i), m.row(i));
                    let kernel: Vec<f64> = components
                        .chunks(n)
                        .zip(&cc)
                        .map(|(c, cc)| {
                            let mut d = -2.0 * dot(m.row(i), c);
                            d += xx;
                            d += cc;
                            (d.max(0.0) * -gamma).exp()
                        })
                        .collect();
                    out.extend((0..k).map(|r| dot(&kernel, &normalization[r * k..(r + 1) * k])));
                }
            }
            Kind::Chi2 { steps, interval } => {
                if m.data.iter().any(|&v| v < 0.0) {
                    return Err(Error::Evaluation(
                        "Negative values in data passed to AdditiveChi2Sampler (input X)".into(),
                    ));
                }
                for i in 0..rows {
                    let row = m.row(i);
                    out.extend(row.iter().map(|&v| if v != 0.0 { (v * interval).sqrt() } else { 0.0 }));
                    for j in 1..*steps {
                        let jf = j as f64;
                        let factor =
                            |v: f64| (2.0 * v * interval / (std::f64::consts::PI * jf * interval).cosh()).sqrt();
                        let log_step = |v: f64| interval * v.ln();
                        out.extend(
                            row.iter().map(|&v| if v != 0.0 { factor(v) * (jf * log_step(v)).cos() } else { 0.0 }),
                        );
                        out.extend(
                            row.iter().map(|&v| if v != 0.0 { factor(v) * (jf * log_step(v)).sin() } else { 0.0 }),
                        );
                    }
                }
            }
            Kind::Agglomeration { labels, sizes } => {
                for i in 0..rows {
                    let mut sums = vec![0.0; k];
                    m.row(i).iter().zip(labels).for_each(|(v, &l)| sums[l] += v);
                    out.extend(sums.iter().zip(sizes).map(|(s, n)| s / n));
                }
            }
            Kind::Tfidf { idf, l2 } => {
                for i in 0..rows {
                    let mut row: Vec<f64> = match idf {
                        Some(idf) => {
                            m.row(i).iter().zip(idf).map(|(v, w)| if *v != 0.0 { v * w } else { 0.0 }).collect()
                        }
                        None => m.row(i).to_vec(),
                    };
                    if *l2 {
                        let norm = row.iter().filter(|v| **v != 0.0).map(|v| v * v).sum::<f64>().sqrt();
                        let norm = if norm < 10.0 * f64::EPSILON { 1.0 } else { norm };
                        row.iter_mut().for_each(|v| *v /= norm);
                    }
                    out.extend(row);
                }
            }
            Kind::KernelPca { train, fit_rows, fit_all, alphas } => {
                let t = fit_rows.len();
                for i in 0..rows {
                    let mut kernel: Vec<f64> = train.chunks(n).map(|r| dot(m.row(i), r)).collect();
                    let col = np_sum(&kernel) / t as f64;
                    for (v, f) in kernel.iter_mut().zip(fit_rows) {
                        *v -= f;
                        *v -= col;
                        *v += fit_all;
                    }
                    out.extend((0..k).map(|c| (0..t).map(|r| kernel[r] * alphas[r * k + c]).sum::<f64>()));
                }
            }
            Kind::Factor { mean, wpsi, cov } => {
                for i in 0..rows {
                    let xm: Vec<f64> = m.row(i).iter().zip(mean).map(|(a, b)| a - b).collect();
                    let tmp: Vec<f64> = (0..k).map(|r| dot(&xm, &wpsi[r * n..(r + 1) * n])).collect();
                    out.extend((0..k).map(|c| (0..k).map(|r| tmp[r] * cov[r * k + c]).sum::<f64>()));
                }
            }
        }
        let cols = if k == 0 { n } else { k };
        Ok(Matrix { rows, cols, data: out })
    }
}

/// numpy's pairwise summation (`np.sum` of a contiguous float64 vector).
pub(super) fn np_sum(v: &[f64]) -> f64 {
    if v.len() < 8 {
        return v.iter().fold(0.0, |s, x| s + x);
    }
    if v.len() <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&v[..8]);
        let whole = v.len() - v.len() % 8;
        for chunk in v[8..whole].chunks(8) {
            r.iter_mut().zip(chunk).for_each(|(a, b)| *a += b);
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &v[whole..] {
            s += x;
        }
        return s;
    }
    let half = (v.len() / 2) / 8 * 8;
    np_sum(&v[..half]) + np_sum(&v[half..])
}

/// The inverse of a `k × k` matrix (Gauss–Jordan with partial pivoting).
fn invert(mut a: Vec<f64>, k: usize) -> Option<Vec<f64>> {
    let mut inv: Vec<f64> = (0..k * k).map(|i| f64::from(u8::from(i / k == i % k))).collect();
    for c in 0..k {
        let p = (c..k).max_by(|&x, &y| a[x * k + c].abs().total_cmp(&a[y * k + c].abs()))?;
        if a[p * k + c] == 0.0 {
            return None;
        }
        for j in 0..k {
            a.swap(c * k + j, p * k + j);
            inv.swap(c * k + j, p * k + j);
        }
        let d = a[c * k + c];
        for j in 0..k {
            a[c * k + j] /= d;
            inv[c * k + j] /= d;
        }
        for r in (0..k).filter(|&r| r != c) {
            let f = a[r * k + c];
            for j in 0..k {
                a[r * k + j] -= f * a[c * k + j];
                inv[r * k + j] -= f * inv[c * k + j];
            }
        }
    }
    Some(inv)
}
