//! Linear models: `X @ coef_.T + intercept_`. Regressors (`LinearRegression`,
//! `Ridge`, `Lasso`, `ElasticNet`, `SGDRegressor`, `LinearSVR`) answer the scores;
//! classifiers (`LogisticRegression`, `SGDClassifier`, `LinearSVC`, and
//! `OneVsRestClassifier` over binary linear classifiers, its rows stacked) pick
//! `score > 0` (binary) or the argmax, and turn scores into probabilities as
//! their class does ([`Proba`]).

use super::{Estimator, Method, argmax, attr, classes, features, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// How a classifier's scores become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proba {
    /// No `predict_proba` (`LinearSVC`, `SGDClassifier` with a hinge-like loss).
    None,
    /// `LogisticRegression`: `expit` for two classes, `softmax` for more.
    Logistic,
    /// `_predict_proba_lr` (`SGDClassifier(loss="log_loss")`): `expit` per class,
    /// normalised per row (an all-zero row becomes uniform).
    OvrLogistic,
    /// `SGDClassifier(loss="modified_huber")`: `(clip(score, -1, 1) + 1) / 2`,
    /// normalised like `OvrLogistic` for more than two classes.
    ModifiedHuber,
    /// `OneVsRestClassifier`: each binary estimator's `expit`, divided by the row
    /// sum where that is not zero (two classes: `[1 - p, p]` divided likewise).
    OneVsRest,
}

/// The inverse link a generalized linear model applies to its scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Identity,
    /// `exp` (`PoissonRegressor`, `GammaRegressor`, `TweedieRegressor` with power > 0).
    Log,
}

/// Linear classifiers (their `classes_` label the scores).
const CLASSIFIERS: &[&str] = &[
    "LogisticRegression",
    "LogisticRegressionCV",
    "SGDClassifier",
    "LinearSVC",
    "RidgeClassifier",
    "RidgeClassifierCV",
    "Perceptron",
    "PassiveAggressiveClassifier",
    "LinearDiscriminantAnalysis",
];

/// Linear regressors.
const REGRESSORS: &[&str] = &[
    "LinearRegression",
    "Ridge",
    "RidgeCV",
    "Lasso",
    "LassoCV",
    "ElasticNet",
    "ElasticNetCV",
    "MultiTaskLasso",
    "MultiTaskLassoCV",
    "MultiTaskElasticNet",
    "MultiTaskElasticNetCV",
    "Lars",
    "LarsCV",
    "LassoLars",
    "LassoLarsCV",
    "LassoLarsIC",
    "OrthogonalMatchingPursuit",
    "OrthogonalMatchingPursuitCV",
    "BayesianRidge",
    "ARDRegression",
    "HuberRegressor",
    "TheilSenRegressor",
    "QuantileRegressor",
    "PassiveAggressiveRegressor",
    "SGDRegressor",
    "LinearSVR",
    "PoissonRegressor",
    "GammaRegressor",
    "TweedieRegressor",
];

/// Whether `Linear::build` builds the class named `name` (`OneVsRestClassifier` and
/// `RANSACRegressor` wrap a linear model).
pub fn builds(name: &str) -> bool {
    CLASSIFIERS.contains(&name)
        || REGRESSORS.contains(&name)
        || matches!(name, "OneVsRestClassifier" | "RANSACRegressor")
}

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
    proba: Proba,
    link: Link,
}

impl Linear {
    pub fn build(node: &Node) -> Result<Linear, Error> {
        let class = node.class().unwrap_or("?");
        if short(class) == "OneVsRestClassifier" {
            return Self::one_vs_rest(node);
        }
        if short(class) == "RANSACRegressor" {
            // Its predict is its final estimator's, on the input it validated.
            let mut inner = Linear::build(attr(node, "estimator_")?)?;
            inner.features = features(node);
            return Ok(inner);
        }
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
        let proba = match short(class) {
            "LogisticRegression" | "LogisticRegressionCV" | "LinearDiscriminantAnalysis" => Proba::Logistic,
            "SGDClassifier" => match node.get("loss").and_then(Node::as_str) {
                Some("log_loss") => Proba::OvrLogistic,
                Some("modified_huber") => Proba::ModifiedHuber,
                _ => Proba::None,
            },
            _ => Proba::None,
        };
        let link = match node.get("_base_loss").and_then(Node::class).map(short) {
            Some("HalfPoissonLoss" | "HalfGammaLoss" | "HalfTweedieLoss") => Link::Log,
            Some("HalfSquaredError" | "HalfTweedieLossIdentity") | None => Link::Identity,
            Some(other) => return Err(load(format!("{class}: loss {other} is not supported"))),
        };
        let classes = if CLASSIFIERS.contains(&short(class)) {
            // RidgeClassifier's classes_ is its label binarizer's.
            let classes = match node.get("_label_binarizer") {
                Some(binarizer) if node.get("classes_").is_none() => classes(binarizer)?,
                _ => classes(node)?,
            };
            let expected = if classes.len() == 2 { 1 } else { classes.len() };
            if targets != expected || classes.len() < 2 {
                return Err(load(format!("{class}: coef_ has {targets} rows for {} classes", classes.len())));
            }
            Some(classes)
        } else {
            None
        };
        Ok(Linear { features, coef, targets, intercept, one_d, classes, proba, link })
    }

    /// `OneVsRestClassifier` (single-label) over binary linear classifiers: their
    /// `coef_` rows stacked in class order.
    fn one_vs_rest(node: &Node) -> Result<Linear, Error> {
        let classes = classes(node)?;
        let y_type = attr(node, "label_binarizer_")?.get("y_type_").and_then(Node::as_str);
        let expected = match y_type {
            Some("multiclass") => classes.len(),
            Some("binary") if classes.len() == 2 => 1,
            other => return Err(load(format!("OneVsRestClassifier: target type {other:?} is not supported"))),
        };
        let list = attr(node, "estimators_")?
            .as_list()
            .ok_or_else(|| load("OneVsRestClassifier.estimators_ is not a list"))?;
        if list.len() != expected {
            return Err(load(format!("OneVsRestClassifier: {} estimators for {} classes", list.len(), classes.len())));
        }
        let inner = list.iter().map(Linear::build).collect::<Result<Vec<_>, _>>()?;
        let width = inner[0].coef.len();
        let mut proba = Proba::OneVsRest;
        let (mut coef, mut intercept) = (Vec::new(), Vec::new());
        for e in &inner {
            if e.classes.as_ref().map(NdArray::len) != Some(2) || e.coef.len() != width {
                return Err(load("OneVsRestClassifier: its estimators must be binary linear classifiers"));
            }
            if e.proba != Proba::Logistic && e.proba != Proba::OvrLogistic {
                proba = Proba::None;
            }
            coef.extend_from_slice(&e.coef);
            intercept.extend_from_slice(&e.intercept);
        }
        let mut features = features(node);
        features.count.get_or_insert(width);
        if features.count != Some(width) {
            return Err(load("OneVsRestClassifier: coef_ does not match n_features_in_"));
        }
        let link = Link::Identity;
        Ok(Linear { features, coef, targets: expected, intercept, one_d: false, classes: Some(classes), proba, link })
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

    /// `decision_function` of a classifier: one score per row and target.
    pub(super) fn decision(&self, x: &Matrix) -> Vec<f64> {
        self.scores(x)
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let mut scores = self.scores(x);
        if self.link == Link::Log {
            scores.iter_mut().for_each(|s| *s = s.exp());
        }
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

    fn predict_proba(&self, x: &Matrix) -> NdArray {
        let scores = self.scores(x);
        let k = self.targets.max(2);
        let mut out = Vec::with_capacity(x.rows * k);
        for row in scores.chunks(self.targets) {
            match (self.proba, row) {
                (Proba::ModifiedHuber, [s]) => {
                    let p = (s.clamp(-1.0, 1.0) + 1.0) / 2.0;
                    out.extend([1.0 - p, p]);
                }
                (Proba::OneVsRest, [s]) => {
                    let p = expit(*s);
                    let sum = (1.0 - p) + p;
                    out.extend([(1.0 - p) / sum, p / sum]);
                }
                (_, [s]) => {
                    let p = expit(*s);
                    out.extend([1.0 - p, p]);
                }
                (Proba::Logistic, _) => out.extend(softmax(row)),
                (Proba::OneVsRest, _) => {
                    let p: Vec<f64> = row.iter().map(|&s| expit(s)).collect();
                    let sum: f64 = p.iter().sum();
                    out.extend(p.iter().map(|v| if sum != 0.0 { v / sum } else { *v }));
                }
                _ => {
                    let p: Vec<f64> = if self.proba == Proba::ModifiedHuber {
                        row.iter().map(|s| (s.clamp(-1.0, 1.0) + 1.0) / 2.0).collect()
                    } else {
                        row.iter().map(|&s| expit(s)).collect()
                    };
                    let sum: f64 = p.iter().sum();
                    if sum == 0.0 {
                        out.extend(std::iter::repeat_n(1.0 / k as f64, k));
                    } else {
                        out.extend(p.iter().map(|v| v / sum));
                    }
                }
            }
        }
        NdArray { shape: vec![x.rows, k], data: Data::F64(out) }
    }
}

impl Estimator for Linear {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        match method {
            Method::Predict => true,
            Method::PredictProba | Method::PredictLogProba => self.classes.is_some() && self.proba != Proba::None,
        }
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        Linear::predict(self, x)
    }

    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(Linear::predict_proba(self, x))
    }
}

/// scipy's `expit`, in the same two branches.
pub(super) fn expit(x: f64) -> f64 {
    if x < 0.0 {
        let e = x.exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

/// `sklearn.utils.extmath.softmax` for one row: shift by the max, exp, normalise.
pub(super) fn softmax(row: &[f64]) -> Vec<f64> {
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
