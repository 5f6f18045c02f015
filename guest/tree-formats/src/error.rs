//! The flavor's error type, independent of the WIT bindings so that the loaders
//! build and test natively; the component maps it to WIT's `error`.

use std::fmt;

/// Why loading or predicting failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The model file is malformed, hostile or uses something not supported.
    Load(String),
    /// The input does not fit the model (shape, columns, types): the library's
    /// `predict` raises, which MLflow answers with `BAD_REQUEST`.
    Evaluation(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(m) | Error::Evaluation(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for a load error.
pub fn load(message: impl Into<String>) -> Error {
    Error::Load(message.into())
}
