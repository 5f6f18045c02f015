//! The one mapping between the protocol's data model ([`crate::value`]) and the
//! WIT types of `wasmflow:inference/predictor`, as a macro: the native host
//! (wasmtime's `bindgen!`) and the wasi:http component (wit-bindgen) each
//! generate their own Rust types for the same WIT, with the same names and
//! shapes, so one macro body serves both instead of two hand-kept copies.

/// Defines, in the calling module, `batch_to_wit`, `batch_from_wit`,
/// `params_to_wit` and `error_from_wit` for the generated bindings module `$w`
/// (which must export `Batch`, `Tensor`, `Column`, `Values`, `Param`,
/// `ParamValue`, `Scalar` and `Error`).
#[macro_export]
macro_rules! wit_conversions {
    ($w:ident) => {
        /// A protocol values vector as WIT values (moves the data).
        fn values_to_wit(values: $crate::value::Values) -> $w::Values {
            match values {
                $crate::value::Values::F32(v) => $w::Values::F32(v),
                $crate::value::Values::F64(v) => $w::Values::F64(v),
                $crate::value::Values::I8(v) => $w::Values::I8(v),
                $crate::value::Values::I16(v) => $w::Values::I16(v),
                $crate::value::Values::I32(v) => $w::Values::I32(v),
                $crate::value::Values::I64(v) => $w::Values::I64(v),
                $crate::value::Values::U8(v) => $w::Values::U8(v),
                $crate::value::Values::U16(v) => $w::Values::U16(v),
                $crate::value::Values::U32(v) => $w::Values::U32(v),
                $crate::value::Values::U64(v) => $w::Values::U64(v),
                $crate::value::Values::Bool(v) => $w::Values::Boolean(v),
                $crate::value::Values::String(v) => $w::Values::Utf8(v),
                $crate::value::Values::Bytes(v) => $w::Values::Bytes(v),
            }
        }

        fn values_from_wit(values: $w::Values) -> $crate::value::Values {
            match values {
                $w::Values::F32(v) => $crate::value::Values::F32(v),
                $w::Values::F64(v) => $crate::value::Values::F64(v),
                $w::Values::I8(v) => $crate::value::Values::I8(v),
                $w::Values::I16(v) => $crate::value::Values::I16(v),
                $w::Values::I32(v) => $crate::value::Values::I32(v),
                $w::Values::I64(v) => $crate::value::Values::I64(v),
                $w::Values::U8(v) => $crate::value::Values::U8(v),
                $w::Values::U16(v) => $crate::value::Values::U16(v),
                $w::Values::U32(v) => $crate::value::Values::U32(v),
                $w::Values::U64(v) => $crate::value::Values::U64(v),
                $w::Values::Boolean(v) => $crate::value::Values::Bool(v),
                $w::Values::Utf8(v) => $crate::value::Values::String(v),
                $w::Values::Bytes(v) => $crate::value::Values::Bytes(v),
            }
        }

        /// A request batch for the guest.
        pub fn batch_to_wit(batch: $crate::value::Batch) -> $w::Batch {
            match batch {
                $crate::value::Batch::Tensors(tensors) => $w::Batch::Tensors(
                    tensors
                        .into_iter()
                        .map(|t| $w::Tensor {
                            name: t.name,
                            shape: t.shape.into_iter().map(|d| d as u64).collect(),
                            values: values_to_wit(t.values),
                        })
                        .collect(),
                ),
                $crate::value::Batch::Table(columns) => $w::Batch::Table(
                    columns.into_iter().map(|c| $w::Column { name: c.name, values: values_to_wit(c.values) }).collect(),
                ),
                $crate::value::Batch::Json(value) => {
                    let mut text = String::new();
                    $crate::py::json::write_json(&mut text, &value);
                    $w::Batch::Json(text)
                }
            }
        }

        /// The guest's answer as a protocol batch. Fails only when the guest breaks the
        /// contract (a shape that does not match its values, JSON that does not parse).
        pub fn batch_from_wit(batch: $w::Batch) -> Result<$crate::value::Batch, String> {
            Ok(match batch {
                $w::Batch::Tensors(tensors) => $crate::value::Batch::Tensors(
                    tensors
                        .into_iter()
                        .map(|t| {
                            let shape: Vec<usize> = t.shape.iter().map(|&d| d as usize).collect();
                            let values = values_from_wit(t.values);
                            let expected: usize = shape.iter().product();
                            if expected != values.len() {
                                return Err(format!(
                                    "the flavor returned a tensor of shape {shape:?} with {} values",
                                    values.len()
                                ));
                            }
                            Ok($crate::value::Tensor { name: t.name, shape, values })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                $w::Batch::Table(columns) => $crate::value::Batch::Table(
                    columns
                        .into_iter()
                        .map(|c| $crate::value::Column { name: c.name, values: values_from_wit(c.values) })
                        .collect(),
                ),
                $w::Batch::Json(text) => $crate::value::Batch::Json(
                    $crate::py::json::parse(&text)
                        .map_err(|e| format!("the flavor returned invalid JSON: {}", e.message()))?,
                ),
            })
        }

        fn scalar_to_wit(scalar: $crate::value::Scalar) -> $w::Scalar {
            match scalar {
                $crate::value::Scalar::Bool(v) => $w::Scalar::Boolean(v),
                $crate::value::Scalar::I32(v) => $w::Scalar::I32(v),
                $crate::value::Scalar::I64(v) => $w::Scalar::I64(v),
                $crate::value::Scalar::F32(v) => $w::Scalar::F32(v),
                $crate::value::Scalar::F64(v) => $w::Scalar::F64(v),
                $crate::value::Scalar::String(v) => $w::Scalar::Utf8(v),
                $crate::value::Scalar::Datetime(v) => $w::Scalar::Datetime(v),
            }
        }

        /// Validated params for the guest.
        pub fn params_to_wit(params: $crate::value::Params) -> Vec<$w::Param> {
            params
                .into_iter()
                .map(|(name, value)| $w::Param {
                    name,
                    value: match value {
                        $crate::value::ParamValue::Scalar(s) => $w::ParamValue::Scalar(scalar_to_wit(s)),
                        $crate::value::ParamValue::List(l) => {
                            $w::ParamValue::List(l.into_iter().map(scalar_to_wit).collect())
                        }
                    },
                })
                .collect()
        }

        /// The protocol error for an error the flavor reported.
        pub fn error_from_wit(error: $w::Error) -> $crate::ScoringError {
            match error {
                $w::Error::InvalidInput(m) => $crate::ScoringError::InvalidParameter(m),
                $w::Error::Evaluation(m) => $crate::ScoringError::Evaluation(m),
                $w::Error::Load(m) | $w::Error::Internal(m) => $crate::ScoringError::Internal(m),
            }
        }
    };
}
