//! Graceful shutdown: on SIGTERM (what Kubernetes and systemd send) or SIGINT
//! the server stops accepting connections, lets the requests in flight finish,
//! and exits 0; past `--graceful-timeout` the stragglers are cut.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Server;

fn fault_server(extra: &[&str]) -> Server {
    let component = format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH);
    let mut args = vec!["--flavor-component", component.as_str()];
    args.extend_from_slice(extra);
    Server::start("tests/fixtures/fault-model", &args)
}

/// Sends `action` on a connection of its own; `Err` if no answer arrived.
fn send(base: &str, action: &str) -> Result<(u16, String), String> {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let body = json!({"inputs": {"action": [action]}}).to_string();
    let response = client
        .post(format!("{base}/invocations"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    Ok((status, response.text().map_err(|e| format!("{e:?}"))?))
}

fn requests_in_flight_finish_on(signal: &str) {
    let mut server = fault_server(&["-w", "4"]);
    let base = server.base.clone();
    // Four half-second requests, one per instance; the signal comes while they run.
    let in_flight: Vec<_> = (0..4)
        .map(|_| {
            let base = base.clone();
            thread::spawn(move || send(&base, "slow"))
        })
        .collect();
    thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    server.signal(signal);
    for request in in_flight {
        let (status, body) = request.join().unwrap().expect("a request in flight was cut");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, r#"{"predictions": {"action": ["slow"]}}"#);
    }
    let status = server.wait_exit(Duration::from_secs(10)).expect("the server did not exit");
    assert_eq!(status.code(), Some(0), "SIG{signal}: {}", server.log());
    assert!(signalled.elapsed() < Duration::from_secs(10));
    assert!(server.log().contains("shutting down"), "{}", server.log());
    let refused = send(&base, "echo");
    assert!(refused.is_err(), "a connection after shutdown was served: {refused:?}");
}

#[test]
fn sigterm_lets_requests_in_flight_finish_and_exits_0() {
    requests_in_flight_finish_on("TERM");
}

#[test]
fn sigint_does_the_same() {
    requests_in_flight_finish_on("INT");
}

#[test]
fn a_request_past_the_grace_period_is_cut_and_the_server_still_exits() {
    let mut server = fault_server(&["-w", "1", "-t", "60", "--graceful-timeout", "1"]);
    let base = server.base.clone();
    let runaway = thread::spawn(move || send(&base, "loop"));
    thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(15)).expect("the server did not exit");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(10), "exited after {took:?}");
    assert!(server.log().contains("grace period"), "{}", server.log());
    assert!(runaway.join().unwrap().is_err(), "the runaway request had no answer to give");
}
