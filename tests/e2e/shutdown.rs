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

fn requests_in_flight_finish_on(signal: &str, threading: &str) {
    let mut server = fault_server(&["-w", "4", "--threading", threading]);
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
    requests_in_flight_finish_on("TERM", "shared");
}

#[test]
fn sigint_does_the_same() {
    requests_in_flight_finish_on("INT", "shared");
}

/// The same with a single-threaded runtime per CPU (`--threading per-core`):
/// every thread's listener stops and every thread's requests finish.
#[test]
fn per_core_threads_let_requests_in_flight_finish_too() {
    requests_in_flight_finish_on("TERM", "per-core");
}

#[test]
fn a_request_past_the_grace_period_is_cut_and_the_server_still_exits() {
    request_past_the_grace_period("shared");
}

/// Per core, a thread still in a guest call at the end of the grace period
/// is not waited for either.
#[test]
fn per_core_a_request_past_the_grace_period_is_cut_too() {
    request_past_the_grace_period("per-core");
}

fn request_past_the_grace_period(threading: &str) {
    let mut server = fault_server(&["-w", "1", "-t", "60", "--graceful-timeout", "1", "--threading", threading]);
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

/// Sixteen clients keep sending when SIGTERM comes: every answer is a whole
/// 200 (none cut mid-body, no 5xx), the others fail before any answer (connection
/// refused, or a keep-alive connection the shutdown closed while idle: from a
/// client the latter cannot be told apart from a cut, which is what
/// `sigterm_lets_requests_in_flight_finish_and_exits_0` rules out), and the
/// server exits 0.
#[test]
fn sigterm_under_sustained_load_answers_whole_and_exits_0() {
    sustained_load_then_sigterm("shared");
}

/// The same per core: short calls run inline on the threads that read them.
#[test]
fn per_core_under_sustained_load_answers_whole_and_exits_0() {
    sustained_load_then_sigterm("per-core");
}

fn sustained_load_then_sigterm(threading: &str) {
    let mut server = Server::start("models/iris-onnx", &["-w", "2", "--threading", threading]);
    let base = server.base.clone();
    let body = json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]}).to_string();
    let expected = server.invoke(Some("application/json"), body.clone()).body;
    // Sixteen clients on keep-alive connections, each sending until the server is gone.
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (base, body, expected) = (base.clone(), body.clone(), expected.clone());
            thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                let mut answered = 0;
                loop {
                    let sent = client
                        .post(format!("{base}/invocations"))
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send();
                    match sent {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let text = response.text().expect("an answer was cut mid-body");
                            assert_eq!((status, &text), (200, &expected), "an answer during shutdown");
                            answered += 1;
                        }
                        // Refused, or an idle keep-alive connection closed by the
                        // shutdown before this request was read: never begun.
                        Err(e) if e.is_connect() || e.is_request() => return answered,
                        Err(e) => panic!("unexpected failure: {e:?}"),
                    }
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(700));
    server.signal("TERM");
    let answered: usize = clients.into_iter().map(|c| c.join().expect("a client saw a cut request")).sum();
    let status = server.wait_exit(Duration::from_secs(10)).expect("the server did not exit");
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(answered > 16, "only {answered} requests were served before the signal");
}
