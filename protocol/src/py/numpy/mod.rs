//! numpy semantics for JSON data: `np.array(nested_lists[, dtype])` (shape
//! discovery, ragged-list errors, element casts, dtype inference) and numpy's
//! `str()`/`repr()` of an array, which MLflow embeds in its error messages.

use crate::py::json::Json;
use crate::py::repr::py_shape_repr;
use crate::value::{DType, Values};

mod cast;
mod print;

pub use cast::{CastMode, cast, py_parse_float, py_parse_int};

/// A typed n-dimensional array (a `Tensor` without a name).
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    pub shape: Vec<usize>,
    pub values: Values,
}

/// numpy's most dimensions of an array (`NPY_MAXDIMS`, numpy 2).
pub const NPY_MAXDIMS: usize = 64;

/// Finds the shape of nested lists the way `np.array` does; `Err` carries
/// numpy's message for ragged lists and for more than [`NPY_MAXDIMS`] levels.
pub fn nested_shape(v: &Json) -> Result<(Vec<usize>, Vec<&Json>), String> {
    let mut shape = Vec::new();
    let mut level: Vec<&Json> = vec![v];
    loop {
        let lists: Vec<&Vec<Json>> = level
            .iter()
            .filter_map(|x| match x {
                Json::List(items) => Some(items),
                _ => None,
            })
            .collect();
        if lists.is_empty() {
            return Ok((shape, level));
        }
        let len = lists[0].len();
        if lists.len() != level.len() || lists.iter().any(|l| l.len() != len) {
            return Err(format!(
                "setting an array element with a sequence. The requested array has an inhomogeneous shape after {} dimensions. The detected shape was {} + inhomogeneous part.",
                shape.len(),
                py_shape_repr(&shape)
            ));
        }
        if shape.len() == NPY_MAXDIMS {
            return Err(format!(
                "setting an array element with a sequence. The requested array would exceed the maximum number of dimension of {NPY_MAXDIMS}."
            ));
        }
        shape.push(len);
        level = lists.into_iter().flat_map(|l| l.iter()).collect();
        if len == 0 {
            return Ok((shape, level));
        }
    }
}

/// The dtype `np.array(leaves)` would pick (object arrays become strings).
pub fn infer_dtype(leaves: &[&Json]) -> DType {
    let mut has_bool = false;
    let mut has_int = false;
    let mut has_float = false;
    let mut has_other = false;
    for v in leaves {
        match v {
            Json::Bool(_) => has_bool = true,
            Json::Int(i) if i64::try_from(*i).is_ok() => has_int = true,
            Json::Int(_) | Json::Float(_) => has_float = true,
            // `np.array([1, None])` is an object array: we carry it as strings.
            Json::Null => has_other = true,
            _ => has_other = true,
        }
    }
    if has_other {
        DType::String
    } else if has_float {
        DType::F64
    } else if has_int {
        DType::I64
    } else if has_bool {
        DType::Bool
    } else {
        DType::F64
    }
}

/// `np.array(value[, dtype])`.
pub fn from_json(v: &Json, dtype: Option<DType>, mode: CastMode) -> Result<NdArray, String> {
    let (shape, leaves) = nested_shape(v)?;
    let dtype = dtype.unwrap_or_else(|| infer_dtype(&leaves));
    Ok(NdArray { shape, values: cast(&leaves, dtype, mode)? })
}

// ---------------------------------------------------------------------------
// numpy str()/repr()
// ---------------------------------------------------------------------------

/// The elements at `idx`.
pub fn select(values: &Values, idx: &[usize]) -> Values {
    macro_rules! pick {
        ($variant:ident, $v:expr) => {
            Values::$variant(idx.iter().map(|i| $v[*i].clone()).collect())
        };
    }
    match values {
        Values::F32(v) => pick!(F32, v),
        Values::F64(v) => pick!(F64, v),
        Values::I8(v) => pick!(I8, v),
        Values::I16(v) => pick!(I16, v),
        Values::I32(v) => pick!(I32, v),
        Values::I64(v) => pick!(I64, v),
        Values::U8(v) => pick!(U8, v),
        Values::U16(v) => pick!(U16, v),
        Values::U32(v) => pick!(U32, v),
        Values::U64(v) => pick!(U64, v),
        Values::Bool(v) => pick!(Bool, v),
        Values::String(v) => pick!(String, v),
        Values::Bytes(v) => pick!(Bytes, v),
    }
}

#[cfg(test)]
mod tests;
