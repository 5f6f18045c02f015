//! `SimpleImputer`: replaces missing values with the fitted `statistics_`, on
//! numeric columns (every strategy; an all-missing column is dropped) and on text
//! (object) columns (`most_frequent`, `constant`), whose output stays text for
//! the next step (typically a `OneHotEncoder`), as sklearn's object array does.

use super::{attr, features, floats};
use crate::data::{Column, Features, Frame, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

/// What fills each column.
#[derive(Debug, Clone)]
enum Statistics {
    Numbers(Vec<f64>),
    Text(Vec<String>),
}

/// A fitted `SimpleImputer`.
#[derive(Debug, Clone)]
pub struct SimpleImputer {
    pub features: Features,
    missing: f64,
    statistics: Statistics,
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
            Node::Array(NdArray { data: Data::Str(v), .. }) => Statistics::Text(v.clone()),
            _ => Statistics::Numbers(floats(node, "statistics_")?.1),
        };
        Ok(SimpleImputer { features: features(node), missing, statistics })
    }

    fn width(&self) -> usize {
        match &self.statistics {
            Statistics::Numbers(v) => v.len(),
            Statistics::Text(v) => v.len(),
        }
    }

    fn is_missing(&self, v: f64) -> bool {
        if self.missing.is_nan() { v.is_nan() } else { v == self.missing }
    }

    /// The imputed columns: a matrix for numbers, a frame of positional columns for text.
    pub fn transform(&self, x: Input) -> Result<Input, Error> {
        let width_error = |got: usize| {
            Error::Evaluation(format!(
                "X has {got} features, but SimpleImputer is expecting {} features as input.",
                self.width()
            ))
        };
        let stats = match &self.statistics {
            Statistics::Numbers(stats) => {
                let m = self.features.matrix(x)?;
                if m.cols != stats.len() {
                    return Err(width_error(m.cols));
                }
                return Ok(Input::Matrix(self.numbers(&m, stats)));
            }
            Statistics::Text(stats) => stats,
        };
        let (frame, order) = match x {
            Input::Frame(frame) => {
                let order = self.features.order(&frame)?;
                (frame, order)
            }
            Input::Matrix(m) => {
                let columns = (0..m.cols).map(|j| Column::F64((0..m.rows).map(|i| m.row(i)[j]).collect())).collect();
                (Frame { names: (0..m.cols).map(|j| j.to_string()).collect(), columns }, (0..m.cols).collect())
            }
        };
        let rows = frame.rows();
        Check::Rows.matrix(&Matrix { rows, cols: order.len(), data: Vec::new() }, &self.features.class)?;
        if order.len() != stats.len() {
            return Err(width_error(order.len()));
        }
        let columns = order
            .iter()
            .zip(stats)
            .map(|(&c, fill)| match &frame.columns[c] {
                Column::Str(v) => Ok(Column::Str(v.clone())),
                // Numbers reach a text imputer only as missing values (an all-null column).
                Column::F64(v) => v
                    .iter()
                    .map(|&x| {
                        if self.is_missing(x) {
                            Ok(fill.clone())
                        } else {
                            Err(Error::Evaluation(format!(
                                "SimpleImputer: column {} holds the number {x} where text was fitted",
                                frame.names[c]
                            )))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Column::Str),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Input::Frame(Frame { names: (0..columns.len()).map(|j| j.to_string()).collect(), columns }))
    }

    fn numbers(&self, m: &Matrix, stats: &[f64]) -> Matrix {
        let keep: Vec<usize> = (0..m.cols).filter(|&j| !stats[j].is_nan()).collect();
        let mut data = Vec::with_capacity(m.rows * keep.len());
        for i in 0..m.rows {
            let row = m.row(i);
            data.extend(keep.iter().map(|&j| if self.is_missing(row[j]) { stats[j] } else { row[j] }));
        }
        Matrix { rows: m.rows, cols: keep.len(), data }
    }
}
