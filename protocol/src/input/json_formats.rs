//! MLflow's four JSON request formats (`dataframe_split`, `dataframe_records`,
//! `instances`, `inputs`): turning the decoded body into the Python objects
//! MLflow's parse stage produces, with its casts and error messages.

use crate::error::{SCORING_PROTOCOL_CHANGE_INFO, ScoringError};
use crate::py::datetime::iso_datetime;
use crate::py::dtypes::OBJECT;
use crate::py::json::Json;
use crate::py::numpy::{self, CastMode};
use crate::py::pandas::{ColData, Frame};
use crate::py::repr::{py_str_list_repr, py_str_repr};
use crate::schema::enforce::PyData;
use crate::schema::signature::{ColSpec, ColType, Schema, TensorSpec};
use crate::value::DType;

/// The format keys, in the order our messages print MLflow's set.
pub const SUPPORTED_FORMATS: [&str; 4] = ["dataframe_records", "dataframe_split", "instances", "inputs"];

/// MLflow's `REQUIRED_INPUT_FORMAT`.
pub fn required_input_format() -> String {
    let quoted: Vec<String> = SUPPORTED_FORMATS.iter().map(|f| py_str_repr(f)).collect();
    format!("The input must be a JSON dictionary with exactly one of the input fields {{{}}}", quoted.join(", "))
}

/// The error for a body without exactly one format key.
pub fn format_keys_error(found: &[&str]) -> ScoringError {
    ScoringError::bad_request(format!(
        "{}. Received dictionary with input fields: {}. {SCORING_PROTOCOL_CHANGE_INFO}",
        required_input_format(),
        py_str_list_repr(found)
    ))
}

fn invalid(msg: impl std::fmt::Display) -> ScoringError {
    ScoringError::bad_request(format!("Invalid input. {msg}"))
}

fn type_word(v: &Json) -> &'static str {
    match v {
        Json::Dict(_) => "dictionary",
        other => other.py_type_name(),
    }
}

/// Python's `repr()` of an exception raised by a cast.
fn exception_repr(msg: &str) -> String {
    let class = if msg.starts_with("Cannot convert non-finite") {
        "IntCastingNaNError"
    } else if msg.starts_with("float() argument") || msg.starts_with("int() argument") {
        "TypeError"
    } else if msg.starts_with("Python integer") {
        "OverflowError"
    } else {
        "ValueError"
    };
    format!("{class}({})", py_str_repr(msg))
}

/// Parses one format's value into MLflow's parse-stage data.
pub fn parse_format(key: &str, value: &Json, schema: Option<&Schema>) -> Result<PyData, ScoringError> {
    match key {
        "dataframe_split" => {
            let Json::Dict(entries) = value else {
                return Err(invalid(format!("Dataframe split format must be a dictionary. Got {}.", type_word(value))));
            };
            let keys_ok = entries.iter().all(|(k, _)| matches!(k.as_str(), "columns" | "data" | "index"));
            if !keys_ok || value.get("data").is_none() {
                let keys: Vec<String> = entries.iter().map(|(k, _)| py_str_repr(k)).collect();
                let set = if keys.is_empty() { "set()".to_string() } else { format!("{{{}}}", keys.join(", ")) };
                return Err(invalid(format!(
                    "Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {set}.'"
                )));
            }
            let frame = Frame::from_split(
                value.get("data").unwrap_or(&Json::Null),
                value.get("columns").filter(|c| !matches!(c, Json::Null)),
                value.get("index"),
            )
            .map_err(|e| {
                invalid(format!(
                    "Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '{e}'"
                ))
            })?;
            cast_frame(frame, schema).map(PyData::Frame)
        }
        "dataframe_records" => {
            if !matches!(value, Json::List(_)) {
                return Err(invalid(format!(
                    "Dataframe records format must be a list of records. Got {}.",
                    type_word(value)
                )));
            }
            let frame = Frame::from_records(value).map_err(|e| {
                invalid(format!(
                    "Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '{e}'"
                ))
            })?;
            cast_frame(frame, schema).map(PyData::Frame)
        }
        "instances" | "inputs" => parse_tf_serving(key, value, schema),
        other => Err(format_keys_error(&[other])),
    }
}

/// `cast_df_types_according_to_schema`: the lenient `astype` of every schema column.
pub fn cast_frame(mut frame: Frame, schema: Option<&Schema>) -> Result<Frame, ScoringError> {
    let Some(schema) = schema else {
        return Ok(frame);
    };
    // (column index, how to cast)
    enum Target<'a> {
        Col(&'a ColSpec),
        Tensor(&'a TensorSpec),
    }
    let mut plan: Vec<(usize, Target)> = Vec::new();
    match schema {
        Schema::Tensors(specs) if schema.has_names() => {
            for s in specs {
                if let Some(i) = s.name.as_deref().and_then(|n| frame.columns.iter().position(|c| c.label.is(n))) {
                    plan.push((i, Target::Tensor(s)));
                }
            }
        }
        Schema::Tensors(specs) if specs.len() == 1 => {
            plan = (0..frame.columns.len()).map(|i| (i, Target::Tensor(&specs[0]))).collect();
        }
        Schema::Tensors(specs) => {
            let n = specs.len().min(frame.columns.len());
            plan = (0..n).map(|i| (i, Target::Tensor(&specs[i]))).collect();
        }
        Schema::Columns(cols) if schema.has_names() => {
            for c in cols {
                if let Some(i) = c.name.as_deref().and_then(|n| frame.columns.iter().position(|fc| fc.label.is(n))) {
                    plan.push((i, Target::Col(c)));
                }
            }
        }
        Schema::Columns(cols) => {
            let n = cols.len().min(frame.columns.len());
            plan = (0..n).map(|i| (i, Target::Col(&cols[i]))).collect();
        }
    }
    for (i, target) in plan {
        let label = frame.columns[i].label.name();
        let (dtype, type_name) = match target {
            Target::Tensor(t) => {
                if frame.columns[i].data.has_list_cells() {
                    continue;
                }
                (t.dtype, t.dtype_name.as_str())
            }
            Target::Col(c) => {
                if c.ty.is_composite() {
                    continue;
                }
                if matches!(c.ty, ColType::Binary) {
                    let cells = frame.columns[i].data.cells();
                    let mut out = Vec::with_capacity(cells.len());
                    for cell in &cells {
                        let decoded = crate::py::base64::decode(&cell.py_str()).map_err(|e| {
                            invalid(format!(
                                "Data is not compatible with model signature. Failed to convert column {label} to type 'object'. Error: '{}'",
                                exception_repr(&e)
                            ))
                        })?;
                        out.push(decoded);
                    }
                    frame.columns[i].data = ColData::Typed(crate::value::Values::Bytes(out));
                    continue;
                }
                if matches!(c.ty, ColType::Datetime) {
                    // astype(datetime64[ns]): ISO text, as pandas prints it back.
                    let cells = frame.columns[i].data.cells();
                    let mut out = Vec::with_capacity(cells.len());
                    for cell in &cells {
                        let text = cell.py_str();
                        let iso = iso_datetime(&text).map_err(|e| {
                            invalid(format!(
                                "Data is not compatible with model signature. Failed to convert column {label} to type 'datetime64[ns]'. Error: 'DateParseError({})'",
                                py_str_repr(&e.pandas_message(&text))
                            ))
                        })?;
                        out.push(iso);
                    }
                    frame.columns[i].data = ColData::Typed(crate::value::Values::String(out));
                    continue;
                }
                if matches!(c.ty, ColType::String) && matches!(frame.columns[i].data, ColData::Object(_)) {
                    // astype(str) of Python strings: unchanged (None stays None).
                    continue;
                }
                (c.ty.dtype().unwrap_or(DType::String), c.ty.pandas_name())
            }
        };
        frame.astype_column(i, dtype).map_err(|e| {
            invalid(format!(
                "Data is not compatible with model signature. Failed to convert column {label} to type '{type_name}'. Error: '{}'",
                exception_repr(&e)
            ))
        })?;
    }
    Ok(frame)
}

/// `convert_data_type(data, spec)`: `np.array(data, dtype)`.
fn convert_with_tensor(v: &Json, spec: &TensorSpec) -> Result<PyData, ScoringError> {
    if spec.dtype_name == OBJECT {
        return Ok(PyData::Raw(v.clone()));
    }
    numpy::from_json(v, Some(spec.dtype), CastMode::Construct).map(PyData::Array).map_err(invalid)
}

fn convert_with_col(v: &Json, spec: &ColSpec) -> Result<PyData, ScoringError> {
    let Some(dtype) = spec.ty.dtype() else {
        return crate::schema::composite::enforce_value(v, &spec.ty, spec.required).map(PyData::Raw).map_err(invalid);
    };
    if matches!(spec.ty, ColType::Datetime) {
        // np.array(data, dtype="datetime64[ns]")
        let (_, leaves) = numpy::nested_shape(v).map_err(invalid)?;
        for leaf in &leaves {
            if let Json::Str(s) = leaf
                && let Err(e) = iso_datetime(s)
            {
                return Err(invalid(e.numpy_message(s)));
            }
        }
    }
    let wrapped;
    let v = if matches!(v, Json::List(_)) {
        v
    } else {
        wrapped = Json::List(vec![v.clone()]);
        &wrapped
    };
    numpy::from_json(v, Some(dtype), CastMode::Construct).map(PyData::Array).map_err(invalid)
}

fn convert_inferred(v: &Json) -> Result<PyData, ScoringError> {
    if matches!(v, Json::Dict(_)) {
        return Ok(PyData::Raw(v.clone()));
    }
    if let Json::List(items) = v
        && items.iter().any(|i| matches!(i, Json::Dict(_)))
    {
        return Ok(PyData::Raw(v.clone()));
    }
    numpy::from_json(v, None, CastMode::Construct).map(PyData::Array).map_err(invalid)
}

fn convert_named(name: &str, v: &Json, schema: &Schema) -> Result<PyData, ScoringError> {
    match schema {
        Schema::Tensors(specs) => match specs.iter().find(|s| s.name.as_deref() == Some(name)) {
            Some(s) => convert_with_tensor(v, s),
            None => convert_inferred(v),
        },
        Schema::Columns(cols) => match cols.iter().find(|c| c.name.as_deref() == Some(name)) {
            Some(c) => convert_with_col(v, c),
            None => convert_inferred(v),
        },
    }
}

fn convert_first(v: &Json, schema: &Schema) -> Result<PyData, ScoringError> {
    match schema {
        Schema::Tensors(specs) => convert_with_tensor(v, &specs[0]),
        Schema::Columns(cols) => convert_with_col(v, &cols[0]),
    }
}

/// `parse_tf_serving_input` + `_cast_schema_type`.
fn parse_tf_serving(key: &str, value: &Json, schema: Option<&Schema>) -> Result<PyData, ScoringError> {
    // `instances` as a list of records is columnarised first.
    let columnarised;
    let mut value = value;
    let mut from_records = false;
    if key == "instances"
        && let Json::List(rows) = value
        && !rows.is_empty()
        && rows.iter().all(|r| matches!(r, Json::Dict(_)))
    {
        let mut names: Vec<String> = Vec::new();
        for r in rows {
            if let Json::Dict(entries) = r {
                for (k, _) in entries {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
        }
        columnarised = Json::Dict(
            names
                .iter()
                .map(|n| {
                    let col = rows.iter().filter_map(|r| r.get(n).cloned()).collect::<Vec<_>>();
                    (n.clone(), Json::List(col))
                })
                .collect(),
        );
        value = &columnarised;
        from_records = true;
    }
    let data = match schema {
        None => match value {
            Json::Dict(entries) => PyData::Dict(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), convert_inferred(v)?)))
                    .collect::<Result<_, ScoringError>>()?,
            ),
            other => convert_inferred(other)?,
        },
        Some(schema) if schema.has_names() => match value {
            Json::Dict(entries) => PyData::Dict(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), convert_named(k, v, schema)?)))
                    .collect::<Result<_, ScoringError>>()?,
            ),
            Json::List(items) if items.iter().any(|i| matches!(i, Json::Dict(_))) => {
                // Records: each value converted per its column type, then a DataFrame.
                match Frame::from_records(value) {
                    Ok(frame) => PyData::Frame(cast_frame(frame, Some(schema))?),
                    Err(_) => PyData::Raw(value.clone()),
                }
            }
            Json::List(_) if schema.len() == 1 => {
                let name = schema.names().remove(0);
                PyData::Dict(vec![(name, convert_first(value, schema)?)])
            }
            other => convert_first(other, schema)?,
        },
        Some(schema) => match value {
            Json::Dict(_) => {
                return Err(invalid(format!(
                    "Failed to parse input data. This model contains an un-named  model signature which expects a single n-dimensional array or a single value as input, however, an input of type {} was found.",
                    "<class 'dict'>"
                )));
            }
            Json::List(items) if items.is_empty() => PyData::Raw(value.clone()),
            other => convert_first(other, schema)?,
        },
    };
    if from_records && let PyData::Dict(entries) = &data {
        let lens: Vec<usize> = entries
            .iter()
            .filter_map(|(_, v)| match v {
                PyData::Array(a) => a.shape.first().copied(),
                PyData::Raw(Json::List(l)) => Some(l.len()),
                _ => None,
            })
            .collect();
        if lens.windows(2).any(|w| w[0] != w[1]) {
            return Err(invalid("The length of values for each input/column name are not the same"));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests;
