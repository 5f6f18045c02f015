use super::*;
use crate::v2::encode_infer_response;

fn signature(inputs: &str) -> Signature {
    Signature {
        inputs: Some(Schema::from_json_str(inputs).unwrap()),
        outputs: None,
        params: None,
        from_type_hint: false,
    }
}

const COLUMNS: &str =
    r#"[{"type": "double", "name": "a", "required": true}, {"type": "string", "name": "b", "required": true}]"#;
const TENSOR: &str = r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]"#;

#[test]
fn column_inputs_become_a_table_enforced_like_invocations() {
    let body = br#"{"id": "r1", "inputs": [
        {"name": "a", "shape": [2, 1], "datatype": "FP64", "data": [[1.5], [2]]},
        {"name": "b", "shape": [2], "datatype": "BYTES", "data": ["x", "y"]}]}"#;
    let request = parse_infer_request(body, None, Some(&signature(COLUMNS))).unwrap();
    assert_eq!(request.id.as_deref(), Some("r1"));
    let Batch::Table(columns) = request.input else { panic!("not a table") };
    assert_eq!(columns[0].values, Values::F64(vec![1.5, 2.0]));
    assert_eq!(columns[1].values, Values::String(vec!["x".into(), "y".into()]));

    let missing = br#"{"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]}]}"#;
    let error = parse_infer_request(missing, None, Some(&signature(COLUMNS))).unwrap_err();
    assert_eq!(error.status, 400);
    assert!(error.message.contains("Model is missing inputs ['b']"), "{}", error.message);
    let mistyped = br#"{"inputs": [{"name": "a", "shape": [1], "datatype": "BYTES", "data": ["q"]},
        {"name": "b", "shape": [1], "datatype": "BYTES", "data": ["x"]}]}"#;
    let error = parse_infer_request(mistyped, None, Some(&signature(COLUMNS))).unwrap_err();
    assert_eq!(error.status, 400, "{}", error.message);
}

#[test]
fn binary_tensors_follow_the_json_header() {
    let header =
        br#"{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]}"#;
    let mut body = header.to_vec();
    body.extend(1.5f32.to_le_bytes());
    body.extend(2.0f32.to_le_bytes());
    let request = parse_infer_request(&body, Some(header.len()), Some(&signature(TENSOR))).unwrap();
    let Batch::Tensors(tensors) = &request.input else { panic!("not tensors") };
    assert_eq!((tensors[0].shape.as_slice(), &tensors[0].values), ([1, 2].as_slice(), &Values::F32(vec![1.5, 2.0])));

    let error = parse_infer_request(&body[..body.len() - 1], Some(header.len()), None).unwrap_err();
    assert_eq!(error.status, 400, "{}", error.message);
    let error = parse_infer_request(&body, Some(body.len() + 1), None).unwrap_err();
    assert_eq!(error.status, 400);
}

#[test]
fn wrong_dtype_shape_and_elements_are_400() {
    let sig = signature(TENSOR);
    for body in [
        r#"{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}"#,
        r#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2]}]}"#,
        r#"{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, "2"]}]}"#,
        r#"{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP16", "data": [1, 2]}]}"#,
        r#"{"inputs": []}"#,
        r#"[1]"#,
    ] {
        let error = parse_infer_request(body.as_bytes(), None, Some(&sig)).unwrap_err();
        assert_eq!(error.status, 400, "{body}: {}", error.message);
        assert!(String::from_utf8(error.body()).unwrap().starts_with(r#"{"error":"#));
    }
}

#[test]
fn responses_in_json_and_binary() {
    let prediction = Batch::Tensors(vec![crate::value::Tensor {
        name: None,
        shape: vec![2],
        values: Values::String(vec!["a".into(), "bc".into()]),
    }]);
    let answer = encode_infer_response("m", Some("3"), Some("r"), &prediction, &[], false).unwrap();
    assert_eq!(answer.header_length, None);
    assert_eq!(
        String::from_utf8(answer.body).unwrap(),
        r#"{"model_name":"m","model_version":"3","id":"r","outputs":[{"name":"output-0","datatype":"BYTES","shape":[2],"data":["a","bc"]}]}"#
    );
    let answer = encode_infer_response("m", None, None, &prediction, &[], true).unwrap();
    let length = answer.header_length.unwrap();
    assert_eq!(&answer.body[length..], b"\x01\x00\x00\x00a\x02\x00\x00\x00bc");
    let unknown = [RequestedOutput { name: "zz".into(), binary: None }];
    assert_eq!(encode_infer_response("m", None, None, &prediction, &unknown, false).unwrap_err().status, 400);
}

#[test]
fn a_huge_declared_shape_is_refused_without_reserving_for_it() {
    let huge = 1u64 << 40;
    let json = format!(r#"{{"inputs": [{{"name": "x", "shape": [{huge}], "datatype": "FP32", "data": [1.0]}}]}}"#);
    let error = parse_infer_request(json.as_bytes(), None, None).unwrap_err();
    assert_eq!(error.status, 400, "{}", error.message);
    for datatype in ["BYTES", "FP64"] {
        let header = format!(
            r#"{{"inputs": [{{"name": "x", "shape": [{huge}], "datatype": "{datatype}", "parameters": {{"binary_data_size": 8}}}}]}}"#
        );
        let mut body = header.clone().into_bytes();
        body.extend_from_slice(&[1, 0, 0, 0, 7, 0, 0, 0]);
        let error = parse_infer_request(&body, Some(header.len()), None).unwrap_err();
        assert_eq!(error.status, 400, "{datatype}: {}", error.message);
    }
}
