//! Conversions between the protocol's data model (`wasmflow_protocol::value`)
//! and the WIT types of the bindings. The two mirror each other one to one.

use wasmflow_protocol::pyjson;
use wasmflow_protocol::value as p;

use super::bindings as w;

/// A protocol values vector as WIT values (moves the data).
fn values_to_wit(values: p::Values) -> w::Values {
    match values {
        p::Values::F32(v) => w::Values::F32(v),
        p::Values::F64(v) => w::Values::F64(v),
        p::Values::I8(v) => w::Values::I8(v),
        p::Values::I16(v) => w::Values::I16(v),
        p::Values::I32(v) => w::Values::I32(v),
        p::Values::I64(v) => w::Values::I64(v),
        p::Values::U8(v) => w::Values::U8(v),
        p::Values::U16(v) => w::Values::U16(v),
        p::Values::U32(v) => w::Values::U32(v),
        p::Values::U64(v) => w::Values::U64(v),
        p::Values::Bool(v) => w::Values::Boolean(v),
        p::Values::String(v) => w::Values::Utf8(v),
        p::Values::Bytes(v) => w::Values::Bytes(v),
    }
}

fn values_from_wit(values: w::Values) -> p::Values {
    match values {
        w::Values::F32(v) => p::Values::F32(v),
        w::Values::F64(v) => p::Values::F64(v),
        w::Values::I8(v) => p::Values::I8(v),
        w::Values::I16(v) => p::Values::I16(v),
        w::Values::I32(v) => p::Values::I32(v),
        w::Values::I64(v) => p::Values::I64(v),
        w::Values::U8(v) => p::Values::U8(v),
        w::Values::U16(v) => p::Values::U16(v),
        w::Values::U32(v) => p::Values::U32(v),
        w::Values::U64(v) => p::Values::U64(v),
        w::Values::Boolean(v) => p::Values::Bool(v),
        w::Values::Utf8(v) => p::Values::String(v),
        w::Values::Bytes(v) => p::Values::Bytes(v),
    }
}

/// A request batch for the guest.
pub fn batch_to_wit(batch: p::Batch) -> w::Batch {
    match batch {
        p::Batch::Tensors(tensors) => w::Batch::Tensors(
            tensors
                .into_iter()
                .map(|t| w::Tensor {
                    name: t.name,
                    shape: t.shape.into_iter().map(|d| d as u64).collect(),
                    values: values_to_wit(t.values),
                })
                .collect(),
        ),
        p::Batch::Table(columns) => w::Batch::Table(
            columns.into_iter().map(|c| w::Column { name: c.name, values: values_to_wit(c.values) }).collect(),
        ),
        p::Batch::Json(value) => {
            let mut text = String::new();
            pyjson::write_json(&mut text, &value);
            w::Batch::Json(text)
        }
    }
}

/// The guest's answer as a protocol batch. Fails only when the guest breaks the
/// contract (a shape that does not match its values, JSON that does not parse).
pub fn batch_from_wit(batch: w::Batch) -> Result<p::Batch, String> {
    Ok(match batch {
        w::Batch::Tensors(tensors) => p::Batch::Tensors(
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
                    Ok(p::Tensor { name: t.name, shape, values })
                })
                .collect::<Result<_, _>>()?,
        ),
        w::Batch::Table(columns) => p::Batch::Table(
            columns.into_iter().map(|c| p::Column { name: c.name, values: values_from_wit(c.values) }).collect(),
        ),
        w::Batch::Json(text) => p::Batch::Json(
            pyjson::parse(&text).map_err(|e| format!("the flavor returned invalid JSON: {}", e.message()))?,
        ),
    })
}

fn scalar_to_wit(scalar: p::Scalar) -> w::Scalar {
    match scalar {
        p::Scalar::Bool(v) => w::Scalar::Boolean(v),
        p::Scalar::I32(v) => w::Scalar::I32(v),
        p::Scalar::I64(v) => w::Scalar::I64(v),
        p::Scalar::F32(v) => w::Scalar::F32(v),
        p::Scalar::F64(v) => w::Scalar::F64(v),
        p::Scalar::String(v) => w::Scalar::Utf8(v),
        p::Scalar::Datetime(v) => w::Scalar::Datetime(v),
    }
}

/// Validated params for the guest.
pub fn params_to_wit(params: p::Params) -> Vec<w::Param> {
    params
        .into_iter()
        .map(|(name, value)| w::Param {
            name,
            value: match value {
                p::ParamValue::Scalar(s) => w::ParamValue::Scalar(scalar_to_wit(s)),
                p::ParamValue::List(l) => w::ParamValue::List(l.into_iter().map(scalar_to_wit).collect()),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_round_trip() {
        let batch = p::Batch::Tensors(vec![p::Tensor {
            name: Some("x".into()),
            shape: vec![2, 2],
            values: p::Values::F32(vec![1.0, 2.0, 3.0, 4.0]),
        }]);
        assert_eq!(batch_from_wit(batch_to_wit(batch.clone())).unwrap(), batch);
        let table = p::Batch::Table(vec![p::Column { name: "s".into(), values: p::Values::String(vec!["a".into()]) }]);
        assert_eq!(batch_from_wit(batch_to_wit(table.clone())).unwrap(), table);
        // NaN != NaN, so compare what Python's json would print.
        let text = r#"{"b": [1, 2.5, NaN], "a": null}"#;
        let json = p::Batch::Json(pyjson::parse(text).unwrap());
        let p::Batch::Json(back) = batch_from_wit(batch_to_wit(json)).unwrap() else { panic!("not JSON") };
        let mut written = String::new();
        pyjson::write_json(&mut written, &back);
        assert_eq!(written, text);
    }

    #[test]
    fn a_shape_that_lies_is_refused() {
        let bad = w::Batch::Tensors(vec![w::Tensor { name: None, shape: vec![3], values: w::Values::F64(vec![1.0]) }]);
        assert!(batch_from_wit(bad).unwrap_err().contains("shape [3]"));
    }
}
