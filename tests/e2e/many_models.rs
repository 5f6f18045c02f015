//! Many models in one server (`-m NAME=URI`, repeated): four flavors side by side
//! (ONNX, scikit-learn, XGBoost, a Python model), each answering MLflow's protocol
//! at `/models/NAME/invocations` exactly as it answers alone (the first also at
//! `/invocations`), and one that fails to load reported not ready without
//! stopping the others. The same server (with `--log-format json`) shows the
//! observability: `X-Request-Id`, one JSON log line per request, `/metrics`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Server, read_json};
use crate::trees::nested;

/// The MLflow JSON body of `expected`'s columns and rows.
fn split(expected: &Value) -> String {
    json!({"dataframe_split": {"columns": expected["columns"], "data": expected["data"]}}).to_string()
}

#[test]
fn one_server_serves_several_models_by_name() {
    let server = Server::start(
        "models/iris-onnx",
        &[
            "-m",
            "rf=models/sklearn/iris-rf",
            "-m",
            "models/xgboost/xgb-classifier-multi",
            "-m",
            "models/python/lookup",
            "-m",
            "broken=models/python/imports-numpy",
            "-w",
            "1",
            "--log-format",
            "json",
        ],
    );
    let json = Some("application/json");

    // The first model, under its directory's name and at MLflow's own route.
    let iris = read_json("models/expected/iris-onnx.json");
    let body = json!({"inputs": iris["inputs"]}).to_string();
    let named = server.post("/models/iris-onnx/invocations", json, body.clone());
    assert_eq!(named.status, 200, "{}", named.body);
    assert_eq!(named.json()["predictions"]["label"], iris["outputs"]["label"]);
    let first = server.invoke(json, body);
    assert_eq!((first.status, first.body), (200, named.body), "/invocations is the first model");

    let rf = read_json("models/expected/sklearn-iris-rf.json");
    let answer = server.post("/models/rf/invocations", json, split(&rf));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"], rf["outputs"]);

    let xgb = read_json("models/expected/trees-xgb-classifier-multi.json");
    let answer = server.post("/models/xgb-classifier-multi/invocations", json, split(&xgb));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"], nested(&xgb["outputs"]));

    let recorded = read_json("tests/conformance/python/lookup/split_codes.json");
    let answer =
        server.post("/models/lookup/invocations", json, recorded["request"]["body"].as_str().unwrap().to_owned());
    assert_eq!((answer.status, answer.body.as_str()), (200, recorded["response"]["body"].as_str().unwrap()));

    // Each model enforces its own signature: the iris rows are refused by the Python model.
    let answer = server.post("/models/lookup/invocations", json, split(&rf));
    assert_eq!(answer.status, 400, "{}", answer.body);

    // The model that failed to load: not ready; an unknown name: not found.
    let answer = server.post("/models/broken/invocations", json, split(&rf));
    assert_eq!((answer.status, answer.error_code().as_str()), (503, "TEMPORARILY_UNAVAILABLE"), "{}", answer.body);
    let answer = server.post("/models/nope/invocations", json, split(&rf));
    assert_eq!((answer.status, answer.error_code().as_str()), (404, "RESOURCE_DOES_NOT_EXIST"), "{}", answer.body);
    assert!(server.log().contains("model 'broken' (models/python/imports-numpy) is not served"), "{}", server.log());
    assert_eq!(server.get("/ping").status, 200, "the first model is ready");
    observability(&server, &split(&rf));
}

/// A request id is answered (the client's own when it sends one) and logged on
/// the request's JSON line; `/metrics` counts requests by model, route and
/// status, and shows each model's instances.
fn observability(server: &Server, rf_body: &str) {
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/models/rf/invocations", server.base);
    let sent = client.post(&url).header("Content-Type", "application/json").body(rf_body.to_owned());
    let response = sent.header("X-Request-Id", "trace-42").send().unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-42");
    let response = client.post(&url).header("Content-Type", "application/json").body("{").send().unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(id.len() > 8, "{id}");

    let log = server.log_when(Duration::from_secs(5), |log| log.contains(&id));
    let line = log.lines().find(|l| l.contains(&id)).unwrap_or_else(|| panic!("no line for {id}:\n{log}"));
    let line: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert_eq!(line["request_id"], id.as_str());
    assert_eq!((line["model"].as_str(), line["route"].as_str()), (Some("rf"), Some("/models/{name}/invocations")));
    assert_eq!(line["status"], 400);
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type.starts_with("text/plain; version=0.0.4"), "{}", metrics.content_type);
    let text = metrics.body;
    let count = |needle: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(needle)).unwrap_or_else(|| panic!("no {needle}:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let route = r#"route="/models/{name}/invocations""#;
    assert!(count(&format!(r#"wasmflow_requests_total{{model="rf",{route},status="200"}}"#)) >= 2.0, "{text}");
    assert_eq!(count(&format!(r#"wasmflow_requests_total{{model="rf",{route},status="400"}}"#)), 1.0, "{text}");
    assert_eq!(count(&format!(r#"wasmflow_requests_total{{model="unknown",{route},status="404"}}"#)), 1.0);
    assert!(count(&format!(r#"wasmflow_request_duration_seconds_count{{model="lookup",{route}}}"#)) >= 2.0);
    assert_eq!(count(r#"wasmflow_instances{model="rf",state="idle"}"#), 1.0);
    assert_eq!(count(r#"wasmflow_instances{model="rf",state="busy"}"#), 0.0);
    assert_eq!(count(r#"wasmflow_guest_traps_total{model="iris-onnx"}"#), 0.0);
    assert_eq!(count(r#"wasmflow_deadline_kills_total{model="lookup"}"#), 0.0);
    // Time inside the guest: one observation per call that reached it (the 400
    // was refused by enforcement before the sandbox).
    let guest_calls = count(r#"wasmflow_guest_duration_seconds_count{model="rf"}"#);
    assert!(guest_calls >= 2.0, "{text}");
    assert!(guest_calls < count(&format!(r#"wasmflow_request_duration_seconds_count{{model="rf",{route}}}"#)));
    assert!(count(r#"wasmflow_guest_duration_seconds_sum{model="rf"}"#) > 0.0, "{text}");
    // A wasm memory is whole 64 KiB pages; the sklearn component needs more than one.
    let memory = count(r#"wasmflow_guest_memory_bytes{model="rf"}"#);
    assert!(memory > 65536.0 && memory % 65536.0 == 0.0, "{memory}");
    assert!(count(&format!(r#"wasmflow_request_bytes_total{{model="rf",{route}}}"#)) > 100.0, "{text}");
    assert!(count(&format!(r#"wasmflow_response_bytes_total{{model="rf",{route}}}"#)) > 20.0, "{text}");
}
