//! Small conveniences on the generated WIT types that every flavor needs: sizes,
//! element types and their numpy names, and the numeric view most models take.

use crate::exports::wasmflow::inference::predictor::{Dtype, Values};

impl Values {
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
            Values::Boolean(v) => v.len(),
            Values::Utf8(v) => v.len(),
            Values::Bytes(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Values::F32(_) => Dtype::F32,
            Values::F64(_) => Dtype::F64,
            Values::I8(_) => Dtype::I8,
            Values::I16(_) => Dtype::I16,
            Values::I32(_) => Dtype::I32,
            Values::I64(_) => Dtype::I64,
            Values::U8(_) => Dtype::U8,
            Values::U16(_) => Dtype::U16,
            Values::U32(_) => Dtype::U32,
            Values::U64(_) => Dtype::U64,
            Values::Boolean(_) => Dtype::Boolean,
            Values::Utf8(_) => Dtype::Utf8,
            Values::Bytes(_) => Dtype::Bytes,
        }
    }

    /// The elements as float64, as numpy's `astype(float64)` casts them (booleans
    /// are 0 and 1); `None` for text and bytes.
    pub fn into_f64(self) -> Option<Vec<f64>> {
        fn f<T: Into<f64>>(v: Vec<T>) -> Vec<f64> {
            v.into_iter().map(Into::into).collect()
        }
        Some(match self {
            Values::F32(v) => f(v),
            Values::F64(v) => v,
            Values::I8(v) => f(v),
            Values::I16(v) => f(v),
            Values::I32(v) => f(v),
            Values::I64(v) => v.into_iter().map(|x| x as f64).collect(),
            Values::U8(v) => f(v),
            Values::U16(v) => f(v),
            Values::U32(v) => f(v),
            Values::U64(v) => v.into_iter().map(|x| x as f64).collect(),
            Values::Boolean(v) => v.into_iter().map(|b| if b { 1.0 } else { 0.0 }).collect(),
            Values::Utf8(_) | Values::Bytes(_) => return None,
        })
    }
}

impl Dtype {
    /// numpy's (and pandas') name of the element type: `float32`, `int64`, `bool`,
    /// ...; `str` and `bytes` for text and binary.
    pub fn numpy_name(self) -> &'static str {
        match self {
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::U64 => "uint64",
            Dtype::Boolean => "bool",
            Dtype::Utf8 => "str",
            Dtype::Bytes => "bytes",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_values_cast_to_f64_and_text_does_not() {
        assert_eq!(Values::Boolean(vec![true, false]).into_f64(), Some(vec![1.0, 0.0]));
        assert_eq!(Values::I64(vec![-3]).into_f64(), Some(vec![-3.0]));
        assert_eq!(Values::F32(vec![1.5]).into_f64(), Some(vec![1.5]));
        assert_eq!(Values::Utf8(vec!["1".into()]).into_f64(), None);
        assert_eq!(Values::U8(vec![1]).dtype().numpy_name(), "uint8");
    }
}
