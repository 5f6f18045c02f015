//! The only way an error becomes an HTTP response: MLflow's error bodies, as the
//! protocol crate encodes them. Internals are logged, never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wasmflow_protocol::ScoringError;

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError(pub ScoringError);

impl From<ScoringError> for ApiError {
    fn from(error: ScoringError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let response = self.0.to_response();
        let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::warn!(status = response.status, "{}", self.0);
        } else {
            tracing::debug!(status = response.status, "{}", self.0);
        }
        (status, [(header::CONTENT_TYPE, response.content_type)], response.body).into_response()
    }
}
