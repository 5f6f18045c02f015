//! Transformers that map each row through fitted arrays: linear projections
//! (`PCA`, `IncrementalPCA`, `TruncatedSVD`, `FastICA`, NCA; `SparsePCA` by ridge regression; dictionary learning's one-atom OMP code), random Fourier features
//! (`RBFSampler`, `SkewedChi2Sampler`), distances to cluster centres (`KMeans`,
//! `MiniBatchKMeans`, `BisectingKMeans`), and the row-wise `Normalizer` and
//! `Binarizer`, each in sklearn's order of operations.

use super::centroid::euclidean_distances;
use super::{features, floats, short};
use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    /// `X @ components.T - mean @ components.T`, divided by `scale` (PCA's whitening).
    Pca { components: Vec<f64>, offset: Vec<f64>, scale: Option<Vec<f64>> },
    /// `(X - mean) @ components.T` (FastICA; TruncatedSVD without a mean).
    Centered { mean: Option<Vec<f64>>, components: Vec<f64> },
    /// `cos(f(X) @ weights + offset) * factor`; f is `log(X + skewedness)` for the skewed χ² sampler.
    Fourier { weights: Vec<f64>, offset: Vec<f64>, factor: f64, skewedness: Option<f64> },
    /// `SparsePCA`: `(X - mean)` regressed on `components` (`ridge_regression`,
    /// Cholesky): `solve(C Cᵀ + αI, C (x - mean))` with `cholesky` the factor of `C Cᵀ + αI`.
    Ridge { mean: Vec<f64>, components: Vec<f64>, cholesky: Vec<f64> },
    /// Dictionary learning's OMP code with one non-zero coefficient per row: the atom
    /// most correlated with the row (first of equals), weighted `(x·d / l) / l`, `l = ‖d‖`.
    Omp1 { atoms: Vec<f64> },
    /// `PLSSVD`: `((X - x_mean) / x_std) @ x_weights` (`weights` features × components).
    Svd { mean: Vec<f64>, std: Vec<f64>, weights: Vec<f64> },
    /// Euclidean distances to each centre.
    Distances { centers: Vec<f64> },
    /// Rows divided by their l1, l2 or max norm.
    Normalize(Norm),
    /// `x > threshold` as 1.0 or 0.0.
    Binarize(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Norm {
    L1,
    L2,
    Max,
}

/// A fitted row transformer.
#[derive(Debug, Clone)]
pub struct Projection {
    pub features: Features,
    kind: Kind,
    outputs: usize,
}

/// `rows × cols` float array, checked.
fn matrix(node: &Node, name: &str, cols: Option<usize>) -> Result<(usize, usize, Vec<f64>), Error> {
    let class = short(node.class().unwrap_or("?"));
    let (shape, v) = floats(node, name)?;
    match shape.as_slice() {
        [r, c] if cols.is_none_or(|n| n == *c) => Ok((*r, *c, v)),
        _ => Err(load(format!("{class}.{name} has shape {shape:?}"))),
    }
}

impl Projection {
    pub fn build(node: &Node) -> Result<Projection, Error> {
        let class = short(node.class().unwrap_or("?"));
        let features = features(node);
        let n = features.count;
        let (kind, outputs) = match class {
            "PCA" | "IncrementalPCA" => {
                let (k, n, components) = matrix(node, "components_", n)?;
                let (_, mean) = floats(node, "mean_")?;
                if mean.len() != n {
                    return Err(load(format!("{class}.mean_ does not match components_")));
                }
                let offset = (0..k).map(|r| dot(&mean, &components[r * n..(r + 1) * n])).collect();
                let scale = if node.get("whiten").and_then(Node::as_bool).unwrap_or(false) {
                    let (_, var) = floats(node, "explained_variance_")?;
                    Some(var.iter().map(|v| v.sqrt().max(f64::EPSILON)).collect())
                } else {
                    None
                };
                (Kind::Pca { components, offset, scale }, k)
            }
            "TruncatedSVD" | "FastICA" | "NeighborhoodComponentsAnalysis" => {
                let (k, n, components) = matrix(node, "components_", n)?;
                let mean = match node.get("mean_") {
                    Some(m) if !m.is_none() && class == "FastICA" => Some(floats(node, "mean_")?.1),
                    _ => None,
                };
                if mean.as_ref().is_some_and(|m| m.len() != n) {
                    return Err(load(format!("{class}.mean_ does not match components_")));
                }
                (Kind::Centered { mean, components }, k)
            }
            "SparsePCA" | "MiniBatchSparsePCA" => {
                let (k, n, components) = matrix(node, "components_", n)?;
                let (_, mean) = floats(node, "mean_")?;
                let alpha = node.get("ridge_alpha").and_then(Node::as_f64).unwrap_or(0.01);
                if mean.len() != n {
                    return Err(load(format!("{class}.mean_ does not match components_")));
                }
                let mut a = vec![0.0; k * k];
                for r in 0..k {
                    for c in 0..k {
                        a[r * k + c] = dot(&components[r * n..(r + 1) * n], &components[c * n..(c + 1) * n]);
                    }
                    a[r * k + r] += alpha;
                }
                let cholesky = cholesky(a, k).ok_or_else(|| load(format!("{class}: C Cᵀ + αI is not positive")))?;
                (Kind::Ridge { mean, components, cholesky }, k)
            }
            "PLSSVD" => {
                let (rows, k, weights) = matrix(node, "x_weights_", None)?;
                let (_, mean) = floats(node, "_x_mean")?;
                let (_, std) = floats(node, "_x_std")?;
                if mean.len() != rows || std.len() != rows {
                    return Err(load("PLSSVD: _x_mean / _x_std do not match x_weights_"));
                }
                (Kind::Svd { mean, std, weights }, k)
            }
            "DictionaryLearning" | "MiniBatchDictionaryLearning" => {
                let (k, n, atoms) = matrix(node, "components_", n)?;
                let algorithm = node.get("transform_algorithm").and_then(Node::as_str).unwrap_or("omp");
                let nonzero = match node.get("transform_n_nonzero_coefs").and_then(Node::as_i64) {
                    Some(v) => v,
                    None => ((0.1 * n as f64) as i64).max(1),
                };
                let plain = node.get("split_sign").and_then(Node::as_bool) != Some(true)
                    && node.get("positive_code").and_then(Node::as_bool) != Some(true);
                if algorithm != "omp" || nonzero != 1 || !plain {
                    return Err(load(format!(
                        "{class}: only transform_algorithm='omp' with one non-zero coefficient is supported"
                    )));
                }
                (Kind::Omp1 { atoms }, k)
            }
            "RBFSampler" | "SkewedChi2Sampler" => {
                let (_, k, weights) = matrix(node, "random_weights_", None)?;
                let (_, offset) = floats(node, "random_offset_")?;
                let n_components = node.get("n_components").and_then(Node::as_f64).unwrap_or(k as f64);
                let skewedness = (class == "SkewedChi2Sampler")
                    .then(|| node.get("skewedness").and_then(Node::as_f64).unwrap_or(1.0));
                let factor = if skewedness.is_some() {
                    2f64.sqrt() / n_components.sqrt()
                } else {
                    (2.0 / n_components).powf(0.5)
                };
                if offset.len() != k {
                    return Err(load(format!("{class}.random_offset_ does not match random_weights_")));
                }
                (Kind::Fourier { weights, offset, factor, skewedness }, k)
            }
            "KMeans" | "MiniBatchKMeans" | "BisectingKMeans" => {
                let (k, _, centers) = matrix(node, "cluster_centers_", n)?;
                (Kind::Distances { centers }, k)
            }
            "Normalizer" => {
                let norm = match node.get("norm").and_then(Node::as_str).unwrap_or("l2") {
                    "l1" => Norm::L1,
                    "l2" => Norm::L2,
                    "max" => Norm::Max,
                    other => return Err(load(format!("Normalizer: norm '{other}' is not supported"))),
                };
                (Kind::Normalize(norm), 0)
            }
            "Binarizer" => (Kind::Binarize(node.get("threshold").and_then(Node::as_f64).unwrap_or(0.0)), 0),
            other => return Err(load(format!("{other} is not a transformer wasmflow supports"))),
        };
        Ok(Projection { features, kind, outputs })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = &self.features.matrix(x)?;
        let (rows, n, k) = (m.rows, m.cols, self.outputs);
        let project = |w: &[f64], row: &[f64], r: usize| dot(row, &w[r * n..(r + 1) * n]);
        let data: Vec<f64> = match &self.kind {
            Kind::Pca { components, offset, scale } => (0..rows)
                .flat_map(|i| {
                    (0..k).map(move |r| {
                        let v = project(components, m.row(i), r) - offset[r];
                        scale.as_ref().map_or(v, |s| v / s[r])
                    })
                })
                .collect(),
            Kind::Centered { mean, components } => (0..rows)
                .flat_map(|i| {
                    let row: Vec<f64> = match mean {
                        Some(mean) => m.row(i).iter().zip(mean).map(|(a, b)| a - b).collect(),
                        None => m.row(i).to_vec(),
                    };
                    (0..k).map(move |r| project(components, &row, r)).collect::<Vec<_>>()
                })
                .collect(),
            Kind::Fourier { weights, offset, factor, skewedness } => {
                let mut out = Vec::with_capacity(rows * k);
                for i in 0..rows {
                    let row: Vec<f64> = match skewedness {
                        Some(c) => {
                            if m.row(i).iter().any(|&v| v <= -c) {
                                return Err(Error::Evaluation(
                                    "X may not contain entries smaller than -skewedness.".into(),
                                ));
                            }
                            m.row(i).iter().map(|v| (v + c).ln()).collect()
                        }
                        None => m.row(i).to_vec(),
                    };
                    // `weights` is features × components: column r is component r.
                    for r in 0..k {
                        let p: f64 = row.iter().enumerate().map(|(j, v)| v * weights[j * k + r]).sum();
                        out.push((p + offset[r]).cos() * factor);
                    }
                }
                out
            }
            Kind::Ridge { mean, components, cholesky } => {
                let mut out = Vec::with_capacity(rows * k);
                for i in 0..rows {
                    let xm: Vec<f64> = m.row(i).iter().zip(mean).map(|(a, b)| a - b).collect();
                    let b: Vec<f64> = (0..k).map(|r| project(components, &xm, r)).collect();
                    out.extend(solve_cholesky(cholesky, k, b));
                }
                out
            }
            Kind::Svd { mean, std, weights } => (0..rows)
                .flat_map(|i| {
                    let xr: Vec<f64> = m.row(i).iter().zip(mean).zip(std).map(|((v, a), s)| (v - a) / s).collect();
                    (0..k)
                        .map(move |c| xr.iter().enumerate().map(|(j, v)| v * weights[j * k + c]).sum())
                        .collect::<Vec<f64>>()
                })
                .collect(),
            Kind::Omp1 { atoms } => {
                let mut out = vec![0.0; rows * k];
                for i in 0..rows {
                    let cov: Vec<f64> = (0..k).map(|r| project(atoms, m.row(i), r)).collect();
                    let best = (0..k).fold(0, |b, r| if cov[r].abs() > cov[b].abs() { r } else { b });
                    let l = dot(&atoms[best * n..(best + 1) * n], &atoms[best * n..(best + 1) * n]).sqrt();
                    if cov[best] * cov[best] >= f64::MIN_POSITIVE {
                        out[i * k + best] = cov[best] / l / l;
                    }
                }
                out
            }
            Kind::Distances { centers } => euclidean_distances(m, centers),
            Kind::Normalize(norm) => {
                let mut out = m.data.clone();
                for row in out.chunks_mut(n.max(1)) {
                    let size = match norm {
                        Norm::L1 => row.iter().map(|v| v.abs()).sum::<f64>(),
                        Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
                        Norm::Max => row.iter().map(|v| v.abs()).fold(0.0, f64::max),
                    };
                    // `_handle_zeros_in_scale`: a zero norm divides by 1.
                    let size = if size < 10.0 * f64::EPSILON { 1.0 } else { size };
                    row.iter_mut().for_each(|v| *v /= size);
                }
                out
            }
            Kind::Binarize(t) => m.data.iter().map(|&v| f64::from(u8::from(v > *t))).collect(),
        };
        let cols = if k == 0 { n } else { k };
        Ok(Matrix { rows, cols, data })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The lower Cholesky factor `L` of a symmetric positive `k × k` matrix (`A = L Lᵀ`).
fn cholesky(a: Vec<f64>, k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s = a[i * k + j] - (0..j).map(|p| l[i * k + p] * l[j * k + p]).sum::<f64>();
            if i == j {
                if s <= 0.0 {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b`.
fn solve_cholesky(l: &[f64], k: usize, mut b: Vec<f64>) -> Vec<f64> {
    for i in 0..k {
        b[i] = (b[i] - (0..i).map(|p| l[i * k + p] * b[p]).sum::<f64>()) / l[i * k + i];
    }
    for i in (0..k).rev() {
        b[i] = (b[i] - (i + 1..k).map(|p| l[p * k + i] * b[p]).sum::<f64>()) / l[i * k + i];
    }
    b
}
