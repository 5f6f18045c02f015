//! MLflow's scoring service as plain data: which route a request takes and the
//! exact answer for each, so that the native server (axum) and the wasi:http
//! component answer byte for byte alike. The caller owns I/O and the model call.

use crate::error::{HttpAnswer, ScoringError};
use crate::input::request::parse_invocation;
use crate::response::encode_predictions;
use crate::schema::signature::Signature;
use crate::value::{Batch, Params};

/// The content type of every JSON answer.
pub const JSON: &str = "application/json";

/// The largest request body accepted by default (`--max-body-size`), as
/// MLflow's uvicorn server has no limit but a model server needs one.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

/// The version `GET /version` answers: wasmflow's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /ping`, `GET /health`.
    Ping,
    /// `GET /version`.
    Version,
    /// `POST /invocations`.
    Invocations,
    /// A known path with the wrong method.
    MethodNotAllowed,
    /// Any other path.
    NotFound,
}

/// The paths the service answers, and the method each takes.
pub const ROUTES: [(&str, &str); 4] =
    [("/ping", "GET"), ("/health", "GET"), ("/version", "GET"), ("/invocations", "POST")];

/// The route of `method` on `path` (the path without its query). `HEAD` is
/// accepted wherever `GET` is, as axum and FastAPI do.
pub fn route(method: &str, path: &str) -> Route {
    let Some(&(_, wanted)) = ROUTES.iter().find(|(p, _)| *p == path) else { return Route::NotFound };
    if method != wanted && !(wanted == "GET" && method == "HEAD") {
        return Route::MethodNotAllowed;
    }
    match path {
        "/ping" | "/health" => Route::Ping,
        "/version" => Route::Version,
        _ => Route::Invocations,
    }
}

/// The answer of a route that needs no model (`Ping`, `Version` and the two
/// errors); `None` for `Invocations`.
pub fn fixed_answer(route: Route) -> Option<HttpAnswer> {
    let (status, body) = match route {
        Route::Ping => (200, "\n"),
        // Raw, not JSON-quoted, as MLflow answers.
        Route::Version => (200, VERSION),
        // FastAPI's bodies, as `mlflow models serve` answers.
        Route::NotFound => (404, r#"{"detail":"Not Found"}"#),
        Route::MethodNotAllowed => (405, r#"{"detail":"Method Not Allowed"}"#),
        Route::Invocations => return None,
    };
    Some(HttpAnswer { status, content_type: JSON, body: body.as_bytes().to_vec() })
}

/// The answer to the predictions `output` of a parsed request.
pub fn predictions_answer(output: &Batch, unwrapped_response: bool) -> HttpAnswer {
    HttpAnswer { status: 200, content_type: JSON, body: encode_predictions(output, unwrapped_response) }
}

/// `POST /invocations` from start to end, for a caller that runs the model
/// synchronously: parse and enforce the body, call `predict`, encode the answer
/// or the error.
pub fn invoke(
    content_type: Option<&str>,
    body: &[u8],
    signature: Option<&Signature>,
    predict: impl FnOnce(Batch, Params) -> Result<Batch, ScoringError>,
) -> HttpAnswer {
    let answer = parse_invocation(content_type, body, signature).and_then(|invocation| {
        let output = predict(invocation.input, invocation.params)?;
        Ok(predictions_answer(&output, invocation.unwrapped_response))
    });
    answer.unwrap_or_else(|error| error.to_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_mlflow_and_fastapi() {
        assert_eq!(route("GET", "/ping"), Route::Ping);
        assert_eq!(route("HEAD", "/health"), Route::Ping);
        assert_eq!(route("POST", "/invocations"), Route::Invocations);
        assert_eq!(route("GET", "/invocations"), Route::MethodNotAllowed);
        assert_eq!(route("POST", "/ping"), Route::MethodNotAllowed);
        assert_eq!(route("GET", "/ping/"), Route::NotFound);
        assert_eq!(fixed_answer(Route::Version).unwrap().body, VERSION.as_bytes());
        assert_eq!(fixed_answer(Route::Invocations), None);
    }

    #[test]
    fn invoke_encodes_predictions_and_errors() {
        let echo = |input: Batch, _| Ok(input);
        let answer = invoke(Some("application/json"), br#"{"inputs": [[1.5, 2]]}"#, None, echo);
        assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
        assert_eq!(answer.body, br#"{"predictions": [[1.5, 2.0]]}"#);
        let answer = invoke(Some("application/json"), b"{", None, echo);
        assert_eq!(answer.status, 400);
        assert!(String::from_utf8_lossy(&answer.body).contains("BAD_REQUEST"));
        let failing = |_, _| -> Result<Batch, ScoringError> { Err(ScoringError::Internal("boom".into())) };
        let answer = invoke(Some("application/json"), br#"{"inputs": [1]}"#, None, failing);
        assert_eq!(answer.status, 500);
    }
}
