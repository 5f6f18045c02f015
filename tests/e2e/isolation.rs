//! `serve --isolation per-request`: every request gets a fresh instance of the
//! flavor snapshotted with the model loaded. It answers exactly as the warm
//! pool does, keeps nothing from one request to the next, and survives guests
//! that trap, run away or exhaust their memory.

use serde_json::{Value, json};

use crate::support::{Server, read_json, repo};

const PER_REQUEST: &[&str] = &["--isolation", "per-request"];

fn fault_server(extra: &[&str]) -> Server {
    let component = format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH);
    let mut args = vec!["--flavor-component", component.as_str()];
    args.extend_from_slice(extra);
    Server::start("tests/fixtures/fault-model", &args)
}

fn act(server: &Server, action: &str) -> crate::support::Answer {
    server.invoke_json(&json!({"inputs": {"action": [action]}}))
}

fn counts(server: &Server, times: usize) -> Vec<Value> {
    (0..times)
        .map(|_| {
            let answer = act(server, "count");
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.json()["predictions"]["count"][0].clone()
        })
        .collect()
}

#[test]
fn per_request_instances_keep_nothing_between_requests() {
    // Sequential requests on a 1-instance pool reach the same instance, which
    // remembers; per request, every instance starts from the snapshot.
    let pooled = fault_server(&["-w", "1"]);
    assert_eq!(counts(&pooled, 3), [json!(1), json!(2), json!(3)]);
    let fresh = fault_server(&[PER_REQUEST, &["-w", "1"]].concat());
    assert_eq!(counts(&fresh, 3), [json!(1), json!(1), json!(1)]);
    assert!(fresh.log().contains("a fresh instance each"), "{}", fresh.log());
}

#[test]
fn per_request_isolation_survives_traps_runaways_and_memory_hogs() {
    let server = fault_server(&[PER_REQUEST, &["-w", "2", "-t", "1", "--max-memory-mb", "64"]].concat());
    for (action, status) in [("trap", 500), ("loop", 504), ("alloc", 500), ("fail", 400)] {
        let answer = act(&server, action);
        assert_eq!(answer.status, status, "{action}: {}", answer.body);
        let echo = act(&server, "echo");
        assert_eq!(echo.status, 200, "after {action}: {}", echo.body);
        assert_eq!(echo.json(), json!({"predictions": {"action": ["echo"]}}));
    }
}

#[test]
fn per_request_isolation_answers_as_the_warm_pool_does() {
    // The sklearn flavor: its snapshot holds the unpickled forest.
    let fixture = read_json(repo().join("models/expected/sklearn-iris-rf.json"));
    let body = json!({"dataframe_split": {"columns": fixture["columns"], "data": fixture["data"]}});
    let model = "models/sklearn/iris-rf";
    let pooled = Server::start(model, &[]);
    let fresh = Server::start(model, PER_REQUEST);
    let expected = pooled.invoke_json(&body);
    assert_eq!(expected.status, 200, "{}", expected.body);
    assert_eq!(expected.json()["predictions"], fixture["outputs"]);
    for _ in 0..3 {
        let answer = fresh.invoke_json(&body);
        assert_eq!((answer.status, &answer.body), (200, &expected.body), "byte-identical to the pool");
    }
    let bad = json!({"dataframe_split": {"columns": ["nope"], "data": [[1]]}});
    let (pooled_error, fresh_error) = (pooled.invoke_json(&bad), fresh.invoke_json(&bad));
    assert_eq!((fresh_error.status, fresh_error.body), (pooled_error.status, pooled_error.body));
}
