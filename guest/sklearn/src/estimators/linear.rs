//! Linear models: `LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`
//! (`X @ coef_.T + intercept_`) and
//! `LogisticRegression` (binary: logistic of one score; multinomial: softmax).

use super::{argmax, classes, features, floats, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// A fitted linear model.
#[derive(Debug, Clone)]
pub struct Linear {
    pub features: Features,
    /// `targets × features`, row-major.
    coef: Vec<f64>,
    targets: usize,
    intercept: Vec<f64>,
    /// Regressors fitted on a 1-D target answer a 1-D array.
    one_d: bool,
    /// Classifiers only.
    pub classes: Option<NdArray>,
}

impl Linear {
    pub fn build(node: &Node) -> Result<Linear, Error> {
        let class = node.class().unwrap_or("?");
        let (shape, coef) = floats(node, "coef_")?;
        let (targets, width, one_d) = match shape.as_slice() {
            [n] => (1, *n, true),
            [t, n] => (*t, *n, false),
            _ => return Err(load(format!("{class}.coef_ has shape {shape:?}"))),
        };
        let (_, mut intercept) = floats(node, "intercept_")?;
        if intercept.len() == 1 && targets > 1 {
            intercept = vec![intercept[0]; targets];
        }
        if intercept.len() != targets {
            return Err(load(format!("{class}.intercept_ does not match coef_")));
        }
        let mut features = features(node);
        features.count.get_or_insert(width);
        if features.count != Some(width) {
            return Err(load(format!("{class}.coef_ does not match n_features_in_")));
        }
        let classes = if class.ends_with("LogisticRegression") {
            let classes = classes(node)?;
            let expected = if classes.len() == 2 { 1 } else { classes.len() };
            if targets != expected || classes.len() < 2 {
                return Err(load(format!("{class}: coef_ has {targets} rows for {} classes", classes.len())));
            }
            Some(classes)
        } else {
            None
        };
        Ok(Linear { features, coef, targets, intercept, one_d, classes })
    }

    /// `decision_function`: one score per target for each row.
    fn scores(&self, x: &Matrix) -> Vec<f64> {
        let mut out = Vec::with_capacity(x.rows * self.targets);
        for i in 0..x.rows {
            let row = x.row(i);
            for t in 0..self.targets {
                let w = &self.coef[t * x.cols..(t + 1) * x.cols];
                out.push(row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() + self.intercept[t]);
            }
        }
        out
    }

    pub fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let scores = self.scores(x);
        let Some(classes) = &self.classes else {
            let shape = if self.one_d { vec![x.rows] } else { vec![x.rows, self.targets] };
            return Ok(NdArray { shape, data: Data::F64(scores) });
        };
        let picks: Vec<usize> = if self.targets == 1 {
            scores.iter().map(|&s| usize::from(s > 0.0)).collect()
        } else {
            scores.chunks(self.targets).map(argmax).collect()
        };
        Ok(take(classes, &picks))
    }

    /// `predict_proba`: `[1 - p, p]` with `p = expit(score)` for two classes,
    /// `softmax(scores)` for more.
    pub fn predict_proba(&self, x: &Matrix) -> NdArray {
        let scores = self.scores(x);
        let mut out = Vec::with_capacity(x.rows * self.targets.max(2));
        if self.targets == 1 {
            for s in scores {
                let p = expit(s);
                out.extend([1.0 - p, p]);
            }
        } else {
            for row in scores.chunks(self.targets) {
                out.extend(softmax(row));
            }
        }
        let width = out.len() / x.rows.max(1);
        NdArray { shape: vec![x.rows, width], data: Data::F64(out) }
    }
}

/// scipy's `expit`, in the same two branches.
fn expit(x: f64) -> f64 {
    if x < 0.0 {
        let e = x.exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

/// `sklearn.utils.extmath.softmax` for one row: shift by the max, exp, normalise.
fn softmax(row: &[f64]) -> Vec<f64> {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expit_and_softmax_match_their_definitions() {
        assert_eq!(expit(0.0), 0.5);
        assert!((expit(-30.0) - 9.357622968839299e-14).abs() < 1e-25);
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((p[2] - 0.6652409557748219).abs() < 1e-15);
    }
}
