//! Conversions between the protocol's data model (`wasmflow_protocol::value`)
//! and the WIT types of the bindings: `batch_to_wit`, `batch_from_wit`,
//! `params_to_wit`, from the protocol's one mapping (shared with the wasi:http
//! component).

use super::bindings as w;

wasmflow_protocol::wit_conversions!(w);

#[cfg(test)]
mod tests {
    use super::*;
    use wasmflow_protocol::py::json;
    use wasmflow_protocol::value as p;

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
        let batch = p::Batch::Json(json::parse(text).unwrap());
        let p::Batch::Json(back) = batch_from_wit(batch_to_wit(batch)).unwrap() else { panic!("not JSON") };
        let mut written = String::new();
        json::write_json(&mut written, &back);
        assert_eq!(written, text);
    }

    #[test]
    fn a_shape_that_lies_is_refused() {
        let bad = w::Batch::Tensors(vec![w::Tensor { name: None, shape: vec![3], values: w::Values::F64(vec![1.0]) }]);
        assert!(batch_from_wit(bad).unwrap_err().contains("shape [3]"));
    }
}
