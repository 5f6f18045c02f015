//! Hand-written look-alikes of the Python code whose behaviour or printouts
//! reach MLflow's answers: `json.loads`/`json.dumps` ([`json`]), `repr()` of
//! scalars, numpy arrays, pandas DataFrames, the numpy/pandas type names, and
//! `base64.encodebytes`/`decodebytes`. They are written here rather than taken
//! from crates because Python's exact error messages and printouts are part of
//! MLflow's error bodies.

pub(crate) mod base64;
pub(crate) mod datetime;
pub(crate) mod dtypes;
pub mod json;
pub(crate) mod numpy;
pub(crate) mod pandas;
pub(crate) mod repr;
