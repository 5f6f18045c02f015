//! `GaussianNB`: per-class Gaussian log-likelihoods (`_joint_log_likelihood`),
//! normalised with a log-sum-exp for `predict_proba`.

use super::{argmax, classes, features, floats, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// A fitted `GaussianNB`.
#[derive(Debug, Clone)]
pub struct GaussianNb {
    pub features: Features,
    /// `classes × features`, row-major.
    theta: Vec<f64>,
    var: Vec<f64>,
    log_prior: Vec<f64>,
    pub classes: NdArray,
}

impl GaussianNb {
    pub fn build(node: &Node) -> Result<GaussianNb, Error> {
        let classes = classes(node)?;
        let (shape, theta) = floats(node, "theta_")?;
        let (vshape, var) = floats(node, "var_")?;
        let (_, prior) = floats(node, "class_prior_")?;
        let [n_classes, width] = shape.as_slice() else { return Err(load("GaussianNB.theta_ is not 2-D")) };
        if vshape != shape || *n_classes != classes.len() || prior.len() != *n_classes {
            return Err(load("GaussianNB: theta_, var_, class_prior_ and classes_ do not match"));
        }
        let mut features = features(node);
        features.count.get_or_insert(*width);
        if features.count != Some(*width) {
            return Err(load("GaussianNB.theta_ does not match n_features_in_"));
        }
        Ok(GaussianNb { features, theta, var, log_prior: prior.iter().map(|p| p.ln()).collect(), classes })
    }

    /// `_joint_log_likelihood`: one row of class scores per input row.
    fn joint_log_likelihood(&self, x: &Matrix) -> Vec<f64> {
        let (k, n) = (self.classes.len(), x.cols);
        let norms: Vec<f64> = (0..k)
            .map(|c| {
                -0.5 * self.var[c * n..(c + 1) * n].iter().map(|v| (2.0 * std::f64::consts::PI * v).ln()).sum::<f64>()
            })
            .collect();
        let mut out = Vec::with_capacity(x.rows * k);
        for i in 0..x.rows {
            let row = x.row(i);
            for (c, (norm, log_prior)) in norms.iter().zip(&self.log_prior).enumerate() {
                let (theta, var) = (&self.theta[c * n..(c + 1) * n], &self.var[c * n..(c + 1) * n]);
                let sq: f64 = row.iter().zip(theta).zip(var).map(|((x, t), v)| (x - t) * (x - t) / v).sum();
                out.push(log_prior + (norm - 0.5 * sq));
            }
        }
        out
    }

    pub fn predict(&self, x: &Matrix) -> NdArray {
        let jll = self.joint_log_likelihood(x);
        let picks: Vec<usize> = jll.chunks(self.classes.len()).map(argmax).collect();
        take(&self.classes, &picks)
    }

    /// `exp(jll - logsumexp(jll))` per row.
    pub fn predict_proba(&self, x: &Matrix) -> NdArray {
        let k = self.classes.len();
        let mut out = self.joint_log_likelihood(x);
        for row in out.chunks_mut(k) {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = row.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
            row.iter_mut().for_each(|v| *v = (*v - lse).exp());
        }
        NdArray { shape: vec![x.rows, k], data: Data::F64(out) }
    }
}
