//! Conformance against MLflow's own scoring code for column, unnamed-column,
//! params and signature-less echo models (`testdata/mlflow_cases.json`, made
//! by `testdata/make_mlflow_cases.py` with MLflow 3.17).

use crate::py::json::{self, Json};
use crate::{Batch, ParamValue, Scalar, Signature, encode_predictions, parse_invocation};

const CASES: &str = include_str!("../../testdata/mlflow_cases.json");

fn scalar_json(s: &Scalar) -> Json {
    match s {
        Scalar::Bool(b) => Json::Bool(*b),
        Scalar::I32(i) => Json::Int(*i as i128),
        Scalar::I64(i) => Json::Int(*i as i128),
        Scalar::F32(f) => Json::Float(*f as f64),
        Scalar::F64(f) => Json::Float(*f),
        Scalar::String(s) | Scalar::Datetime(s) => Json::Str(s.clone()),
    }
}

fn strip(body: &str) -> String {
    match json::parse(body) {
        Ok(Json::Dict(mut entries)) => {
            entries.retain(|(k, _)| k != "stack_trace");
            let mut out = String::new();
            json::write_json(&mut out, &Json::Dict(entries));
            out
        }
        _ => body.to_string(),
    }
}

#[test]
fn mlflow_scoring_code_agrees() {
    let Ok(Json::List(cases)) = json::parse(CASES) else { panic!("bad fixture") };
    // Known divergences: typed columns cannot hold Python objects, so a string
    // column carries `str(x)` where pandas keeps an int, and a missing string
    // becomes "None" where pandas 3 shows NaN.
    let known = [
        r#"{"dataframe_records": [{"a": 1.5, "b": 2.7, "c": 5, "d": 0, "f": 9007199254740991.0}]}"#,
        r#"{"dataframe_records": [{"a": 1, "b": "x"}, {"a": 2, "b": null}]}"#,
    ];
    let mut bad = Vec::new();
    for case in &cases {
        let model = case.get("model").unwrap().py_str();
        let sig = match case.get("signature") {
            Some(Json::Dict(_)) => {
                let part = |k: &str| match case.get("signature").and_then(|s| s.get(k)) {
                    Some(Json::Str(s)) => Some(s.clone()),
                    _ => None,
                };
                Some(
                    Signature::from_json_strs(
                        part("inputs").as_deref(),
                        part("outputs").as_deref(),
                        part("params").as_deref(),
                    )
                    .unwrap(),
                )
            }
            _ => None,
        };
        let req = case.get("request").unwrap();
        let ct = req.get("content_type").unwrap().py_str();
        let body = req.get("body").unwrap().py_str();
        let resp = case.get("response").unwrap();
        let status = match resp.get("status") {
            Some(Json::Int(i)) => *i as u16,
            _ => 0,
        };
        let want = resp.get("body").unwrap().py_str();
        let got = match parse_invocation(Some(&ct), body.as_bytes(), sig.as_ref()) {
            Ok(inv) => {
                if model == "params" {
                    let params = Json::Dict(
                        inv.params
                            .iter()
                            .map(|(k, v)| {
                                let j = match v {
                                    ParamValue::Scalar(s) => scalar_json(s),
                                    ParamValue::List(l) => Json::List(l.iter().map(scalar_json).collect()),
                                };
                                (k.clone(), j)
                            })
                            .collect(),
                    );
                    let mut out = String::from("{\"predictions\": ");
                    json::write_json(&mut out, &params);
                    out.push('}');
                    (200, out)
                } else {
                    let _: &Batch = &inv.input;
                    (200, String::from_utf8(encode_predictions(&inv.input, inv.unwrapped_response)).unwrap())
                }
            }
            Err(e) => {
                let r = e.to_response();
                (r.status, strip(&String::from_utf8(r.body).unwrap()))
            }
        };
        let want = (status, strip(&want));
        if got != want && !known.contains(&body.as_str()) {
            bad.push(format!("[{model}] {ct} {body}\n  ours:   {} {}\n  mlflow: {} {}", got.0, got.1, want.0, want.1));
        }
    }
    assert!(bad.is_empty(), "{} of {} differ:\n{}", bad.len(), cases.len(), bad.join("\n"));
}
