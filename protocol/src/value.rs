//! The typed data model that crosses the host/flavor boundary: tensors, tables,
//! params. It mirrors the WIT `types` interface one to one, without depending on
//! any bindings, so the same code serves the native host and the wasi:http app.

/// Element type of a tensor or column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    String,
    Bytes,
}

/// The values of one tensor or column, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
    Bool(Vec<bool>),
    String(Vec<String>),
    Bytes(Vec<Vec<u8>>),
}

impl Values {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Values::F32(_) => DType::F32,
            Values::F64(_) => DType::F64,
            Values::I8(_) => DType::I8,
            Values::I16(_) => DType::I16,
            Values::I32(_) => DType::I32,
            Values::I64(_) => DType::I64,
            Values::U8(_) => DType::U8,
            Values::U16(_) => DType::U16,
            Values::U32(_) => DType::U32,
            Values::U64(_) => DType::U64,
            Values::Bool(_) => DType::Bool,
            Values::String(_) => DType::String,
            Values::Bytes(_) => DType::Bytes,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::I8(v) => v.len(),
            Values::I16(v) => v.len(),
            Values::I32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::U8(v) => v.len(),
            Values::U16(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::String(v) => v.len(),
            Values::Bytes(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A dense n-dimensional array; `shape`'s product equals `values.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Input/output name; `None` for an unnamed tensor.
    pub name: Option<String>,
    pub shape: Vec<usize>,
    pub values: Values,
}

/// One named column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
}

/// What a model takes or returns: MLflow's ndarray / dict of ndarrays, DataFrame,
/// or (for outputs of custom models) any JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum Batch {
    /// One unnamed tensor, or named tensors.
    Tensors(Vec<Tensor>),
    /// A table with equal-length columns.
    Table(Vec<Column>),
    /// Free-form JSON, answered as is. Held as Python's `json` module holds it
    /// (key order, ints vs floats, bare `NaN`), so nothing is lost on the way.
    Json(crate::py::json::Json),
}

/// One scalar parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    String(String),
    /// ISO 8601.
    Datetime(String),
}

/// A parameter value: scalar or 1-D list.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Scalar(Scalar),
    List(Vec<Scalar>),
}

/// Validated inference parameters: those sent, in request order, then the
/// defaults of the others in params-schema order (as MLflow builds them).
pub type Params = Vec<(String, ParamValue)>;
