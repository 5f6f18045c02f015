//! The `/invocations` entry point checked end to end: decode errors, format keys, content types, LLM and type-hint requests, odd inputs.

use super::*;
use crate::value::{DType, ParamValue, Scalar, Tensor, Values};

const JSON: Option<&str> = Some("application/json");

fn iris() -> Signature {
    Signature {
        inputs: Some(
            Schema::from_json_str(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#)
                .unwrap(),
        ),
        outputs: None,
        params: None,
        from_type_hint: false,
    }
}

fn err(ct: Option<&str>, body: &str, sig: Option<&Signature>) -> ScoringError {
    parse_invocation(ct, body.as_bytes(), sig).unwrap_err()
}

#[test]
fn decode_errors() {
    let e = err(JSON, "", None);
    assert_eq!(
        e.message(),
        "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting value: line 1 column 1 (char 0)')'\nInput: \nb''\n"
    );
    let e = err(JSON, r#"{"inputs": [[1, 2,"#, None);
    assert_eq!(
        e.message(),
        "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting value: line 1 column 19 (char 18)')'\nInput: \nb'{\"inputs\": [[1, 2,'\n"
    );
    let e = err(JSON, "[[1]]", None);
    assert!(e.message().ends_with("Received a list."));
    assert!(
        e.message()
            .starts_with("Invalid input. The input must be a JSON dictionary with exactly one of the input fields {")
    );
    let e = err(JSON, "42", None);
    assert!(e.message().ends_with("Received unexpected input type '<class 'int'>."));
    let e = err(JSON, "null", None);
    assert!(e.message().ends_with("Received unexpected input type '<class 'NoneType'>."));
    let e = parse_invocation(JSON, b"\xff", None).unwrap_err();
    assert!(e.message().contains("UnicodeDecodeError"));
}

#[test]
fn format_key_rules() {
    for body in [r#"{}"#, r#"{"data": [1]}"#, r#"{"params": {}}"#] {
        let e = err(JSON, body, None);
        assert!(e.message().contains("Received dictionary with input fields: []."), "{body}");
        assert_eq!(e.status(), 400);
    }
    let e = err(JSON, r#"{"dataframe_records": [], "dataframe_split": {"data": []}}"#, None);
    assert!(e.message().contains("Received dictionary with input fields: ['dataframe_records', 'dataframe_split']."));
    // Unknown keys are ignored.
    let ok = parse_invocation(JSON, br#"{"inputs": [1, 2], "extra": 1}"#, None).unwrap();
    assert_eq!(ok.input, Batch::Tensors(vec![Tensor { name: None, shape: vec![2], values: Values::I64(vec![1, 2]) }]));
}

#[test]
fn iris_golden_paths() {
    let sig = iris();
    for body in [
        r#"{"inputs": [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4]]}"#,
        r#"{"instances": [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4]]}"#,
        r#"{"dataframe_split": {"columns": ["c0", "c1", "c2", "c3"], "data": [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4]]}}"#,
        r#"{"dataframe_split": {"index": [0, 1], "data": [[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4]]}}"#,
        r#"{"dataframe_records": [{"0": 5.1, "1": 3.5, "2": 1.4, "3": 0.2}, {"0": 7.0, "1": 3.2, "2": 4.7, "3": 1.4}]}"#,
    ] {
        let inv = parse_invocation(JSON, body.as_bytes(), Some(&sig)).unwrap();
        assert_eq!(
            inv.input,
            Batch::Tensors(vec![Tensor {
                name: None,
                shape: vec![2, 4],
                values: Values::F32(vec![5.1, 3.5, 1.4, 0.2, 7.0, 3.2, 4.7, 1.4])
            }]),
            "{body}"
        );
        assert!(!inv.unwrapped_response);
    }
    let inv = parse_invocation(JSON, br#"{"inputs": [[null, 3.5, 1.4, 0.2]]}"#, Some(&sig)).unwrap();
    let Batch::Tensors(t) = inv.input else { panic!() };
    let Values::F32(v) = &t[0].values else { panic!() };
    assert!(v[0].is_nan());
    let e = err(JSON, r#"{"inputs": [5.1, 3.5, 1.4, 0.2]}"#, Some(&sig));
    assert_eq!(
        e.message(),
        "Failed to predict data '[5.1 3.5 1.4 0.2]'. \nError: Failed to enforce schema of data '[5.1 3.5 1.4 0.2]' with schema '[Tensor('float32', (-1, 4))]'. Error: Shape of input (4,) does not match expected shape (-1, 4)."
    );
    let e = err(JSON, r#"{"input": [[1, 2, 3, 4]]}"#, Some(&sig));
    assert_eq!(
        e.message(),
        "Failed to predict data '{'input': [[1, 2, 3, 4]]}'. \nError: Failed to enforce schema of data '{'input': [[1, 2, 3, 4]]}' with schema '[Tensor('float32', (-1, 4))]'. Error: This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type <class 'dict'> was found."
    );
    // Unlike MLflow 3.17, CSV works with a tensor signature.
    let inv = parse_invocation(Some("text/csv"), b"a,b,c,d\n1,2,3,4\n", Some(&sig)).unwrap();
    let Batch::Tensors(tensors) = inv.input else { panic!("tensor signature gives tensors") };
    assert_eq!(
        (tensors[0].shape.as_slice(), &tensors[0].values),
        (&[1, 4][..], &Values::F32(vec![1.0, 2.0, 3.0, 4.0]))
    );
}

#[test]
fn llm_requests() {
    let sig = Signature {
        inputs: None,
        outputs: None,
        params: Some(
            crate::schema::signature::ParamSchema::from_json_str(
                r#"[{"name": "temperature", "type": "float", "default": 0.5, "shape": null}]"#,
            )
            .unwrap(),
        ),
        ..Signature::default()
    };
    let inv = parse_invocation(
        JSON,
        br#"{"messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "params": {"x": 1}}"#,
        Some(&sig),
    )
    .unwrap();
    assert!(inv.unwrapped_response);
    assert_eq!(
        inv.input,
        Batch::Json(
            crate::py::json::parse(r#"{"messages": [{"role": "user", "content": "hi"}], "params": {"x": 1}}"#).unwrap()
        )
    );
    assert_eq!(inv.params, vec![("temperature".into(), ParamValue::Scalar(Scalar::F32(0.2)))]);
}

#[test]
fn no_signature_inference() {
    let inv = parse_invocation(JSON, br#"{"inputs": {"a": [1.5, 2], "b": ["x"]}}"#, None).unwrap();
    let Batch::Tensors(t) = inv.input else { panic!() };
    assert_eq!(t[0].name.as_deref(), Some("a"));
    assert_eq!(t[0].values.dtype(), DType::F64);
    assert_eq!(t[1].values, Values::String(vec!["x".into()]));
    let inv =
        parse_invocation(JSON, br#"{"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}"#, None).unwrap();
    let Batch::Table(cols) = inv.input else { panic!() };
    assert_eq!(cols[0].values, Values::I64(vec![1, 2]));
    let inv = parse_invocation(Some("text/csv"), b"a,b\n1,2.5\n", None).unwrap();
    let Batch::Table(cols) = inv.input else { panic!() };
    assert_eq!(cols[1].values, Values::F64(vec![2.5]));
    let e = err(JSON, r#"{"inputs": [[1, 2], [3]]}"#, None);
    assert_eq!(e.error_code(), "BAD_REQUEST");
}

#[test]
fn params_extraction() {
    let mut sig = iris();
    // No params schema: anything goes, even a list.
    let inv = parse_invocation(JSON, br#"{"inputs": [[1, 2, 3, 4]], "params": [1]}"#, Some(&sig)).unwrap();
    assert!(inv.params.is_empty());
    sig.params = Some(
        crate::schema::signature::ParamSchema::from_json_str(
            r#"[{"name": "k", "type": "long", "default": 3, "shape": null}]"#,
        )
        .unwrap(),
    );
    let e = err(JSON, r#"{"inputs": [[1, 2, 3, 4]], "params": [1]}"#, Some(&sig));
    assert_eq!(
        e.message(),
        "Failed to predict data '[[1. 2. 3. 4.]]'. \nError: Parameters must be a dictionary. Got type 'list'."
    );
    assert_eq!(e.sqlstate(), Some(("KAM00", "INVALID_PARAMETER_VALUE")));
    let inv = parse_invocation(JSON, br#"{"inputs": [[1, 2, 3, 4]], "params": {"k": 7}}"#, Some(&sig)).unwrap();
    assert_eq!(inv.params, vec![("k".into(), ParamValue::Scalar(Scalar::I64(7)))]);
}

#[test]
fn content_type_errors_come_first() {
    let e = err(Some("text/plain"), "{}", None);
    assert_eq!(e.status(), 415);
    let e = err(None, "{}", None);
    assert_eq!(e, ScoringError::MissingContentType);
    let e = err(Some("application/vnd.apache.parquet"), "PAR1", None);
    assert_eq!((e.status(), e.error_code()), (400, "BAD_REQUEST"));
}

fn columns_sig(inputs: &str) -> Signature {
    Signature { inputs: Some(Schema::from_json_str(inputs).unwrap()), ..Signature::default() }
}

#[test]
fn unnamed_string_colspec_echo() {
    // MLflow's test_python_model_serving_compatible: {"inputs": ["a", "b"]}.
    let sig = columns_sig(r#"[{"type": "string", "required": true}]"#);
    let inv = parse_invocation(JSON, br#"{"inputs": ["a", "b"]}"#, Some(&sig)).unwrap();
    let body = crate::encode_predictions(&inv.input, false);
    assert_eq!(String::from_utf8(body).unwrap(), r#"{"predictions": [{"0": "a"}, {"0": "b"}]}"#);
}

#[test]
fn column_schema_formats() {
    let sig = columns_sig(
        r#"[{"name": "a", "type": "double", "required": true}, {"name": "b", "type": "string", "required": true}, {"name": "c", "type": "long", "required": false}]"#,
    );
    let want = Batch::Table(vec![
        crate::Column { name: "a".into(), values: Values::F64(vec![1.0, 2.5]) },
        crate::Column { name: "b".into(), values: Values::String(vec!["x".into(), "y".into()]) },
    ]);
    for body in [
        r#"{"dataframe_split": {"columns": ["b", "a", "extra"], "data": [["x", 1, 0], ["y", 2.5, 0]]}}"#,
        r#"{"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2.5, "b": "y", "zzz": 1}]}"#,
        r#"{"inputs": {"a": [1, 2.5], "b": ["x", "y"]}}"#,
        r#"{"instances": [{"a": 1, "b": "x"}, {"a": 2.5, "b": "y"}]}"#,
    ] {
        let inv = parse_invocation(JSON, body.as_bytes(), Some(&sig)).unwrap();
        assert_eq!(inv.input, want, "{body}");
    }
    let inv = parse_invocation(Some("text/csv"), b"b,a\nx,1\ny,2.5\n", Some(&sig)).unwrap();
    assert_eq!(inv.input, want);
    // Optional column present: typed and kept, in schema order.
    let inv = parse_invocation(JSON, br#"{"dataframe_records": [{"c": 3, "b": "x", "a": 1}]}"#, Some(&sig)).unwrap();
    let Batch::Table(cols) = inv.input else { panic!() };
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(cols[2].values, Values::I64(vec![3]));
    // A dict of scalars is one row.
    let inv = parse_invocation(JSON, br#"{"inputs": {"a": 1, "b": "x"}}"#, Some(&sig)).unwrap();
    let Batch::Table(cols) = inv.input else { panic!() };
    assert_eq!(cols[0].values, Values::F64(vec![1.0]));
    // Missing required columns.
    let e = err(JSON, r#"{"dataframe_records": [{"b": "x", "q": 1}]}"#, Some(&sig));
    assert!(
        e.message().ends_with("Error: Model is missing inputs ['a']. Note that there were extra inputs: ['q']."),
        "{}",
        e.message()
    );
    assert_eq!(e.sqlstate(), Some(("KAM01", "SCHEMA_ENFORCEMENT_FAILED")));
    // Lenient parse cast failure.
    let e = err(JSON, r#"{"dataframe_records": [{"a": "zz", "b": "x"}]}"#, Some(&sig));
    assert!(e.message().contains("Failed to convert column a to type 'float64'"), "{}", e.message());
    assert_eq!(e.error_code(), "BAD_REQUEST");
}

#[test]
fn binary_columns_are_base64_decoded() {
    let sig = columns_sig(r#"[{"name": "img", "type": "binary"}]"#);
    let inv = parse_invocation(JSON, br#"{"dataframe_split": {"columns": ["img"], "data": [["YWJj"]]}}"#, Some(&sig))
        .unwrap();
    assert_eq!(
        inv.input,
        Batch::Table(vec![crate::Column { name: "img".into(), values: Values::Bytes(vec![b"abc".to_vec()]) }])
    );
}

#[test]
fn odd_inputs_never_panic() {
    let sigs: Vec<Option<Signature>> = vec![
        None,
        Some(iris()),
        Some(columns_sig(r#"[{"name": "a", "type": "double"}, {"name": "b", "type": "string", "required": false}]"#)),
        Some(columns_sig(r#"[{"type": "long"}, {"type": "binary"}]"#)),
        Some(columns_sig(
            r#"[{"name": "x", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2, 2]}}, {"name": "y", "type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1]}}]"#,
        )),
        Some(columns_sig(
            r#"[{"name": "arr", "type": "array", "items": {"type": "double"}}, {"name": "any", "type": "any"}]"#,
        )),
    ];
    let json_bodies = [
        r#"{"dataframe_split": {"data": [[1, [2]]]}}"#,
        r#"{"dataframe_split": {"data": []}}"#,
        r#"{"dataframe_split": {"data": [], "columns": ["a"]}}"#,
        r#"{"dataframe_split": {"data": 5}}"#,
        r#"{"dataframe_split": {"data": [[1, 2]], "columns": "a"}}"#,
        r#"{"dataframe_split": {"data": [[1, 2]], "index": 3}}"#,
        r#"{"dataframe_split": {"data": [1, 2, 3]}}"#,
        r#"{"dataframe_records": []}"#,
        r#"{"dataframe_records": [1, "a", null]}"#,
        r#"{"dataframe_records": [{"a": {"b": 1}}, {"a": [1, 2]}]}"#,
        r#"{"inputs": [[[]]]}"#,
        r#"{"inputs": {}}"#,
        r#"{"inputs": null}"#,
        r#"{"inputs": [{"a": [1]}, 3]}"#,
        r#"{"inputs": {"x": [[[1, 2], [3, 4]]], "y": [["a", 1]]}}"#,
        r#"{"inputs": {"a": 1e400, "b": -1e400}}"#,
        r#"{"inputs": [[1, 2], [3, 4]], "params": {"a": 1}}"#,
        r#"{"instances": []}"#,
        r#"{"instances": [{}]}"#,
        r#"{"instances": [{"a": 1}, 2]}"#,
        r#"{"messages": null, "params": 3}"#,
        r#"{"input": [1, 2]}"#,
        r#"{"inputs": "é\u0000😀"}"#,
        r#"{"dataframe_records": [{"arr": [1.5, 2], "any": {"k": [1]}}]}"#,
    ];
    for sig in &sigs {
        for body in json_bodies {
            if let Ok(inv) = parse_invocation(JSON, body.as_bytes(), sig.as_ref()) {
                let _ = crate::encode_predictions(&inv.input, inv.unwrapped_response);
            }
        }
        for csv in ["a\n", ",,\n,,\n", "\"unterminated\n1", "a,b\n1\n", "é,ü\n1,2\n", "a,a,\n1,2,3\n"] {
            let _ = parse_invocation(Some("text/csv"), csv.as_bytes(), sig.as_ref());
        }
    }
}
