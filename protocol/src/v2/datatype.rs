//! V2 tensor datatypes (`FP32`, `INT64`, `BYTES`, …) and wasmflow's dtypes.

use crate::value::DType;

/// The V2 name of `dtype` (strings and bytes are both `BYTES`).
pub fn datatype_name(dtype: DType) -> &'static str {
    match dtype {
        DType::F32 => "FP32",
        DType::F64 => "FP64",
        DType::I8 => "INT8",
        DType::I16 => "INT16",
        DType::I32 => "INT32",
        DType::I64 => "INT64",
        DType::U8 => "UINT8",
        DType::U16 => "UINT16",
        DType::U32 => "UINT32",
        DType::U64 => "UINT64",
        DType::Bool => "BOOL",
        DType::String | DType::Bytes => "BYTES",
    }
}

/// The dtype of a V2 datatype name (`BYTES` as bytes); `None` for one wasmflow
/// has no dtype for (`FP16`, `BF16`) or an unknown name.
pub fn parse_datatype(name: &str) -> Option<DType> {
    Some(match name {
        "FP32" => DType::F32,
        "FP64" => DType::F64,
        "INT8" => DType::I8,
        "INT16" => DType::I16,
        "INT32" => DType::I32,
        "INT64" => DType::I64,
        "UINT8" => DType::U8,
        "UINT16" => DType::U16,
        "UINT32" => DType::U32,
        "UINT64" => DType::U64,
        "BOOL" => DType::Bool,
        "BYTES" => DType::Bytes,
        _ => return None,
    })
}

/// Size in bytes of one element in the binary extension (`None`: `BYTES`,
/// length-prefixed).
pub fn element_size(dtype: DType) -> Option<usize> {
    Some(match dtype {
        DType::I8 | DType::U8 | DType::Bool => 1,
        DType::I16 | DType::U16 => 2,
        DType::F32 | DType::I32 | DType::U32 => 4,
        DType::F64 | DType::I64 | DType::U64 => 8,
        DType::String | DType::Bytes => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for dtype in [DType::F32, DType::F64, DType::I8, DType::I64, DType::U16, DType::Bool, DType::Bytes] {
            assert_eq!(parse_datatype(datatype_name(dtype)), Some(dtype));
        }
        assert_eq!(datatype_name(DType::String), "BYTES");
        assert_eq!(parse_datatype("FP16"), None);
    }
}
