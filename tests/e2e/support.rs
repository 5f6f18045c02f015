//! Test support: start the real `wasmflow` binary on 127.0.0.1 with port 0,
//! learn its address from the log, and talk HTTP to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A compiled-component cache shared by every server of the test run.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasmflow-cache")
}

/// The shared compiled-component cache, warmed (for commands other than `serve`).
pub fn warm_cache_dir() -> PathBuf {
    warm_cache();
    cache_dir()
}

/// Compiles the built-in components once, before any server starts, so
/// parallel tests do not all compile them at the same time.
fn warm_cache() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let status = Command::new(env!("CARGO_BIN_EXE_wasmflow"))
            .args(["compile", "--cache-dir"])
            .arg(cache_dir())
            .stdout(Stdio::null())
            .status()
            .expect("cannot run wasmflow compile");
        assert!(status.success(), "wasmflow compile failed");
    });
}

/// A running `wasmflow serve`; killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
    client: reqwest::blocking::Client,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON (panics with the body if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// `error_code` of an MLflow error body; empty if the body has none.
    pub fn error_code(&self) -> String {
        let body: Value = serde_json::from_str(&self.body).unwrap_or_default();
        body["error_code"].as_str().unwrap_or_default().to_string()
    }
}

impl Server {
    /// Serves the model directory `model` (relative to the repository root).
    pub fn start(model: &str, extra: &[&str]) -> Server {
        Server::start_in(&repo(), &[], model, extra)
    }

    /// Serves the model URI `model` from the working directory `cwd` with the extra
    /// environment `env`; MLflow's tracking and registry variables are cleared first.
    pub fn start_in(cwd: &Path, env: &[(&str, &str)], model: &str, extra: &[&str]) -> Server {
        warm_cache();
        Server::spawn(serve_command(cwd, env, model, &cache_dir(), extra), model)
    }

    /// Serves the model directory `model` with its own compile cache `cache`.
    pub fn start_with_cache(model: &str, cache: &Path, extra: &[&str]) -> Server {
        Server::spawn(serve_command(&repo(), &[], model, cache, extra), model)
    }

    fn spawn(mut command: Command, model: &str) -> Server {
        let mut child = command.stderr(Stdio::piped()).spawn().expect("cannot start wasmflow");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // Logged before the address is announced, so a test that reads
                // the log once the server is up finds the serving line in it.
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(address) = line.split("at http://").nth(1) {
                    let _ = tx.send(address.split_whitespace().next().unwrap_or_default().to_string());
                }
            }
        });
        let address = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("wasmflow did not start serving {model}:\n{}", log.lock().unwrap());
            }
        };
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        Server { child, base: format!("http://{address}"), log, client }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        answer(self.client.get(format!("{}{path}", self.base)).send().expect("GET failed"))
    }

    /// `POST /invocations` with an optional Content-Type.
    pub fn invoke(&self, content_type: Option<&str>, body: impl Into<reqwest::blocking::Body>) -> Answer {
        self.post("/invocations", content_type, body)
    }

    /// `POST path` with an optional Content-Type.
    pub fn post(&self, path: &str, content_type: Option<&str>, body: impl Into<reqwest::blocking::Body>) -> Answer {
        let mut request = self.client.post(format!("{}{path}", self.base)).body(body.into());
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        answer(request.send().expect("POST failed"))
    }

    /// `POST /invocations` with a JSON body.
    pub fn invoke_json(&self, body: &Value) -> Answer {
        self.invoke(Some("application/json"), body.to_string())
    }

    /// Sends the server process `signal` (e.g. `TERM`, `INT`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot send SIG{signal}");
    }

    /// Waits up to `within` for the server to exit; its status, or `None` if it still runs.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The log once `done` holds for it, or as it is after `within`. A request's
    /// log line may be written after its answer is sent: a serving thread writes
    /// its lines when it runs out of work (host/src/server/log_writer.rs).
    pub fn log_when(&self, within: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + within;
        loop {
            let log = self.log();
            if done(&log) || std::time::Instant::now() >= deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn answer(response: reqwest::blocking::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = response.text().unwrap();
    Answer { status, content_type, body }
}

/// `wasmflow serve -m model -p 0 … extra` in `cwd`, with the shared component cache.
fn serve_command(cwd: &Path, env: &[(&str, &str)], model: &str, cache: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmflow"));
    command
        .current_dir(cwd)
        .args(["serve", "-m", model, "-p", "0", "-h", "127.0.0.1", "--cache-dir"])
        .arg(cache)
        .args(extra)
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_REGISTRY_URI")
        .env("WASMFLOW_LOG", "wasmflow=debug")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Runs `wasmflow serve` where it must fail before serving; returns its exit code
/// (`None` if killed by a signal) and stderr. Panics if it is still running after 60 s.
pub fn serve_fails(cwd: &Path, env: &[(&str, &str)], model: &str, extra: &[&str]) -> (Option<i32>, String) {
    warm_cache();
    let mut child = serve_command(cwd, env, model, &cache_dir(), extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start wasmflow");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wasmflow serve -m {model} is still running; it should have failed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), reader.join().unwrap())
}

/// Reads a JSON file relative to the repository root.
pub fn read_json(path: impl AsRef<Path>) -> Value {
    let path = repo().join(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Asserts two JSON documents are equal, numbers within `tolerance`
/// (absolute, or relative for large magnitudes).
pub fn assert_json_close(actual: &Value, expected: &Value, tolerance: f64) {
    if let Err(at) = json_close(actual, expected, tolerance, "$") {
        panic!("JSON differs at {at}\nactual:   {actual}\nexpected: {expected}");
    }
}

fn json_close(actual: &Value, expected: &Value, tolerance: f64, at: &str) -> Result<(), String> {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            let ok = (a - e).abs() <= tolerance * e.abs().max(1.0);
            if ok { Ok(()) } else { Err(format!("{at}: {a} vs {e}")) }
        }
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                return Err(format!("{at}: length {} vs {}", a.len(), e.len()));
            }
            a.iter().zip(e).enumerate().try_for_each(|(i, (a, e))| json_close(a, e, tolerance, &format!("{at}[{i}]")))
        }
        (Value::Object(a), Value::Object(e)) => {
            let (ak, ek): (Vec<_>, Vec<_>) = (a.keys().collect(), e.keys().collect());
            if ak != ek {
                return Err(format!("{at}: keys {ak:?} vs {ek:?}"));
            }
            a.iter().try_for_each(|(k, v)| json_close(v, &e[k], tolerance, &format!("{at}.{k}")))
        }
        _ if actual == expected => Ok(()),
        _ => Err(format!("{at}: {actual} vs {expected}")),
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Copies the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
