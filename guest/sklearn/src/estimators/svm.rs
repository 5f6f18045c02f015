//! `SVC` / `SVR` (libsvm, dense): kernel values against `support_vectors_`, then
//! libsvm's `svm_predict_values` — for SVC one-vs-one decisions voted on (ties to
//! the lower class), for SVR one weighted sum — with `_dual_coef_` and
//! `_intercept_` (`-rho`) as sklearn hands them to libsvm. SVC `predict_proba`
//! (only with `probability=True`) is libsvm's: Platt sigmoids on the pairwise
//! decisions (`_probA`, `_probB`), coupled by `multiclass_probability`.
//! libsvm takes dot products with BLAS `ddot`; here they are summed in order,
//! which may differ in the last bits.

use super::{Estimator, Method, attr, classes, features, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kernel {
    Linear,
    Poly { gamma: f64, coef0: f64, degree: i64 },
    Rbf { gamma: f64 },
    Sigmoid { gamma: f64, coef0: f64 },
}

/// A fitted `SVC` or `SVR`.
#[derive(Debug, Clone)]
pub struct Svm {
    pub features: Features,
    /// `n_sv × features`, row-major.
    vectors: Vec<f64>,
    /// `(classes - 1) × n_sv` (one row for SVR).
    dual: Vec<f64>,
    intercept: Vec<f64>,
    /// Support vectors per class, in class order (SVC).
    n_support: Vec<usize>,
    kernel: Kernel,
    prob_a: Vec<f64>,
    prob_b: Vec<f64>,
    pub classes: Option<NdArray>,
    /// `OneClassSVM`: libsvm answers the decision's sign, 1 or -1.
    one_class: bool,
}

impl Svm {
    pub fn build(node: &Node) -> Result<Svm, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        let bad = |what: &str| load(format!("{class}: {what}"));
        let mut features = features(node);
        let (vshape, vectors) = floats(node, "support_vectors_")?;
        let [n_sv, width] = vshape.as_slice() else { return Err(bad("support_vectors_ is not 2-D")) };
        features.count.get_or_insert(*width);
        if features.count != Some(*width) || node.get("_sparse").and_then(Node::as_bool) == Some(true) {
            return Err(bad("support_vectors_ do not match n_features_in_ (or are sparse)"));
        }
        let (_, dual) = floats(node, "_dual_coef_")?;
        let (_, intercept) = floats(node, "_intercept_")?;
        let number = |name: &str| attr(node, name)?.as_f64().ok_or_else(|| bad(&format!("{name} is not a number")));
        let gamma = number("_gamma")?;
        let coef0 = number("coef0")?;
        let kernel = match attr(node, "kernel")?.as_str() {
            Some("linear") => Kernel::Linear,
            Some("poly") => Kernel::Poly { gamma, coef0, degree: number("degree")? as i64 },
            Some("rbf") => Kernel::Rbf { gamma },
            Some("sigmoid") => Kernel::Sigmoid { gamma, coef0 },
            other => return Err(bad(&format!("kernel {other:?} is not supported"))),
        };
        let classes = if class == "SVC" || class == "NuSVC" { Some(classes(node)?) } else { None };
        let one_class = class == "OneClassSVM";
        let (n_support, prob_a, prob_b) = match &classes {
            Some(c) => {
                if node.get("break_ties").and_then(Node::as_bool) == Some(true) {
                    return Err(bad("break_ties=True is not supported"));
                }
                let (_, n) = floats(node, "_n_support")?;
                let n: Vec<usize> = n.iter().map(|&v| v as usize).collect();
                let k = c.len();
                if n.len() != k || n.iter().sum::<usize>() != *n_sv || intercept.len() != k * (k - 1) / 2 {
                    return Err(bad("_n_support / _intercept_ do not match classes_"));
                }
                if dual.len() != (k - 1) * n_sv {
                    return Err(bad("_dual_coef_ does not match the support vectors"));
                }
                let (_, a) = floats(node, "_probA")?;
                let (_, b) = floats(node, "_probB")?;
                (n, a, b)
            }
            None => {
                if dual.len() != *n_sv || intercept.len() != 1 {
                    return Err(bad("_dual_coef_ / _intercept_ do not match the support vectors"));
                }
                (Vec::new(), Vec::new(), Vec::new())
            }
        };
        Ok(Svm { features, vectors, dual, intercept, n_support, kernel, prob_a, prob_b, classes, one_class })
    }

    /// libsvm's `k_function` against every support vector.
    fn kernel_values(&self, row: &[f64]) -> Vec<f64> {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        self.vectors
            .chunks(row.len().max(1))
            .map(|sv| match self.kernel {
                Kernel::Linear => dot(row, sv),
                Kernel::Poly { gamma, coef0, degree } => powi(gamma * dot(row, sv) + coef0, degree),
                Kernel::Rbf { gamma } => {
                    let sum: f64 = row.iter().zip(sv).map(|(x, y)| (x - y) * (x - y)).sum();
                    (-gamma * sum).exp()
                }
                Kernel::Sigmoid { gamma, coef0 } => (gamma * dot(row, sv) + coef0).tanh(),
            })
            .collect()
    }

    /// The one-vs-one decision values (`svm_predict_values`), pairs `(i, j)`, `i < j`.
    fn decisions(&self, row: &[f64]) -> Vec<f64> {
        let kvalue = self.kernel_values(row);
        let n_sv = kvalue.len();
        let k = self.n_support.len();
        let mut start = vec![0; k];
        for i in 1..k {
            start[i] = start[i - 1] + self.n_support[i - 1];
        }
        let mut out = Vec::with_capacity(k * (k - 1) / 2);
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let coef1 = &self.dual[(j - 1) * n_sv..j * n_sv];
                let coef2 = &self.dual[i * n_sv..(i + 1) * n_sv];
                let mut sum = 0.0;
                for s in start[i]..start[i] + self.n_support[i] {
                    sum += coef1[s] * kvalue[s];
                }
                for s in start[j]..start[j] + self.n_support[j] {
                    sum += coef2[s] * kvalue[s];
                }
                out.push(sum - -self.intercept[p]);
                p += 1;
            }
        }
        out
    }
}

/// libsvm's `powi`: square-and-multiply.
fn powi(base: f64, times: i64) -> f64 {
    let (mut tmp, mut ret) = (base, 1.0);
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

/// libsvm's `sigmoid_predict`.
fn sigmoid_predict(decision: f64, a: f64, b: f64) -> f64 {
    let f = decision * a + b;
    if f >= 0.0 { (-f).exp() / (1.0 + (-f).exp()) } else { 1.0 / (1.0 + f.exp()) }
}

/// libsvm's `multiclass_probability` (method 2 of Wu, Lin and Weng), `r` row-major `k × k`.
fn multiclass_probability(k: usize, r: &[f64]) -> Vec<f64> {
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut p = vec![1.0 / k as f64; k];
    let mut q = vec![0.0; k * k];
    for t in 0..k {
        for j in 0..t {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = q[j * k + t];
        }
        for j in t + 1..k {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    let mut qp = vec![0.0; k];
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = 0.0;
            for j in 0..k {
                qp[t] += q[t * k + j] * p[j];
            }
            pqp += p[t] * qp[t];
        }
        let max_error = qp.iter().map(|v| (v - pqp).abs()).fold(0.0, f64::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t * k + t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t * k + t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

impl Estimator for Svm {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        let k = self.n_support.len();
        method == Method::Predict
            || (self.classes.is_some()
                && self.prob_a.len() == k * (k - 1) / 2
                && self.prob_b.len() == self.prob_a.len())
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some(classes) = &self.classes else {
            let out = (0..x.rows)
                .map(|i| {
                    let kvalue = self.kernel_values(x.row(i));
                    let sum: f64 = self.dual.iter().zip(&kvalue).fold(0.0, |s, (c, v)| s + c * v);
                    sum - -self.intercept[0]
                })
                .collect::<Vec<f64>>();
            if self.one_class {
                let labels = out.iter().map(|&d| if d > 0.0 { 1 } else { -1 }).collect();
                return Ok(NdArray { shape: vec![x.rows], data: Data::I64(labels) });
            }
            return Ok(NdArray { shape: vec![x.rows], data: Data::F64(out) });
        };
        let k = classes.len();
        let picks: Vec<usize> = (0..x.rows)
            .map(|i| {
                let mut vote = vec![0usize; k];
                let mut p = 0;
                let decisions = self.decisions(x.row(i));
                for a in 0..k {
                    for b in a + 1..k {
                        vote[if decisions[p] > 0.0 { a } else { b }] += 1;
                        p += 1;
                    }
                }
                (1..k).fold(0, |best, c| if vote[c] > vote[best] { c } else { best })
            })
            .collect();
        Ok(take(classes, &picks))
    }

    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.n_support.len();
        let min_prob = 1e-7;
        let mut out = Vec::with_capacity(x.rows * k);
        for i in 0..x.rows {
            let decisions = self.decisions(x.row(i));
            let mut r = vec![0.0; k * k];
            let mut p = 0;
            for a in 0..k {
                for b in a + 1..k {
                    let s = sigmoid_predict(decisions[p], self.prob_a[p], self.prob_b[p]);
                    r[a * k + b] = s.max(min_prob).min(1.0 - min_prob);
                    r[b * k + a] = 1.0 - r[a * k + b];
                    p += 1;
                }
            }
            out.extend(multiclass_probability(k, &r));
        }
        Ok(NdArray { shape: vec![x.rows, k], data: Data::F64(out) })
    }
}
