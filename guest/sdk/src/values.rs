//! Small conveniences on the generated WIT types that every flavor needs.

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
}
