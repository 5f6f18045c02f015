//! The four JSON formats checked against MLflow's answers and errors.

use super::*;
use crate::py::json::parse;
use crate::value::Values;

fn s(text: &str) -> Schema {
    Schema::from_json_str(text).unwrap()
}

#[test]
fn split_errors() {
    let cases: &[(&str, &str)] = &[
        ("[[1]]", "Invalid input. Dataframe split format must be a dictionary. Got list."),
        (
            r#"{"columns": ["c0"]}"#,
            "Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'columns'}.'",
        ),
        (
            r#"{"data": [[1]], "foo": 1}"#,
            "Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'data', 'foo'}.'",
        ),
        (
            r#"{"index": [0, 1], "data": [[1], [2], [3]]}"#,
            "Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: 'Length of values (3) does not match length of index (2)'",
        ),
    ];
    for (v, want) in cases {
        let e = parse_format("dataframe_split", &parse(v).unwrap(), None).unwrap_err();
        assert_eq!(e.message(), *want);
        assert_eq!(e.error_code(), "BAD_REQUEST");
    }
    let e = parse_format("dataframe_records", &parse(r#"{"a": 1}"#).unwrap(), None).unwrap_err();
    assert_eq!(e.message(), "Invalid input. Dataframe records format must be a list of records. Got dictionary.");
}

#[test]
fn split_cast_per_schema() {
    let schema = s(
        r#"[{"name": "i", "type": "integer"}, {"name": "f", "type": "float"}, {"name": "s", "type": "string"}, {"name": "b", "type": "boolean"}]"#,
    );
    let v = parse(r#"{"columns": ["i", "f", "s", "b"], "data": [[9007199254740991.0, 1.1, 1, 1.5], [1, 9007199254740992.0, 2, 0], [2, 3, 3, "some arbitrary string"]]}"#).unwrap();
    let PyData::Frame(f) = parse_format("dataframe_split", &v, Some(&schema)).unwrap() else { panic!() };
    assert_eq!(f.columns[0].data, ColData::Typed(Values::I32(vec![-2147483648, 1, 2])));
    assert_eq!(f.columns[1].data, ColData::Typed(Values::F32(vec![1.1, 9007199254740992.0, 3.0])));
    assert_eq!(f.columns[2].data, ColData::Typed(Values::String(vec!["1".into(), "2".into(), "3".into()])));
    assert_eq!(f.columns[3].data, ColData::Typed(Values::Bool(vec![true, false, true])));
    let v = parse(r#"{"columns": ["i"], "data": [["x"]]}"#).unwrap();
    let e = parse_format("dataframe_split", &v, Some(&schema)).unwrap_err();
    assert_eq!(
        e.message(),
        "Invalid input. Data is not compatible with model signature. Failed to convert column i to type 'int32'. Error: 'ValueError(\"invalid literal for int() with base 10: 'x'\")'"
    );
}

#[test]
fn tf_serving_shapes() {
    let iris = s(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#);
    let e = parse_format("inputs", &parse(r#"{"float_input": [[1]]}"#).unwrap(), Some(&iris)).unwrap_err();
    assert_eq!(
        e.message(),
        "Invalid input. Failed to parse input data. This model contains an un-named  model signature which expects a single n-dimensional array or a single value as input, however, an input of type <class 'dict'> was found."
    );
    let e = parse_format("inputs", &parse(r#"[["a", "a", "a", "a"]]"#).unwrap(), Some(&iris)).unwrap_err();
    assert_eq!(e.message(), "Invalid input. could not convert string to float: 'a'");
    let e = parse_format("inputs", &parse("[[1, 2], [3]]").unwrap(), Some(&iris)).unwrap_err();
    assert!(e.message().starts_with("Invalid input. setting an array element with a sequence."));
    let named = s(r#"[{"name": "features", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]"#);
    let PyData::Dict(d) = parse_format("inputs", &parse("[[1, 2]]").unwrap(), Some(&named)).unwrap() else { panic!() };
    assert_eq!(d[0].0, "features");
    let PyData::Dict(d) =
        parse_format("instances", &parse(r#"[{"features": [1, 2]}, {"features": [3, 4]}]"#).unwrap(), Some(&named))
            .unwrap()
    else {
        panic!()
    };
    let PyData::Array(a) = &d[0].1 else { panic!() };
    assert_eq!(a.shape, vec![2, 2]);
    let e = parse_format("instances", &parse(r#"[{"a": 1, "b": 2}, {"a": 3}]"#).unwrap(), None).unwrap_err();
    assert_eq!(e.message(), "Invalid input. The length of values for each input/column name are not the same");
}

#[test]
fn format_key_errors() {
    let e = format_keys_error(&["inputs", "instances"]);
    assert!(e.message().starts_with("The input must be a JSON dictionary with exactly one of the input fields {'dataframe_records', 'dataframe_split', 'instances', 'inputs'}. Received dictionary with input fields: ['inputs', 'instances']. IMPORTANT:"));
}
