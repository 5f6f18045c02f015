//! Scoring errors: MLflow error codes, HTTP statuses and the exact response
//! bodies MLflow's scoring server writes for them.

use crate::py::json;

/// MLflow's `SCORING_PROTOCOL_CHANGE_INFO`, appended to format errors.
pub const SCORING_PROTOCOL_CHANGE_INFO: &str = "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

/// MLflow's message for any non-MLflow exception raised by `predict`.
pub const EVALUATION_ERROR_MESSAGE: &str = "Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.";

/// MLflow's body for a request that ran past the scoring timeout.
pub const TIMEOUT_MESSAGE: &str = "Request processing time exceeded limit";

/// Everything that can go wrong while scoring one request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    /// `Content-Type` charset other than UTF-8: 415, text/plain.
    #[error("The scoring server only supports UTF-8")]
    UnsupportedCharset,
    /// `Content-Type` parameters other than `charset`: 415, text/plain.
    #[error("Unrecognized content type parameters: {}. {SCORING_PROTOCOL_CHANGE_INFO}", .0.join(", "))]
    UnrecognizedContentTypeParams(Vec<String>),
    /// A mime type other than `application/json` / `text/csv`: 415, text/plain.
    #[error(
        "This predictor only supports the following content types: Types: ['text/csv', 'application/json', 'application/vnd.apache.parquet']. Got '{0}'."
    )]
    UnsupportedContentType(String),
    /// No `Content-Type` header (MLflow crashes with a 500; we answer 415).
    #[error(
        "Missing Content-Type header. This predictor only supports the following content types: Types: ['text/csv', 'application/json', 'application/vnd.apache.parquet']."
    )]
    MissingContentType,
    /// A malformed request (body, format keys, CSV): `BAD_REQUEST`, 400.
    #[error("{message}")]
    BadRequest {
        message: String,
        /// MLflow adds a `stack_trace` field to some of these bodies.
        stack_trace: Option<String>,
    },
    /// Input or params that do not fit the model's signature:
    /// `INVALID_PARAMETER_VALUE`, 400.
    #[error("{0}")]
    InvalidParameter(String),
    /// The input does not match the model's input schema: MLflow's
    /// `Failed to predict data ... Failed to enforce schema ...`,
    /// `INVALID_PARAMETER_VALUE`, 400, sqlstate KAM01.
    #[error("{0}")]
    SchemaEnforcement(String),
    /// The model failed while evaluating the input (flavor `evaluation` error):
    /// `BAD_REQUEST`, 400, MLflow's fixed message; the detail goes to `stack_trace`.
    #[error("{EVALUATION_ERROR_MESSAGE} {0}")]
    Evaluation(String),
    /// A bug or broken invariant: `INTERNAL_ERROR`, 500.
    #[error("{0}")]
    Internal(String),
    /// A feature MLflow has and we do not: `NOT_IMPLEMENTED`, 501.
    #[error("{0}")]
    NotImplemented(String),
    /// The request ran past the scoring timeout: `DEADLINE_EXCEEDED`, 504.
    #[error("{TIMEOUT_MESSAGE}")]
    Timeout,
    /// The request body is larger than the configured limit: 413.
    #[error("Request body is too large: the limit is {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    /// The server is out of capacity (e.g. all model instances busy):
    /// `RESOURCE_EXHAUSTED`, 429.
    #[error("{0}")]
    ResourceExhausted(String),
    /// Every instance is busy and the queue of waiting requests is full
    /// (`--max-queue`): `TEMPORARILY_UNAVAILABLE`, 503, so a balancer retries elsewhere.
    #[error("The server is at capacity: {queued} requests are already waiting for a model instance. Retry later.")]
    Overloaded { queued: usize },
    /// A model name the server does not serve (`/models/NAME/…`):
    /// `RESOURCE_DOES_NOT_EXIST`, 404.
    #[error("Model '{0}' is not served here.")]
    ModelNotFound(String),
    /// A served model that failed to load: `TEMPORARILY_UNAVAILABLE`, 503.
    #[error("Model '{0}' is not ready: it failed to load (see the server's log).")]
    ModelNotReady(String),
}

/// A finished HTTP answer: status, content type and body (errors and the
/// service's fixed answers alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// What a model flavor reports (the WIT `error` variant, minus `load`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelErrorCode {
    /// The input does not fit the model: `INVALID_PARAMETER_VALUE`.
    InvalidInput,
    /// The model failed on this input: `BAD_REQUEST`.
    Evaluation,
    /// A flavor bug: `INTERNAL_ERROR`.
    Internal,
}

impl ScoringError {
    /// A `BAD_REQUEST` error without stack trace.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ScoringError::BadRequest { message: message.into(), stack_trace: None }
    }

    /// An `INVALID_PARAMETER_VALUE` error.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        ScoringError::InvalidParameter(message.into())
    }

    /// Maps an error reported by the model flavor.
    pub fn from_model(code: ModelErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        match code {
            ModelErrorCode::InvalidInput => ScoringError::InvalidParameter(message),
            ModelErrorCode::Evaluation => ScoringError::Evaluation(message),
            ModelErrorCode::Internal => ScoringError::Internal(message),
        }
    }

    /// MLflow's error code name.
    pub fn error_code(&self) -> &'static str {
        match self {
            ScoringError::UnsupportedCharset
            | ScoringError::UnrecognizedContentTypeParams(_)
            | ScoringError::UnsupportedContentType(_)
            | ScoringError::MissingContentType
            | ScoringError::BadRequest { .. }
            | ScoringError::Evaluation(_) => "BAD_REQUEST",
            ScoringError::InvalidParameter(_) | ScoringError::SchemaEnforcement(_) => "INVALID_PARAMETER_VALUE",
            ScoringError::Internal(_) => "INTERNAL_ERROR",
            ScoringError::NotImplemented(_) => "NOT_IMPLEMENTED",
            ScoringError::Timeout => "DEADLINE_EXCEEDED",
            ScoringError::PayloadTooLarge { .. } | ScoringError::ResourceExhausted(_) => "RESOURCE_EXHAUSTED",
            ScoringError::Overloaded { .. } | ScoringError::ModelNotReady(_) => "TEMPORARILY_UNAVAILABLE",
            ScoringError::ModelNotFound(_) => "RESOURCE_DOES_NOT_EXIST",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ScoringError::UnsupportedCharset
            | ScoringError::UnrecognizedContentTypeParams(_)
            | ScoringError::UnsupportedContentType(_)
            | ScoringError::MissingContentType => 415,
            ScoringError::BadRequest { .. }
            | ScoringError::InvalidParameter(_)
            | ScoringError::SchemaEnforcement(_)
            | ScoringError::Evaluation(_) => 400,
            ScoringError::Internal(_) => 500,
            ScoringError::NotImplemented(_) => 501,
            ScoringError::Timeout => 504,
            ScoringError::PayloadTooLarge { .. } => 413,
            ScoringError::ResourceExhausted(_) => 429,
            ScoringError::Overloaded { .. } | ScoringError::ModelNotReady(_) => 503,
            ScoringError::ModelNotFound(_) => 404,
        }
    }

    /// The `message` field of the JSON body.
    pub fn message(&self) -> String {
        match self {
            ScoringError::Evaluation(_) => EVALUATION_ERROR_MESSAGE.to_string(),
            other => other.to_string(),
        }
    }

    /// MLflow 3's `sqlstate` and `error_class` fields, when it writes them.
    pub fn sqlstate(&self) -> Option<(&'static str, &'static str)> {
        match self {
            ScoringError::BadRequest { .. } | ScoringError::InvalidParameter(_) | ScoringError::Evaluation(_) => {
                Some(("KAM00", "INVALID_PARAMETER_VALUE"))
            }
            ScoringError::SchemaEnforcement(_) => Some(("KAM01", "SCHEMA_ENFORCEMENT_FAILED")),
            _ => None,
        }
    }

    /// The `stack_trace` field MLflow adds to some bodies, if any.
    pub fn stack_trace(&self) -> Option<&str> {
        match self {
            ScoringError::BadRequest { stack_trace, .. } => stack_trace.as_deref(),
            ScoringError::Evaluation(detail) => Some(detail),
            _ => None,
        }
    }

    /// The full response: MLflow's JSON body
    /// `{"error_code": ..., "message": ...[, "sqlstate": ..., "error_class": ...][, "stack_trace": ...]}` (written like
    /// Python's `json.dumps`), except the 415 content-type errors, which MLflow
    /// answers with a bare text/plain message.
    pub fn to_response(&self) -> HttpAnswer {
        if self.status() == 415 {
            return HttpAnswer {
                status: 415,
                content_type: "text/plain; charset=utf-8",
                body: self.to_string().into_bytes(),
            };
        }
        let mut out = String::from("{\"error_code\": ");
        json::write_str(&mut out, self.error_code());
        out.push_str(", \"message\": ");
        json::write_str(&mut out, &self.message());
        if let Some((sqlstate, class)) = self.sqlstate() {
            out.push_str(", \"sqlstate\": ");
            json::write_str(&mut out, sqlstate);
            out.push_str(", \"error_class\": ");
            json::write_str(&mut out, class);
        }
        if let Some(trace) = self.stack_trace() {
            out.push_str(", \"stack_trace\": ");
            json::write_str(&mut out, trace);
        }
        out.push('}');
        HttpAnswer { status: self.status(), content_type: "application/json", body: out.into_bytes() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(e: &ScoringError) -> String {
        String::from_utf8(e.to_response().body).unwrap()
    }

    #[test]
    fn codes_statuses_and_content_types() {
        let cases: Vec<(ScoringError, &str, u16, &str)> = vec![
            (ScoringError::UnsupportedCharset, "BAD_REQUEST", 415, "text/plain; charset=utf-8"),
            (
                ScoringError::UnrecognizedContentTypeParams(vec!["format".into()]),
                "BAD_REQUEST",
                415,
                "text/plain; charset=utf-8",
            ),
            (ScoringError::UnsupportedContentType("x".into()), "BAD_REQUEST", 415, "text/plain; charset=utf-8"),
            (ScoringError::MissingContentType, "BAD_REQUEST", 415, "text/plain; charset=utf-8"),
            (ScoringError::bad_request("m"), "BAD_REQUEST", 400, "application/json"),
            (ScoringError::invalid_parameter("m"), "INVALID_PARAMETER_VALUE", 400, "application/json"),
            (ScoringError::Evaluation("m".into()), "BAD_REQUEST", 400, "application/json"),
            (ScoringError::Internal("m".into()), "INTERNAL_ERROR", 500, "application/json"),
            (ScoringError::NotImplemented("m".into()), "NOT_IMPLEMENTED", 501, "application/json"),
            (ScoringError::Timeout, "DEADLINE_EXCEEDED", 504, "application/json"),
            (ScoringError::PayloadTooLarge { limit: 10 }, "RESOURCE_EXHAUSTED", 413, "application/json"),
            (ScoringError::ResourceExhausted("busy".into()), "RESOURCE_EXHAUSTED", 429, "application/json"),
            (ScoringError::Overloaded { queued: 8 }, "TEMPORARILY_UNAVAILABLE", 503, "application/json"),
            (ScoringError::ModelNotFound("m".into()), "RESOURCE_DOES_NOT_EXIST", 404, "application/json"),
            (ScoringError::ModelNotReady("m".into()), "TEMPORARILY_UNAVAILABLE", 503, "application/json"),
        ];
        for (e, code, status, ct) in cases {
            assert_eq!(e.error_code(), code, "{e:?}");
            assert_eq!(e.status(), status, "{e:?}");
            let r = e.to_response();
            assert_eq!(r.status, status);
            assert_eq!(r.content_type, ct, "{e:?}");
        }
    }

    #[test]
    fn text_plain_bodies_are_mlflows() {
        assert_eq!(body(&ScoringError::UnsupportedCharset), "The scoring server only supports UTF-8");
        assert_eq!(
            body(&ScoringError::UnsupportedContentType("text/plain".into())),
            "This predictor only supports the following content types: Types: ['text/csv', 'application/json', 'application/vnd.apache.parquet']. Got 'text/plain'."
        );
        let b = body(&ScoringError::UnrecognizedContentTypeParams(vec!["format".into(), "x".into()]));
        assert!(b.starts_with("Unrecognized content type parameters: format, x. IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0."));
    }

    #[test]
    fn json_bodies_are_python_json() {
        assert_eq!(
            body(&ScoringError::invalid_parameter("Model is missing inputs ['a'].")),
            r#"{"error_code": "INVALID_PARAMETER_VALUE", "message": "Model is missing inputs ['a'].", "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE"}"#
        );
        assert_eq!(
            body(&ScoringError::Evaluation("boom".into())),
            format!(
                r#"{{"error_code": "BAD_REQUEST", "message": "{EVALUATION_ERROR_MESSAGE}", "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE", "stack_trace": "boom"}}"#
            )
        );
        assert_eq!(
            body(&ScoringError::Timeout),
            r#"{"error_code": "DEADLINE_EXCEEDED", "message": "Request processing time exceeded limit"}"#
        );
    }

    #[test]
    fn model_errors_map_to_codes() {
        assert_eq!(ScoringError::from_model(ModelErrorCode::InvalidInput, "x").error_code(), "INVALID_PARAMETER_VALUE");
        assert_eq!(ScoringError::from_model(ModelErrorCode::Evaluation, "x").status(), 400);
        assert_eq!(ScoringError::from_model(ModelErrorCode::Internal, "x").status(), 500);
    }
}
