//! A tracking server that hangs or answers garbage (issue 17, item 2): the
//! start fails in bounded time (MLflow's `MLFLOW_HTTP_REQUEST_TIMEOUT`) with one
//! clear line, never a hang, never a panic.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::{repo, serve_fails};

/// A server on a free port that treats every connection with `answer`.
fn fake_server(answer: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{address}")
}

fn start_fails(tracking_uri: &str, expected: &str) {
    let started = Instant::now();
    let env = [("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")];
    let (code, log) = serve_fails(&repo(), &env, "models:/iris/1", &["--tracking-uri", tracking_uri]);
    assert_ne!(code, Some(0), "{log}");
    assert!(code.is_some(), "killed by a signal:\n{log}");
    assert!(log.contains(expected), "expected {expected:?} in:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[test]
fn a_tracking_server_that_never_answers_fails_the_start_at_the_request_timeout() {
    let base = fake_server(|mut stream| {
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        std::thread::sleep(Duration::from_secs(120));
    });
    start_fails(&base, "timed out");
}

#[test]
fn a_tracking_server_that_answers_garbage_fails_the_start_with_one_line() {
    let base = fake_server(|mut stream| {
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\nnot json!");
    });
    start_fails(&base, &base);
}
