//! Conversions between the WIT types of the guest SDK and the flavor's own:
//! a batch into an [`Input`], an [`NdArray`] into the tensor MLflow's sklearn
//! pyfunc answers, an [`Error`] into the WIT error. Shared by the sklearn flavor
//! component and custom models built on this crate (guest/ensemble).

use wasmflow_guest::{Batch, Error as WitError, Tensor, Values};

use crate::data::{Column, Frame, Input, Matrix};
use crate::error::Error;
use crate::npy::{Data, NdArray};

/// The WIT error of a flavor error.
pub fn wit_error(e: Error) -> WitError {
    match e {
        Error::Load(m) => WitError::Load(m),
        Error::Evaluation(m) => WitError::Evaluation(m),
        Error::Internal(m) => WitError::Internal(m),
    }
}

/// A table becomes a frame; one unnamed 2-D tensor a matrix (a frame with
/// positional names if it holds text).
pub fn input_of(batch: Batch) -> Result<Input, Error> {
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
    match values {
        Values::Utf8(v) => Ok(Column::Str(v)),
        Values::Bytes(_) => Err(Error::Evaluation("sklearn models take no binary columns".into())),
        numeric => numeric
            .into_f64()
            .map(Column::F64)
            .ok_or_else(|| Error::Internal("a numeric column without numbers".into())),
    }
}

/// The answer as MLflow's pyfunc returns it: one unnamed ndarray.
pub fn tensor_of(output: NdArray) -> Tensor {
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
