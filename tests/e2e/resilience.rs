//! A guest that traps, runs away or exhausts its memory is discarded and the
//! server keeps serving (with the test-only `fault` flavor, guest/fault).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Server;

fn fault_server(extra: &[&str]) -> Server {
    let component = format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH);
    let mut args = vec!["--flavor-component", component.as_str(), "-w", "1"];
    args.extend_from_slice(extra);
    Server::start("tests/fixtures/fault-model", &args)
}

fn act(server: &Server, action: &str) -> crate::support::Answer {
    server.invoke_json(&json!({"inputs": {"action": [action]}}))
}

fn assert_still_serves(server: &Server) {
    let echo = act(server, "echo");
    assert_eq!(echo.status, 200, "{}", echo.body);
    assert_eq!(echo.json(), json!({"predictions": {"action": ["echo"]}}));
}

#[test]
fn a_trapping_guest_is_replaced() {
    let server = fault_server(&[]);
    assert_still_serves(&server);
    for _ in 0..3 {
        let trap = act(&server, "trap");
        assert_eq!((trap.status, trap.error_code().as_str()), (500, "INTERNAL_ERROR"), "{}", trap.body);
        assert!(!trap.body.contains("wasm backtrace"), "no internals in the body: {}", trap.body);
        assert_still_serves(&server);
    }
    let log = server.log_when(Duration::from_secs(5), |log| log.contains("trapped"));
    assert!(log.contains("trapped"), "the trap is logged: {log}");
    assert!(server.get("/metrics").body.contains(r#"wasmflow_guest_traps_total{model="fault-model"} 3"#));
}

#[test]
fn a_runaway_guest_is_interrupted_at_the_deadline() {
    let server = fault_server(&["-t", "1"]);
    let started = Instant::now();
    let runaway = act(&server, "loop");
    let took = started.elapsed();
    assert_eq!(runaway.status, 504, "{}", runaway.body);
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
    assert_still_serves(&server);
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains(r#"wasmflow_deadline_kills_total{model="fault-model"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"wasmflow_guest_traps_total{model="fault-model"} 0"#), "{metrics}");
}

#[test]
fn a_guest_past_its_memory_limit_is_replaced() {
    let server = fault_server(&["--max-memory-mb", "64"]);
    let hog = act(&server, "alloc");
    assert_eq!((hog.status, hog.error_code().as_str()), (500, "INTERNAL_ERROR"), "{}", hog.body);
    assert_still_serves(&server);
}

#[test]
fn a_flavor_error_keeps_the_instance_and_maps_to_mlflow_codes() {
    let server = fault_server(&[]);
    let failed = act(&server, "fail");
    assert_eq!((failed.status, failed.error_code().as_str()), (400, "BAD_REQUEST"), "{}", failed.body);
    let unknown = act(&server, "dance");
    assert_eq!((unknown.status, unknown.error_code().as_str()), (400, "INVALID_PARAMETER_VALUE"));
    assert_still_serves(&server);
}

/// A call predicted short runs inline on an async worker (runtime/dispatch):
/// `echo` teaches the pool that one-value calls are short, so the next `slow`
/// one (same size, half a second) starts inline. It is cut after the inline
/// budget and made again on a blocking thread, so the server answers a ping
/// meanwhile (while a worker runs a call, tokio polls no sockets: without the
/// cut the ping waited the half second), and the slow call still succeeds.
#[test]
fn a_long_call_run_inline_does_not_stop_the_server() {
    let component = format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH);
    let server = Server::start("tests/fixtures/fault-model", &["--flavor-component", &component, "-w", "2"]);
    assert_still_serves(&server);
    let base = server.base.clone();
    let slow = std::thread::spawn(move || {
        let status = reqwest::blocking::Client::new()
            .post(format!("{base}/invocations"))
            .header("Content-Type", "application/json")
            .body(json!({"inputs": {"action": ["slow"]}}).to_string())
            .send()
            .map(|r| r.status().as_u16());
        (status.unwrap(), Instant::now())
    });
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.get("/ping").status, 200);
    let pinged = Instant::now();
    let (status, slow_done) = slow.join().unwrap();
    assert_eq!(status, 200);
    assert!(pinged < slow_done, "the ping waited for the slow call");
    assert_still_serves(&server);
}
