//! ONNX-ML models (skl2onnx's default output: `Scaler`, `LinearClassifier`,
//! `ZipMap`, tree ensembles on wasmflow's engine, …) served over HTTP: the
//! fixtures models/onnx-ml/<name> (real MLflow directories written by
//! models/sweep_skl2onnx.py --fixtures) answer onnxruntime's outputs in MLflow's
//! shapes — a dict of outputs for tensor input (ZipMap as a list of
//! `{label: probability}` dicts), records for a DataFrame.

use serde_json::{Value, json};

use crate::support::{Server, assert_json_close, read_json};

const MODELS: &[&str] = &["scaler-logreg", "rf-classifier", "gb-regressor", "tree-gte", "imputer", "svc-probability"];

fn rows(expected: &Value) -> Value {
    expected["inputs"].clone()
}

/// `{"inputs": rows}` with missing values (null in expected.json) as the bare `NaN`
/// token MLflow's JSON reader accepts (a null would make an object array).
fn inputs_body(expected: &Value) -> String {
    json!({"inputs": rows(expected)}).to_string().replace("null", "NaN")
}

#[test]
fn onnx_ml_models_answer_onnxruntime_over_http() {
    for model in MODELS {
        let expected = read_json(format!("models/onnx-ml/{model}/expected.json"));
        let server = Server::start(&format!("models/onnx-ml/{model}"), &["-w", "1"]);
        let answer = server.invoke(Some("application/json"), inputs_body(&expected));
        assert_eq!(answer.status, 200, "{model}: {}", answer.body);
        let got = &answer.json()["predictions"];
        assert_json_close(got, &expected["outputs"], 1e-5);
        if let Some(labels) = expected["outputs"].get("output_label") {
            assert_eq!(&got["output_label"], labels, "{model}: labels are exact");
        }
    }
}

#[test]
fn a_zipmap_model_answers_a_dataframe_as_records_with_dict_cells() {
    let expected = read_json("models/onnx-ml/scaler-logreg/expected.json");
    let server = Server::start("models/onnx-ml/scaler-logreg", &["-w", "1"]);
    let data = rows(&expected);
    let answer = server.invoke_json(&json!({"dataframe_split": {"columns": ["a", "b", "c", "d"], "data": data}}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let got = answer.json();
    let records = got["predictions"].as_array().expect("records");
    let want = &expected["outputs"];
    assert_eq!(records.len(), want["output_label"].as_array().unwrap().len());
    for (r, record) in records.iter().enumerate() {
        assert_eq!(record["output_label"], want["output_label"][r]);
        assert_json_close(&record["output_probability"], &want["output_probability"][r], 1e-5);
    }
}

/// Models whose answers were recorded from `mlflow models serve`
/// (tests/conformance/onnx-ml/<name>, models/record_cases.py).
const RECORDED: &[&str] = &["onnx-ml/scaler-logreg", "onnx-ml/rf-classifier", "onnx-ml/gb-regressor"];

#[test]
fn onnx_ml_models_answer_recorded_requests_as_mlflow() {
    for model in RECORDED {
        crate::conformance::replay(model);
    }
}
