//! A JSON value as Python's `json` module holds it, and a writer for it: what a
//! model answers in a `Batch::Json` (and what it reads from one, through serde_json).
//!
//! Written by hand because serde_json cannot hold `NaN` (a float64 column with a
//! missing value is `NaN` in pandas, and MLflow writes it as a bare token). The host
//! reads the component's JSON with Python's rules, so only the values matter here,
//! not the spacing.

use std::fmt::Write as _;

use crate::exports::wasmflow::inference::predictor::Values;

/// A JSON document with Python's distinctions (ints vs floats, non-finite floats).
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Py>),
    /// Key order preserved.
    Dict(Vec<(String, Py)>),
}

impl Py {
    /// A dict from `(key, value)` pairs.
    pub fn dict<const N: usize>(entries: [(&str, Py); N]) -> Py {
        Py::Dict(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// A string.
    pub fn str(s: impl Into<String>) -> Py {
        Py::Str(s.into())
    }

    /// The document as JSON text (`NaN`, `Infinity`, `-Infinity` as bare tokens).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Py::None => out.push_str("null"),
            Py::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Py::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Py::Float(f) if f.is_nan() => out.push_str("NaN"),
            Py::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" }),
            // `{:?}` is the shortest text that reads back to the same f64, and keeps
            // a `.0` on whole numbers, so the host reads a float, not an int.
            Py::Float(f) => {
                let _ = write!(out, "{f:?}");
            }
            Py::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Py::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Py::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    Py::Str(k.clone()).write(out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// Python's type name of a JSON value (`str`, `int`, `list`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Py::None => "NoneType",
            Py::Bool(_) => "bool",
            Py::Int(_) => "int",
            Py::Float(_) => "float",
            Py::Str(_) => "str",
            Py::List(_) => "list",
            Py::Dict(_) => "dict",
        }
    }
}

impl Py {
    /// The elements of `values` as `ndarray.tolist()` gives them (numbers, bools,
    /// strings); `None` for bytes, which JSON cannot hold.
    pub fn elements(values: &Values) -> Option<Vec<Py>> {
        fn ints<T: Copy + Into<i128>>(v: &[T]) -> Vec<Py> {
            v.iter().map(|&x| Py::Int(x.into())).collect()
        }
        Some(match values {
            Values::F32(v) => v.iter().map(|&x| Py::Float(f64::from(x))).collect(),
            Values::F64(v) => v.iter().map(|&x| Py::Float(x)).collect(),
            Values::I8(v) => ints(v),
            Values::I16(v) => ints(v),
            Values::I32(v) => ints(v),
            Values::I64(v) => ints(v),
            Values::U8(v) => ints(v),
            Values::U16(v) => ints(v),
            Values::U32(v) => ints(v),
            Values::U64(v) => ints(v),
            Values::Boolean(v) => v.iter().map(|&b| Py::Bool(b)).collect(),
            Values::Utf8(v) => v.iter().map(|s| Py::str(s.clone())).collect(),
            Values::Bytes(_) => return None,
        })
    }
}

impl From<&serde_json::Value> for Py {
    fn from(value: &serde_json::Value) -> Py {
        use serde_json::Value;
        match value {
            Value::Null => Py::None,
            Value::Bool(b) => Py::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Py::Int(i.into()),
                (None, Some(u)) => Py::Int(u.into()),
                _ => Py::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Py::Str(s.clone()),
            Value::Array(items) => Py::List(items.iter().map(Py::from).collect()),
            Value::Object(map) => Py::Dict(map.iter().map(|(k, v)| (k.clone(), Py::from(v))).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_python_values() {
        let doc = Py::dict([
            ("f", Py::List(vec![Py::Float(1.0), Py::Float(f64::from(1.1f32)), Py::Float(f64::NAN)])),
            ("s", Py::str("a\"b\n")),
            ("n", Py::None),
            ("i", Py::Int(-3)),
        ]);
        assert_eq!(doc.to_json(), r#"{"f":[1.0,1.100000023841858,NaN],"s":"a\"b\n","n":null,"i":-3}"#);
    }
}
