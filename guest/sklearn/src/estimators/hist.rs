//! `HistGradientBoostingClassifier` / `HistGradientBoostingRegressor` on numeric
//! features: `_baseline_prediction` plus each `TreePredictor`'s leaf value,
//! iteration by iteration (`_predict_from_raw_data`: float64 rows, NaN follows
//! `missing_go_to_left`, `x <= num_threshold` goes left), then the loss's inverse
//! link. Models with categorical features (`is_categorical_`, whose fitted
//! `_preprocessor` holds a `functools.partial`) are refused at load.

use super::boosting::{labels, probabilities};
use super::{Estimator, Method, attr, classes, features, floats, short};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// One `TreePredictor`'s node arrays.
#[derive(Debug, Clone)]
struct Predictor {
    value: Vec<f64>,
    feature: Vec<usize>,
    threshold: Vec<f64>,
    missing_left: Vec<bool>,
    left: Vec<usize>,
    right: Vec<usize>,
    leaf: Vec<bool>,
}

impl Predictor {
    fn build(node: &Node, n_features: usize) -> Result<Predictor, Error> {
        let bad = |what: &str| load(format!("HistGradientBoosting: malformed TreePredictor: {what}"));
        if node.class().map(short) != Some("TreePredictor") {
            return Err(bad("not a TreePredictor"));
        }
        let Some(NdArray { data: Data::Records(fields), shape }) = node.get("nodes").and_then(Node::as_array) else {
            return Err(bad("no node records"));
        };
        let n = shape.iter().product::<usize>();
        let field = |name: &str| fields.iter().find(|(f, _)| f == name).map(|(_, d)| d);
        let ints = |name: &str| match field(name) {
            Some(Data::I64(v)) if v.len() == n => Ok(v.clone()),
            Some(Data::Bool(v)) if v.len() == n => Ok(v.iter().map(|&b| i64::from(b)).collect()),
            _ => Err(bad(name)),
        };
        let reals = |name: &str| match field(name) {
            Some(Data::F64(v)) if v.len() == n => Ok(v.clone()),
            _ => Err(bad(name)),
        };
        let (value, threshold) = (reals("value")?, reals("num_threshold")?);
        let (feature, left, right) = (ints("feature_idx")?, ints("left")?, ints("right")?);
        let (missing, is_leaf, categorical) = (ints("missing_go_to_left")?, ints("is_leaf")?, ints("is_categorical")?);
        if n == 0 {
            return Err(bad("no nodes"));
        }
        let mut p = Predictor {
            value,
            feature: Vec::with_capacity(n),
            threshold,
            missing_left: missing.iter().map(|&m| m != 0).collect(),
            left: Vec::with_capacity(n),
            right: Vec::with_capacity(n),
            leaf: is_leaf.iter().map(|&l| l != 0).collect(),
        };
        for i in 0..n {
            if p.leaf[i] {
                p.feature.push(0);
                p.left.push(0);
                p.right.push(0);
                continue;
            }
            if categorical[i] != 0 {
                return Err(load("HistGradientBoosting with categorical splits is not supported yet"));
            }
            // Children come after their parent: checking it bounds every walk.
            let child = |c: i64| usize::try_from(c).ok().filter(|&c| c > i && c < n);
            let (Some(a), Some(b)) = (child(left[i]), child(right[i])) else { return Err(bad("child index")) };
            let f = usize::try_from(feature[i]).ok().filter(|&f| f < n_features).ok_or_else(|| bad("feature"))?;
            p.feature.push(f);
            p.left.push(a);
            p.right.push(b);
        }
        Ok(p)
    }

    fn predict(&self, row: &[f64]) -> f64 {
        let mut node = 0;
        while !self.leaf[node] {
            let x = row[self.feature[node]];
            let go_left = if x.is_nan() { self.missing_left[node] } else { x <= self.threshold[node] };
            node = if go_left { self.left[node] } else { self.right[node] };
        }
        self.value[node]
    }
}

/// The loss's inverse link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Identity,
    /// Poisson, Gamma, Tweedie: `exp`.
    Log,
    Logit,
    Multinomial,
}

/// A fitted histogram gradient boosting model.
#[derive(Debug, Clone)]
pub struct HistBoosting {
    pub features: Features,
    /// `iterations × per_iteration`, row-major (`_predictors`).
    predictors: Vec<Predictor>,
    per_iteration: usize,
    baseline: Vec<f64>,
    link: Link,
    pub classes: Option<NdArray>,
}

impl HistBoosting {
    pub fn build(node: &Node) -> Result<HistBoosting, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        let features = features(node);
        let n_features = features.count.ok_or_else(|| load(format!("{class} has no n_features_in_")))?;
        if node.get("is_categorical_").is_some_and(|c| !c.is_none()) {
            return Err(load(format!("{class} with categorical features is not supported yet")));
        }
        let classes = if class.ends_with("Classifier") { Some(classes(node)?) } else { None };
        let loss = attr(node, "_loss")?.class().map(short).unwrap_or("?");
        let link = match (loss, classes.as_ref().map(NdArray::len)) {
            ("HalfSquaredError" | "AbsoluteError" | "PinballLoss", None) => Link::Identity,
            ("HalfPoissonLoss" | "HalfGammaLoss" | "HalfTweedieLoss", None) => Link::Log,
            ("HalfBinomialLoss", Some(2)) => Link::Logit,
            ("HalfMultinomialLoss", Some(k)) if k > 2 => Link::Multinomial,
            (other, _) => return Err(load(format!("{class} with loss {other} is not supported"))),
        };
        let (_, baseline) = floats(node, "_baseline_prediction")?;
        let per_iteration = baseline.len();
        let expected = if link == Link::Multinomial { classes.as_ref().map_or(1, NdArray::len) } else { 1 };
        if per_iteration != expected {
            return Err(load(format!("{class}: _baseline_prediction has {per_iteration} values")));
        }
        let iterations =
            attr(node, "_predictors")?.as_list().ok_or_else(|| load(format!("{class}._predictors is not a list")))?;
        let mut predictors = Vec::new();
        for iteration in iterations {
            let trees = iteration.as_list().filter(|t| t.len() == per_iteration);
            let trees = trees.ok_or_else(|| load(format!("{class}: an iteration without {per_iteration} trees")))?;
            for tree in trees {
                predictors.push(Predictor::build(tree, n_features)?);
            }
        }
        Ok(HistBoosting { features, predictors, per_iteration, baseline, link, classes })
    }

    /// `_raw_predict`: `rows × per_iteration`.
    fn raw(&self, x: &Matrix) -> Vec<f64> {
        let k = self.per_iteration;
        let mut out: Vec<f64> = (0..x.rows).flat_map(|_| self.baseline.iter().copied()).collect();
        for iteration in self.predictors.chunks(k) {
            for i in 0..x.rows {
                for (j, p) in iteration.iter().enumerate() {
                    out[i * k + j] += p.predict(x.row(i));
                }
            }
        }
        out
    }
}

impl Estimator for HistBoosting {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        method == Method::Predict || self.classes.is_some()
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let mut raw = self.raw(x);
        let Some(classes) = &self.classes else {
            if self.link == Link::Log {
                raw.iter_mut().for_each(|r| *r = r.exp());
            }
            return Ok(NdArray { shape: vec![x.rows], data: Data::F64(raw) });
        };
        Ok(labels(&raw, self.per_iteration, classes, false))
    }

    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(probabilities(&self.raw(x), self.per_iteration, x.rows, 1.0))
    }
}
