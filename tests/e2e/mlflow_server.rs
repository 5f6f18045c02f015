//! One real `mlflow server` (REST API + artifact proxy) shared by the tests
//! that need it (uris.rs, reload.rs): started on first use, on 127.0.0.1, with
//! its own SQLite store and artifact directory. It costs 5–20 s to start, so it
//! is started once per test run; a shell that holds it in its process group
//! ends the group when the test process's end of its stdin pipe closes (however
//! the tests exit), since a `static` is never dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::support::free_port;

/// `$WASMFLOW_MLFLOW_BIN`, else `mlflow` on PATH.
pub fn mlflow_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("WASMFLOW_MLFLOW_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join("mlflow")).find(|p| p.is_file())
}

/// The running server.
pub struct MlflowServer {
    pub url: String,
    /// The `mlflow` executable it runs.
    pub bin: PathBuf,
    /// Held open for the life of the test process; its closing ends the server.
    _guard: Mutex<(Child, ChildStdin)>,
}

/// The shared server, started on first use; `None` (with a notice naming the
/// test) where MLflow is not installed, which CI does not allow.
pub fn shared(test: &str) -> Option<&'static MlflowServer> {
    static SERVER: OnceLock<Option<MlflowServer>> = OnceLock::new();
    let server = SERVER.get_or_init(|| mlflow_bin().map(|bin| start(&bin))).as_ref();
    if server.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but neither $WASMFLOW_MLFLOW_BIN nor mlflow on PATH exists"
        );
        eprintln!(
            "NOTICE: skipping {test}: it needs a real mlflow server; set WASMFLOW_MLFLOW_BIN or put mlflow on PATH"
        );
    }
    server
}

/// The shell that runs the server: the server in the background, then wait for
/// EOF on stdin and end the whole process group (uvicorn and MLflow's job
/// consumers are child processes). TERM is ignored by the shell only after the
/// server started, so the server does not inherit that.
const GUARD: &str = r#""$@" </dev/null & trap '' TERM; read -r _; kill -TERM 0; sleep 1; kill -KILL 0"#;

fn start(bin: &Path) -> MlflowServer {
    use std::os::unix::process::CommandExt;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mlflow-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let mut child = Command::new("sh")
        .args(["-c", GUARD, "mlflow-guard"])
        .arg(bin)
        .args(["server", "--host", "127.0.0.1", "--port", &port.to_string(), "--workers", "1"])
        .arg("--backend-store-uri")
        .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()))
        .arg("--artifacts-destination")
        .arg(dir.join("artifacts"))
        .current_dir(&dir)
        .env_remove("MLFLOW_TRACKING_URI")
        .stdin(Stdio::piped())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("cannot start mlflow server");
    let stdin = child.stdin.take().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if client.get(format!("{url}/health")).send().is_ok_and(|r| r.status().is_success()) {
            eprintln!("mlflow server at {url} started in {:.1} s", started.elapsed().as_secs_f64());
            return MlflowServer { url, bin: bin.to_path_buf(), _guard: Mutex::new((child, stdin)) };
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    // Closing its stdin ends the group.
    drop(stdin);
    let _ = child.wait();
    panic!("mlflow server did not start:\n{}", std::fs::read_to_string(dir.join("server.log")).unwrap_or_default());
}
