//! Column-wise preprocessing: `StandardScaler`, `MinMaxScaler`, `SimpleImputer`
//! (numeric) and `OneHotEncoder` (text or numeric categories, dense output).

use super::{attr, features, floats};
use crate::data::{Column, Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// `(x - mean_) / scale_`, each part optional.
#[derive(Debug, Clone)]
pub struct StandardScaler {
    pub features: Features,
    mean: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
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
        Ok(StandardScaler { features, mean, scale })
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

/// Replaces missing values with `statistics_`; drops all-missing columns.
#[derive(Debug, Clone)]
pub struct SimpleImputer {
    pub features: Features,
    missing: f64,
    statistics: Vec<f64>,
}

impl SimpleImputer {
    pub fn build(node: &Node) -> Result<SimpleImputer, Error> {
        if node.get("add_indicator").and_then(Node::as_bool).unwrap_or(false) {
            return Err(load("SimpleImputer(add_indicator=True) is not supported yet"));
        }
        let missing = attr(node, "missing_values")?
            .as_f64()
            .ok_or_else(|| load("SimpleImputer: only numeric missing_values (e.g. NaN) are supported yet"))?;
        let statistics = match attr(node, "statistics_")? {
            Node::Array(NdArray { data: Data::Str(_), .. }) => {
                return Err(load("SimpleImputer on text columns is not supported yet"));
            }
            _ => floats(node, "statistics_")?.1,
        };
        Ok(SimpleImputer { features: features(node), missing, statistics })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = self.features.matrix(x)?;
        if m.cols != self.statistics.len() {
            return Err(Error::InvalidInput(format!(
                "X has {} features, but SimpleImputer is expecting {} features as input.",
                m.cols,
                self.statistics.len()
            )));
        }
        let keep: Vec<usize> = (0..m.cols).filter(|&j| !self.statistics[j].is_nan()).collect();
        let is_missing = |v: f64| if self.missing.is_nan() { v.is_nan() } else { v == self.missing };
        let mut data = Vec::with_capacity(m.rows * keep.len());
        for i in 0..m.rows {
            let row = m.row(i);
            data.extend(keep.iter().map(|&j| if is_missing(row[j]) { self.statistics[j] } else { row[j] }));
        }
        Ok(Matrix { rows: m.rows, cols: keep.len(), data })
    }
}

/// Categories of one input column.
#[derive(Debug, Clone)]
enum Categories {
    Text(Vec<String>),
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
        let list =
            attr(node, "categories_")?.as_list().ok_or_else(|| load("OneHotEncoder.categories_ is not a list"))?;
        let categories = list
            .iter()
            .map(|c| match c.as_array().map(|a| &a.data) {
                Some(Data::Str(v)) => Ok(Categories::Text(v.clone())),
                Some(Data::F64(v)) => Ok(Categories::Numbers(v.clone())),
                Some(Data::I64(v)) => Ok(Categories::Numbers(v.iter().map(|&x| x as f64).collect())),
                _ => Err(load("OneHotEncoder.categories_ holds an unsupported array")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OneHotEncoder { features: features(node), categories, ignore_unknown })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let columns = self.columns(x)?;
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
                    (Column::Str(v), Categories::Text(c)) => c.iter().position(|c| *c == v[i]),
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
                    None => {
                        let value = match column {
                            Column::Str(v) => format!("'{}'", v[i]),
                            Column::F64(v) => format!("{}", v[i]),
                        };
                        return Err(Error::Evaluation(format!(
                            "Found unknown categories [{value}] in column {j} during transform"
                        )));
                    }
                }
            }
            offset += n;
        }
        Ok(Matrix { rows, cols: width, data })
    }

    /// The input columns in fit order: by name from a frame, by position otherwise.
    fn columns(&self, x: Input) -> Result<Vec<Column>, Error> {
        let columns = match x {
            Input::Frame(frame) => match &self.features.names {
                Some(names) => names
                    .iter()
                    .map(|n| {
                        frame
                            .names
                            .iter()
                            .position(|f| f == n)
                            .map(|at| frame.columns[at].clone())
                            .ok_or_else(|| Error::InvalidInput(format!("OneHotEncoder: column {n} is missing")))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                None => frame.columns,
            },
            Input::Matrix(m) => {
                (0..m.cols).map(|j| Column::F64((0..m.rows).map(|i| m.data[i * m.cols + j]).collect())).collect()
            }
        };
        if columns.len() != self.categories.len() {
            return Err(Error::InvalidInput(format!(
                "X has {} features, but OneHotEncoder is expecting {} features as input.",
                columns.len(),
                self.categories.len()
            )));
        }
        Ok(columns)
    }
}
