//! Slow clients (slowloris): headers or a body trickled a byte at a time must
//! not hold a connection past `--header-timeout` or the request's `-t`, and
//! the server keeps answering everyone else meanwhile.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Server;

fn connect(server: &Server) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream
}

/// Writes `bytes` one at a time, `every` apart, until the server closes the
/// connection or `bytes` run out; returns whether the server closed it.
fn trickle(stream: &mut TcpStream, bytes: &[u8], every: Duration) -> bool {
    for byte in bytes {
        if stream.write_all(&[*byte]).is_err() {
            return true;
        }
        thread::sleep(every);
    }
    false
}

/// The server closed `stream` (a read ends, rather than timing out).
fn assert_hung_up(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    if let Err(error) = stream.read_to_end(&mut rest) {
        let timed_out = matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
        assert!(!timed_out, "the server kept a slow connection open");
    }
}

fn assert_serves(server: &Server) {
    let answer = server.invoke_json(&json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]}));
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[test]
fn headers_trickled_past_the_header_timeout_lose_the_connection() {
    let server = Server::start("models/iris-onnx", &["-w", "1", "--header-timeout", "1"]);
    // Many slow clients at once: the others are still served.
    let mut idle: Vec<TcpStream> = (0..100).map(|_| connect(&server)).collect();
    for stream in &mut idle {
        stream.write_all(b"POST /invocations HTTP/1.1\r\nHost: x\r\n").unwrap();
    }
    assert_serves(&server);
    let started = Instant::now();
    let mut slow = connect(&server);
    let headers = b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    // 130 bytes, 100 ms apart: 13 s if nobody hangs up.
    trickle(&mut slow, headers, Duration::from_millis(100));
    assert_hung_up(&mut slow);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "the connection stayed open for {took:?}");
    // The hundred idle half-requests were dropped too.
    for mut stream in idle {
        assert_hung_up(&mut stream);
    }
    assert_serves(&server);
}

#[test]
fn a_body_trickled_past_the_request_timeout_gets_504() {
    let server = Server::start("models/iris-onnx", &["-w", "1", "-t", "2"]);
    let body = json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]}).to_string();
    let mut slow = connect(&server);
    let head = format!(
        "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let slow_writer = slow.try_clone().unwrap();
    let writer = thread::spawn(move || {
        let mut slow_writer = slow_writer;
        trickle(&mut slow_writer, body.as_bytes(), Duration::from_millis(250))
    });
    assert_serves(&server);
    let mut answer = String::new();
    let _ = slow.read_to_string(&mut answer);
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    assert!(answer.contains("DEADLINE_EXCEEDED"), "{answer}");
    assert!(took < Duration::from_secs(6), "answered after {took:?}");
    let _ = writer.join();
    assert_serves(&server);
}
