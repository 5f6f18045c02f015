//! The conformance suite: replays every request recorded from a real
//! `mlflow models serve` (tests/conformance/<model>/<case>.json, see
//! tests/conformance/README.md) against wasmflow serving the same model directory,
//! and compares the answers:
//! - status codes exactly;
//! - predictions as JSON, numbers within 1e-5 (tract vs onnxruntime);
//! - error bodies: `error_code` exactly; `message` exactly, or, where MLflow
//!   embeds Python reprs of the data, its stable parts (the text before the
//!   first quote and the text after the last `Error: `).
//!
//! The `echo-*` models are custom Python models (models/make_custom_models.py)
//! that answer what reached `predict`; wasmflow serves the same directories with
//! guest/echo, a Rust component with the same logic, so these cases compare the
//! data, dtypes and params each server hands the model.
//!
//! Where wasmflow answers differently on purpose, the case is listed in
//! `wasmflow_protocol::testing::recorded::DIVERGENCES` with the reason (the list
//! the protocol crate's own replayer skips), and the test checks our answer instead.

use std::path::Path;

use serde_json::Value;
use wasmflow_protocol::testing::recorded::{Case, cases, divergence, sort_extra_inputs};

use crate::support::{Answer, Server, assert_json_close, repo};

fn send(server: &Server, case: &Case) -> Option<Answer> {
    let path = case.request["path"].as_str().unwrap();
    match case.request["method"].as_str().unwrap() {
        "GET" => Some(server.get(path)),
        "POST" if case.is_invocation() => Some(server.invoke(case.content_type(), case.body()?)),
        _ => None,
    }
}

/// The parts of an MLflow message that do not depend on Python reprs.
fn stable_parts(message: &str) -> (&str, &str) {
    let head = message.split(['\'', '[', '{']).next().unwrap_or_default();
    let tail = message.rsplit("Error: ").next().unwrap_or_default();
    (head, tail)
}

/// Why `ours` does not match `theirs`, if it does not.
pub(crate) fn mismatch(ours: &Answer, theirs: &Value) -> Option<String> {
    let status = theirs["status"].as_u64().unwrap() as u16;
    let body = theirs["body"].as_str().unwrap_or_default();
    if ours.status != status {
        return Some(format!("status {} (MLflow {status}); body {}", ours.status, ours.body));
    }
    let theirs_json: Option<Value> = serde_json::from_str(body).ok();
    let ours_json: Option<Value> = serde_json::from_str(&ours.body).ok();
    match (ours_json, theirs_json) {
        (Some(ours_json), Some(theirs_json)) if theirs_json.get("predictions").is_some() => {
            std::panic::catch_unwind(|| assert_json_close(&ours_json, &theirs_json, 1e-5))
                .err()
                .map(|_| format!("predictions differ: {} vs {body}", ours.body))
        }
        (Some(ours_json), Some(theirs_json)) if theirs_json.get("error_code").is_some() => {
            if ours_json["error_code"] != theirs_json["error_code"] {
                return Some(format!("error_code {} (MLflow {})", ours_json["error_code"], theirs_json["error_code"]));
            }
            let (ours_msg, theirs_msg) = (
                ours_json["message"].as_str().unwrap_or_default(),
                theirs_json["message"].as_str().unwrap_or_default(),
            );
            let (ours_msg, theirs_msg) = (sort_extra_inputs(ours_msg), sort_extra_inputs(theirs_msg));
            (ours_msg != theirs_msg && stable_parts(&ours_msg) != stable_parts(&theirs_msg))
                .then(|| format!("message\n      ours:   {ours_msg}\n      MLflow: {theirs_msg}"))
        }
        (Some(ours_json), Some(theirs_json)) => (ours_json != theirs_json).then(|| format!("{} vs {body}", ours.body)),
        _ => {
            let version_route = body.starts_with(char::is_numeric) && ours.body == env!("CARGO_PKG_VERSION");
            (ours.body != body && !version_route).then(|| format!("body {:?} vs {body:?}", ours.body))
        }
    }
}

/// The custom models recorded with the Python echo model, served here by guest/echo.
const ECHO_MODELS: &[&str] = &[
    "echo-columns",
    "echo-unnamed-columns",
    "echo-tensor",
    "echo-named-tensors",
    "echo-nosig",
    "echo-llm",
    "echo-typehint",
];

fn start(model: &str) -> Server {
    if ECHO_MODELS.contains(&model) {
        let echo = format!("python_function={}", wasmflow_components::ECHO_PATH);
        Server::start(&format!("models/custom/{model}"), &["--flavor-component", &echo, "-w", "1"])
    } else if let Some(name) = model.strip_prefix("sklearn-") {
        Server::start(&format!("models/sklearn/{name}"), &["-w", "1"])
    } else {
        Server::start(&format!("models/{model}"), &["-w", "1"])
    }
}

pub(crate) fn replay(model: &str) {
    let server = start(model);
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut documented = 0;
    for case in cases(model) {
        let Some(answer) = send(&server, &case) else { continue };
        checked += 1;
        if let Some(d) = divergence(model, &case.name) {
            documented += 1;
            let code = if answer.status == 200 { String::new() } else { answer.error_code() };
            if (answer.status, code.as_str()) != (d.status, d.error_code) {
                failures.push(format!(
                    "{}: documented divergence ({}) expects {} {}, got {} {}",
                    case.name, d.why, d.status, d.error_code, answer.status, answer.body
                ));
            }
            continue;
        }
        if let Some(why) = mismatch(&answer, &case.response) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    assert!(checked >= 5, "too few cases for {model}");
    eprintln!(
        "{model}: {checked} recorded cases; {} answered as MLflow, {documented} documented differences, {} mismatches",
        checked - documented - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{model}: {} of {checked} cases differ from MLflow:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn iris_onnx_answers_as_mlflow() {
    replay("iris-onnx");
}

#[test]
fn iris_onnx_without_signature_answers_as_mlflow() {
    replay("iris-onnx-nosig");
}

#[test]
fn mlp_onnx_answers_as_mlflow() {
    replay("mlp-onnx");
}

#[test]
fn mlp_onnx_without_signature_answers_as_mlflow() {
    replay("mlp-onnx-nosig");
}

#[test]
fn custom_columns_answer_as_mlflow() {
    replay("echo-columns");
}

#[test]
fn custom_unnamed_columns_answer_as_mlflow() {
    replay("echo-unnamed-columns");
}

#[test]
fn custom_tensor_answers_as_mlflow() {
    replay("echo-tensor");
}

#[test]
fn custom_named_tensors_answer_as_mlflow() {
    replay("echo-named-tensors");
}

#[test]
fn custom_without_signature_answers_as_mlflow() {
    replay("echo-nosig");
}

#[test]
fn custom_llm_answers_as_mlflow() {
    replay("echo-llm");
}

#[test]
fn custom_type_hint_answers_as_mlflow() {
    replay("echo-typehint");
}

#[test]
fn every_recorded_model_has_a_test() {
    let models: Vec<String> = std::fs::read_dir(repo().join("tests/conformance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into())
        .collect();
    let onnx = ["iris-onnx", "iris-onnx-nosig", "mlp-onnx", "mlp-onnx-nosig"];
    // The tree flavors' cases sit one level down, per model, and are replayed
    // by trees::tree_models_answer_recorded_requests_as_mlflow.
    // The ONNX-ML models' cases likewise (onnx_ml::onnx_ml_models_answer_recorded_requests_as_mlflow).
    let tree_flavors = ["xgboost", "lightgbm", "onnx-ml"];
    for model in &models {
        let dir = if ECHO_MODELS.contains(&model.as_str()) {
            repo().join("models/custom").join(model)
        } else if tree_flavors.contains(&model.as_str()) {
            for entry in std::fs::read_dir(repo().join("tests/conformance").join(model)).unwrap() {
                let name = entry.unwrap().file_name();
                let dir = repo().join("models").join(model).join(&name);
                assert!(dir.is_dir(), "{} is missing", dir.display());
            }
            continue;
        } else if model == "ensemble" {
            // Replayed by ensemble::the_ensemble_answers_as_mlflow_serve.
            repo().join("models/ensemble")
        } else if model == "python" {
            // Python models (models/python/<name>), replayed by
            // python::python_models_answer_recorded_requests_as_mlflow.
            for entry in std::fs::read_dir(repo().join("tests/conformance/python")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().to_string();
                assert!(
                    crate::python::RECORDED.contains(&name.as_str()),
                    "tests/conformance/python/{name} is not replayed"
                );
                assert!(repo().join("models/python").join(&name).is_dir(), "models/python/{name} is missing");
            }
            continue;
        } else if let Some(name) = model.strip_prefix("sklearn-") {
            assert!(
                crate::sklearn::CONFORMANCE.contains(&model.as_str()),
                "tests/conformance/{model} has no replay test"
            );
            repo().join("models/sklearn").join(name)
        } else {
            assert!(onnx.contains(&model.as_str()), "tests/conformance/{model} has no replay test");
            repo().join("models").join(model)
        };
        assert!(Path::new(&dir).is_dir(), "{} is missing", dir.display());
    }
    assert!(
        models.len() >= onnx.len() + ECHO_MODELS.len() + tree_flavors.len(),
        "a replayed model has no recorded cases"
    );
}
