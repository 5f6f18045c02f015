//! The data an sklearn model sees: a DataFrame-like [`Frame`] of named numeric or
//! text columns, or a dense float64 [`Matrix`], plus the checks sklearn's
//! `validate_data` makes before an estimator uses a frame as a matrix
//! ([`crate::validate`]).

use crate::error::Error;
use crate::validate::{self, Check};

/// One column of a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers (every numeric and boolean type, as float64 like `check_array`).
    F64(Vec<f64>),
    /// Text.
    Str(Vec<String>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::F64(v) => v.len(),
            Column::Str(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A table with named columns of equal length (pandas' DataFrame).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub names: Vec<String>,
    pub columns: Vec<Column>,
}

impl Frame {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }
}

/// A dense row-major float64 matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Joins matrices of equal row count side by side (`np.hstack`).
    pub fn hstack(rows: usize, parts: &[Matrix]) -> Matrix {
        let cols = parts.iter().map(|p| p.cols).sum();
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for part in parts {
                data.extend_from_slice(part.row(i));
            }
        }
        Matrix { rows, cols, data }
    }
}

/// What flows between pipeline steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Frame(Frame),
    Matrix(Matrix),
}

impl Input {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Input::Frame(f) => f.rows(),
            Input::Matrix(m) => m.rows,
        }
    }
}

/// The features an estimator was fitted on (`n_features_in_`, `feature_names_in_`).
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub class: String,
    pub count: Option<usize>,
    pub names: Option<Vec<String>>,
    /// What `validate_data` checks in the values.
    pub check: Check,
}

impl Features {
    /// Input that is checked by nothing but its width (a selection of columns).
    pub fn unchecked(class: &str) -> Features {
        Features { class: class.into(), count: None, names: None, check: Check::Nothing }
    }

    /// Where this estimator's columns are in `frame`: a model fitted on named
    /// columns takes exactly those, in that order (sklearn's feature-name check);
    /// one fitted without names takes the columns by position.
    pub fn order(&self, frame: &Frame) -> Result<Vec<usize>, Error> {
        if let Some(names) = &self.names {
            validate::feature_names(names, &frame.names)?;
        }
        Ok((0..frame.columns.len()).collect())
    }

    /// The input as the matrix this estimator expects: a frame's columns in
    /// [`Features::order`].
    pub fn matrix(&self, input: Input) -> Result<Matrix, Error> {
        let matrix = match input {
            Input::Matrix(m) => m,
            Input::Frame(frame) => {
                let rows = frame.rows();
                let order = self.order(&frame)?;
                let mut data = Vec::with_capacity(rows * order.len());
                for i in 0..rows {
                    for &c in &order {
                        match &frame.columns[c] {
                            Column::F64(v) => data.push(v[i]),
                            Column::Str(v) => data.push(python_float(&v[i])?),
                        }
                    }
                }
                Matrix { rows, cols: order.len(), data }
            }
        };
        self.check.matrix(&matrix, &self.class)?;
        match self.count {
            Some(n) if n != matrix.cols => Err(Error::Evaluation(format!(
                "X has {} features, but {} is expecting {n} features as input.",
                matrix.cols, self.class
            ))),
            _ => Ok(matrix),
        }
    }
}

/// `float(x)` of one element of an object array, as numpy's `astype(float64)` in
/// `check_array` casts it: an object ndarray (`{"inputs": [[1.5, null]]}`) arrives
/// as Python's `str` of each element, `None` is NaN, and text that is not a
/// number fails with Python's message.
fn python_float(text: &str) -> Result<f64, Error> {
    match text {
        "None" => Ok(f64::NAN),
        _ => text.trim().parse().map_err(|_| Error::Evaluation(format!("could not convert string to float: '{text}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_arrays_cast_as_numpy_casts_them() {
        assert_eq!(python_float(" -0.726").unwrap(), -0.726);
        assert!(python_float("None").unwrap().is_nan());
        assert_eq!(python_float("inf").unwrap(), f64::INFINITY);
        let Err(Error::Evaluation(m)) = python_float("setosa") else { panic!("accepted") };
        assert_eq!(m, "could not convert string to float: 'setosa'");
    }
}
