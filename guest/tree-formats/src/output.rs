//! A prediction as MLflow's pyfunc returns it: one numpy array, with its dtype.

/// The values of an output array.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// `float32` (XGBoost's predictions).
    F32(Vec<f32>),
    /// `float64` (LightGBM's predictions).
    F64(Vec<f64>),
    /// `int64` (labels from `np.argmax` or `np.repeat`).
    I64(Vec<i64>),
    /// `int32` (XGBClassifier with `multi:softmax`).
    I32(Vec<i32>),
}

/// One n-dimensional array.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Output {
    /// `(rows,)` when there is one output per row, else `(rows, outputs)`.
    pub fn rows(rows: usize, per_row: usize, data: Data) -> Output {
        let shape = if per_row == 1 { vec![rows] } else { vec![rows, per_row] };
        Output { shape, data }
    }

    /// The values as float64, for comparisons.
    pub fn as_f64(&self) -> Vec<f64> {
        match &self.data {
            Data::F32(v) => v.iter().map(|&x| x as f64).collect(),
            Data::F64(v) => v.clone(),
            Data::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Data::I32(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }

    /// numpy's name of the dtype.
    pub fn dtype(&self) -> &'static str {
        match self.data {
            Data::F32(_) => "float32",
            Data::F64(_) => "float64",
            Data::I64(_) => "int64",
            Data::I32(_) => "int32",
        }
    }
}
