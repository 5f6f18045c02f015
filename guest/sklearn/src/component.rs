//! The WIT glue: `model.load`/`predict` of the `flavor` world, and conversions
//! between WIT batches and the flavor's [`Input`]/[`NdArray`].

use std::path::Path;
use std::rc::Rc;

use wasmflow_guest::exports::wasmflow::inference::predictor::{
    Batch, Error as WitError, LoadRequest, Metadata, Param, Tensor, Values,
};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Guest, GuestModel, Model as WitModel};
use wasmflow_guest::exports::wasmflow::inference::snapshot::Guest as SnapshotGuest;

use crate::data::{Column, Frame, Input, Matrix};
use crate::error::Error;
use crate::estimators::Model;
use crate::npy::{Data, NdArray};

struct Flavor;

impl Guest for Flavor {
    type Model = SklearnModel;
}

impl SnapshotGuest for Flavor {
    fn preload(request: LoadRequest) -> Result<(), WitError> {
        wasmflow_guest::snapshot::preload(request, load_sklearn)
    }
}

/// One `model` resource: the loaded model, shared with the snapshot's slot.
struct SklearnModel(Rc<Model>);

impl GuestModel for SklearnModel {
    fn load(request: LoadRequest) -> Result<WitModel, WitError> {
        wasmflow_guest::snapshot::load(&request, load_sklearn).map(|model| WitModel::new(SklearnModel(model)))
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "sklearn".into(), inputs: Vec::new(), outputs: Vec::new() }
    }

    fn predict(&self, input: Batch, _params: Vec<Param>) -> Result<Batch, WitError> {
        let output = self.0.predict(input_of(input).map_err(wit_error)?).map_err(wit_error)?;
        Ok(Batch::Tensors(vec![tensor_of(output)]))
    }
}

/// Reads the model's pickle or skops file into an estimator.
fn load_sklearn(request: &LoadRequest) -> Result<Model, WitError> {
    crate::load_model(Path::new(&request.model_dir), &request.flavor_config, &request.pyfunc_config).map_err(wit_error)
}

fn wit_error(e: Error) -> WitError {
    match e {
        Error::Load(m) => WitError::Load(m),
        Error::Evaluation(m) => WitError::Evaluation(m),
        Error::Internal(m) => WitError::Internal(m),
    }
}

/// A table becomes a frame; one unnamed 2-D tensor a matrix (a frame with
/// positional names if it holds text).
fn input_of(batch: Batch) -> Result<Input, Error> {
    match batch {
        Batch::Table(columns) => {
            let (names, columns) = columns
                .into_iter()
                .map(|c| Ok((c.name, column_of(c.values)?)))
                .collect::<Result<Vec<_>, Error>>()?
                .into_iter()
                .unzip();
            Ok(Input::Frame(Frame { names, columns }))
        }
        Batch::Tensors(mut tensors) if tensors.len() == 1 => {
            let tensor = tensors.pop().expect("one tensor");
            let (rows, cols) = match tensor.shape.as_slice() {
                [r, c] => (*r as usize, *c as usize),
                other => {
                    return Err(Error::Evaluation(format!(
                        "Expected 2D array, got an array of shape {other:?}: sklearn models take [rows, features]"
                    )));
                }
            };
            match column_of(tensor.values)? {
                Column::F64(data) if data.len() == rows * cols => Ok(Input::Matrix(Matrix { rows, cols, data })),
                Column::Str(data) if data.len() == rows * cols => Ok(Input::Frame(Frame {
                    names: (0..cols).map(|j| j.to_string()).collect(),
                    columns: (0..cols)
                        .map(|j| Column::Str((0..rows).map(|i| data[i * cols + j].clone()).collect()))
                        .collect(),
                })),
                _ => Err(Error::Internal("tensor values do not fit its shape".into())),
            }
        }
        Batch::Tensors(_) => {
            Err(Error::Evaluation("sklearn models take one array or a DataFrame, not a dict of arrays".into()))
        }
        Batch::Json(_) => {
            Err(Error::Evaluation("sklearn models take an array or a DataFrame, not free-form JSON".into()))
        }
    }
}

fn column_of(values: Values) -> Result<Column, Error> {
    fn f<T: Copy + Into<f64>>(v: Vec<T>) -> Column {
        Column::F64(v.into_iter().map(Into::into).collect())
    }
    Ok(match values {
        Values::F32(v) => f(v),
        Values::F64(v) => Column::F64(v),
        Values::I8(v) => f(v),
        Values::I16(v) => f(v),
        Values::I32(v) => f(v),
        Values::I64(v) => Column::F64(v.into_iter().map(|x| x as f64).collect()),
        Values::U8(v) => f(v),
        Values::U16(v) => f(v),
        Values::U32(v) => f(v),
        Values::U64(v) => Column::F64(v.into_iter().map(|x| x as f64).collect()),
        Values::Boolean(v) => Column::F64(v.into_iter().map(|b| if b { 1.0 } else { 0.0 }).collect()),
        Values::Utf8(v) => Column::Str(v),
        Values::Bytes(_) => return Err(Error::Evaluation("sklearn models take no binary columns".into())),
    })
}

/// The answer as MLflow's pyfunc returns it: one unnamed ndarray.
fn tensor_of(output: NdArray) -> Tensor {
    let shape = output.shape.iter().map(|&d| d as u64).collect();
    let values = match output.data {
        Data::F64(v) => Values::F64(v),
        Data::I64(v) => Values::I64(v),
        Data::Bool(v) => Values::Boolean(v),
        Data::Str(v) => Values::Utf8(v),
        // Never an output (labels are checked at load); numpy prints a missing one as nan.
        Data::StrOrMissing(v) => Values::Utf8(v.into_iter().map(|s| s.unwrap_or_else(|| "nan".into())).collect()),
        Data::Records(_) => Values::F64(Vec::new()),
    };
    Tensor { name: None, shape, values }
}

wasmflow_guest::export!(Flavor);
