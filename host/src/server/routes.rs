//! The route handlers. `/invocations` is: content type and body → protocol
//! parse and schema enforcement → the model's pool → protocol response encoding.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest as _, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wasmflow_protocol::service::{self, Route};
use wasmflow_protocol::{HttpAnswer, ScoringError, parse_invocation};

use super::error::ApiError;
use super::{AppState, LoadedModel};

/// Bodies up to this size are parsed on the async worker; larger ones (up to
/// `--max-body-size`, 64 MiB by default) on a blocking thread, so that decoding them
/// does not stall the other connections of that worker.
pub(super) const INLINE_PARSE_LIMIT: usize = 256 * 1024;

/// A protocol answer as an axum response.
fn respond(answer: HttpAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response()
}

/// A route that needs no model: the protocol's fixed answer.
fn fixed(route: Route) -> Response {
    respond(service::fixed_answer(route).expect("routes without a model have a fixed answer"))
}

/// `GET /ping` and `GET /health`: 200 with body `"\n"` when the first model is
/// loaded, as MLflow answers; 404 with the same body when it failed to load, as
/// MLflow answers while it has no model.
pub async fn ping(State(state): State<AppState>) -> Response {
    let mut answer = fixed(Route::Ping);
    if !state.registry.first().is_ready() {
        *answer.status_mut() = StatusCode::NOT_FOUND;
    }
    answer
}

/// `GET /version`: the wasmflow version, raw (not JSON-quoted), as MLflow does.
pub async fn version() -> Response {
    fixed(Route::Version)
}

/// `POST /invocations`: score the body with the first model.
pub async fn invocations(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let first = state.registry.first();
    let model = first.ready()?;
    score(&state, &first.name, &model, request).await
}

/// `POST /models/NAME/invocations`: score the body with model NAME.
pub async fn model_invocations(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let model = state.registry.loaded(&name)?;
    score(&state, &name, &model, request).await
}

/// Reads the body of `request` within `deadline`, bounded by `--max-body-size`.
pub(super) async fn read_body(state: &AppState, request: Request, deadline: Instant) -> Result<Bytes, ScoringError> {
    let body = tokio::time::timeout_at(deadline.into(), Bytes::from_request(request, state))
        .await
        .map_err(|_| ScoringError::Timeout)?;
    body.map_err(|rejection: BytesRejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ScoringError::PayloadTooLarge { limit: state.max_body_size },
        _ => ScoringError::BadRequest { message: rejection.body_text(), stack_trace: None },
    })
}

/// Scores one MLflow request with `model` (served as `name`). The request's
/// deadline (the model's `-t`) covers reading the body too, so a client that
/// trickles it cannot hold the connection longer than any other request.
async fn score(state: &AppState, name: &str, model: &Arc<LoadedModel>, request: Request) -> Result<Response, ApiError> {
    let deadline = Instant::now() + model.timeout;
    // The one header needed, kept (a reference count, not a copy) before the body consumes the request.
    let content_type: Option<HeaderValue> = request.headers().get(header::CONTENT_TYPE).cloned();
    let body = read_body(state, request, deadline).await?;
    let content_type = match &content_type {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ScoringError::UnsupportedContentType(String::from_utf8_lossy(value.as_bytes()).into()))?,
        ),
    };
    let invocation = if body.len() <= INLINE_PARSE_LIMIT {
        parse_invocation(content_type, &body, model.signature.as_deref())?
    } else {
        let (content_type, signature) = (content_type.map(str::to_owned), model.signature.clone());
        tokio::task::spawn_blocking(move || parse_invocation(content_type.as_deref(), &body, signature.as_deref()))
            .await
            .map_err(|e| ScoringError::Internal(format!("parsing the request failed: {e}")))??
    };
    let output = state.predict(name, model, invocation.input, invocation.params, deadline).await?;
    Ok(respond(service::predictions_answer(&output, invocation.unwrapped_response)))
}

/// Unknown paths: 404 with FastAPI's body, as `mlflow models serve` answers.
pub async fn not_found() -> Response {
    fixed(Route::NotFound)
}

/// Known paths, wrong method: 405 with FastAPI's body.
pub async fn method_not_allowed() -> Response {
    fixed(Route::MethodNotAllowed)
}
