//! Column-wise preprocessing: `StandardScaler`, `RobustScaler`, `MaxAbsScaler`,
//! `MinMaxScaler`, `PolynomialFeatures` (numeric) and
//! `OneHotEncoder`, `OrdinalEncoder` (text or numeric categories, dense output).

use super::{attr, features, floats};
use crate::data::{Column, Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::Data;
use crate::skops::Node;
use crate::validate;

/// `(x - mean_) / scale_`, each part optional (`StandardScaler`; `RobustScaler`
/// with `center_`; `MaxAbsScaler` with no centre, clipped to [-1, 1] when `clip`).
#[derive(Debug, Clone)]
pub struct StandardScaler {
    pub features: Features,
    mean: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
    clip: Option<(f64, f64)>,
}

fn optional(node: &Node, name: &str, width: Option<usize>) -> Result<Option<Vec<f64>>, Error> {
    if node.get(name).is_none_or(Node::is_none) {
        return Ok(None);
    }
    let (_, v) = floats(node, name)?;
    match width {
        Some(w) if w != v.len() => {
            Err(load(format!("{}.{name} does not match n_features_in_", node.class().unwrap_or("?"))))
        }
        _ => Ok(Some(v)),
    }
}

impl StandardScaler {
    pub fn build(node: &Node) -> Result<StandardScaler, Error> {
        let features = features(node);
        let mean = optional(node, "mean_", features.count)?;
        let scale = optional(node, "scale_", features.count)?;
        if features.count.is_none() && node.get("n_samples_seen_").is_none() {
            return Err(load("StandardScaler is not fitted"));
        }
        Ok(StandardScaler { features, mean, scale, clip: None })
    }

    /// `RobustScaler`: `(x - center_) / scale_`, each part optional.
    pub fn build_robust(node: &Node) -> Result<StandardScaler, Error> {
        let features = features(node);
        if features.count.is_none() {
            return Err(load("RobustScaler is not fitted"));
        }
        let mean = optional(node, "center_", features.count)?;
        let scale = optional(node, "scale_", features.count)?;
        Ok(StandardScaler { features, mean, scale, clip: None })
    }

    /// `MaxAbsScaler`: `x / scale_`, clipped to [-1, 1] when `clip`.
    pub fn build_max_abs(node: &Node) -> Result<StandardScaler, Error> {
        let features = features(node);
        let scale = optional(node, "scale_", features.count)?.ok_or_else(|| load("MaxAbsScaler is not fitted"))?;
        let clip = node.get("clip").and_then(Node::as_bool).unwrap_or(false).then_some((-1.0, 1.0));
        Ok(StandardScaler { features, mean: None, scale: Some(scale), clip })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let mut m = self.features.matrix(x)?;
        for row in m.data.chunks_mut(m.cols.max(1)) {
            if let Some(mean) = &self.mean {
                row.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
            }
            if let Some(scale) = &self.scale {
                row.iter_mut().zip(scale).for_each(|(v, s)| *v /= s);
            }
            if let Some((lo, hi)) = self.clip {
                row.iter_mut().for_each(|v| *v = v.clamp(lo, hi));
            }
        }
        Ok(m)
    }
}

/// `x * scale_ + min_`, clipped to `feature_range` when `clip`.
#[derive(Debug, Clone)]
pub struct MinMaxScaler {
    pub features: Features,
    min: Vec<f64>,
    scale: Vec<f64>,
    clip: Option<(f64, f64)>,
}

impl MinMaxScaler {
    pub fn build(node: &Node) -> Result<MinMaxScaler, Error> {
        let features = features(node);
        let min = optional(node, "min_", features.count)?.ok_or_else(|| load("MinMaxScaler is not fitted"))?;
        let scale = optional(node, "scale_", features.count)?.ok_or_else(|| load("MinMaxScaler is not fitted"))?;
        let clip = if node.get("clip").and_then(Node::as_bool).unwrap_or(false) {
            let range = node.get("feature_range").and_then(Node::as_list).unwrap_or(&[]);
            match range {
                [a, b] => Some((a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(1.0))),
                _ => Some((0.0, 1.0)),
            }
        } else {
            None
        };
        Ok(MinMaxScaler { features, min, scale, clip })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let mut m = self.features.matrix(x)?;
        for row in m.data.chunks_mut(m.cols.max(1)) {
            for ((v, s), b) in row.iter_mut().zip(&self.scale).zip(&self.min) {
                *v *= s;
                *v += b;
                if let Some((lo, hi)) = self.clip {
                    *v = v.clamp(lo, hi);
                }
            }
        }
        Ok(m)
    }
}

/// Categories of one input column.
#[derive(Debug, Clone)]
enum Categories {
    /// Text; `None` is the missing-value category (a text input never matches it).
    Text(Vec<Option<String>>),
    Numbers(Vec<f64>),
}

/// One indicator column per category; unknown values error or encode as zeros.
#[derive(Debug, Clone)]
pub struct OneHotEncoder {
    pub features: Features,
    categories: Vec<Categories>,
    ignore_unknown: bool,
}

impl OneHotEncoder {
    pub fn build(node: &Node) -> Result<OneHotEncoder, Error> {
        if !node.get("drop_idx_").is_none_or(Node::is_none) {
            return Err(load("OneHotEncoder(drop=...) is not supported yet"));
        }
        if node.get("_infrequent_enabled").and_then(Node::as_bool).unwrap_or(false) {
            return Err(load("OneHotEncoder with infrequent categories is not supported yet"));
        }
        let ignore_unknown = match node.get("handle_unknown").and_then(Node::as_str).unwrap_or("error") {
            "error" => false,
            "ignore" | "infrequent_if_exist" => true,
            other => return Err(load(format!("OneHotEncoder(handle_unknown='{other}') is not supported"))),
        };
        let categories = categories(node, "OneHotEncoder")?;
        Ok(OneHotEncoder { features: features(node), categories, ignore_unknown })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let columns = columns(&self.features, self.categories.len(), "OneHotEncoder", x)?;
        let rows = columns.first().map_or(0, Column::len);
        let width: usize = self
            .categories
            .iter()
            .map(|c| match c {
                Categories::Text(v) => v.len(),
                Categories::Numbers(v) => v.len(),
            })
            .sum();
        let mut data = vec![0.0; rows * width];
        let mut offset = 0;
        for (j, (column, cats)) in columns.iter().zip(&self.categories).enumerate() {
            let n = match cats {
                Categories::Text(v) => v.len(),
                Categories::Numbers(v) => v.len(),
            };
            for i in 0..rows {
                let hit = match (column, cats) {
                    (Column::Str(v), Categories::Text(c)) => c.iter().position(|c| c.as_ref() == Some(&v[i])),
                    (Column::F64(v), Categories::Numbers(c)) => c.iter().position(|c| *c == v[i]),
                    (Column::F64(_), Categories::Text(_)) | (Column::Str(_), Categories::Numbers(_)) => {
                        return Err(Error::Evaluation(format!(
                            "OneHotEncoder: column {j} has a different type than at fit time"
                        )));
                    }
                };
                match hit {
                    Some(k) => data[i * width + offset + k] = 1.0,
                    None if self.ignore_unknown => {}
                    None => return Err(unknown(column, i, j)),
                }
            }
            offset += n;
        }
        Ok(Matrix { rows, cols: width, data })
    }
}

/// The error sklearn raises for a category not seen in fit.
fn unknown(column: &Column, i: usize, j: usize) -> Error {
    let value = match column {
        Column::Str(v) => format!("'{}'", v[i]),
        Column::F64(v) => format!("{}", v[i]),
    };
    Error::Evaluation(format!("Found unknown categories [{value}] in column {j} during transform"))
}

/// `categories_` of a fitted encoder.
fn categories(node: &Node, class: &str) -> Result<Vec<Categories>, Error> {
    let list =
        attr(node, "categories_")?.as_list().ok_or_else(|| load(format!("{class}.categories_ is not a list")))?;
    list.iter()
        .map(|c| match c.as_array().map(|a| &a.data) {
            Some(Data::Str(v)) => Ok(Categories::Text(v.iter().cloned().map(Some).collect())),
            Some(Data::StrOrMissing(v)) => Ok(Categories::Text(v.clone())),
            Some(Data::F64(v)) => Ok(Categories::Numbers(v.clone())),
            Some(Data::I64(v)) => Ok(Categories::Numbers(v.iter().map(|&x| x as f64).collect())),
            _ => Err(load(format!("{class}.categories_ holds an unsupported array"))),
        })
        .collect()
}

/// Index of `v` among numeric categories (a NaN category matches NaN).
fn position_f64(categories: &[f64], v: f64) -> Option<usize> {
    if v.is_nan() { categories.iter().position(|c| c.is_nan()) } else { categories.iter().position(|c| *c == v) }
}

/// One float column per input column: the index of its category.
#[derive(Debug, Clone)]
pub struct OrdinalEncoder {
    pub features: Features,
    categories: Vec<Categories>,
    /// `unknown_value` under `handle_unknown="use_encoded_value"`.
    unknown_value: Option<f64>,
    encoded_missing_value: f64,
}

impl OrdinalEncoder {
    pub fn build(node: &Node) -> Result<OrdinalEncoder, Error> {
        if node.get("_infrequent_enabled").and_then(Node::as_bool).unwrap_or(false) {
            return Err(load("OrdinalEncoder with infrequent categories is not supported yet"));
        }
        let unknown_value = match node.get("handle_unknown").and_then(Node::as_str).unwrap_or("error") {
            "error" => None,
            "use_encoded_value" => Some(
                attr(node, "unknown_value")?
                    .as_f64()
                    .ok_or_else(|| load("OrdinalEncoder.unknown_value is not a number"))?,
            ),
            other => return Err(load(format!("OrdinalEncoder(handle_unknown='{other}') is not supported"))),
        };
        let encoded_missing_value = node.get("encoded_missing_value").and_then(Node::as_f64).unwrap_or(f64::NAN);
        let categories = categories(node, "OrdinalEncoder")?;
        Ok(OrdinalEncoder { features: features(node), categories, unknown_value, encoded_missing_value })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let columns = columns(&self.features, self.categories.len(), "OrdinalEncoder", x)?;
        let rows = columns.first().map_or(0, Column::len);
        let width = columns.len();
        let mut data = vec![0.0; rows * width];
        for (j, (column, cats)) in columns.iter().zip(&self.categories).enumerate() {
            for i in 0..rows {
                let code = match (column, cats) {
                    (Column::Str(v), Categories::Text(c)) => {
                        c.iter().position(|c| c.as_ref() == Some(&v[i])).map(|k| k as f64)
                    }
                    // NaN is encoded as encoded_missing_value when it was seen in fit.
                    (Column::F64(v), Categories::Numbers(c)) => {
                        position_f64(c, v[i]).map(|k| if v[i].is_nan() { self.encoded_missing_value } else { k as f64 })
                    }
                    _ => {
                        return Err(Error::Evaluation(format!(
                            "OrdinalEncoder: column {j} has a different type than at fit time"
                        )));
                    }
                };
                data[i * width + j] = match (code, self.unknown_value) {
                    (Some(k), _) => k,
                    (None, Some(u)) => u,
                    (None, None) => return Err(unknown(column, i, j)),
                };
            }
        }
        Ok(Matrix { rows, cols: width, data })
    }
}

/// All products of up to `degree` features (`PolynomialFeatures`, dense), in
/// sklearn's column order and multiplication order.
#[derive(Debug, Clone)]
pub struct PolynomialFeatures {
    pub features: Features,
    include_bias: bool,
    interaction_only: bool,
    min_degree: usize,
    max_degree: usize,
    n_out_full: usize,
    n_out: usize,
}

impl PolynomialFeatures {
    pub fn build(node: &Node) -> Result<PolynomialFeatures, Error> {
        let int = |name: &str| {
            attr(node, name)?
                .as_i64()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| load(format!("PolynomialFeatures.{name} is not a count")))
        };
        let features = features(node);
        let n = features.count.ok_or_else(|| load("PolynomialFeatures is not fitted"))?;
        let (min_degree, max_degree, n_out) = (int("_min_degree")?, int("_max_degree")?, int("n_output_features_")?);
        let n_out_full = node.get("_n_out_full").map_or(Ok(n_out), |_| int("_n_out_full"))?;
        let include_bias = node.get("include_bias").and_then(Node::as_bool).unwrap_or(true);
        let interaction_only = node.get("interaction_only").and_then(Node::as_bool).unwrap_or(false);
        let model =
            PolynomialFeatures { features, include_bias, interaction_only, min_degree, max_degree, n_out_full, n_out };
        // The column count the fitted attributes promise must be what we build.
        if max_degree > 16 || model.full_width(n) != Some(n_out_full) || n_out > n_out_full {
            return Err(load("PolynomialFeatures: fitted output sizes do not match its parameters"));
        }
        Ok(model)
    }

    /// Width of the full expansion (degrees 0..=max), as `transform` builds it.
    fn full_width(&self, n: usize) -> Option<usize> {
        let mut width = usize::from(self.include_bias);
        if self.max_degree == 0 {
            return Some(width);
        }
        // Number of terms of the current degree that end with each feature.
        let mut ending: Vec<usize> = vec![1; n];
        width = width.checked_add(n)?;
        for _ in 2..=self.max_degree {
            let mut next = Vec::with_capacity(n);
            let mut total = 0usize;
            for f in 0..n {
                // Terms of the previous degree using features >= f (> f when interaction_only).
                let from = if self.interaction_only { f + 1 } else { f };
                let count: usize = ending.get(from..).map_or(0, |s| s.iter().sum());
                next.push(count);
                total = total.checked_add(count)?;
            }
            ending = next;
            width = width.checked_add(total)?;
        }
        Some(width)
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = self.features.matrix(x)?;
        let n = m.cols;
        let full = self.n_out_full;
        let mut xp = vec![0.0; m.rows * full];
        for i in 0..m.rows {
            let row = m.row(i);
            let out = &mut xp[i * full..(i + 1) * full];
            let mut current = 0;
            if self.include_bias {
                out[0] = 1.0;
                current = 1;
            }
            if self.max_degree == 0 {
                continue;
            }
            out[current..current + n].copy_from_slice(row);
            let mut index: Vec<usize> = (current..current + n).collect();
            current += n;
            index.push(current);
            for _ in 2..=self.max_degree {
                let mut new_index = Vec::with_capacity(n + 1);
                let end = *index.last().expect("never empty");
                for (f, &xf) in row.iter().enumerate() {
                    let (Some(&at), Some(&after)) = (index.get(f), index.get(f + 1)) else { break };
                    new_index.push(current);
                    let start = if self.interaction_only { after } else { at };
                    let next = current + end.saturating_sub(start);
                    if next <= current {
                        break;
                    }
                    if next > full {
                        return Err(Error::Evaluation("PolynomialFeatures: more terms than n_output_features_".into()));
                    }
                    for k in 0..next - current {
                        out[current + k] = out[start + k] * xf;
                    }
                    current = next;
                }
                new_index.push(current);
                index = new_index;
            }
        }
        if self.min_degree <= 1 {
            return Ok(Matrix { rows: m.rows, cols: full, data: xp });
        }
        let (n_out, skip) = (self.n_out, full - self.n_out);
        let mut data = Vec::with_capacity(m.rows * n_out);
        for row in xp.chunks(full.max(1)) {
            if self.include_bias {
                data.push(1.0);
                data.extend_from_slice(&row[skip + 1..]);
            } else {
                data.extend_from_slice(&row[skip..]);
            }
        }
        Ok(Matrix { rows: m.rows, cols: n_out, data })
    }
}

/// The input columns of an encoder in fit order: by name from a frame, by position otherwise.
fn columns(features: &Features, count: usize, class: &str, x: Input) -> Result<Vec<Column>, Error> {
    let columns = match x {
        Input::Frame(frame) => {
            features.order(&frame)?;
            validate::column_rows(frame.rows())?;
            frame.columns
        }
        Input::Matrix(m) => {
            (0..m.cols).map(|j| Column::F64((0..m.rows).map(|i| m.data[i * m.cols + j]).collect())).collect()
        }
    };
    if columns.len() != count {
        return Err(Error::Evaluation(format!(
            "X has {} features, but {class} is expecting {count} features as input.",
            columns.len()
        )));
    }
    Ok(columns)
}
