//! Schema enforcement checked against MLflow's answers: tensors, columns, no schema.

use super::*;
use crate::py::json::parse;
use crate::py::numpy::{self, CastMode};
use crate::value::DType;

fn arr(text: &str, dtype: Option<DType>) -> PyData {
    PyData::Array(numpy::from_json(&parse(text).unwrap(), dtype, CastMode::Construct).unwrap())
}

fn schema(text: &str) -> Schema {
    Schema::from_json_str(text).unwrap()
}

const IRIS: &str = r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#;

#[test]
fn unnamed_tensor_shape_errors() {
    let s = schema(IRIS);
    let e = enforce(&arr("[[5.1, 3.5, 1.4]]", Some(DType::F32)), Some(&s)).unwrap_err();
    assert_eq!(
        e.message(),
        "Failed to predict data '[[5.1 3.5 1.4]]'. \nError: Failed to enforce schema of data '[[5.1 3.5 1.4]]' with schema '[Tensor('float32', (-1, 4))]'. Error: Shape of input (1, 3) does not match expected shape (-1, 4)."
    );
    assert_eq!(e.error_code(), "INVALID_PARAMETER_VALUE");
    let e = enforce(&PyData::Raw(parse("[]").unwrap()), Some(&s)).unwrap_err();
    assert!(e.message().ends_with("but an input of type <class 'list'> was found."));
    let e = enforce(&arr("[[1, 2, 3, 4]]", Some(DType::F64)), Some(&s)).unwrap_err();
    assert!(e.message().ends_with("Error: dtype of input float64 does not match expected dtype float32"));
}

#[test]
fn unnamed_tensor_ok() {
    let s = schema(IRIS);
    let b = enforce(&arr("[[5, 4, 1, 0]]", Some(DType::F32)), Some(&s)).unwrap();
    assert_eq!(
        b,
        Batch::Tensors(vec![Tensor { name: None, shape: vec![1, 4], values: Values::F32(vec![5.0, 4.0, 1.0, 0.0]) }])
    );
}

#[test]
fn frame_into_unnamed_tensor() {
    let s = schema(IRIS);
    let mut f = Frame::from_split(&parse("[[5.1, 3.5, 1.4, 0.2]]").unwrap(), None, None).unwrap();
    for i in 0..4 {
        f.astype_column(i, DType::F32).unwrap();
    }
    let b = enforce(&PyData::Frame(f), Some(&s)).unwrap();
    let Batch::Tensors(t) = b else { panic!() };
    assert_eq!(t[0].shape, vec![1, 4]);
    let f = Frame::from_split(&parse("[[5.1, 3.5, 1.4]]").unwrap(), None, None).unwrap();
    let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
    assert!(e.message().contains("the input DataFrame passed had 3 columns and an input shape of (-1, 4)"));
}

#[test]
fn named_tensors() {
    let s =
        schema(r#"[{"name": "features", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]"#);
    let d = PyData::Dict(vec![("features".into(), arr("[[1, 2]]", Some(DType::F32)))]);
    let Batch::Tensors(t) = enforce(&d, Some(&s)).unwrap() else { panic!() };
    assert_eq!(t[0].name.as_deref(), Some("features"));
    let f = Frame::from_split(&parse("[[1, 2]]").unwrap(), None, None).unwrap();
    let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
    assert!(
        e.message()
            .ends_with("Error: Model is missing inputs ['features']. Note that there were extra inputs: [0, 1]."),
        "{}",
        e.message()
    );
    let f = Frame::from_records(&parse(r#"[{"features": [1, 2]}, {"features": [3, 4]}]"#).unwrap()).unwrap();
    let Batch::Tensors(t) = enforce(&PyData::Frame(f), Some(&s)).unwrap() else { panic!() };
    assert_eq!(t[0].shape, vec![2, 2]);
    assert_eq!(t[0].values, Values::F32(vec![1.0, 2.0, 3.0, 4.0]));
    let d = PyData::Raw(parse(r#"{"input": [1]}"#).unwrap());
    let e = enforce(&d, Some(&s)).unwrap_err();
    assert!(
        e.message()
            .ends_with("Error: Model is missing inputs ['features']. Note that there were extra inputs: ['input'].")
    );
    let d = PyData::Raw(parse(r#"{"features": [[1, 2]]}"#).unwrap());
    let e = enforce(&d, Some(&s)).unwrap_err();
    assert!(e.message().ends_with("but a dict with value type <class 'list'> was found."), "{}", e.message());
}

#[test]
fn columns_select_order_and_missing() {
    let s = schema(
        r#"[{"name": "b", "type": "double"}, {"name": "a", "type": "long"}, {"name": "c", "type": "string", "required": false}]"#,
    );
    let f = Frame::from_records(&parse(r#"[{"a": 1, "b": 2.5, "x": 0}]"#).unwrap()).unwrap();
    let Batch::Table(cols) = enforce(&PyData::Frame(f), Some(&s)).unwrap() else { panic!() };
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["b", "a"]);
    let f = Frame::from_records(&parse(r#"[{"x": 1}]"#).unwrap()).unwrap();
    let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
    assert!(
        e.message().ends_with("Error: Model is missing inputs ['b', 'a']. Note that there were extra inputs: ['x'].")
    );
    // strict: int64 → double is refused in-process.
    let s = schema(r#"[{"name": "d", "type": "double"}]"#);
    let f = Frame::from_records(&parse(r#"[{"d": 2}]"#).unwrap()).unwrap();
    let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
    assert!(
        e.message().ends_with("Incompatible input types for column d. Can not safely convert int64 to float64."),
        "{}",
        e.message()
    );
}

#[test]
fn unnamed_columns() {
    let s = schema(r#"[{"type": "string"}]"#);
    let d = arr(r#"["a", "b"]"#, Some(DType::String));
    let Batch::Table(cols) = enforce(&d, Some(&s)).unwrap() else { panic!() };
    assert_eq!(cols[0].name, "0");
    let s = schema(r#"[{"type": "double"}, {"type": "double"}]"#);
    let e = enforce(&arr("[1.0]", None), Some(&s)).unwrap_err();
    assert!(e.message().contains("The model signature declares 2 inputs  but the provided value only has 1 inputs."));
}

#[test]
fn no_schema() {
    assert!(matches!(enforce(&arr("[1, 2]", None), None).unwrap(), Batch::Tensors(_)));
    let d = PyData::Raw(parse(r#"{"prompt": "hi"}"#).unwrap());
    assert_eq!(enforce(&d, None).unwrap(), Batch::Json(parse(r#"{"prompt": "hi"}"#).unwrap()));
}
