//! The Open Inference Protocol (V2) REST routes over the same registry as
//! MLflow's: health, server and model metadata, readiness and `infer`, in JSON or
//! the binary tensor extension. Parsing, enforcement and encoding are the
//! protocol crate's (`wasmflow_protocol::v2`); this module only routes, reads
//! bodies within the model's deadline and calls the model.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wasmflow_protocol::v2::{self, V2Error};

use super::AppState;
use super::registry::{LoadedModel, Serving};
use super::routes::{INLINE_PARSE_LIMIT, read_body};

/// A V2 error as a response: its status and `{"error": "..."}`.
pub struct ApiV2Error(V2Error);

impl<E: Into<V2Error>> From<E> for ApiV2Error {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiV2Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::warn!(status = self.0.status, "v2: {}", self.0.message);
        }
        (status, [(header::CONTENT_TYPE, "application/json")], self.0.body()).into_response()
    }
}

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A V2 health answer: 200 when true; 503 when false, as KServe's own server
/// answers (tritonclient reads the status, kserve's client the `key` field of
/// the body, so both are sent).
fn readiness(key: &str, ready: bool) -> Response {
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    json(status, serde_json::to_vec(&serde_json::json!({ key: ready })).expect("JSON values serialise"))
}

/// What model `name` serves now (at `version` when one is given); 404 otherwise.
/// One request works on what it found, even if a reload swaps the model meanwhile.
fn find(state: &AppState, name: &str, version: Option<&str>) -> Result<Arc<Serving>, V2Error> {
    let model =
        state.registry.get(name).ok_or_else(|| V2Error::not_found(format!("model '{name}' is not served here")))?;
    let model = model.current();
    match version {
        Some(v) if model.version.as_deref() != Some(v) => {
            Err(V2Error::not_found(format!("model '{name}' has no version '{v}'")))
        }
        _ => Ok(model),
    }
}

fn loaded(model: &Serving) -> Result<Arc<LoadedModel>, V2Error> {
    let loaded = model.loaded.as_ref().ok_or_else(|| V2Error {
        status: 503,
        message: format!("model '{}' is not ready: it failed to load", model.name),
    })?;
    Ok(Arc::clone(loaded))
}

/// `GET /v2`.
pub async fn server_metadata() -> Response {
    json(StatusCode::OK, v2::server_metadata())
}

/// `GET /v2/health/live`: the server answers.
pub async fn live() -> Response {
    readiness("live", true)
}

/// `GET /v2/health/ready`: every model loaded.
pub async fn ready(State(state): State<AppState>) -> Response {
    readiness("ready", state.registry.all_ready())
}

/// `GET /v2/models/NAME/ready`.
pub async fn model_ready(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, ApiV2Error> {
    Ok(readiness("ready", find(&state, &name, None)?.loaded.is_some()))
}

/// `GET /v2/models/NAME/versions/V/ready`.
pub async fn version_ready(
    State(state): State<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiV2Error> {
    Ok(readiness("ready", find(&state, &name, Some(&version))?.loaded.is_some()))
}

fn metadata_of(model: &Serving) -> Result<Response, V2Error> {
    let loaded = loaded(model)?;
    let platform = format!("wasmflow-{}", loaded.flavor);
    let info = v2::ModelInfo {
        name: &model.name,
        version: model.version.as_deref(),
        platform: &platform,
        signature: loaded.signature.as_deref(),
    };
    Ok(json(StatusCode::OK, v2::model_metadata(&info)))
}

/// `GET /v2/models/NAME`.
pub async fn model_metadata(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, ApiV2Error> {
    let served = find(&state, &name, None)?;
    Ok(metadata_of(&served)?)
}

/// `GET /v2/models/NAME/versions/V`.
pub async fn version_metadata(
    State(state): State<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiV2Error> {
    let served = find(&state, &name, Some(&version))?;
    Ok(metadata_of(&served)?)
}

/// `POST /v2/models/NAME/infer`.
pub async fn infer(
    State(state): State<AppState>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, ApiV2Error> {
    let served = find(&state, &name, None)?;
    run_infer(&state, &served, request).await
}

/// `POST /v2/models/NAME/versions/V/infer`.
pub async fn version_infer(
    State(state): State<AppState>,
    Path((name, version)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiV2Error> {
    let served = find(&state, &name, Some(&version))?;
    run_infer(&state, &served, request).await
}

/// Reads, parses and enforces the request within the model's deadline, runs the
/// model and encodes its prediction.
async fn run_infer(state: &AppState, served: &Serving, request: Request) -> Result<Response, ApiV2Error> {
    let model = loaded(served)?;
    let deadline = Instant::now() + model.timeout;
    let header_length = match request.headers().get(v2::HEADER_LENGTH) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| V2Error::bad_request("Inference-Header-Content-Length must be a byte count"))?,
        ),
    };
    let body = read_body(state, request, deadline).await?;
    let parsed = if body.len() <= INLINE_PARSE_LIMIT {
        v2::parse_infer_request(&body, header_length, model.signature.as_deref())?
    } else {
        let signature = model.signature.clone();
        tokio::task::spawn_blocking(move || v2::parse_infer_request(&body, header_length, signature.as_deref()))
            .await
            .map_err(|e| V2Error { status: 500, message: format!("parsing the request failed: {e}") })??
    };
    let output = state.predict(&served.name, &model, parsed.input, parsed.params, deadline).await?;
    let answer = v2::encode_infer_response(
        &served.name,
        served.version.as_deref(),
        parsed.id.as_deref(),
        &output,
        &parsed.outputs,
        parsed.binary_output,
    )?;
    let mut response = (StatusCode::OK, [(header::CONTENT_TYPE, answer.content_type)], answer.body).into_response();
    if let Some(length) = answer.header_length {
        response.headers_mut().insert(v2::HEADER_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}
