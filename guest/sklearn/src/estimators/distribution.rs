//! Transformers that reshape each feature's distribution: `PowerTransformer`
//! (Yeo-Johnson as scipy computes it, then its standard scaler),
//! `QuantileTransformer` (uniform output: numpy's `interp` both ways, averaged)
//! and `KBinsDiscretizer` (`searchsorted` on the inner bin edges; ordinal or one-hot).

use super::{attr, features, floats, short};
use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    /// λ per feature, then `(x - mean) / scale` when standardized.
    Power { lambdas: Vec<f64>, mean: Option<Vec<f64>>, scale: Option<Vec<f64>> },
    /// `quantiles_` (`n_quantiles × features`, row-major) and `references_`.
    Quantile { quantiles: Vec<f64>, references: Vec<f64> },
    /// Bin edges per feature; one-hot output when set.
    Bins { edges: Vec<Vec<f64>>, onehot: bool },
}

/// A fitted distribution transformer.
#[derive(Debug, Clone)]
pub struct Distribution {
    pub features: Features,
    kind: Kind,
}

impl Distribution {
    pub fn build(node: &Node) -> Result<Distribution, Error> {
        let class = short(node.class().unwrap_or("?"));
        let mut features = features(node);
        let kind = match class {
            "PowerTransformer" => {
                if node.get("method").and_then(Node::as_str) != Some("yeo-johnson") {
                    return Err(load("PowerTransformer: only method='yeo-johnson' is supported"));
                }
                let (_, lambdas) = floats(node, "lambdas_")?;
                let (mean, scale) = match node.get("_scaler") {
                    Some(s) if !s.is_none() && node.get("standardize").and_then(Node::as_bool) != Some(false) => {
                        let opt = |name: &str| match s.get(name) {
                            Some(v) if !v.is_none() => floats(s, name).map(|(_, v)| Some(v)),
                            _ => Ok(None),
                        };
                        (opt("mean_")?, opt("scale_")?)
                    }
                    _ => (None, None),
                };
                features.count.get_or_insert(lambdas.len());
                Kind::Power { lambdas, mean, scale }
            }
            "QuantileTransformer" => {
                if node.get("output_distribution").and_then(Node::as_str) != Some("uniform") {
                    return Err(load("QuantileTransformer: only output_distribution='uniform' is supported"));
                }
                let (shape, quantiles) = floats(node, "quantiles_")?;
                let (_, references) = floats(node, "references_")?;
                let [q, n] = shape.as_slice() else { return Err(load("QuantileTransformer.quantiles_ is not 2-D")) };
                if references.len() != *q || *q < 2 {
                    return Err(load("QuantileTransformer: quantiles_ and references_ do not match"));
                }
                features.count.get_or_insert(*n);
                Kind::Quantile { quantiles, references }
            }
            "KBinsDiscretizer" => {
                let edges = attr(node, "bin_edges_")?
                    .as_list()
                    .ok_or_else(|| load("KBinsDiscretizer.bin_edges_ is not a list"))?
                    .iter()
                    .map(|e| match e {
                        Node::Array(NdArray { data: Data::F64(v), .. }) if v.len() >= 2 => Ok(v.clone()),
                        _ => Err(load("KBinsDiscretizer.bin_edges_ holds something other than edges")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let onehot = match node.get("encode").and_then(Node::as_str).unwrap_or("onehot") {
                    "onehot" | "onehot-dense" => true,
                    "ordinal" => false,
                    other => return Err(load(format!("KBinsDiscretizer: encode='{other}' is not supported"))),
                };
                features.count.get_or_insert(edges.len());
                Kind::Bins { edges, onehot }
            }
            other => return Err(load(format!("{other} is not a transformer wasmflow supports"))),
        };
        Ok(Distribution { features, kind })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = self.features.matrix(x)?;
        let (rows, n) = (m.rows, m.cols);
        let data: Vec<f64> = match &self.kind {
            Kind::Power { lambdas, mean, scale } => {
                let mut out = Vec::with_capacity(rows * n);
                for i in 0..rows {
                    for (j, &v) in m.row(i).iter().enumerate() {
                        let mut t = yeo_johnson(v, lambdas[j]);
                        if let Some(mean) = mean {
                            t -= mean[j];
                        }
                        if let Some(scale) = scale {
                            t /= scale[j];
                        }
                        out.push(t);
                    }
                }
                out
            }
            Kind::Quantile { quantiles, references } => {
                let q = references.len();
                let columns: Vec<Vec<f64>> = (0..n).map(|j| (0..q).map(|r| quantiles[r * n + j]).collect()).collect();
                let neg_q: Vec<Vec<f64>> = columns.iter().map(|c| c.iter().rev().map(|v| -v).collect()).collect();
                let neg_r: Vec<f64> = references.iter().rev().map(|v| -v).collect();
                let mut out = Vec::with_capacity(rows * n);
                for i in 0..rows {
                    for (j, &v) in m.row(i).iter().enumerate() {
                        let c = &columns[j];
                        let t = if v.is_nan() {
                            v
                        } else if v == c[q - 1] {
                            1.0
                        } else if v == c[0] {
                            0.0
                        } else {
                            0.5 * (interp(v, c, references) - interp(-v, &neg_q[j], &neg_r))
                        };
                        out.push(t);
                    }
                }
                out
            }
            Kind::Bins { edges, onehot } => {
                let bins: Vec<usize> = (0..rows * n)
                    .map(|k| {
                        let inner = &edges[k % n][1..edges[k % n].len() - 1];
                        inner.partition_point(|&e| e <= m.data[k])
                    })
                    .collect();
                if !onehot {
                    bins.iter().map(|&b| b as f64).collect()
                } else {
                    let mut out = Vec::new();
                    for i in 0..rows {
                        for j in 0..n {
                            let width = edges[j].len() - 1;
                            out.extend((0..width).map(|b| f64::from(u8::from(b == bins[i * n + j]))));
                        }
                    }
                    out
                }
            }
        };
        let cols = data.len().checked_div(rows).unwrap_or(n);
        Ok(Matrix { rows, cols, data })
    }
}

/// scipy's `_yeojohnson_transform` for one value.
fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    if x >= 0.0 {
        if lambda.abs() < f64::EPSILON { x.ln_1p() } else { (lambda * x.ln_1p()).exp_m1() / lambda }
    } else if (lambda - 2.0).abs() > f64::EPSILON {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// `np.interp(x, xp, fp)` for one value (xp ascending): the last `j` with
/// `xp[j] <= x`, then numpy's slope form.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x <= xp[0] {
        return fp[0];
    }
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    let j = xp.partition_point(|&v| v <= x) - 1;
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let mut y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() {
        y = slope * (x - xp[j + 1]) + fp[j + 1];
        if y.is_nan() && fp[j] == fp[j + 1] {
            y = fp[j];
        }
    }
    y
}
