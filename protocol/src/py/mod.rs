//! Hand-written look-alikes of the Python code whose behaviour or printouts
//! reach MLflow's answers: `json.loads`/`json.dumps` and `repr` ([`json`]),
//! numpy arrays, pandas DataFrames and `base64.encodebytes`/`decodebytes`.
//! They are written here rather than taken from crates because the exact
//! Python error messages and printouts are part of MLflow's error bodies.

pub(crate) mod base64;
pub mod json;
pub(crate) mod numpy;
pub(crate) mod pandas;
