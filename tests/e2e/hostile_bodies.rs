//! Request bodies an attacker would send: nesting far past any real request
//! (once a stack overflow that aborted the whole server), nesting just inside the
//! limit through every JSON format and into a guest, and dicts with many keys.
//! Each gets an answer and the server keeps serving.

use serde_json::json;

use crate::support::Server;

/// `wasmflow_protocol::py::json::MAX_DEPTH`.
const MAX_DEPTH: usize = 500;

fn nested(prefix: &str, depth: usize, suffix: &str) -> String {
    format!("{prefix}{}{}{suffix}", "[".repeat(depth), "]".repeat(depth))
}

/// Serves `model`, with guest/echo for the custom (`models/custom/echo-*`) ones.
fn serve(model: &str) -> Server {
    let echo = format!("python_function={}", wasmflow_components::ECHO_PATH);
    let mut args = vec!["-w", "1"];
    if model.starts_with("models/custom/") {
        args.extend(["--flavor-component", echo.as_str()]);
    }
    Server::start(model, &args)
}

fn assert_serves_iris(server: &Server) {
    let ok = server.invoke_json(&json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]}));
    assert_eq!(ok.status, 200, "{}", ok.body);
}

#[test]
fn nesting_past_the_limit_answers_400_and_the_server_keeps_serving() {
    let server = Server::start("models/iris-onnx", &["-w", "2"]);
    // ~200 KB of brackets: 100,000 levels, closed or not, in the body's first
    // value and inside params; and one over the limit.
    let bodies = [
        nested("{\"inputs\": ", 100_000, "}"),
        format!("{{\"inputs\": {}", "[".repeat(100_000)),
        nested("{\"inputs\": [[1, 2, 3, 4]], \"params\": {\"p\": ", 100_000, "}}"),
        nested("{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": ", 100_000, "}}"),
        format!("{{\"inputs\": {}1{}}}", "{\"a\": ".repeat(100_000), "}".repeat(100_000)),
        nested("{\"inputs\": ", MAX_DEPTH, "}"),
    ];
    for body in bodies {
        let answer = server.invoke(Some("application/json"), body);
        assert_eq!((answer.status, answer.error_code().as_str()), (400, "BAD_REQUEST"), "{}", answer.body);
        assert_eq!(
            answer.json()["message"],
            "Invalid input. Ensure that the input is a valid JSON-formatted string.\nError: \
             RecursionError('maximum recursion depth exceeded while calling a Python object')"
        );
        assert_serves_iris(&server);
    }
}

#[test]
fn nesting_inside_the_limit_is_answered_in_every_format() {
    let depth = MAX_DEPTH - 2;
    let bodies = [
        nested("{\"inputs\": ", depth, "}"),
        nested("{\"instances\": ", depth, "}"),
        nested("{\"inputs\": {\"x\": ", depth, "}}"),
        nested("{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": ", depth, "}}"),
        nested("{\"dataframe_records\": ", depth, "}"),
        nested("{\"dataframe_records\": [{\"a\": ", depth, "}]}"),
        nested("{\"inputs\": [[1, 2, 3, 4]], \"params\": {\"p\": ", depth, "}}"),
        nested("{\"messages\": ", depth, "}"),
    ];
    // A tensor model, a column model without signature, and a model that takes
    // raw JSON (the body crosses into the guest and is parsed there too).
    for model in ["models/iris-onnx", "models/custom/echo-nosig", "models/custom/echo-llm"] {
        let server = serve(model);
        for body in &bodies {
            let answer = server.invoke(Some("application/json"), body.clone());
            assert!(answer.status == 200 || answer.status == 400, "{model}: {} {}", answer.status, answer.body);
            let alive = server.get("/ping");
            assert_eq!(alive.status, 200, "{model} stopped serving after {}", &body[..40]);
        }
    }
}

#[test]
fn a_dict_of_many_distinct_keys_is_parsed_in_linear_time() {
    // 200,000 keys (~3 MB): a per-key scan of the keys before it would take
    // minutes; the request must come back well within the client's timeout.
    let server = serve("models/custom/echo-nosig");
    let keys: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let body = format!("{{\"inputs\": [[1]], \"params\": {{{}}}}}", keys.join(", "));
    let answer = server.invoke(Some("application/json"), body);
    assert!(answer.status == 200 || answer.status == 400, "{} {}", answer.status, answer.body);
    assert_eq!(server.get("/ping").status, 200);
}
