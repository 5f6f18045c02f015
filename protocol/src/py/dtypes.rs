//! The numpy and pandas type names in one place: numpy's dtype names
//! (`float64`, `int32`, `str`, `object`, `datetime64[ns]`, `<U5`...) as MLflow's
//! signatures name them and its error messages print them, the names pandas
//! shows for a column's dtype, and the dtype facts numpy's casting rules need.

use crate::value::{DType, Values};

/// numpy's dtype of Python objects; pandas' dtype of string and bytes columns.
pub const OBJECT: &str = "object";

/// The dtype of datetime columns, in numpy and pandas.
pub const DATETIME64_NS: &str = "datetime64[ns]";

impl DType {
    /// The numpy name of this type (`float32`, `int64`, `bool`, `str`, `bytes`, ...),
    /// as MLflow writes it in tensor signatures and error messages.
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::Bool => "bool",
            DType::String => "str",
            DType::Bytes => "bytes",
        }
    }

    /// The dtype name pandas shows for a column of this type: strings and
    /// bytes live in `object` columns.
    pub fn pandas_name(self) -> &'static str {
        match self {
            DType::String | DType::Bytes => OBJECT,
            other => other.numpy_name(),
        }
    }

    /// Bytes per element (`np.dtype(...).itemsize`) of the numeric types.
    pub(crate) fn itemsize(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            _ => 8,
        }
    }

    /// numpy's integer kinds (`i` and `u`).
    pub(crate) fn is_int(self) -> bool {
        matches!(
            self,
            DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8 | DType::U16 | DType::U32 | DType::U64
        )
    }

    /// numpy's unsigned integer kind (`u`).
    pub(crate) fn is_unsigned(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }
}

/// Maps a numpy dtype name from a tensor-spec to our element type.
pub fn dtype_from_numpy(name: &str) -> Option<DType> {
    Some(match name {
        "float32" => DType::F32,
        "float64" | "float" | "double" => DType::F64,
        "int8" => DType::I8,
        "int16" => DType::I16,
        "int32" => DType::I32,
        "int64" | "int" => DType::I64,
        "uint8" => DType::U8,
        "uint16" => DType::U16,
        "uint32" => DType::U32,
        "uint64" => DType::U64,
        "bool" => DType::Bool,
        "str" | "object" | "unicode" | "string" => DType::String,
        "bytes" => DType::Bytes,
        _ => {
            // numpy names fixed-width strings `str160`/`bytes8`.
            if name.starts_with("str") && name[3..].chars().all(|c| c.is_ascii_digit()) {
                DType::String
            } else if name.starts_with("bytes") && name[5..].chars().all(|c| c.is_ascii_digit()) {
                DType::Bytes
            } else {
                return None;
            }
        }
    })
}

/// numpy's `repr` of an array's dtype as `repr(arr)` prints it: `'<U5'` and
/// `'S3'` for fixed-width strings and bytes (the widest element), else the name.
pub fn array_dtype_repr(values: &Values) -> String {
    match values {
        Values::String(v) => {
            let w = v.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            format!("'<U{w}'")
        }
        Values::Bytes(v) => {
            let w = v.iter().map(Vec::len).max().unwrap_or(0);
            format!("'S{w}'")
        }
        other => other.dtype().numpy_name().to_string(),
    }
}
