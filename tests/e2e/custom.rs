//! Custom models: a component written with the guest SDK (guest/echo) travels
//! inside the MLflow model directory, named by a `wasmflow` flavor in MLmodel, and
//! `wasmflow serve` runs it with no other option.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::{Server, read_json, repo, serve_fails};

/// A copy of models/custom/echo-columns carrying guest/echo as `component`
/// (a path inside the model directory) in a `wasmflow` flavor.
fn model_with_component(name: &str, component: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("custom-models").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = repo().join("models/custom/echo-columns");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    std::fs::copy(wasmflow_components::ECHO_PATH, dir.join("echo.wasm")).unwrap();
    let mlmodel = std::fs::read_to_string(dir.join("MLmodel")).unwrap();
    let section = format!("flavors:\n  wasmflow:\n    component: {component}\n");
    std::fs::write(dir.join("MLmodel"), mlmodel.replacen("flavors:\n", &section, 1)).unwrap();
    dir
}

#[test]
fn a_model_carrying_its_component_serves_as_mlflow_does() {
    let dir = model_with_component("own", "echo.wasm");
    let server = Server::start(dir.to_str().unwrap(), &["-w", "1"]);
    let case = read_json("tests/conformance/echo-columns/split_all_columns.json");
    let body = case["request"]["body"].as_str().unwrap().to_string();
    let answer = server.invoke(Some("application/json"), body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, case["response"]["body"].as_str().unwrap(), "byte for byte as MLflow answered");
    assert!(server.log().contains("wasmflow flavor"), "{}", server.log());
}

#[test]
fn a_component_outside_the_model_directory_is_refused() {
    let dir = model_with_component("escape", "../outside.wasm");
    std::fs::copy(wasmflow_components::ECHO_PATH, dir.parent().unwrap().join("outside.wasm")).unwrap();
    let (code, log) = serve_fails(&repo(), &[], dir.to_str().unwrap(), &[]);
    assert_ne!(code, Some(0));
    assert!(log.contains("is not a file inside"), "{log}");
    let missing = model_with_component("missing", "nope.wasm");
    let (_, log) = serve_fails(&repo(), &[], missing.to_str().unwrap(), &[]);
    assert!(log.contains("nope.wasm"), "{log}");
}

#[test]
fn the_echo_model_sees_params_as_typed_values() {
    let dir = model_with_component("params", "echo.wasm");
    let server = Server::start(dir.to_str().unwrap(), &["-w", "1"]);
    let answer = server.invoke_json(&json!({
        "inputs": {"a": [1], "b": [2.0], "i": [3], "f": [4.0], "s": ["s"], "flag": [true]},
        "params": {"max_tokens": 7, "stop": ["x"]}
    }));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let params = &answer.json()["predictions"]["params"];
    assert_eq!(params["max_tokens"], json!(7));
    assert_eq!(params["stop"], json!(["x"]));
    assert_eq!(params["temperature"], json!(0.5), "defaults are filled in");
}
