//! MLflow's schema enforcement (`_enforce_schema`): checks the parsed input
//! against the signature's input schema (names, shapes, dtypes, column types)
//! and turns it into the typed `Batch` handed to the model flavor.

use crate::error::ScoringError;
use crate::py::json::Json;
use crate::py::numpy::NdArray;
use crate::py::pandas::{ColData, Frame, values_to_json};
use crate::py::repr::{py_str_list_repr, py_str_repr};
use crate::schema::signature::Schema;
use crate::value::{Batch, Column, Tensor, Values};

mod columns;
mod tensors;

use columns::enforce_columns;
use tensors::{enforce_named_tensors, enforce_unnamed_tensor};

/// The model input after MLflow's parse stage, as the Python objects it would be.
#[derive(Debug, Clone, PartialEq)]
pub enum PyData {
    /// A `numpy.ndarray`.
    Array(NdArray),
    /// A dict of name → data.
    Dict(Vec<(String, PyData)>),
    /// A `pandas.DataFrame`.
    Frame(Frame),
    /// Any other Python object (list, scalar, dict of raw values).
    Raw(Json),
}

impl PyData {
    /// `str(data)`, as MLflow's messages print the data.
    pub fn py_str(&self) -> String {
        match self {
            PyData::Array(a) => a.np_str(),
            PyData::Frame(f) => f.pd_str(),
            PyData::Raw(j) => j.py_repr(),
            PyData::Dict(_) => self.py_repr(),
        }
    }

    /// `repr(data)`.
    pub fn py_repr(&self) -> String {
        match self {
            PyData::Array(a) => a.np_repr(),
            PyData::Frame(f) => f.pd_str(),
            PyData::Raw(j) => j.py_repr(),
            PyData::Dict(entries) => {
                let parts: Vec<String> =
                    entries.iter().map(|(k, v)| format!("{}: {}", py_str_repr(k), v.py_repr())).collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }

    /// Python's `<class '...'>` of the data.
    pub fn py_class(&self) -> String {
        let name = match self {
            PyData::Array(_) => "numpy.ndarray",
            PyData::Frame(_) => "pandas.core.frame.DataFrame",
            PyData::Dict(_) => "dict",
            PyData::Raw(j) => j.py_type_name(),
        };
        format!("<class '{name}'>")
    }
}

/// Enforces `schema` on `data` and converts to a `Batch`; failures give
/// MLflow's `Failed to predict data ... Failed to enforce schema ...` error.
pub fn enforce(data: &PyData, schema: Option<&Schema>) -> Result<Batch, ScoringError> {
    let Some(schema) = schema else {
        return Ok(without_schema(data.clone()));
    };
    let result = match schema {
        Schema::Tensors(specs) if !schema.has_names() => enforce_unnamed_tensor(data, &specs[0]),
        Schema::Tensors(specs) => enforce_named_tensors(data, specs),
        Schema::Columns(cols) => enforce_columns(data, cols),
    };
    result.map_err(|detail| schema_error(data, schema, &detail))
}

/// MLflow's message for a schema enforcement failure.
pub fn schema_error(data: &PyData, schema: &Schema, detail: &str) -> ScoringError {
    let d = data.py_str();
    ScoringError::SchemaEnforcement(format!(
        "Failed to predict data '{d}'. \nError: Failed to enforce schema of data '{d}' with schema '{}'. Error: {detail}",
        schema.repr()
    ))
}

/// MLflow's message for invalid params (checked after the input).
pub fn params_error(data: &PyData, detail: &str) -> ScoringError {
    ScoringError::InvalidParameter(format!("Failed to predict data '{}'. \nError: {detail}", data.py_str()))
}

fn without_schema(data: PyData) -> Batch {
    match data {
        PyData::Array(a) => Batch::Tensors(vec![Tensor { name: None, shape: a.shape, values: a.values }]),
        PyData::Dict(entries) if entries.iter().all(|(_, v)| matches!(v, PyData::Array(_))) => Batch::Tensors(
            entries
                .into_iter()
                .filter_map(|(k, v)| match v {
                    PyData::Array(a) => Some(Tensor { name: Some(k), shape: a.shape, values: a.values }),
                    _ => None,
                })
                .collect(),
        ),
        PyData::Frame(f) => Batch::Table(
            f.columns.into_iter().map(|c| Column { name: c.label.name(), values: column_values(c.data) }).collect(),
        ),
        other => Batch::Json(to_json(&other)),
    }
}

/// A DataFrame column as typed values (object columns become strings).
fn column_values(data: ColData) -> Values {
    match data {
        ColData::Typed(v) => v,
        ColData::Object(cells) => Values::String(cells.iter().map(Json::py_str).collect()),
    }
}

fn to_json(data: &PyData) -> Json {
    match data {
        PyData::Raw(j) => j.clone(),
        PyData::Array(a) => nest(&values_to_json(&a.values), &a.shape),
        PyData::Dict(entries) => Json::Dict(entries.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        PyData::Frame(f) => {
            let cols: Vec<Vec<Json>> = f.columns.iter().map(|c| c.data.cells()).collect();
            Json::List(
                (0..f.nrows)
                    .map(|r| {
                        Json::Dict(
                            f.columns.iter().zip(&cols).map(|(c, cells)| (c.label.name(), cells[r].clone())).collect(),
                        )
                    })
                    .collect(),
            )
        }
    }
}

fn nest(flat: &[Json], shape: &[usize]) -> Json {
    match shape {
        [] => flat.first().cloned().unwrap_or(Json::Null),
        [_] => Json::List(flat.to_vec()),
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            Json::List((0..*n).map(|i| nest(&flat[i * stride..(i + 1) * stride], rest)).collect())
        }
    }
}

fn missing_message(missing: &[String], extras: &[String]) -> String {
    let mut msg = format!("Model is missing inputs {}.", py_str_list_repr(missing));
    if !extras.is_empty() {
        msg.push_str(&format!(" Note that there were extra inputs: [{}].", extras.join(", ")));
    }
    msg
}

#[cfg(test)]
mod tests;
