//! Typed reads from a parsed model document (`serde_json::Value`, from JSON or
//! UBJSON), with errors that name the field.

use serde_json::Value;

use crate::error::{Error, load};

/// The value at `path` (object keys), or an error naming the path.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Result<&'a Value, Error> {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        cur = cur.get(key).ok_or_else(|| load(format!("`{}` is missing", path[..=i].join("."))))?;
    }
    Ok(cur)
}

/// An array at `path`.
pub fn array<'a>(v: &'a Value, path: &[&str]) -> Result<&'a [Value], Error> {
    at(v, path)?.as_array().map(Vec::as_slice).ok_or_else(|| load(format!("`{}` is not an array", path.join("."))))
}

/// A string at `path`.
pub fn string<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, Error> {
    at(v, path)?.as_str().ok_or_else(|| load(format!("`{}` is not a string", path.join("."))))
}

/// A non-negative integer written as a number or as a string (XGBoost writes its
/// parameters as strings).
pub fn count(v: &Value, path: &[&str]) -> Result<usize, Error> {
    let value = at(v, path)?;
    let parsed = match value {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.trim().parse::<usize>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| load(format!("`{}` is not a count: {value}", path.join("."))))
}

/// Every element of `items` as an i64 (`what` names the array in errors).
pub fn ints(items: &[Value], what: &str) -> Result<Vec<i64>, Error> {
    items
        .iter()
        .map(|x| match x {
            Value::Number(n) => n.as_i64(),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| load(format!("`{what}` holds something that is not an integer")))
}

/// Every element of `items` as an f64.
pub fn floats(items: &[Value], what: &str) -> Result<Vec<f64>, Error> {
    items
        .iter()
        .map(Value::as_f64)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| load(format!("`{what}` holds something that is not a number")))
}
