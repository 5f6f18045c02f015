//! The WIT glue: `model.load`/`predict` of the `flavor` world for the `xgboost` and
//! `lightgbm` flavors, and conversions between WIT batches and row-major features.

use std::path::Path;

use wasmflow_guest::{Batch, Error as WitError, LoadRequest, Metadata, Param, Tensor, Values};

use crate::Model;
use crate::error::Error;
use crate::output::{Data, Output};

/// A loaded tree model and its flavor (`xgboost` or `lightgbm`).
struct Trees(Model, String);

impl wasmflow_guest::Model for Trees {
    fn load(request: &LoadRequest) -> Result<Self, WitError> {
        load_trees(request).map(|(model, flavor)| Trees(model, flavor))
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: self.1.clone(), inputs: Vec::new(), outputs: Vec::new() }
    }

    fn predict(&self, input: Batch, _params: &[Param]) -> Result<Batch, WitError> {
        let Features { names, data, cols } = features(input).map_err(wit_error)?;
        let output = self.0.predict(names.as_deref(), &data, cols).map_err(wit_error)?;
        Ok(Batch::Tensors(vec![tensor_of(output)]))
    }
}

/// Reads the model file the MLmodel's flavor section names. The request carries
/// only that section, so the flavor is told by what MLflow writes in it
/// (`xgb_version`, `lgb_version`), then by the file's extension.
fn load_trees(request: &LoadRequest) -> Result<(Model, String), WitError> {
    let config: serde_json::Value = serde_json::from_str(&request.flavor_config).unwrap_or_default();
    let lightgbm = config.get("xgb_version").is_none()
        && (config.get("lgb_version").is_some() || data_ends_with(&config, ".lgb") || data_ends_with(&config, ".txt"));
    let flavor = if lightgbm { "lightgbm" } else { "xgboost" };
    crate::load_model(Path::new(&request.model_dir), flavor, &request.flavor_config)
        .map(|m| (m, flavor.to_string()))
        .map_err(wit_error)
}

fn data_ends_with(config: &serde_json::Value, suffix: &str) -> bool {
    config.get("data").and_then(|d| d.as_str()).is_some_and(|d| d.ends_with(suffix))
}

fn wit_error(e: Error) -> WitError {
    match e {
        Error::Load(m) => WitError::Load(m),
        Error::Evaluation(m) => WitError::Evaluation(m),
    }
}

/// Row-major float64 features (NaN missing), with column names for a table.
struct Features {
    names: Option<Vec<String>>,
    data: Vec<f64>,
    cols: usize,
}

/// A table or one 2-D tensor as [`Features`].
fn features(batch: Batch) -> Result<Features, Error> {
    match batch {
        Batch::Table(columns) => {
            let cols = columns.len();
            let rows = columns.first().map_or(0, |c| c.values.len());
            let mut names = Vec::with_capacity(cols);
            let mut data = vec![0.0; rows * cols];
            for (j, column) in columns.into_iter().enumerate() {
                let values = floats(column.values, &column.name)?;
                if values.len() != rows {
                    return Err(Error::Evaluation("columns of different lengths".into()));
                }
                for (i, v) in values.into_iter().enumerate() {
                    data[i * cols + j] = v;
                }
                names.push(column.name);
            }
            Ok(Features { names: Some(names), data, cols })
        }
        Batch::Tensors(mut tensors) if tensors.len() == 1 => {
            let tensor = tensors.pop().expect("one tensor");
            let cols = match tensor.shape.as_slice() {
                [_, c] => *c as usize,
                [_] => 1,
                other => {
                    return Err(Error::Evaluation(format!(
                        "tree models take a 2-D array [rows, features], got shape {other:?}"
                    )));
                }
            };
            let data = match tensor.values {
                // An object array (`np.array([[1.5, None]])`) arrives as Python's str of
                // each element; the libraries cast it to float, None to NaN.
                Values::Utf8(items) => items.iter().map(|v| python_float(v)).collect::<Result<_, _>>()?,
                values => floats(values, "input")?,
            };
            Ok(Features { names: None, data, cols })
        }
        Batch::Tensors(_) => Err(Error::Evaluation("tree models take one array or a DataFrame".into())),
        Batch::Json(_) => Err(Error::Evaluation("tree models take an array or a DataFrame, not free-form JSON".into())),
    }
}

fn floats(values: Values, name: &str) -> Result<Vec<f64>, Error> {
    values
        .into_f64()
        .ok_or_else(|| Error::Evaluation(format!("column {name} is not numeric: tree models take numbers")))
}

/// `float(x)` of one element of an object array (`None` is NaN, as numpy casts it).
fn python_float(text: &str) -> Result<f64, Error> {
    match text {
        "None" => Ok(f64::NAN),
        _ => text.trim().parse().map_err(|_| Error::Evaluation(format!("could not convert string to float: '{text}'"))),
    }
}

/// The answer as MLflow's pyfunc returns it: one unnamed ndarray.
fn tensor_of(output: Output) -> Tensor {
    let shape = output.shape.iter().map(|&d| d as u64).collect();
    let values = match output.data {
        Data::F32(v) => Values::F32(v),
        Data::F64(v) => Values::F64(v),
        Data::I64(v) => Values::I64(v),
        Data::I32(v) => Values::I32(v),
    };
    Tensor { name: None, shape, values }
}

wasmflow_guest::export_model!(Trees);
