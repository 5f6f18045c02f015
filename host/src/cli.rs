//! The command line, mirroring `mlflow models serve` where the two overlap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::runtime::kernels::Kernels;
use crate::runtime::{Isolation, LoadLimits};

/// Serve MLflow models through WebAssembly flavor components.
#[derive(Debug, Parser)]
#[command(name = "wasmflow", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log lines as text, or as one JSON object per line (request lines carry
    /// `request_id`, `method`, `route`, `model`, `status`, `duration_ms`).
    #[arg(long, global = true, env = "WASMFLOW_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written (stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve a model over HTTP with MLflow's scoring protocol
    /// (`/invocations`, `/ping`, `/health`, `/version`).
    Serve(ServeArgs),
    /// Compile every built-in flavor component into the cache, so that the
    /// first `serve` starts at once (e.g. in a container build step).
    Compile(CompileArgs),
    /// Build one self-contained wasi:http component that serves the model
    /// (for `wasmtime serve`, Spin and other wasi:http hosts).
    Build(BuildArgs),
    /// Score one input file with the model and write the predictions, as
    /// `mlflow models predict` does (same input formats, same output).
    Predict(PredictArgs),
    /// Describe a model as wasmflow would serve it (flavor, component,
    /// signature, params schema, sizes, compiled-cache state), as JSON.
    Inspect(ModelArgs),
}

/// Options of `wasmflow predict`; the flags are `mlflow models predict`'s.
#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// The input file: MLflow's JSON scoring formats, or CSV (default: stdin).
    #[arg(short = 'i', long = "input-path")]
    pub input_path: Option<PathBuf>,

    /// Where to write the predictions (default: stdout).
    #[arg(short = 'o', long = "output-path")]
    pub output_path: Option<PathBuf>,

    /// The input's format.
    #[arg(short = 't', long = "content-type", value_enum, default_value_t = InputFormat::Json)]
    pub content_type: InputFormat,

    /// Seconds the prediction may take.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,

    /// Accepted for `mlflow models predict` command lines; wasmflow needs no Python environment.
    #[arg(long, hide = true)]
    pub env_manager: Option<String>,

    #[command(flatten)]
    pub load_limits: LoadLimitArgs,
}

/// `wasmflow predict -t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Json,
    Csv,
}

impl InputFormat {
    /// The content type `/invocations` would receive the file with.
    pub fn content_type(self) -> &'static str {
        match self {
            InputFormat::Json => "application/json",
            InputFormat::Csv => "text/csv",
        }
    }
}

/// Options of `wasmflow build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// Where to write the component.
    #[arg(short = 'o', long, default_value = "model.wasm")]
    pub output: PathBuf,

    /// Do not embed the model: compose the front end with the model's flavor
    /// only, for a model directory mounted at run time at `/model` (or
    /// `WASMFLOW_MODEL_DIR`), e.g. `wasmtime serve --dir models/iris-onnx::/model`.
    #[arg(long)]
    pub mount: bool,

    /// Warn when the component is past a platform's size limit: `cloudflare-free`
    /// (3 MB gzipped), `cloudflare` (10 MB gzipped), `fastly` (100 MB gzipped),
    /// `fermyon-cloud` (100 MB), or a size such as `2MB`.
    #[arg(long, value_name = "PLATFORM|SIZE")]
    pub max_size: Option<crate::edge::SizeLimit>,

    #[command(flatten)]
    pub load_limits: LoadLimitArgs,
}

/// Which model to build and where to find it and its flavor's component.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model URI: a model directory, a `file:` URI, `models:/<name>/<version>`,
    /// `models:/<name>@<alias>`, `models:/<name>/latest`, `models:/<model_id>` or
    /// `runs:/<run_id>/<path>`.
    #[arg(short = 'm', long = "model-uri")]
    pub model_uri: String,

    #[command(flatten)]
    pub sources: SourceArgs,
}

/// Where model URIs are looked up and flavor components found, shared by every
/// command that loads models.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// MLflow tracking URI for `models:/` and `runs:/` URIs: `sqlite:///<path>`, a file
    /// store (`./mlruns`, `file:` URI) or `http(s)://` tracking server (default: MLflow's,
    /// `./mlruns` if it holds experiments, else `sqlite:///mlflow.db`).
    #[arg(long, env = "MLFLOW_TRACKING_URI")]
    pub tracking_uri: Option<String>,

    /// MLflow registry URI for `models:/<name>…` URIs (default: the tracking URI).
    #[arg(long, env = "MLFLOW_REGISTRY_URI")]
    pub registry_uri: Option<String>,

    /// Serve flavor NAME with the component at PATH instead of a built-in one
    /// (repeatable), e.g. `--flavor-component my_flavor=target/my_flavor.wasm`.
    #[arg(long = "flavor-component", value_name = "NAME=PATH", value_parser = crate::flavors::parse_flavor_component)]
    pub flavor_components: Vec<(String, PathBuf)>,

    /// Directory of compiled components and of models downloaded from a tracking
    /// server (`<dir>/models`) (default: ~/.cache/wasmflow).
    #[arg(long, env = "WASMFLOW_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Bounds of a model instance, shared by `serve` and `build` (whose
/// pre-initialisation loads the model under the same bounds).
#[derive(Debug, Args)]
pub struct LoadLimitArgs {
    /// Linear-memory limit of one model instance, in MiB.
    #[arg(long, env = "WASMFLOW_MAX_MEMORY_MB", default_value_t = 4096)]
    pub max_memory_mb: usize,

    /// Seconds a model may take to load (at start-up, or when pre-initialised)
    /// before it is interrupted and the start or build fails.
    #[arg(long, env = "WASMFLOW_LOAD_TIMEOUT", default_value_t = 600)]
    pub load_timeout: u64,
}

impl LoadLimitArgs {
    pub fn limits(&self) -> LoadLimits {
        LoadLimits {
            timeout: std::time::Duration::from_secs(self.load_timeout),
            max_memory: self.max_memory_mb.saturating_mul(1 << 20),
        }
    }
}

/// Options of `wasmflow serve`; `-p`, `-h`, `-t`, `-w` and their environment
/// variables are `mlflow models serve`'s.
#[derive(Debug, Args)]
// `-h` is the host, as in MLflow; help stays on `--help`.
#[command(disable_help_flag = true)]
pub struct ServeArgs {
    /// A model to serve, `URI` or `NAME=URI` (repeatable). The first one also
    /// answers `/invocations`; each is served at `/models/NAME/invocations` and
    /// over V2 as NAME (default: the registered model's name, else the
    /// directory's). URIs are those of `build -m`.
    #[arg(short = 'm', long = "model-uri", value_name = "[NAME=]URI", required = true, value_parser = parse_model_spec)]
    pub models: Vec<ModelSpec>,

    #[command(flatten)]
    pub sources: SourceArgs,

    /// Port to listen on (0 picks a free one).
    #[arg(short = 'p', long, env = "MLFLOW_PORT", default_value_t = 5000)]
    pub port: u16,

    /// Address to listen on.
    #[arg(short = 'h', long, env = "MLFLOW_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Seconds a request may take before it is answered 504 and its model
    /// instance interrupted.
    #[arg(short = 't', long, env = "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT", default_value_t = 60)]
    pub timeout: u64,

    /// Number of warm model instances, i.e. predictions run at once
    /// (default: the number of CPUs).
    #[arg(short = 'w', long, env = "MLFLOW_MODELS_WORKERS")]
    pub workers: Option<usize>,

    /// `pooled`: warm model instances, reused from request to request.
    /// `per-request`: a fresh instance for every request, so nothing one request
    /// leaves in the sandbox reaches the next (the flavor is snapshotted with the
    /// model loaded at start-up, cached like compiled components).
    #[arg(long, env = "WASMFLOW_ISOLATION", value_enum, default_value_t = Isolation::Pooled)]
    pub isolation: Isolation,

    /// How the server's threads share connections. `shared`: one multi-threaded
    /// runtime, any thread serves any connection (work stealing). `per-core`:
    /// one single-threaded runtime per CPU, each with its own listening socket
    /// on the port (`SO_REUSEPORT`), a request served start to end on one thread.
    #[arg(long, env = "WASMFLOW_THREADING", value_enum, default_value_t = crate::server::Threading::Shared)]
    pub threading: crate::server::Threading,

    /// Where the ONNX flavor's matrix products run. `wasm`: inside the sandbox
    /// (tract's SIMD128 kernels). `host`: on the host's native kernels through
    /// an import, the model's graph still in the sandbox (a component of its
    /// own, which runs only under wasmflow, not under `wasmtime serve`, jco or
    /// Spin; `wasmflow build` always ships the `wasm` one).
    #[arg(long, env = "WASMFLOW_KERNELS", value_enum, default_value_t = Kernels::Wasm)]
    pub kernels: Kernels,

    /// Most requests that wait for a busy model instance; past it a request is
    /// answered 503 `TEMPORARILY_UNAVAILABLE` at once instead of queueing.
    #[arg(long, env = "WASMFLOW_MAX_QUEUE", default_value_t = 1024)]
    pub max_queue: usize,

    /// Seconds the requests in flight get to finish after SIGTERM or SIGINT
    /// (no new connection is accepted meanwhile); past it they are cut.
    #[arg(long, env = "WASMFLOW_GRACEFUL_TIMEOUT", default_value_t = 30)]
    pub graceful_timeout: u64,

    /// Seconds a client has to send a request's headers before its connection
    /// is closed (slow clients cannot hold connections open; the body is bounded
    /// by `--timeout`).
    #[arg(long, env = "WASMFLOW_HEADER_TIMEOUT", default_value_t = 30)]
    pub header_timeout: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "WASMFLOW_MAX_BODY_SIZE", default_value_t = wasmflow_protocol::service::DEFAULT_MAX_BODY_SIZE)]
    pub max_body_size: usize,

    #[command(flatten)]
    pub batching: BatchArgs,

    #[command(flatten)]
    pub load_limits: LoadLimitArgs,

    /// Hot reload: every `--watch-interval` seconds, ask the registry which
    /// version each `models:/NAME@ALIAS`, `models:/NAME/latest` and
    /// `models:/NAME/STAGE` names; when it moved, load that version in the
    /// background and swap it in (requests in flight finish on the old one).
    /// A version that fails to load leaves the old one serving. Directories,
    /// `file:`, `runs:/`, `models:/NAME/N` and `models:/m-…` never move and are
    /// not watched.
    #[arg(long, env = "WASMFLOW_WATCH")]
    pub watch: bool,

    /// Seconds between two polls of `--watch` (giving it turns `--watch` on)
    /// [default: 30].
    #[arg(long, env = "WASMFLOW_WATCH_INTERVAL", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub watch_interval: Option<u64>,

    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

/// Adaptive batching of `serve` (as MLServer's `max_batch_size` / `max_batch_time`).
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Adaptive batching, for every served model: concurrent requests for the
    /// same model with the same columns (or tensors) and params are merged into
    /// one predict call of at most this many rows, and the answer split back by
    /// rows; each caller gets the answer it would get alone. Off when 1 or less
    /// (the default). Requests of this many rows or more are not batched.
    #[arg(long, env = "WASMFLOW_MAX_BATCH_SIZE", default_value_t = 0, value_name = "ROWS")]
    pub max_batch_size: usize,

    /// With --max-batch-size: milliseconds the first request of a batch waits
    /// for others (a full batch runs at once). 0, the default: no waiting; a
    /// request runs at once when an instance is idle, and the requests that
    /// arrive while every instance is busy are merged.
    #[arg(long, env = "WASMFLOW_MAX_BATCH_TIME_MS", default_value_t = 0, value_name = "MS")]
    pub max_batch_time_ms: u64,
}

impl BatchArgs {
    /// The batching limits, `None` when batching is off.
    pub fn limits(&self) -> Option<crate::server::batching::BatchLimits> {
        crate::server::batching::BatchLimits::new(
            self.max_batch_size,
            std::time::Duration::from_millis(self.max_batch_time_ms),
        )
    }
}

/// One `-m` of `serve`: the name the model is served under, and its URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: String,
    pub uri: String,
}

/// Whether `name` may name a served model: it goes into URL paths as it is.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Parses `NAME=URI` or a bare `URI`. A prefix before `=` that cannot be a name
/// (it holds `/` or `:`) is part of the URI, so paths with `=` still work.
pub fn parse_model_spec(text: &str) -> Result<ModelSpec, String> {
    if let Some((name, uri)) = text.split_once('=')
        && !name.contains(['/', ':'])
    {
        if !valid_name(name) {
            return Err(format!("invalid model name '{name}': use letters, digits, '_', '-' and '.'"));
        }
        if uri.is_empty() {
            return Err(format!("no model URI after '{name}='"));
        }
        return Ok(ModelSpec { name: name.into(), uri: uri.into() });
    }
    let name = crate::model::default_name(text);
    if !valid_name(&name) {
        return Err(format!("cannot name the model '{text}' after '{name}': give it a name with NAME={text}"));
    }
    Ok(ModelSpec { name, uri: text.into() })
}

impl ServeArgs {
    /// The poll interval of `--watch`, if models are watched.
    pub fn watch_every(&self) -> Option<std::time::Duration> {
        (self.watch || self.watch_interval.is_some())
            .then(|| std::time::Duration::from_secs(self.watch_interval.unwrap_or(30)))
    }
}

/// Options of `wasmflow compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Directory of compiled components (default: ~/.cache/wasmflow).
    #[arg(long, env = "WASMFLOW_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlflow_short_flags_parse() {
        let cli = Cli::try_parse_from([
            "wasmflow",
            "serve",
            "-m",
            "models/iris",
            "-p",
            "8080",
            "-h",
            "0.0.0.0",
            "-t",
            "5",
            "-w",
            "3",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        assert_eq!((args.models[0].uri.as_str(), args.port, args.host.as_str()), ("models/iris", 8080, "0.0.0.0"));
        assert_eq!((args.timeout, args.workers), (5, Some(3)));
    }

    #[test]
    fn tracking_and_registry_uris_parse() {
        let cli = Cli::try_parse_from([
            "wasmflow",
            "serve",
            "-m",
            "models:/iris@production",
            "--tracking-uri",
            "sqlite:///mlflow.db",
            "--registry-uri",
            "http://localhost:5000",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        assert_eq!(args.sources.tracking_uri.as_deref(), Some("sqlite:///mlflow.db"));
        assert_eq!(args.sources.registry_uri.as_deref(), Some("http://localhost:5000"));
        assert_eq!(args.models[0].name, "iris");
    }

    #[test]
    fn models_repeat_with_or_without_names() {
        let cli = Cli::try_parse_from([
            "wasmflow",
            "serve",
            "-m",
            "models/iris-onnx/",
            "-m",
            "rf=models/sklearn/iris-rf",
            "--model-uri",
            "models:/fraud@prod",
            "-m",
            "runs:/abc/model",
            "-m",
            "x=dir/a=b",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        let names: Vec<(&str, &str)> = args.models.iter().map(|m| (m.name.as_str(), m.uri.as_str())).collect();
        assert_eq!(
            names,
            [
                ("iris-onnx", "models/iris-onnx/"),
                ("rf", "models/sklearn/iris-rf"),
                ("fraud", "models:/fraud@prod"),
                ("model", "runs:/abc/model"),
                ("x", "dir/a=b"),
            ]
        );
        assert!(parse_model_spec("bad name=x").is_err());
        assert!(parse_model_spec("x=").is_err());
        assert!(parse_model_spec("dir/a=b").is_err(), "named after 'a=b', which is no name");
    }

    #[test]
    fn batching_is_off_unless_max_batch_size_is_above_one() {
        let serve = |extra: &[&str]| {
            let cli = Cli::try_parse_from([&["wasmflow", "serve", "-m", "m"], extra].concat()).unwrap();
            let Command::Serve(args) = cli.command else { panic!("not serve") };
            args.batching.limits()
        };
        assert_eq!(serve(&[]), None);
        assert_eq!(serve(&["--max-batch-size", "1", "--max-batch-time-ms", "5"]), None);
        let on = serve(&["--max-batch-size", "32"]).unwrap();
        assert_eq!((on.max_rows, on.max_wait), (32, std::time::Duration::ZERO));
        let on = serve(&["--max-batch-size", "8", "--max-batch-time-ms", "2"]).unwrap();
        assert_eq!(on.max_wait, std::time::Duration::from_millis(2));
    }

    #[test]
    fn model_uri_is_required() {
        assert!(Cli::try_parse_from(["wasmflow", "serve"]).is_err());
        assert!(Cli::try_parse_from(["wasmflow", "serve", "--model-uri", "m"]).is_ok());
    }

    #[test]
    fn watch_is_off_unless_asked() {
        let serve = |extra: &[&str]| {
            let cli = Cli::try_parse_from([&["wasmflow", "serve", "-m", "models:/m@a"], extra].concat()).unwrap();
            let Command::Serve(args) = cli.command else { panic!("not serve") };
            args.watch_every()
        };
        assert_eq!(serve(&[]), None);
        assert_eq!(serve(&["--watch"]), Some(std::time::Duration::from_secs(30)));
        assert_eq!(serve(&["--watch-interval", "1"]), Some(std::time::Duration::from_secs(1)));
        assert!(Cli::try_parse_from(["wasmflow", "serve", "-m", "m", "--watch-interval", "0"]).is_err());
    }
}
