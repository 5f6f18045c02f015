//! Signature parsing checked against the schemas MLflow writes.

use super::*;

#[test]
fn tensor_schema() {
    let s = Schema::from_json_str(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#)
        .unwrap();
    let Schema::Tensors(t) = &s else { panic!() };
    assert_eq!(t[0].dtype, DType::F32);
    assert_eq!(t[0].shape, vec![-1, 4]);
    assert!(!s.has_names());
    assert_eq!(s.repr(), "[Tensor('float32', (-1, 4))]");
    let s = Schema::from_json_str(
        r#"[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}, "name": "label"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "probabilities"}]"#,
    )
    .unwrap();
    assert!(s.has_names());
    assert_eq!(s.names(), vec!["label", "probabilities"]);
    assert_eq!(s.repr(), "['label': Tensor('int64', (-1,)), 'probabilities': Tensor('float32', (-1, 3))]");
}

#[test]
fn numpy_dtype_names() {
    for (name, want) in [
        ("float32", DType::F32),
        ("float64", DType::F64),
        ("int8", DType::I8),
        ("int16", DType::I16),
        ("int32", DType::I32),
        ("int64", DType::I64),
        ("uint8", DType::U8),
        ("uint16", DType::U16),
        ("uint32", DType::U32),
        ("uint64", DType::U64),
        ("bool", DType::Bool),
        ("str", DType::String),
        ("object", DType::String),
        ("bytes", DType::Bytes),
    ] {
        assert_eq!(dtype_from_numpy(name), Some(want), "{name}");
    }
    assert_eq!(dtype_from_numpy("float16"), None);
    assert!(
        Schema::from_json_str(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float16", "shape": [-1]}}]"#)
            .unwrap_err()
            .contains("float16")
    );
}

#[test]
fn column_schema() {
    let s = Schema::from_json_str(
        r#"[{"name": "a", "type": "double", "required": true}, {"name": "b", "type": "long", "required": false}, {"type": "string", "name": "c"}, {"name": "d", "type": "array", "items": {"type": "string"}}, {"name": "e", "type": "object", "properties": {"x": {"type": "long", "required": true}}, "required": true}, {"name": "f", "type": "map", "values": {"type": "double"}}, {"name": "g", "type": "any"}, {"name": "h", "type": "datetime"}, {"name": "i", "type": "binary"}]"#,
    )
    .unwrap();
    let Schema::Columns(c) = &s else { panic!() };
    assert_eq!(c.len(), 9);
    assert_eq!(c[0].ty, ColType::Double);
    assert!(!c[1].required);
    assert!(c[2].required);
    assert_eq!(c[3].ty, ColType::Array(Box::new(ColType::String)));
    assert!(matches!(c[4].ty, ColType::Object(_)));
    assert_eq!(c[5].ty, ColType::Map(Box::new(ColType::Double)));
    assert_eq!(c[6].ty, ColType::Any);
    assert_eq!(c[7].ty.dtype(), Some(DType::String));
    assert_eq!(c[8].ty.dtype(), Some(DType::Bytes));
    assert_eq!(c[0].repr(), "'a': double (required)");
    assert_eq!(c[3].repr(), "'d': Array(string) (required)");
    assert!(Schema::from_json_str(r#"[{"name": "a", "type": "decimal"}]"#).is_err());
    assert!(Schema::from_json_str("{").is_err());
}

#[test]
fn param_schema() {
    let p = ParamSchema::from_json_str(
        r#"[{"name": "temperature", "type": "float", "default": 0.5, "shape": null}, {"name": "stop", "type": "string", "default": ["a"], "shape": [-1]}]"#,
    )
    .unwrap();
    assert_eq!(p.params[0].ty, ColType::Float);
    assert_eq!(p.params[0].shape, None);
    assert_eq!(p.params[1].shape, Some(vec![-1]));
    assert_eq!(p.get("stop").unwrap().default, serde_json::json!(["a"]));
}
