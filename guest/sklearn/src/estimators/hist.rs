//! `HistGradientBoostingClassifier` / `HistGradientBoostingRegressor` on numeric
//! features: `_baseline_prediction` plus each `TreePredictor`'s leaf value,
//! iteration by iteration (`_predict_from_raw_data`: float64 rows, NaN follows
//! `missing_go_to_left`, `x <= num_threshold` goes left), then the loss's inverse
//! link. With categorical features (`is_categorical_`) the fitted
//! `_preprocessor` ordinal-encodes those columns first (unknown: NaN); a
//! categorical split goes left when the category is in `raw_left_cat_bitsets`,
//! right when it is otherwise known (`_bin_mapper.bin_thresholds_`), and the
//! missing-value way when unknown, negative or NaN.

use super::boosting::{labels, probabilities};
use super::{Estimator, Method, attr, classes, features, floats, short};
use crate::data::{Column, Features, Frame, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate;

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
    /// Categorical splits: the node's row of `raw_left_cat_bitsets`.
    bitset: Vec<Option<usize>>,
    /// `raw_left_cat_bitsets`: 8 × 32 bits per row.
    left_bitsets: Vec<[u32; 8]>,
}

impl Predictor {
    fn build(node: &Node, n_features: usize, n_categorical: usize) -> Result<Predictor, Error> {
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
        let bitset_idx = ints("bitset_idx")?;
        let left_bitsets = bitsets(node.get("raw_left_cat_bitsets")).ok_or_else(|| bad("raw_left_cat_bitsets"))?;
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
            bitset: vec![None; n],
            left_bitsets,
        };
        for i in 0..n {
            if p.leaf[i] {
                p.feature.push(0);
                p.left.push(0);
                p.right.push(0);
                continue;
            }
            if categorical[i] != 0 {
                let b = usize::try_from(bitset_idx[i]).ok().filter(|&b| b < p.left_bitsets.len());
                p.bitset[i] = Some(b.ok_or_else(|| bad("bitset_idx"))?);
                // Categorical features come first (`_is_categorical_remapped`).
                if usize::try_from(feature[i]).is_ok_and(|f| f >= n_categorical) {
                    return Err(bad("a categorical split on a numeric feature"));
                }
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

    /// `_predict_one_from_raw_data`; `known` are the categorical features' known categories.
    fn predict(&self, row: &[f64], known: &[[u32; 8]]) -> f64 {
        let mut node = 0;
        while !self.leaf[node] {
            let f = self.feature[node];
            let x = row[f];
            let missing = self.missing_left[node];
            let go_left = match self.bitset[node] {
                _ if x.is_nan() => missing,
                None => x <= self.threshold[node],
                Some(_) if x < 0.0 => missing,
                Some(b) if in_bitset(&self.left_bitsets[b], x) => true,
                Some(_) if in_bitset(&known[f], x) => false,
                Some(_) => missing,
            };
            node = if go_left { self.left[node] } else { self.right[node] };
        }
        self.value[node]
    }
}

/// `in_bitset_2d_memoryview` of `<uint8>x`.
fn in_bitset(bitset: &[u32; 8], x: f64) -> bool {
    let v = x as u8;
    (bitset[usize::from(v >> 5)] >> (v & 31)) & 1 == 1
}

/// A `(rows, 8)` uint32 bitset array.
fn bitsets(node: Option<&Node>) -> Option<Vec<[u32; 8]>> {
    let NdArray { shape, data: Data::I64(v) } = node?.as_array()? else { return None };
    if shape.len() != 2 || shape[1] != 8 {
        return None;
    }
    v.chunks(8)
        .map(|c| c.iter().map(|&w| u32::try_from(w).ok()).collect::<Option<Vec<u32>>>()?.try_into().ok())
        .collect()
}

/// The fitted `_preprocessor` of a model with categorical features: the
/// categorical columns ordinal-encoded (unknown or missing: NaN) first, then the
/// numeric ones, as the trees see them.
#[derive(Debug, Clone)]
struct Categorical {
    /// Input columns of the categorical features, and their `categories_` (for
    /// text categories, their codes 0, 1, …: [`Categorical::encode`] turns the text
    /// into codes first).
    columns: Vec<(usize, Vec<f64>)>,
    /// Text `categories_` of each categorical feature (`None` when numeric).
    text: Vec<Option<Vec<Option<String>>>>,
    numeric: Vec<usize>,
    /// Known categories (from `_bin_mapper.bin_thresholds_`) per categorical feature.
    known: Vec<[u32; 8]>,
}

impl Categorical {
    fn build(node: &Node, n_features: usize) -> Result<Categorical, Error> {
        let bad = |what: &str| load(format!("HistGradientBoosting categorical features: {what}"));
        let mask = match attr(node, "is_categorical_")?.as_array() {
            Some(NdArray { data: Data::Bool(m), .. }) if m.len() == n_features => m.clone(),
            _ => return Err(bad("is_categorical_ is not a mask of the features")),
        };
        let transformers = attr(attr(node, "_preprocessor")?, "transformers_")?.as_list().unwrap_or_default();
        let encoder = transformers
            .iter()
            .filter_map(Node::as_list)
            .find(|t| t.first().and_then(Node::as_str) == Some("encoder"))
            .and_then(|t| t.get(1))
            .ok_or_else(|| bad("no fitted encoder"))?;
        let categories = attr(encoder, "categories_")?.as_list().ok_or_else(|| bad("categories_ is not a list"))?;
        let cat_columns: Vec<usize> = (0..n_features).filter(|&i| mask[i]).collect();
        if categories.len() != cat_columns.len() {
            return Err(bad("categories_ does not match is_categorical_"));
        }
        let (mut columns, mut text) = (Vec::new(), Vec::new());
        for (&c, cats) in cat_columns.iter().zip(categories) {
            let (codes, names) = match cats.as_array().map(|a| &a.data) {
                Some(Data::F64(v)) => (v.clone(), None),
                Some(Data::I64(v)) => (v.iter().map(|&x| x as f64).collect(), None),
                Some(Data::Str(v)) => {
                    ((0..v.len()).map(|k| k as f64).collect(), Some(v.iter().cloned().map(Some).collect()))
                }
                // Text with a missing category (last): missing values encode as NaN.
                Some(Data::StrOrMissing(v)) => ((0..v.len()).map(|k| k as f64).collect(), Some(v.clone())),
                _ => return Err(bad("categories_ holds an unsupported array")),
            };
            columns.push((c, codes));
            text.push(names);
        }
        let thresholds = attr(attr(node, "_bin_mapper")?, "bin_thresholds_")?.as_list().unwrap_or_default();
        let mut known = Vec::new();
        for t in thresholds.iter().take(columns.len()) {
            let mut bits = [0u32; 8];
            match t.as_array() {
                Some(NdArray { data: Data::F64(v), .. }) => {
                    for &x in v.iter().filter(|x| (0.0..256.0).contains(*x)) {
                        let x = x as u8;
                        bits[usize::from(x >> 5)] |= 1 << (x & 31);
                    }
                }
                _ => return Err(bad("bin_thresholds_ are not arrays")),
            }
            known.push(bits);
        }
        if known.len() != columns.len() {
            return Err(bad("bin_thresholds_ does not cover the categorical features"));
        }
        Ok(Categorical { columns, text, numeric: (0..n_features).filter(|&i| !mask[i]).collect(), known })
    }

    /// A frame's text categorical columns as their codes (the encoder's
    /// `categories_` positions; unknown text and numbers: NaN, i.e. missing).
    fn encode(&self, features: &Features, mut frame: Frame) -> Result<Frame, Error> {
        let order = features.order(&frame)?;
        for ((c, _), text) in self.columns.iter().zip(&self.text) {
            let Some(&at) = order.get(*c) else { continue };
            let codes = match (&frame.columns[at], text) {
                // Numeric categories: checked by the encoder (`ensure_all_finite="allow-nan"`).
                (Column::F64(v), None) => {
                    validate::finite(v, true, "float64", None)?;
                    continue;
                }
                (Column::Str(v), Some(text)) => v
                    .iter()
                    .map(|s| text.iter().position(|t| t.as_ref() == Some(s)).map_or(f64::NAN, |k| k as f64))
                    .collect(),
                (Column::Str(v), None) => {
                    return Err(Error::Evaluation(format!(
                        "could not convert string to float: '{}'",
                        v.first().map_or("", String::as_str)
                    )));
                }
                (Column::F64(v), Some(_)) => vec![f64::NAN; v.len()],
            };
            frame.columns[at] = Column::F64(codes);
        }
        Ok(frame)
    }

    /// One input row as the trees see it.
    fn remap(&self, row: &[f64], out: &mut Vec<f64>) {
        out.clear();
        for (c, cats) in &self.columns {
            let x = row[*c];
            out.push(if x.is_nan() {
                f64::NAN
            } else {
                cats.iter().position(|&v| v == x).map_or(f64::NAN, |i| i as f64)
            });
        }
        out.extend(self.numeric.iter().map(|&i| row[i]));
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
    categorical: Option<Categorical>,
    pub classes: Option<NdArray>,
}

impl HistBoosting {
    pub fn build(node: &Node) -> Result<HistBoosting, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        let features = features(node);
        let n_features = features.count.ok_or_else(|| load(format!("{class} has no n_features_in_")))?;
        let categorical = match node.get("is_categorical_") {
            Some(c) if !c.is_none() => Some(Categorical::build(node, n_features)?),
            _ => None,
        };
        let n_categorical = categorical.as_ref().map_or(0, |c| c.columns.len());
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
                predictors.push(Predictor::build(tree, n_features, n_categorical)?);
            }
        }
        Ok(HistBoosting { features, predictors, per_iteration, baseline, link, categorical, classes })
    }

    /// `_raw_predict`: `rows × per_iteration`.
    fn raw(&self, x: &Matrix) -> Vec<f64> {
        let k = self.per_iteration;
        let mut out: Vec<f64> = (0..x.rows).flat_map(|_| self.baseline.iter().copied()).collect();
        let rows: Vec<f64> = match &self.categorical {
            None => x.data.clone(),
            Some(c) => {
                let (mut all, mut row) = (Vec::with_capacity(x.data.len()), Vec::new());
                for i in 0..x.rows {
                    c.remap(x.row(i), &mut row);
                    all.extend_from_slice(&row);
                }
                all
            }
        };
        let known = self.categorical.as_ref().map_or(&[][..], |c| &c.known);
        for iteration in self.predictors.chunks(k) {
            for i in 0..x.rows {
                let row = &rows[i * x.cols..(i + 1) * x.cols];
                for (j, p) in iteration.iter().enumerate() {
                    out[i * k + j] += p.predict(row, known);
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

    fn matrix(&self, x: Input) -> Result<Matrix, Error> {
        match (&self.categorical, x) {
            (Some(c), Input::Frame(frame)) => {
                // The fitted `_preprocessor`'s encoder checks its columns first.
                validate::column_rows(frame.rows())?;
                self.features.matrix(Input::Frame(c.encode(&self.features, frame)?))
            }
            (_, x) => self.features.matrix(x),
        }
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
