//! XGBoost models (`model.json`, `model.ubj`, `model.xgb`) read into a
//! [`Forest`], and predicted as XGBoost 3.x's `Booster.predict` and its scikit-learn
//! wrappers (`XGBClassifier`, `XGBRegressor`, `XGBRanker`) predict: inputs rounded to
//! float32, margins summed in float32 from the base margin, tree by tree, then the
//! objective's transform.

use serde_json::Value;
use wasmflow_tree_engine::{Forest, Limits, RawNode, RawSplit, RawTree, SplitRule};

use crate::error::{Error, load};
use crate::json::{array, at, count, floats, ints, string};
use crate::output::{Data, Output};
use crate::ubjson;

/// How margins become predictions (XGBoost's `PredTransform`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// Margins as they are (`reg:squarederror`, `binary:logitraw`, `rank:*`, …).
    Identity,
    /// `1 / (1 + exp(-x))` (`binary:logistic`, `reg:logistic`).
    Sigmoid,
    /// `x > 0` as 1 or 0 (`binary:hinge`).
    Hinge,
    /// `exp(x)` (`count:poisson`, `reg:gamma`, `reg:tweedie`, `survival:cox`).
    Exp,
    /// Softmax over the classes (`multi:softprob`).
    Softprob,
    /// The index of the largest margin, as a float (`multi:softmax`).
    Softmax,
}

/// Which Python class MLflow loads (`model_class` in MLmodel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Api {
    /// `xgboost.core.Booster`: every tree, `Booster.predict` values.
    Booster,
    /// `XGBClassifier`: class indices.
    Classifier,
    /// `XGBRegressor`, `XGBRanker`, other `XGBModel`s: values.
    Regressor,
}

impl Api {
    /// The API of MLmodel's `model_class` (MLflow's default is the Booster).
    pub fn of_class(model_class: &str) -> Result<Api, Error> {
        match model_class.rsplit('.').next().unwrap_or_default() {
            "Booster" => Ok(Api::Booster),
            "XGBClassifier" | "XGBRFClassifier" => Ok(Api::Classifier),
            "XGBRegressor" | "XGBRFRegressor" | "XGBRanker" | "XGBModel" => Ok(Api::Regressor),
            _ => Err(load(format!("xgboost model class {model_class} is not supported"))),
        }
    }
}

/// A loaded XGBoost model.
#[derive(Debug, Clone)]
pub struct XgbModel {
    /// The trees `predict` uses (the best iteration's for the scikit-learn API).
    pub forest: Forest,
    /// One base margin per output.
    pub base_margin: Vec<f32>,
    pub objective: String,
    pub transform: Transform,
    pub api: Api,
    /// Feature names, if the model was trained with them.
    pub feature_names: Vec<String>,
    /// Every tree of the file (for `truncated`-style checks and reports).
    pub n_trees_in_file: usize,
}

/// Reads an XGBoost model file (`name` is used in errors).
pub fn load_model(bytes: &[u8], name: &str, api: Api) -> Result<XgbModel, Error> {
    let named = |e: Error| load(format!("{name}: {e}"));
    let doc = parse_document(bytes).map_err(named)?;
    from_document(&doc, api).map_err(named)
}

/// Reads the model a pickled or skops-saved `Booster` carries (`Booster.__getstate__`
/// keeps `handle`, the booster serialized as UBJSON or JSON: `{"Config": ..., "Model":
/// <the saved model>}`); a bare saved model is read as well. `name` is used in errors.
pub fn load_serialized(bytes: &[u8], name: &str, api: Api) -> Result<XgbModel, Error> {
    let named = |e: Error| load(format!("{name}: {e}"));
    let doc = parse_document(bytes).map_err(named)?;
    let model = match (doc.get("learner"), doc.get("Model")) {
        (None, Some(model)) => model,
        _ => &doc,
    };
    from_document(model, api).map_err(named)
}

/// JSON or UBJSON, told apart by the byte after the opening `{`; anything else is
/// XGBoost's old binary format.
fn parse_document(bytes: &[u8]) -> Result<Value, Error> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    match bytes.get(start..start + 2) {
        Some([b'{', b'"' | b'}' | b' ' | b'\n' | b'\r' | b'\t']) => {
            serde_json::from_slice(bytes).map_err(|e| load(format!("not a valid XGBoost JSON model: {e}")))
        }
        Some([b'{', _]) => ubjson::parse(bytes).map_err(|e| load(format!("not a valid XGBoost UBJSON model: {e}"))),
        _ => Err(load(
            "this is XGBoost's old binary model format (written by xgboost < 2.1 under a name not ending in \
             .json or .ubj), which wasmflow does not read; load it in xgboost and save it again as model.json \
             or model.ubj",
        )),
    }
}

fn from_document(doc: &Value, api: Api) -> Result<XgbModel, Error> {
    let learner = at(doc, &["learner"])?;
    let objective = string(learner, &["objective", "name"])?.to_string();
    let transform = transform_of(&objective)?;
    let param = at(learner, &["learner_model_param"])?;
    let n_features = count(param, &["num_feature"])?;
    let num_class = count(param, &["num_class"])?;
    let num_target = param.get("num_target").map(|_| count(param, &["num_target"])).transpose()?.unwrap_or(1);
    let n_outputs = num_class.max(num_target).max(1);

    let booster = at(learner, &["gradient_booster"])?;
    let (model, weights) = match string(booster, &["name"])? {
        "gbtree" => (at(booster, &["model"])?, None),
        "dart" => {
            let weights = floats(array(booster, &["weight_drop"])?, "weight_drop")?;
            (at(booster, &["gbtree", "model"])?, Some(weights))
        }
        other => return Err(load(format!("booster {other:?} is not supported (only gbtree and dart)"))),
    };
    let raw_trees = array(model, &["trees"])?;
    let tree_info = ints(array(model, &["tree_info"])?, "tree_info")?;
    if tree_info.len() != raw_trees.len() || weights.as_ref().is_some_and(|w| w.len() != raw_trees.len()) {
        return Err(load(format!("{} trees but {} tree_info entries", raw_trees.len(), tree_info.len())));
    }
    let limits = Limits::default();
    let total: usize =
        raw_trees.iter().filter_map(|t| t.get("tree_param")).filter_map(|p| count(p, &["num_nodes"]).ok()).sum();
    if total > limits.max_nodes {
        return Err(load(format!("the model declares {total} nodes, more than the {} allowed", limits.max_nodes)));
    }
    let mut trees = Vec::with_capacity(raw_trees.len());
    for (i, tree) in raw_trees.iter().enumerate() {
        let target =
            u32::try_from(tree_info[i]).map_err(|_| load(format!("tree {i}: bad tree_info {}", tree_info[i])))?;
        let scale = weights.as_ref().map_or(1.0, |w| w[i]);
        let mut raw = read_tree(tree, scale).map_err(|e| load(format!("tree {i}: {e}")))?;
        raw.target = target;
        trees.push(raw);
    }
    let n_trees_in_file = trees.len();
    let full = Forest::new(trees, n_features, n_outputs, 1, &limits).map_err(|e| load(e.to_string()))?;

    // Booster.predict uses every tree; the scikit-learn API stops at best_iteration.
    let best_iteration = learner
        .get("attributes")
        .and_then(|a| a.get("best_iteration"))
        .and_then(|b| b.as_str().and_then(|s| s.parse::<usize>().ok()).or_else(|| b.as_u64().map(|n| n as usize)));
    let forest = match (api, best_iteration) {
        (Api::Classifier | Api::Regressor, Some(best)) => {
            full.truncated(trees_before_iteration(model, best + 1, n_trees_in_file)?)
        }
        _ => full,
    };

    let base_margin = base_margin(string(param, &["base_score"])?, &objective, n_outputs)?;
    let feature_names = match learner.get("feature_names") {
        Some(Value::Array(names)) => names.iter().map(|n| n.as_str().unwrap_or_default().to_string()).collect(),
        _ => Vec::new(),
    };
    Ok(XgbModel { forest, base_margin, objective, transform, api, feature_names, n_trees_in_file })
}

/// The number of trees in iterations `[0, iterations)`.
fn trees_before_iteration(model: &Value, iterations: usize, n_trees: usize) -> Result<usize, Error> {
    match model.get("iteration_indptr").and_then(Value::as_array) {
        Some(indptr) => {
            let indptr = ints(indptr, "iteration_indptr")?;
            let last = indptr.len().saturating_sub(1);
            let n = indptr.get(iterations.min(last)).copied().unwrap_or(0);
            usize::try_from(n).ok().filter(|&n| n <= n_trees).ok_or_else(|| load("bad iteration_indptr"))
        }
        None => {
            let per = count(model, &["gbtree_model_param", "num_parallel_tree"])?.max(1);
            let groups = n_trees.checked_div(per).unwrap_or(0).max(1);
            Ok(iterations.saturating_mul(per.saturating_mul(groups.min(n_trees))).min(n_trees))
        }
    }
}

fn transform_of(objective: &str) -> Result<Transform, Error> {
    Ok(match objective {
        "binary:logistic" | "reg:logistic" => Transform::Sigmoid,
        "binary:hinge" => Transform::Hinge,
        "multi:softprob" => Transform::Softprob,
        "multi:softmax" => Transform::Softmax,
        "count:poisson" | "reg:gamma" | "reg:tweedie" | "survival:cox" => Transform::Exp,
        "binary:logitraw"
        | "reg:squarederror"
        | "reg:linear"
        | "reg:squaredlogerror"
        | "reg:pseudohubererror"
        | "reg:absoluteerror"
        | "reg:quantileerror" => Transform::Identity,
        o if o.starts_with("rank:") => Transform::Identity,
        o => return Err(load(format!("objective {o:?} is not supported"))),
    })
}

/// `base_score` (`"5E-1"`, or `"[5E-1]"`/`"[a,b,c]"` since XGBoost 3.1) as margins,
/// with the objective's `ProbToMargin` (identity for `binary:logitraw` in XGBoost 3, as its margins show).
fn base_margin(text: &str, objective: &str, n_outputs: usize) -> Result<Vec<f32>, Error> {
    let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
    let values = inner
        .split(',')
        .map(|s| s.trim().parse::<f32>())
        .collect::<Result<Vec<f32>, _>>()
        .map_err(|_| load(format!("base_score {text:?} is not a number or a list of numbers")))?;
    let margins: Vec<f32> = values
        .iter()
        .map(|&p| match objective {
            "binary:logistic" | "reg:logistic" => -(1.0f32 / p - 1.0).ln(),
            "count:poisson" | "reg:gamma" | "reg:tweedie" | "survival:cox" => p.ln(),
            _ => p,
        })
        .collect();
    match margins.len() {
        1 => Ok(vec![margins[0]; n_outputs]),
        n if n == n_outputs => Ok(margins),
        n => Err(load(format!("base_score has {n} values for {n_outputs} outputs"))),
    }
}

/// One tree of the JSON schema: parallel arrays indexed by node.
fn read_tree(tree: &Value, scale: f64) -> Result<RawTree, Error> {
    let n = count(tree, &["tree_param", "num_nodes"])?;
    if count(tree, &["tree_param", "size_leaf_vector"]).unwrap_or(1) > 1 {
        return Err(load("multi-output trees (multi_strategy=\"multi_output_tree\") are not supported"));
    }
    let column = |key: &str| -> Result<&[Value], Error> {
        let a = array(tree, &[key])?;
        if a.len() != n {
            return Err(load(format!("`{key}` has {} entries for {n} nodes", a.len())));
        }
        Ok(a)
    };
    let left = ints(column("left_children")?, "left_children")?;
    let right = ints(column("right_children")?, "right_children")?;
    let feature = ints(column("split_indices")?, "split_indices")?;
    let cond = floats(column("split_conditions")?, "split_conditions")?;
    let default_left = ints(column("default_left")?, "default_left")?;
    let split_type = match tree.get("split_type") {
        Some(_) => ints(column("split_type")?, "split_type")?,
        None => vec![0; n],
    };
    let categories = Categories::read(tree)?;
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        if left[i] == -1 {
            // XGBoost keeps leaf values in split_conditions, as float.
            nodes.push(RawNode::Leaf(vec![(cond[i] as f32) as f64 * scale]));
            continue;
        }
        let child = |c: i64| u32::try_from(c).map_err(|_| load(format!("node {i} has child {c}")));
        let feature =
            u32::try_from(feature[i]).map_err(|_| load(format!("node {i} splits on feature {}", feature[i])))?;
        let (l, r, dl) = (child(left[i])?, child(right[i])?, default_left[i] != 0);
        let split = if split_type[i] == 1 {
            // XGBoost sends the listed categories right; the engine sends its bitset left.
            let bits = categories.bitset(i)?;
            RawSplit {
                feature,
                threshold: 0.0,
                left: r,
                right: l,
                default_left: !dl,
                rule: SplitRule::Categorical(bits),
            }
        } else {
            let threshold = (cond[i] as f32) as f64;
            RawSplit { feature, threshold, left: l, right: r, default_left: dl, rule: SplitRule::LtNanDefault }
        };
        nodes.push(RawNode::Split(split));
    }
    Ok(RawTree { nodes, target: 0 })
}

/// A tree's categorical splits: `categories_nodes[j]` lists
/// `categories[categories_segments[j]..][..categories_sizes[j]]`.
struct Categories {
    nodes: Vec<i64>,
    segments: Vec<i64>,
    sizes: Vec<i64>,
    values: Vec<i64>,
}

/// Largest category accepted (XGBoost refuses categories past 2^24 too).
const MAX_CATEGORY: i64 = 1 << 24;

impl Categories {
    fn read(tree: &Value) -> Result<Categories, Error> {
        let get = |key: &str| match tree.get(key) {
            Some(Value::Array(a)) => ints(a, key),
            _ => Ok(Vec::new()),
        };
        let c = Categories {
            nodes: get("categories_nodes")?,
            segments: get("categories_segments")?,
            sizes: get("categories_sizes")?,
            values: get("categories")?,
        };
        if c.segments.len() != c.nodes.len() || c.sizes.len() != c.nodes.len() {
            return Err(load("categories_nodes, categories_segments and categories_sizes differ in length"));
        }
        Ok(c)
    }

    fn bitset(&self, node: usize) -> Result<Vec<u32>, Error> {
        let j = self
            .nodes
            .iter()
            .position(|&n| n == node as i64)
            .ok_or_else(|| load(format!("categorical node {node} has no categories")))?;
        let (start, size) = (self.segments[j], self.sizes[j]);
        let cats = usize::try_from(start)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(s, n)| self.values.get(s..s.checked_add(n)?))
            .ok_or_else(|| load(format!("node {node}: categories {start}+{size} are out of range")))?;
        let mut bits = Vec::new();
        for &c in cats {
            if !(0..MAX_CATEGORY).contains(&c) {
                return Err(load(format!("node {node}: category {c} is out of range")));
            }
            let word = (c / 32) as usize;
            if bits.len() <= word {
                bits.resize(word + 1, 0u32);
            }
            bits[word] |= 1 << (c % 32);
        }
        Ok(bits)
    }
}

impl XgbModel {
    /// Predictions for `rows` (row-major, `n_features` values a row, NaN missing)
    /// as MLflow's pyfunc returns them for this model class.
    pub fn predict(&self, rows: &[f64]) -> Result<Output, Error> {
        let margins = self.margins(rows)?;
        let k = self.forest.n_outputs();
        let n = margins.len().checked_div(k).unwrap_or(0);
        let values = self.transform_margins(margins);
        let per_row = if self.transform == Transform::Softmax { 1 } else { k };
        if self.api != Api::Classifier {
            return Ok(Output::rows(n, per_row, Data::F32(values)));
        }
        // XGBClassifier.predict.
        Ok(if per_row > 1 && k != 2 {
            let labels = values.chunks(k).map(|p| argmax(p) as i64).collect();
            Output::rows(n, 1, Data::I64(labels))
        } else if per_row > 1 {
            Output::rows(n, k, Data::I64(values.iter().map(|&p| (p > 0.5) as i64).collect()))
        } else if self.transform == Transform::Softmax {
            Output::rows(n, 1, Data::I32(values.iter().map(|&p| p as i32).collect()))
        } else {
            Output::rows(n, 1, Data::I64(values.iter().map(|&p| (p > 0.5) as i64).collect()))
        })
    }

    /// Raw margins (`output_margin=True`), `n_outputs` a row.
    pub fn margins(&self, rows: &[f64]) -> Result<Vec<f32>, Error> {
        // XGBoost reads every input as float32.
        let rounded: Vec<f64> = rows.iter().map(|&x| (x as f32) as f64).collect();
        self.forest
            .predict::<f32>(&rounded, self.forest.n_features(), &self.base_margin)
            .map_err(|e| Error::Evaluation(e.to_string()))
    }

    fn transform_margins(&self, mut m: Vec<f32>) -> Vec<f32> {
        let k = self.forest.n_outputs();
        match self.transform {
            Transform::Identity => m,
            Transform::Sigmoid => m.iter().map(|&x| 1.0 / (1.0 + (-x).exp())).collect(),
            Transform::Hinge => m.iter().map(|&x| if x > 0.0 { 1.0 } else { 0.0 }).collect(),
            Transform::Exp => m.iter().map(|&x| x.exp()).collect(),
            Transform::Softprob => {
                for row in m.chunks_mut(k) {
                    softmax(row);
                }
                m
            }
            Transform::Softmax => m.chunks(k).map(|row| argmax(row) as f32).collect(),
        }
    }
}

/// XGBoost's `common::Softmax`: float exponentials, a double sum.
fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0f64;
    for x in row.iter_mut() {
        *x = (*x - max).exp();
        sum += *x as f64;
    }
    for x in row.iter_mut() {
        *x /= sum as f32;
    }
}

/// The first index of the largest value (`np.argmax`).
fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in row.iter().enumerate() {
        if x > row[best] {
            best = i;
        }
    }
    best
}
