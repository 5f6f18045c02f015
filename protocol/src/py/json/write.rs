//! The writer: documents printed as Python's `json.dumps` prints them
//! (`ensure_ascii`, `", "`/`": "` separators, `repr` floats, bare `NaN`).

use super::Json;
use crate::py::repr::write_py_float_repr;
use std::fmt::Write as _;

/// Appends `s` as a JSON string literal the way `json.dumps(ensure_ascii=True)` does.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Appends a float as `json.dumps` prints it (`repr`, bare `NaN`/`Infinity`).
pub fn write_f64(out: &mut String, f: f64) {
    write_py_float_repr(out, f);
}

/// Appends `[a, b, c]`: each item written by `one`, `", "` between them.
pub fn write_list<T>(out: &mut String, items: impl IntoIterator<Item = T>, mut one: impl FnMut(&mut String, T)) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        one(out, item);
    }
    out.push(']');
}

/// Appends a document as `json.dumps` prints it.
pub fn write_json(out: &mut String, value: &Json) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::Float(f) => write_f64(out, *f),
        Json::Str(s) => write_str(out, s),
        Json::List(items) => write_list(out, items, write_json),
        Json::Dict(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_json(out, v);
            }
            out.push('}');
        }
    }
}
