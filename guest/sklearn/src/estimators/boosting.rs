//! `GradientBoostingClassifier` / `GradientBoostingRegressor`: the init
//! estimator's raw prediction (`DummyClassifier` / `DummyRegressor` through the
//! loss's link, or `'zero'`), plus `learning_rate × tree value` stage by stage
//! (`predict_stages`: rows cast to float32, `x <= threshold` goes left), then the
//! loss's inverse link for probabilities.

use super::linear::{expit, softmax};
use super::tree::Tree;
use super::{Estimator, Method, argmax, attr, classes, features, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// The loss's link between probabilities and raw predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Regression losses (squared, absolute, Huber, quantile).
    Identity,
    /// `HalfBinomialLoss`: `logit` / `expit`.
    Logit,
    /// `ExponentialLoss`: `logit / 2` / `expit(2 raw)`.
    HalfLogit,
    /// `HalfMultinomialLoss`: `log(p / gmean(p))` / `softmax`.
    Multinomial,
}

/// A fitted gradient boosting model.
#[derive(Debug, Clone)]
pub struct Boosting {
    pub features: Features,
    /// `stages × per_stage` trees, row-major (`estimators_`).
    trees: Vec<Tree>,
    per_stage: usize,
    learning_rate: f64,
    /// The init estimator's raw prediction (the same for every row).
    init: Vec<f64>,
    link: Link,
    pub classes: Option<NdArray>,
}

impl Boosting {
    pub fn build(node: &Node) -> Result<Boosting, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        let features = features(node);
        let n_features = features.count.ok_or_else(|| load(format!("{class} has no n_features_in_")))?;
        let classes = if class.ends_with("Classifier") { Some(classes(node)?) } else { None };
        let loss = attr(node, "_loss")?.class().map(short).unwrap_or("?");
        let link = match (loss, classes.as_ref().map(NdArray::len)) {
            ("HalfSquaredError" | "AbsoluteError" | "HuberLoss" | "PinballLoss", None) => Link::Identity,
            ("HalfBinomialLoss", Some(2)) => Link::Logit,
            ("ExponentialLoss", Some(2)) => Link::HalfLogit,
            ("HalfMultinomialLoss", Some(k)) if k > 2 => Link::Multinomial,
            (other, _) => return Err(load(format!("{class} with loss {other} is not supported"))),
        };
        let per_stage = if link == Link::Multinomial { classes.as_ref().map_or(1, NdArray::len) } else { 1 };
        let list = attr(node, "estimators_")?
            .as_list()
            .ok_or_else(|| load(format!("{class}.estimators_ is not an array of trees")))?;
        if list.is_empty() || list.len() % per_stage != 0 {
            return Err(load(format!("{class}: {} trees for {per_stage} per stage", list.len())));
        }
        let trees = list.iter().map(|t| Tree::build(t, n_features)).collect::<Result<Vec<_>, _>>()?;
        let learning_rate = attr(node, "learning_rate")?
            .as_f64()
            .ok_or_else(|| load(format!("{class}.learning_rate is not a number")))?;
        let init = Self::init(node, &class, link, per_stage, classes.as_ref())?;
        Ok(Boosting { features, trees, per_stage, learning_rate, init, link, classes })
    }

    /// `_init_raw_predictions` for a dummy init estimator (constant), or `'zero'`.
    fn init(node: &Node, class: &str, link: Link, k: usize, classes: Option<&NdArray>) -> Result<Vec<f64>, Error> {
        let init = attr(node, "init_")?;
        if init.as_str() == Some("zero") {
            return Ok(vec![0.0; k]);
        }
        let bad = |what: &str| load(format!("{class}: init_ {what}"));
        match (init.class().map(short), classes) {
            (Some("DummyRegressor"), None) => {
                let (_, constant) = floats(init, "constant_")?;
                match constant.as_slice() {
                    [c] => Ok(vec![*c]),
                    _ => Err(bad("has several outputs")),
                }
            }
            (Some("DummyClassifier"), Some(classes)) => {
                let (_, prior) = floats(init, "class_prior_")?;
                if prior.len() != classes.len() {
                    return Err(bad("does not match classes_"));
                }
                let mut proba = match init.get("_strategy").and_then(Node::as_str) {
                    Some("prior") => prior,
                    Some("most_frequent") => {
                        let best = argmax(&prior);
                        (0..prior.len()).map(|i| if i == best { 1.0 } else { 0.0 }).collect()
                    }
                    other => return Err(bad(&format!("DummyClassifier strategy {other:?} is not supported"))),
                };
                let eps = f64::EPSILON;
                proba.iter_mut().for_each(|p| *p = p.clamp(eps, 1.0 - eps));
                Ok(match link {
                    Link::Logit => vec![logit(proba[1])],
                    Link::HalfLogit => vec![0.5 * logit(proba[1])],
                    _ => {
                        // scipy's gmean: exp(mean(log(p))).
                        let gm = (proba.iter().map(|p| p.ln()).sum::<f64>() / proba.len() as f64).exp();
                        proba.iter().map(|p| (p / gm).ln()).collect()
                    }
                })
            }
            (other, _) => Err(bad(&format!("{other:?} is not supported (DummyClassifier, DummyRegressor or 'zero')"))),
        }
    }

    /// `_raw_predict`: `rows × per_stage`.
    fn raw(&self, x: &Matrix) -> Vec<f64> {
        let k = self.per_stage;
        let x32: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
        let mut out: Vec<f64> = (0..x.rows).flat_map(|_| self.init.iter().copied()).collect();
        for stage in self.trees.chunks(k) {
            for i in 0..x.rows {
                let row = &x32[i * x.cols..(i + 1) * x.cols];
                for (j, tree) in stage.iter().enumerate() {
                    out[i * k + j] += self.learning_rate * tree.value(tree.leaf(row))[0];
                }
            }
        }
        out
    }
}

/// Class labels from raw predictions (`rows × k`): `raw > 0` (or `>= 0` when
/// `at_zero`) for one column, the argmax for more.
pub(super) fn labels(raw: &[f64], k: usize, classes: &NdArray, at_zero: bool) -> NdArray {
    let picks: Vec<usize> = if k == 1 {
        raw.iter().map(|&r| usize::from(r > 0.0 || (at_zero && r == 0.0))).collect()
    } else {
        raw.chunks(k).map(argmax).collect()
    };
    take(classes, &picks)
}

/// Probabilities from raw predictions (`rows × k`): `[1 - p, p]` with
/// `p = expit(scale × raw)` for one column, `softmax` for more.
pub(super) fn probabilities(raw: &[f64], k: usize, rows: usize, scale: f64) -> NdArray {
    let mut out = Vec::with_capacity(rows * k.max(2));
    for row in raw.chunks(k) {
        if k > 1 {
            out.extend(softmax(row));
        } else {
            let p = expit(scale * row[0]);
            out.extend([1.0 - p, p]);
        }
    }
    NdArray { shape: vec![rows, k.max(2)], data: Data::F64(out) }
}

/// scipy's `logit`.
fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

impl Estimator for Boosting {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        method == Method::Predict || self.classes.is_some()
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let raw = self.raw(x);
        let Some(classes) = &self.classes else {
            return Ok(NdArray { shape: vec![x.rows], data: Data::F64(raw) });
        };
        Ok(labels(&raw, self.per_stage, classes, true))
    }

    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let scale = if self.link == Link::HalfLogit { 2.0 } else { 1.0 };
        Ok(probabilities(&self.raw(x), self.per_stage, x.rows, scale))
    }
}
