//! The non-scoring routes and HTTP-level behaviour.

use crate::support::Server;

#[test]
fn ping_health_and_version_answer_as_mlflow() {
    let server = Server::start("models/iris-onnx", &["-w", "1"]);
    for path in ["/ping", "/health"] {
        let answer = server.get(path);
        assert_eq!((answer.status, answer.body.as_str()), (200, "\n"), "{path}");
        assert_eq!(answer.content_type, "application/json");
    }
    let version = server.get("/version");
    assert_eq!((version.status, version.body.as_str()), (200, env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_routes_and_methods_answer_like_fastapi() {
    let server = Server::start("models/iris-onnx", &["-w", "1"]);
    let missing = server.get("/nope");
    assert_eq!((missing.status, missing.json()["detail"].as_str()), (404, Some("Not Found")));
    let wrong_method = server.get("/invocations");
    assert_eq!(wrong_method.status, 405);
}

#[test]
fn bodies_past_the_limit_get_a_clear_413() {
    let server = Server::start("models/iris-onnx", &["-w", "1", "--max-body-size", "1024"]);
    let rows = vec![[5.1, 3.5, 1.4, 0.2]; 200];
    let too_big = server.invoke_json(&serde_json::json!({ "inputs": rows }));
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert!(too_big.json()["message"].as_str().unwrap().contains("1024 bytes"), "{}", too_big.body);
    let small = server.invoke_json(&serde_json::json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]}));
    assert_eq!(small.status, 200, "{}", small.body);
}
