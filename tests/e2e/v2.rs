//! The Open Inference Protocol (V2) REST routes, checked with the real clients:
//! tests/e2e/v2_clients.py drives `tritonclient[http]` (binary tensors and
//! JSON) and kserve's REST client against one multi-model server (ONNX with a
//! tensor signature, scikit-learn and a Python model with column signatures, and
//! a model that fails to load). The clients run in the Python of
//! `WASMFLOW_V2_PYTHON` (.ci/run makes a venv for them apart from MLflow's, as
//! kserve pins pandas below MLflow's 3.x). Also: the V2 error body and
//! statuses over plain HTTP, and MLflow's `/ping` when the first model is not ready.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;

use crate::support::{Server, repo};

/// `$WASMFLOW_V2_PYTHON`: a python with tritonclient[http] and kserve.
fn v2_python() -> Option<PathBuf> {
    std::env::var_os("WASMFLOW_V2_PYTHON").filter(|p| !p.is_empty()).map(PathBuf::from)
}

#[test]
fn v2_answers_tritonclient_and_kserve() {
    let server = Server::start(
        "broken=models/python/imports-numpy",
        &["-m", "models/iris-onnx", "-m", "rf=models/sklearn/iris-rf", "-m", "models/python/lookup", "-w", "1"],
    );
    // MLflow's routes follow the first model, which did not load.
    assert_eq!(server.get("/ping").status, 404);
    assert_eq!(server.invoke_json(&json!({"inputs": [[1.0]]})).status, 503);

    // V2's error body over plain HTTP.
    let answer = server.post("/v2/models/nope/infer", Some("application/json"), r#"{"inputs": []}"#);
    assert_eq!((answer.status, answer.json()), (404, json!({"error": "model 'nope' is not served here"})));
    let answer = server.post("/v2/models/iris-onnx/infer", Some("application/json"), "{");
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.json()["error"].as_str().unwrap().starts_with("invalid infer request JSON"), "{}", answer.body);
    let answer = server.get("/v2/models/iris-onnx/versions/7");
    assert_eq!(answer.status, 404, "no version is known for a model served from a directory");

    let Some(python) = v2_python() else {
        assert!(std::env::var_os("CI").is_none(), "CI is set but $WASMFLOW_V2_PYTHON is not");
        eprintln!("NOTICE: skipping the V2 client checks: set WASMFLOW_V2_PYTHON to a python with the V2 clients");
        return;
    };
    let address = server.base.trim_start_matches("http://");
    let output = Command::new(python)
        .arg(repo().join("tests/e2e/v2_clients.py"))
        .args([address, repo().to_str().unwrap()])
        .output()
        .expect("cannot run the V2 client script");
    assert!(
        output.status.success(),
        "{}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
}
