//! `wasmflow serve --kernels host`: the ONNX flavor's constant matrix products
//! on the host's native kernels (host/src/runtime/kernels.rs), over real HTTP.
//! Answers must equal onnxruntime's (models/expected, recorded tolerance) and
//! the pure-wasm path's (1e-4 × max(1, |x|), bench/compute's tolerance); what
//! the path cannot do is refused at start-up, not at the first request.

use serde_json::json;

use crate::support::{Server, assert_json_close, read_json, repo, serve_fails};

#[test]
fn host_kernels_answer_as_onnxruntime_and_as_the_sandbox() {
    let expected = read_json("models/expected/mlp-onnx.json");
    let tolerance = expected["tolerance"].as_f64().unwrap();
    let host = Server::start("models/mlp-onnx", &["-w", "2", "--kernels", "host"]);
    let sandbox = Server::start("models/mlp-onnx", &["-w", "1"]);
    let body = json!({"inputs": {"features": expected["inputs"]}});
    // Twice: the first call hands the weights to the host, the second reuses them.
    for round in 0..2 {
        let answer = host.invoke_json(&body);
        assert_eq!(answer.status, 200, "round {round}: {}", answer.body);
        assert_json_close(&answer.json(), &json!({"predictions": expected["outputs"]}), tolerance);
        let pure = sandbox.invoke_json(&body);
        assert_eq!(pure.status, 200, "{}", pure.body);
        assert_json_close(&answer.json(), &pure.json(), 1e-4);
    }
    // The products really ran on the host (logged when a matrix is packed), and
    // only there.
    assert!(host.log().contains("host kernels: packed"), "{}", host.log());
    assert!(!sandbox.log().contains("host kernels: packed"), "{}", sandbox.log());
    // One row: a 1×8 product, then a bad width, refused with MLflow's error body
    // before the sandbox (and so the host's kernel) sees it; the server goes on.
    let one = host.invoke_json(&json!({"inputs": {"features": [expected["inputs"][0]]}}));
    assert_eq!(one.status, 200, "{}", one.body);
    let bad = host.invoke_json(&json!({"inputs": {"features": [[1.0, 2.0]]}}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.error_code(), "INVALID_PARAMETER_VALUE", "{}", bad.body);
    assert_eq!(host.invoke_json(&body).status, 200);
}

#[test]
fn host_kernels_are_refused_where_they_cannot_run() {
    let (code, log) =
        serve_fails(&repo(), &[], "models/mlp-onnx", &["--kernels", "host", "--isolation", "per-request"]);
    assert_ne!(code, Some(0));
    assert!(log.contains("--kernels host does not work with --isolation per-request"), "{log}");
    // The host-kernel component given as a custom flavor without `--kernels host`.
    let path = wasmflow_components::ONNX_HOST_KERNELS_PATH;
    let (code, log) = serve_fails(&repo(), &[], "models/mlp-onnx", &["--flavor-component", &format!("onnx={path}")]);
    assert_ne!(code, Some(0));
    assert!(log.contains("serve it with --kernels host"), "{log}");
}
