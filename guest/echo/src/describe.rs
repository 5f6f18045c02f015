//! What the model received, described as the Python echo model describes it
//! (`describe` in models/make_custom_models.py):
//! - a table → `{"kind": "DataFrame", "columns": [{"name", "dtype", "values"}]}`
//!   with pandas' dtype names (`int64`, `float32`, `bool`, `str`);
//! - tensors → `{"kind": "ndarray", "dtype", "shape", "values"}` with numpy's dtype
//!   names (`<U3` for strings of at most 3 characters), or a `dict` of them when
//!   the tensors are named;
//! - JSON (LLM-style bodies, composite columns, raw data) → records become a
//!   `DataFrame` with the dtypes pandas infers; a dict is described item by item;
//!   anything else is `{"kind": <Python type>, "value": ...}`.
//!
//! The answer is `{"input": <description>, "params": <params or null>}`.

use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Param, ParamValue, Scalar, Tensor, Values};

use wasmflow_guest::pyjson::Py;

/// The echo of one `predict` call, as JSON text.
pub fn answer(input: &Batch, params: &[Param]) -> Result<String, String> {
    let params = if params.is_empty() {
        Py::None
    } else {
        Py::Dict(params.iter().map(|p| (p.name.clone(), param_value(&p.value))).collect())
    };
    Ok(Py::dict([("input", describe(input)?), ("params", params)]).to_json())
}

fn describe(input: &Batch) -> Result<Py, String> {
    match input {
        Batch::Tensors(tensors) => match tensors.as_slice() {
            [single] if single.name.is_none() => ndarray(single),
            named => Ok(Py::dict([
                ("kind", Py::str("dict")),
                (
                    "items",
                    Py::List(
                        named
                            .iter()
                            .map(|t| {
                                let mut item = vec![("name".to_string(), Py::str(t.name.clone().unwrap_or_default()))];
                                if let Py::Dict(entries) = ndarray(t)? {
                                    item.extend(entries);
                                }
                                Ok(Py::Dict(item))
                            })
                            .collect::<Result<_, String>>()?,
                    ),
                ),
            ])),
        },
        Batch::Table(columns) => {
            let columns = columns
                .iter()
                .map(|c| {
                    Ok(Py::dict([
                        ("name", Py::str(c.name.clone())),
                        ("dtype", Py::str(pandas_dtype(&c.values)?)),
                        ("values", Py::List(elements(&c.values)?)),
                    ]))
                })
                .collect::<Result<_, String>>()?;
            Ok(Py::dict([("kind", Py::str("DataFrame")), ("columns", Py::List(columns))]))
        }
        Batch::Json(text) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("echo reads strict JSON only: {e}"))?;
            Ok(describe_json(&Py::from(&value)))
        }
    }
}

/// Raw JSON handed to the model. Records at the top are a DataFrame: the host
/// sends a table with composite (Array/Object/Map) columns that way.
fn describe_json(value: &Py) -> Py {
    match value {
        Py::List(items) if !items.is_empty() && items.iter().all(|i| matches!(i, Py::Dict(_))) => records(items),
        other => describe_raw(other),
    }
}

/// A Python object that is not an array or a DataFrame.
fn describe_raw(value: &Py) -> Py {
    match value {
        Py::Dict(entries) => Py::dict([
            ("kind", Py::str("dict")),
            (
                "items",
                Py::List(
                    entries
                        .iter()
                        .map(|(k, v)| {
                            let mut item = vec![("name".to_string(), Py::str(k.clone()))];
                            if let Py::Dict(described) = describe_raw(v) {
                                item.extend(described);
                            }
                            Py::Dict(item)
                        })
                        .collect(),
                ),
            ),
        ]),
        other => Py::dict([("kind", Py::str(other.type_name())), ("value", other.clone())]),
    }
}

/// `pd.DataFrame(records)`: columns in first-seen key order, dtypes inferred.
fn records(rows: &[Py]) -> Py {
    let mut names: Vec<&str> = Vec::new();
    for row in rows {
        if let Py::Dict(entries) = row {
            for (k, _) in entries {
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
        }
    }
    let columns = names
        .iter()
        .map(|name| {
            let cells: Vec<Option<&Py>> = rows
                .iter()
                .map(|r| match r {
                    Py::Dict(entries) => entries.iter().find(|(k, _)| k == name).map(|(_, v)| v),
                    _ => None,
                })
                .collect();
            let (dtype, values) = infer_column(&cells);
            Py::dict([("name", Py::str(*name)), ("dtype", Py::str(dtype)), ("values", Py::List(values))])
        })
        .collect();
    Py::dict([("kind", Py::str("DataFrame")), ("columns", Py::List(columns))])
}

/// The dtype pandas infers for a column of JSON cells (`None` = key absent), and
/// the values as that dtype holds them (missing numbers are `NaN`).
fn infer_column(cells: &[Option<&Py>]) -> (&'static str, Vec<Py>) {
    let present = || cells.iter().flatten();
    let all_present = cells.iter().all(Option::is_some);
    if all_present && present().all(|c| matches!(c, Py::Int(_))) {
        return ("int64", cells.iter().flatten().map(|c| (*c).clone()).collect());
    }
    if present().all(|c| matches!(c, Py::Int(_) | Py::Float(_) | Py::None)) && present().next().is_some() {
        let values = cells
            .iter()
            .map(|c| match c {
                Some(Py::Int(i)) => Py::Float(*i as f64),
                Some(Py::Float(f)) => Py::Float(*f),
                _ => Py::Float(f64::NAN),
            })
            .collect();
        return ("float64", values);
    }
    let values = cells.iter().map(|c| c.map_or(Py::Float(f64::NAN), |c| c.clone())).collect();
    if all_present && present().all(|c| matches!(c, Py::Bool(_))) {
        return ("bool", values);
    }
    if all_present && present().all(|c| matches!(c, Py::Str(_))) {
        return ("str", values);
    }
    ("object", values)
}

fn ndarray(t: &Tensor) -> Result<Py, String> {
    let shape: Vec<usize> = t.shape.iter().map(|&d| d as usize).collect();
    let flat = elements(&t.values)?;
    Ok(Py::dict([
        ("kind", Py::str("ndarray")),
        ("dtype", Py::str(numpy_dtype(&t.values)?)),
        ("shape", Py::List(shape.iter().map(|&d| Py::Int(d as i128)).collect())),
        ("values", nest(&flat, &shape)),
    ]))
}

/// `ndarray.tolist()`: nested lists following the shape (0-D → the scalar).
fn nest(flat: &[Py], shape: &[usize]) -> Py {
    match shape {
        [] => flat.first().cloned().unwrap_or(Py::None),
        [_] => Py::List(flat.to_vec()),
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            Py::List((0..*n).map(|i| nest(&flat[i * stride..(i + 1) * stride], rest)).collect())
        }
    }
}

fn numpy_dtype(values: &Values) -> Result<String, String> {
    Ok(match values {
        Values::Utf8(v) => format!("<U{}", v.iter().map(|s| s.chars().count()).max().unwrap_or(0).max(1)),
        other => numeric_dtype(other)?.to_string(),
    })
}

fn pandas_dtype(values: &Values) -> Result<&'static str, String> {
    match values {
        // pandas 3's default string dtype.
        Values::Utf8(_) => Ok("str"),
        other => numeric_dtype(other),
    }
}

fn numeric_dtype(values: &Values) -> Result<&'static str, String> {
    match values {
        Values::Bytes(_) => Err(BINARY.into()),
        other => Ok(other.dtype().numpy_name()),
    }
}

const BINARY: &str = "echo does not describe binary data";

/// The elements as Python values (`tolist()`: float32 widened to float).
fn elements(values: &Values) -> Result<Vec<Py>, String> {
    Py::elements(values).ok_or_else(|| BINARY.to_string())
}

fn scalar(s: &Scalar) -> Py {
    match s {
        Scalar::Boolean(b) => Py::Bool(*b),
        Scalar::I32(i) => Py::Int((*i).into()),
        Scalar::I64(i) => Py::Int((*i).into()),
        // MLflow hands a `float` param over as a Python float holding the number as
        // sent; the shortest text of the f32 is that number.
        Scalar::F32(f) => Py::Float(f.to_string().parse().unwrap_or(f64::NAN)),
        Scalar::F64(f) => Py::Float(*f),
        Scalar::Utf8(s) | Scalar::Datetime(s) => Py::str(s.clone()),
    }
}

fn param_value(value: &ParamValue) -> Py {
    match value {
        ParamValue::Scalar(s) => scalar(s),
        ParamValue::List(items) => Py::List(items.iter().map(scalar).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmflow_guest::exports::wasmflow::inference::predictor::Column;

    #[test]
    fn tables_and_params() {
        let table = Batch::Table(vec![
            Column { name: "s".into(), values: Values::Utf8(vec!["x".into()]) },
            Column { name: "f".into(), values: Values::F32(vec![1.1]) },
        ]);
        let params = [Param { name: "t".into(), value: ParamValue::Scalar(Scalar::F64(0.5)) }];
        assert_eq!(
            answer(&table, &params).unwrap(),
            r#"{"input":{"kind":"DataFrame","columns":[{"name":"s","dtype":"str","values":["x"]},{"name":"f","dtype":"float32","values":[1.100000023841858]}]},"params":{"t":0.5}}"#
        );
    }

    #[test]
    fn tensors_nest_by_shape() {
        let t = Batch::Tensors(vec![Tensor {
            name: None,
            shape: vec![2, 1],
            values: Values::Utf8(vec!["ab".into(), "c".into()]),
        }]);
        assert_eq!(
            answer(&t, &[]).unwrap(),
            r#"{"input":{"kind":"ndarray","dtype":"<U2","shape":[2,1],"values":[["ab"],["c"]]},"params":null}"#
        );
    }

    #[test]
    fn json_records_and_dicts() {
        let records = Batch::Json(r#"[{"a": 1, "b": [1]}, {"b": [2]}]"#.into());
        assert_eq!(
            answer(&records, &[]).unwrap(),
            r#"{"input":{"kind":"DataFrame","columns":[{"name":"a","dtype":"float64","values":[1.0,NaN]},{"name":"b","dtype":"object","values":[[1],[2]]}]},"params":null}"#
        );
        let dict = Batch::Json(r#"{"prompt": "hi", "n": 2}"#.into());
        assert_eq!(
            answer(&dict, &[]).unwrap(),
            r#"{"input":{"kind":"dict","items":[{"name":"prompt","kind":"str","value":"hi"},{"name":"n","kind":"int","value":2}]},"params":null}"#
        );
    }
}
