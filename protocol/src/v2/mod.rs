//! The Open Inference Protocol (KServe V2) REST data plane, as plain data: infer
//! requests in JSON or with the binary tensor extension (`request`), their
//! enforcement against the MLflow signature through the same `schema` code as
//! `/invocations` (so one signature is enforced one way), infer responses
//! (`response`), and model and server metadata from the signature (`metadata`).
//! The caller owns I/O and the model call, as with [`crate::service`].

mod datatype;
mod metadata;
mod request;
mod response;

pub use datatype::{datatype_name, parse_datatype};
pub use metadata::{ModelInfo, model_metadata, server_metadata};
pub use request::{InferRequest, parse_infer_request};
pub use response::{InferAnswer, encode_infer_response};

use crate::error::ScoringError;

/// The header that gives the JSON part's length in a binary-extension body.
pub const HEADER_LENGTH: &str = "inference-header-content-length";

/// A V2 error: its status and `{"error": "..."}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Error {
    pub status: u16,
    pub message: String,
}

impl V2Error {
    /// A 400 error.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self { status: 400, message: message.into() }
    }

    /// A 404 error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: 404, message: message.into() }
    }

    /// The JSON body, `{"error": "<message>"}`.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "error": self.message })).expect("a string serialises")
    }
}

impl From<ScoringError> for V2Error {
    /// The same status as MLflow's protocol answers; the message is MLflow's (a
    /// model's own failure keeps its detail, which `/invocations` puts in
    /// `stack_trace`).
    fn from(error: ScoringError) -> Self {
        let message = match &error {
            ScoringError::Evaluation(detail) => format!("{} {detail}", error.message()),
            other => other.message(),
        };
        Self { status: error.status(), message }
    }
}
