//! Overload: with every instance busy and `--max-queue` requests already
//! waiting, the next request is answered 503 `TEMPORARILY_UNAVAILABLE` at once
//! (a balancer retries elsewhere) instead of queueing without bound.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::Server;

#[test]
fn past_the_queue_limit_requests_get_503_at_once_and_the_rest_are_served() {
    let component = format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH);
    let server =
        Server::start("tests/fixtures/fault-model", &["--flavor-component", &component, "-w", "1", "--max-queue", "1"]);
    let base = server.base.clone();
    // Half-second requests 100 ms apart: the first runs, the second waits, the third finds the queue full.
    let requests: Vec<_> = (0..3)
        .map(|i| {
            let base = base.clone();
            thread::sleep(Duration::from_millis(if i == 0 { 0 } else { 100 }));
            thread::spawn(move || {
                let started = Instant::now();
                let response = reqwest::blocking::Client::new()
                    .post(format!("{base}/invocations"))
                    .header("Content-Type", "application/json")
                    .body(json!({"inputs": {"action": ["slow"]}}).to_string())
                    .send()
                    .unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().unwrap();
                (status, body, started.elapsed())
            })
        })
        .collect();
    let answers: Vec<(u16, Value, Duration)> = requests.into_iter().map(|r| r.join().unwrap()).collect();
    assert_eq!(answers[0].0, 200, "{:?}", answers[0]);
    assert_eq!(answers[1].0, 200, "the queued request is served: {:?}", answers[1]);
    let (status, body, took) = &answers[2];
    assert_eq!(*status, 503, "{body}");
    assert_eq!(body["error_code"], "TEMPORARILY_UNAVAILABLE");
    assert!(*took < Duration::from_millis(300), "refused after {took:?}, not at once");
    let after = server.invoke_json(&json!({"inputs": {"action": ["echo"]}}));
    assert_eq!(after.status, 200, "{}", after.body);
}
