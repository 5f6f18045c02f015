//! Observability: `GET /metrics` in Prometheus' text format (tikv's
//! `prometheus` crate), and the per-request middleware that gives every request
//! an id (`X-Request-Id`, the client's own if it sent a usable one), counts and
//! times it by model, route and status, and logs one line for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

use super::{AppState, LoadedModel};

/// Buckets of the latency histograms, in seconds: 0.5 ms to 30 s.
const LATENCY_BUCKETS: [f64; 15] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The request-id header, read and answered.
pub const REQUEST_ID: &str = "x-request-id";

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    instances: IntGaugeVec,
    waiting: IntGaugeVec,
    traps: IntCounterVec,
    deadline_kills: IntCounterVec,
    guest_duration: HistogramVec,
    guest_memory: IntGaugeVec,
    request_bytes: IntCounterVec,
    response_bytes: IntCounterVec,
    /// Serialises scrapes: the pools' counters are copied in as deltas from
    /// what the last scrape saw of each model's pool.
    scrape: std::sync::Mutex<HashMap<String, Seen>>,
    next_id: AtomicU64,
    id_prefix: u64,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("wasmflow_requests_total", "HTTP requests answered, by model, route and status."),
            &["model", "route", "status"],
        )
        .expect("valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new("wasmflow_request_duration_seconds", "Time from a request's arrival to its answer.")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["model", "route"],
        )
        .expect("valid metric");
        let instances = IntGaugeVec::new(
            Opts::new("wasmflow_instances", "Model instances (requests served at once), busy or idle."),
            &["model", "state"],
        )
        .expect("valid metric");
        let waiting = IntGaugeVec::new(
            Opts::new("wasmflow_requests_waiting", "Requests waiting for a busy model's instance."),
            &["model"],
        )
        .expect("valid metric");
        let traps = IntCounterVec::new(
            Opts::new(
                "wasmflow_guest_traps_total",
                "Instances discarded after the guest trapped (crash, memory limit).",
            ),
            &["model"],
        )
        .expect("valid metric");
        let deadline_kills = IntCounterVec::new(
            Opts::new("wasmflow_deadline_kills_total", "Instances interrupted at the request deadline (-t)."),
            &["model"],
        )
        .expect("valid metric");
        let guest_duration = HistogramVec::new(
            HistogramOpts::new(
                "wasmflow_guest_duration_seconds",
                "Time a prediction spent inside the model's sandbox (the call, not the wait for an instance).",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["model"],
        )
        .expect("valid metric");
        let guest_memory = IntGaugeVec::new(
            Opts::new("wasmflow_guest_memory_bytes", "The largest linear memory any instance of the model has had."),
            &["model"],
        )
        .expect("valid metric");
        let request_bytes = IntCounterVec::new(
            Opts::new("wasmflow_request_bytes_total", "Request body bytes received (their Content-Length)."),
            &["model", "route"],
        )
        .expect("valid metric");
        let response_bytes = IntCounterVec::new(
            Opts::new("wasmflow_response_bytes_total", "Response body bytes sent."),
            &["model", "route"],
        )
        .expect("valid metric");
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(instances.clone()),
            Box::new(waiting.clone()),
            Box::new(traps.clone()),
            Box::new(deadline_kills.clone()),
            Box::new(guest_duration.clone()),
            Box::new(guest_memory.clone()),
            Box::new(request_bytes.clone()),
            Box::new(response_bytes.clone()),
        ] {
            registry.register(metric).expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            duration,
            instances,
            waiting,
            traps,
            deadline_kills,
            guest_duration,
            guest_memory,
            request_bytes,
            response_bytes,
            scrape: std::sync::Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            id_prefix: random_u64(),
        }
    }

    /// Has every loaded model of `registry` report the time its predictions
    /// spend inside the guest.
    pub fn watch_guests(&self, registry: &super::Registry) {
        for model in registry.models() {
            if let Some(loaded) = &model.current().loaded {
                self.watch_guest(&model.name, loaded);
            }
        }
    }

    /// Adds `collector` to what `/metrics` exports (metrics owned by other
    /// modules, e.g. adaptive batching's).
    pub fn register(&self, collector: Box<dyn prometheus::core::Collector>) {
        if let Err(error) = self.registry.register(collector) {
            tracing::error!("cannot register a metric: {error}");
        }
    }

    /// Has `loaded`, served as `name`, report the time its predictions spend
    /// inside the guest (for a model loaded later, by a reload).
    pub fn watch_guest(&self, name: &str, loaded: &LoadedModel) {
        let histogram = self.guest_duration.with_label_values(&[name]);
        loaded.runtime.observe_guest_time(Box::new(move |took| histogram.observe(took.as_secs_f64())));
    }

    /// A fresh request id: this process's random prefix and a counter (unique,
    /// cheap, no dependency for a UUID nobody parses).
    fn request_id(&self) -> String {
        format!("{:016x}-{:08x}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A model's pool counters as the last scrape saw them. The `Weak` keeps the
/// pool's allocation from being reused, so a reloaded model's new pool is
/// never mistaken for the one seen.
struct Seen {
    model: Weak<LoadedModel>,
    traps: u64,
    deadline_kills: u64,
}

/// 64 random bits from the standard library's per-process hasher keys.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.finish()
}

/// `GET /metrics`: the pools' state copied in, then every metric as text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let mut seen = m.scrape.lock().unwrap_or_else(|e| e.into_inner());
    for model in state.registry.models() {
        let Some(loaded) = model.current().loaded.clone() else { continue };
        let stats = loaded.runtime.stats();
        let name = model.name.as_str();
        m.instances.with_label_values(&[name, "busy"]).set(stats.busy as i64);
        m.instances.with_label_values(&[name, "idle"]).set(stats.size.saturating_sub(stats.busy) as i64);
        m.waiting.with_label_values(&[name]).set(stats.waiting as i64);
        m.guest_memory.with_label_values(&[name]).set(i64::try_from(stats.largest_memory).unwrap_or(i64::MAX));
        // A reloaded model has a new pool whose counters start again at zero.
        let last = seen.get(name).filter(|s| s.model.ptr_eq(&Arc::downgrade(&loaded)));
        let (traps, kills) = last.map_or((0, 0), |s| (s.traps, s.deadline_kills));
        m.traps.with_label_values(&[name]).inc_by(stats.traps.saturating_sub(traps));
        m.deadline_kills.with_label_values(&[name]).inc_by(stats.deadline_kills.saturating_sub(kills));
        let model = Arc::downgrade(&loaded);
        seen.insert(name.to_owned(), Seen { model, traps: stats.traps, deadline_kills: stats.deadline_kills });
    }
    let mut text = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&m.registry.gather(), &mut text) {
        tracing::error!("cannot encode the metrics: {error}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response()
}

/// The model a request is for: the `NAME` of `/models/NAME/…` and
/// `/v2/models/NAME…` if it is served, `unknown` if not (so that junk names do
/// not grow the label set), the first model for MLflow's unnamed routes, and
/// none for the server's own routes.
fn model_label(state: &AppState, route: &str, path: &str) -> String {
    if route.contains("{name}") {
        let name = path.split('/').skip_while(|s| *s != "models").nth(1).unwrap_or_default();
        return match state.registry.get(name) {
            Some(model) => model.name.clone(),
            None => "unknown".into(),
        };
    }
    match route {
        "/invocations" | "/ping" | "/health" => state.registry.first().name.clone(),
        _ => String::new(),
    }
}

/// A client's request id when it is short printable ASCII, else a fresh one.
fn request_id(state: &AppState, request: &Request) -> String {
    let given = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    match given.filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())) {
        Some(id) => id.to_owned(),
        None => state.metrics.request_id(),
    }
}

/// Counts, times and logs every routed request, and answers its id.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let method = request.method().clone();
    let model = model_label(&state, &route, request.uri().path());
    let id = request_id(&state, &request);
    let received = content_length(request.headers());
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.requests.with_label_values(&[model.as_str(), route.as_str(), &status.to_string()]).inc();
    state.metrics.duration.with_label_values(&[model.as_str(), route.as_str()]).observe(elapsed.as_secs_f64());
    state.metrics.request_bytes.with_label_values(&[model.as_str(), route.as_str()]).inc_by(received);
    let sent = axum::body::HttpBody::size_hint(response.body()).exact().unwrap_or(0);
    state.metrics.response_bytes.with_label_values(&[model.as_str(), route.as_str()]).inc_by(sent);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    tracing::info!(
        target: "wasmflow::request",
        request_id = id.as_str(),
        method = method.as_str(),
        route = route.as_str(),
        model = model.as_str(),
        status,
        duration_ms = elapsed.as_secs_f64() * 1e3,
        "request"
    );
    response
}

/// A request's declared body size (0 without a valid `Content-Length`).
fn content_length(headers: &axum::http::HeaderMap) -> u64 {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}
