//! JSON exactly as Python's `json` module reads and writes it.
//!
//! MLflow's server decodes request bodies with `json.loads` and encodes answers
//! with `json.dump`, so we mirror both instead of using serde_json:
//! * `json.loads` accepts the bare tokens `NaN`, `Infinity`, `-Infinity`, keeps
//!   object key order (pandas column order depends on it), has unbounded ints,
//!   and its error messages (`Expecting value: line 1 column 1 (char 0)`) end up
//!   in MLflow's error bodies;
//! * `json.dump` writes `", "` / `": "` separators, escapes non-ASCII
//!   (`ensure_ascii`), prints floats with `repr` and non-finite floats as bare
//!   `NaN`/`Infinity` tokens (serde_json refuses non-finite floats).
//!
//! [`parse`] reads (`json.loads`), [`write_json`] writes (`json.dumps`); the
//! `repr()`/`str()` of values lives here too, with the scalar helpers in
//! [`crate::py::repr`].

mod parse;
#[cfg(test)]
mod tests;
mod write;

pub use parse::{DecodeError, DecodeErrorKind, MAX_DEPTH, parse};
pub use write::{write_f64, write_json, write_list, write_str};

use crate::py::repr::{py_float_repr_nonfinite_py, py_str_repr};
use std::fmt::Write as _;

/// A JSON document as Python's `json.loads` returns it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// Python ints are unbounded; anything beyond i128 becomes a float.
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Json>),
    /// Key order preserved; duplicate keys keep the last value (like Python).
    Dict(Vec<(String, Json)>),
}

impl Json {
    /// Python's type name of this value, as in `<class 'list'>`.
    pub fn py_type_name(&self) -> &'static str {
        match self {
            Json::Null => "NoneType",
            Json::Bool(_) => "bool",
            Json::Int(_) => "int",
            Json::Float(_) => "float",
            Json::Str(_) => "str",
            Json::List(_) => "list",
            Json::Dict(_) => "dict",
        }
    }

    /// Looks a key up in a dict.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts to serde_json; non-finite floats become `null`.
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    Value::from(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    Value::from(v)
                } else {
                    serde_json::Number::from_f64(*i as f64).map_or(Value::Null, Value::Number)
                }
            }
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::List(items) => Value::Array(items.iter().map(Json::to_serde).collect()),
            Json::Dict(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
        }
    }

    /// Converts from serde_json.
    pub fn from_serde(value: &serde_json::Value) -> Json {
        use serde_json::Value;
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Json::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Json::Int(u as i128)
                } else {
                    Json::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(items) => Json::List(items.iter().map(Json::from_serde).collect()),
            Value::Object(map) => Json::Dict(map.iter().map(|(k, v)| (k.clone(), Json::from_serde(v))).collect()),
        }
    }

    /// Python's `repr()` of the value (`{'a': [1, 2.5, None, True]}`).
    pub fn py_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("None"),
            Json::Bool(true) => out.push_str("True"),
            Json::Bool(false) => out.push_str("False"),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Float(f) => out.push_str(&py_float_repr_nonfinite_py(*f)),
            Json::Str(s) => out.push_str(&py_str_repr(s)),
            Json::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Json::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&py_str_repr(k));
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
        }
    }

    /// Python's `str()` of a scalar (`1`, `1.5`, `True`, `None`, the string itself).
    pub fn py_str(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }
}
