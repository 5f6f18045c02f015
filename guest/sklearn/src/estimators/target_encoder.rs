//! `TargetEncoder` on numeric or text categories: each value replaced by its
//! category's fitted encoding (one column per class for a multiclass target,
//! feature-major), an unknown category by the target mean.

use super::{attr, features, floats};
use crate::data::{Column, Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// A fitted `TargetEncoder`.
#[derive(Debug, Clone)]
pub struct TargetEncoder {
    pub features: Features,
    categories: Vec<Data>,
    /// `encodings_` in order: per feature, then per class.
    encodings: Vec<Vec<f64>>,
    /// The target mean per class (one value for a binary or continuous target).
    means: Vec<f64>,
}

impl TargetEncoder {
    pub fn build(node: &Node) -> Result<TargetEncoder, Error> {
        let list =
            |name: &str| attr(node, name)?.as_list().ok_or_else(|| load(format!("TargetEncoder.{name} is not a list")));
        let categories = list("categories_")?
            .iter()
            .map(|c| match c {
                Node::Array(NdArray { data: d @ (Data::F64(_) | Data::I64(_) | Data::Str(_)), .. }) => Ok(d.clone()),
                _ => Err(load("TargetEncoder.categories_ holds something other than numbers or text")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let encodings = list("encodings_")?
            .iter()
            .map(|e| match e {
                Node::Array(NdArray { data: Data::F64(v), .. }) => Ok(v.clone()),
                _ => Err(load("TargetEncoder.encodings_ holds something other than floats")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (_, means) = floats(node, "target_mean_")?;
        if encodings.len() != categories.len() * means.len() {
            return Err(load("TargetEncoder: encodings_ do not match categories_ and target_mean_"));
        }
        let mut features = features(node);
        features.count.get_or_insert(categories.len());
        Ok(TargetEncoder { features, categories, encodings, means })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let columns: Vec<Column> = match x {
            Input::Frame(frame) => {
                self.features.order(&frame)?;
                frame.columns
            }
            Input::Matrix(m) => {
                (0..m.cols).map(|j| Column::F64((0..m.rows).map(|i| m.data[i * m.cols + j]).collect())).collect()
            }
        };
        if columns.len() != self.categories.len() {
            return Err(Error::Evaluation(format!(
                "X has {} features, but TargetEncoder is expecting {} features as input.",
                columns.len(),
                self.categories.len()
            )));
        }
        let rows = columns.first().map_or(0, Column::len);
        let k = self.means.len();
        let mut data = Vec::with_capacity(rows * columns.len() * k);
        for i in 0..rows {
            for (j, column) in columns.iter().enumerate() {
                let at = match (column, &self.categories[j]) {
                    (Column::F64(v), Data::F64(c)) => c.iter().position(|&c| c == v[i]),
                    (Column::F64(v), Data::I64(c)) => c.iter().position(|&c| c as f64 == v[i]),
                    (Column::Str(v), Data::Str(c)) => c.iter().position(|c| *c == v[i]),
                    _ => None,
                };
                for c in 0..k {
                    data.push(match at {
                        Some(p) => self.encodings[j * k + c][p],
                        None => self.means[c],
                    });
                }
            }
        }
        Ok(Matrix { rows, cols: columns.len() * k, data })
    }
}
