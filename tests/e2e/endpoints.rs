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

#[test]
fn large_bodies_are_parsed_off_the_async_workers_with_the_same_answers() {
    // 20,000 rows (~600 KB) take the blocking-thread path; errors there keep their codes.
    let server = Server::start("models/iris-onnx", &["-w", "1"]);
    let rows = vec![[5.1, 3.5, 1.4, 0.2]; 20_000];
    let answer = server.invoke_json(&serde_json::json!({ "inputs": rows }));
    assert_eq!(answer.status, 200, "{}", &answer.body[..answer.body.len().min(300)]);
    assert_eq!(answer.json()["predictions"]["label"].as_array().unwrap().len(), 20_000);
    let mut bad = vec![vec![serde_json::json!(5.1); 4]; 20_000];
    bad[19_999] = vec![serde_json::json!("x"); 4];
    let refused = server.invoke_json(&serde_json::json!({ "inputs": bad }));
    assert_eq!((refused.status, refused.error_code().as_str()), (400, "BAD_REQUEST"), "{}", &refused.body[..300]);
}
