//! The discrete naive Bayes classifiers: `MultinomialNB`, `ComplementNB`,
//! `BernoulliNB` (features binarized at `binarize`) and `CategoricalNB` (integer
//! categories per feature), each with its `_joint_log_likelihood`, then
//! `predict` = the argmax and `predict_proba` = `exp(jll - logsumexp(jll))`.

use super::{Estimator, Method, argmax, attr, classes, features, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    Multinomial,
    /// Adds the class prior only when there is a single class.
    Complement,
    /// `binarize` threshold (None: taken as is), and `neg_prob.sum(axis=1)` per class.
    Bernoulli {
        threshold: Option<f64>,
        neg_sum: Vec<f64>,
    },
    /// `feature_log_prob_[i]`: `classes × categories` for feature i.
    Categorical(Vec<(usize, Vec<f64>)>),
}

/// A fitted discrete naive Bayes classifier.
#[derive(Debug, Clone)]
pub struct DiscreteNb {
    pub features: Features,
    kind: Kind,
    /// `classes × features` weights (Bernoulli: `flp - neg_prob`), row-major.
    weights: Vec<f64>,
    log_prior: Vec<f64>,
    classes: NdArray,
}

impl DiscreteNb {
    pub fn build(node: &Node) -> Result<DiscreteNb, Error> {
        let class = short(node.class().unwrap_or("?"));
        let classes = classes(node)?;
        let k = classes.len();
        let (_, log_prior) = floats(node, "class_log_prior_")?;
        if log_prior.len() != k {
            return Err(load(format!("{class}.class_log_prior_ does not match classes_")));
        }
        let mut features = features(node);
        if class == "CategoricalNB" {
            let list = attr(node, "feature_log_prob_")?
                .as_list()
                .ok_or_else(|| load("CategoricalNB.feature_log_prob_ is not a list"))?;
            let mut per_feature = Vec::new();
            for item in list {
                let Node::Array(NdArray { shape, data: Data::F64(v) }) = item else {
                    return Err(load("CategoricalNB.feature_log_prob_ holds something other than arrays"));
                };
                match shape.as_slice() {
                    [c, n] if *c == k => per_feature.push((*n, v.clone())),
                    _ => return Err(load("CategoricalNB.feature_log_prob_ does not match classes_")),
                }
            }
            features.count.get_or_insert(per_feature.len());
            let kind = Kind::Categorical(per_feature);
            return Ok(DiscreteNb { features, kind, weights: Vec::new(), log_prior, classes });
        }
        let (shape, flp) = floats(node, "feature_log_prob_")?;
        let [c, n] = shape.as_slice() else { return Err(load(format!("{class}.feature_log_prob_ is not 2-D"))) };
        if *c != k {
            return Err(load(format!("{class}.feature_log_prob_ does not match classes_")));
        }
        features.count.get_or_insert(*n);
        let (kind, weights) = match class {
            "MultinomialNB" => (Kind::Multinomial, flp),
            "ComplementNB" => (Kind::Complement, flp),
            "BernoulliNB" => {
                let threshold = node.get("binarize").and_then(Node::as_f64);
                let neg: Vec<f64> = flp.iter().map(|v| (1.0 - v.exp()).ln()).collect();
                let neg_sum = neg.chunks(*n).map(|r| r.iter().sum()).collect();
                let weights = flp.iter().zip(&neg).map(|(a, b)| a - b).collect();
                (Kind::Bernoulli { threshold, neg_sum }, weights)
            }
            other => return Err(load(format!("{other} is not a discrete naive Bayes model"))),
        };
        Ok(DiscreteNb { features, kind, weights, log_prior, classes })
    }

    /// `_joint_log_likelihood`, one row of class scores per input row.
    fn jll(&self, x: &Matrix) -> Result<Vec<f64>, Error> {
        let k = self.classes.len();
        let name = &self.features.class;
        if matches!(self.kind, Kind::Multinomial | Kind::Complement | Kind::Categorical(_))
            && x.data.iter().any(|&v| v < 0.0)
        {
            return Err(Error::Evaluation(format!("Negative values in data passed to {name} (input X).")));
        }
        let mut out = Vec::with_capacity(x.rows * k);
        for i in 0..x.rows {
            let row = x.row(i);
            for c in 0..k {
                let score = match &self.kind {
                    Kind::Categorical(per_feature) => {
                        let mut s = 0.0;
                        for (j, (n, flp)) in per_feature.iter().enumerate() {
                            let cat = row[j] as usize;
                            if cat >= *n {
                                return Err(Error::Evaluation(format!(
                                    "index {cat} is out of bounds for axis 1 with size {n}"
                                )));
                            }
                            s += flp[c * n + cat];
                        }
                        s + self.log_prior[c]
                    }
                    kind => {
                        let w = &self.weights[c * x.cols..(c + 1) * x.cols];
                        let dot: f64 = match kind {
                            Kind::Bernoulli { threshold: Some(t), .. } => {
                                row.iter().zip(w).map(|(&v, w)| if v > *t { *w } else { 0.0 }).sum()
                            }
                            _ => row.iter().zip(w).map(|(a, b)| a * b).sum(),
                        };
                        match kind {
                            Kind::Multinomial => dot + self.log_prior[c],
                            Kind::Complement if k == 1 => dot + self.log_prior[c],
                            Kind::Complement => dot,
                            Kind::Bernoulli { neg_sum, .. } => dot + (self.log_prior[c] + neg_sum[c]),
                            Kind::Categorical(_) => unreachable!(),
                        }
                    }
                };
                out.push(score);
            }
        }
        Ok(out)
    }
}

impl Estimator for DiscreteNb {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, _method: Method) -> bool {
        true
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let jll = self.jll(x)?;
        let picks: Vec<usize> = jll.chunks(self.classes.len()).map(argmax).collect();
        Ok(take(&self.classes, &picks))
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.classes.len();
        let mut out = self.jll(x)?;
        for row in out.chunks_mut(k) {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = row.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
            row.iter_mut().for_each(|v| *v = (*v - lse).exp());
        }
        Ok(NdArray { shape: vec![x.rows, k], data: Data::F64(out) })
    }
}
