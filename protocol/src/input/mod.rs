//! From an `/invocations` request to the Python objects MLflow's parse stage
//! makes: the content type rules, the entry point `request::parse_invocation`, the
//! four JSON formats (and a fast path for the common numeric bodies), CSV and
//! parquet bodies.

pub(crate) mod content_type;
pub(crate) mod csv;
#[cfg(any(test, feature = "fast-decode"))]
pub(crate) mod fast;
pub(crate) mod json_formats;
pub(crate) mod parquet;
pub(crate) mod request;
