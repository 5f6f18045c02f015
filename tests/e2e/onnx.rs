//! Numerical parity of the ONNX flavor with onnxruntime, in every request format.
//! Expected outputs (models/expected/*.json) were computed by onnxruntime on the
//! same float32 inputs; the tolerance is the one recorded there (1e-5).

use serde_json::{Value, json};

use crate::support::{Server, assert_json_close, read_json};

struct Expected {
    inputs: Vec<Vec<f64>>,
    outputs: Value,
    tolerance: f64,
}

fn expected(model: &str) -> Expected {
    let file = read_json(format!("models/expected/{model}.json"));
    Expected {
        inputs: serde_json::from_value(file["inputs"].clone()).unwrap(),
        outputs: file["outputs"].clone(),
        tolerance: file["tolerance"].as_f64().unwrap(),
    }
}

fn csv(rows: &[Vec<f64>]) -> String {
    let width = rows[0].len();
    let header: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
    let mut text = header.join(",") + "\n";
    for row in rows {
        text += &(row.iter().map(f64::to_string).collect::<Vec<_>>().join(",") + "\n");
    }
    text
}

/// The same rows in every JSON format MLflow accepts.
fn json_bodies(rows: &[Vec<f64>]) -> Vec<(&'static str, Value)> {
    let width = rows[0].len();
    let columns: Vec<String> = (0..width).map(|i| i.to_string()).collect();
    let records: Vec<Value> =
        rows.iter().map(|r| Value::Object(columns.iter().cloned().zip(r.iter().map(|v| json!(v))).collect())).collect();
    vec![
        ("inputs", json!({"inputs": rows})),
        ("instances", json!({"instances": rows})),
        ("dataframe_split", json!({"dataframe_split": {"columns": columns, "data": rows}})),
        ("dataframe_split without columns", json!({"dataframe_split": {"data": rows}})),
        ("dataframe_records", json!({"dataframe_records": records})),
    ]
}

#[test]
fn iris_matches_onnxruntime_in_every_format() {
    let expected = expected("iris-onnx");
    let server = Server::start("models/iris-onnx", &["-w", "2"]);
    let want = json!({"predictions": expected.outputs});
    for (format, body) in json_bodies(&expected.inputs) {
        let answer = server.invoke_json(&body);
        assert_eq!(answer.status, 200, "{format}: {}", answer.body);
        let got = answer.json();
        assert_eq!(got["predictions"]["label"], want["predictions"]["label"], "{format}: labels are exact");
        assert_json_close(&got, &want, expected.tolerance);
    }
    // CSV: MLflow 3.17 fails on tensor signatures (a bug: "TensorSpec only
    // supports numpy types"); wasmflow answers it like the JSON formats.
    let answer = server.invoke(Some("text/csv"), csv(&expected.inputs));
    assert_eq!(answer.status, 200, "csv: {}", answer.body);
    assert_json_close(&answer.json(), &want, expected.tolerance);
}

#[test]
fn mlp_matches_onnxruntime_with_a_named_tensor_input() {
    let expected = expected("mlp-onnx");
    let server = Server::start("models/mlp-onnx", &["-w", "1"]);
    let want = json!({"predictions": expected.outputs});
    let by_name = server.invoke_json(&json!({"inputs": {"features": expected.inputs}}));
    assert_eq!(by_name.status, 200, "{}", by_name.body);
    assert_json_close(&by_name.json(), &want, expected.tolerance);
    let as_list = server.invoke_json(&json!({"inputs": expected.inputs}));
    assert_eq!(as_list.status, 200, "{}", as_list.body);
    assert_json_close(&as_list.json(), &want, expected.tolerance);
}

#[test]
fn one_row_and_repeated_requests_stay_exact() {
    let expected = expected("iris-onnx");
    let server = Server::start("models/iris-onnx", &["-w", "1"]);
    for (i, row) in expected.inputs.iter().enumerate().take(10) {
        let answer = server.invoke_json(&json!({"inputs": [row]}));
        assert_eq!(answer.status, 200, "{}", answer.body);
        let got = answer.json();
        assert_eq!(got["predictions"]["label"][0], expected.outputs["label"][i]);
        assert_json_close(
            &got["predictions"]["probabilities"][0],
            &expected.outputs["probabilities"][i],
            expected.tolerance,
        );
    }
}

#[test]
fn concurrent_requests_all_get_their_own_answer() {
    let expected = expected("iris-onnx");
    let server = Server::start("models/iris-onnx", &["-w", "2"]);
    std::thread::scope(|scope| {
        for worker in 0..8 {
            let (server, expected) = (&server, &expected);
            scope.spawn(move || {
                for i in 0..25 {
                    let row = (worker * 25 + i) % expected.inputs.len();
                    let answer = server.invoke_json(&json!({"inputs": [expected.inputs[row]]}));
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    assert_eq!(answer.json()["predictions"]["label"][0], expected.outputs["label"][row]);
                }
            });
        }
    });
}

#[test]
fn a_model_with_external_data_matches_onnxruntime() {
    // MLflow writes tensors over 1 KB beside model.onnx as external data, as for
    // most real ONNX models (models/make_models.py, make_mlp_external).
    let expected = expected("mlp-onnx-external");
    let server = Server::start("models/mlp-onnx-external", &["-w", "1"]);
    let answer = server.invoke_json(&json!({"inputs": expected.inputs}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_json_close(&answer.json(), &json!({"predictions": expected.outputs}), expected.tolerance);
}
