//! The HTTP front end: MLflow's scoring routes on axum, over the [`Registry`]
//! of served models (each a pooled [`Runtime`](crate::runtime::Runtime)).

pub mod batching;
mod error;
mod listen;
pub mod log_writer;
pub mod metrics;
pub mod registry;
pub mod reload;
mod routes;
mod threads;
mod v2;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use listen::ConnectionLimits;
pub use registry::{LoadedModel, Registry, ServedModel, Serving};
pub use threads::{Threading, serve_per_core};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    /// `/metrics` and the request ids.
    pub metrics: Arc<metrics::Metrics>,
    /// The largest request body accepted, in bytes.
    pub max_body_size: usize,
    /// Adaptive batching (`--max-batch-size`), `None` when off.
    pub batcher: Option<Arc<batching::Batcher>>,
}

/// The scoring server's routes: `/ping`, `/health`, `/version`, `/invocations`
/// (the first model), `/models/NAME/invocations`, and the Open Inference
/// Protocol's under `/v2`, and `/metrics`; every routed request is counted,
/// timed, logged and given an `X-Request-Id`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ping", get(routes::ping))
        .route("/health", get(routes::ping))
        .route("/version", get(routes::version))
        .route("/invocations", post(routes::invocations))
        .route("/models/{name}/invocations", post(routes::model_invocations))
        .route("/v2", get(v2::server_metadata))
        .route("/v2/health/live", get(v2::live))
        .route("/v2/health/ready", get(v2::ready))
        .route("/v2/models/{name}", get(v2::model_metadata))
        .route("/v2/models/{name}/ready", get(v2::model_ready))
        .route("/v2/models/{name}/infer", post(v2::infer))
        .route("/v2/models/{name}/versions/{version}", get(v2::version_metadata))
        .route("/v2/models/{name}/versions/{version}/ready", get(v2::version_ready))
        .route("/v2/models/{name}/versions/{version}/infer", post(v2::version_infer))
        .route("/metrics", get(metrics::metrics))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::observe))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.max_body_size))
        .with_state(state)
}

/// Serves `router` on `listener` until SIGINT or SIGTERM; then stops
/// accepting connections and lets the requests in flight finish, for at most
/// `limits.grace` (past it they are cut, as gunicorn's `--graceful-timeout` does).
pub async fn serve(listener: TcpListener, router: Router, limits: ConnectionLimits) -> std::io::Result<()> {
    listen::serve(listener, router, limits, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("cannot listen for SIGTERM");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: no new connections; requests in flight finish");
}
