//! The flavor's error type, independent of the WIT bindings so that the format
//! and estimator modules build and test natively; `lib.rs` maps it to WIT's `error`.

use std::fmt;

/// Why loading or predicting failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The model file is malformed or uses something not supported.
    Load(String),
    /// The model refused or failed on this input, as sklearn raises during
    /// `predict` (validation, unknown category, wrong columns): MLflow answers
    /// every such exception with 400 `BAD_REQUEST`, so there is no other input error.
    Evaluation(String),
    /// A broken invariant between the host and the flavor (never the request's fault).
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(m) | Error::Evaluation(m) | Error::Internal(m) => f.write_str(m),
        }
    }
}

/// Shorthand for a load error.
pub fn load(message: impl Into<String>) -> Error {
    Error::Load(message.into())
}
