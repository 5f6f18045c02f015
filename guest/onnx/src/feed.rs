//! MLflow's ONNX pyfunc input and output rules (`mlflow.onnx._OnnxModelWrapper.predict`):
//! which tensor feeds which model input, the float64 → float32 cast, and the
//! DataFrame-in, DataFrame-out shape of the answer.

use tract_onnx::prelude::*;
use wasmflow_guest::exports::wasmflow::inference::predictor::{
    Batch, Column, Dtype, Error, Tensor as WitTensor, TensorInfo, Values,
};

use crate::convert::to_tract;

/// The tensors to feed, in model-input order, and whether the input was a table
/// (so the answer must be a table too).
pub fn feeds(inputs: &[TensorInfo], batch: Batch) -> Result<(TVec<TValue>, bool), Error> {
    let (tensors, from_table) = match batch {
        Batch::Tensors(tensors) => (tensor_feeds(inputs, tensors)?, false),
        Batch::Table(columns) => (table_feeds(inputs, columns)?, true),
        // MLflow hands such a dict to onnxruntime, which fails on it.
        Batch::Json(_) => {
            return Err(Error::Evaluation("ONNX models take tensors or a DataFrame, not free-form JSON".into()));
        }
    };
    let fed = inputs
        .iter()
        .zip(tensors)
        .map(|(info, tensor)| cast_float64(info, tensor).map(TValue::from))
        .collect::<Result<_, _>>()?;
    Ok((fed, from_table))
}

/// An unnamed array feeds the only input; named arrays feed inputs by name.
fn tensor_feeds(inputs: &[TensorInfo], tensors: Vec<WitTensor>) -> Result<Vec<Tensor>, Error> {
    if let [WitTensor { name: None, .. }] = tensors.as_slice() {
        if inputs.len() != 1 {
            return Err(Error::InvalidInput(format!(
                "Unable to map numpy array input to the expected model input. Numpy arrays can only be used as \
                 input for MLflow ONNX models that have a single input. This model requires {} inputs. Please \
                 reformat the input data as a dictionary.",
                inputs.len()
            )));
        }
        let tensor = tensors.into_iter().next().expect("one tensor");
        return to_tract(tensor.values, &dims(&tensor.shape)).map(|t| vec![t]);
    }
    let mut tensors = tensors;
    inputs
        .iter()
        .map(|info| {
            let at = tensors.iter().position(|t| t.name.as_deref() == Some(info.name.as_str())).ok_or_else(|| {
                Error::Evaluation(format!("Required inputs (['{}']) are missing from input feed.", info.name))
            })?;
            let tensor = tensors.swap_remove(at);
            to_tract(tensor.values, &dims(&tensor.shape))
        })
        .collect()
}

/// A model with several inputs takes one column each (`data[name].values`);
/// a model with one input takes the whole table as an `[rows, columns]` matrix
/// (`data.values`).
fn table_feeds(inputs: &[TensorInfo], columns: Vec<Column>) -> Result<Vec<Tensor>, Error> {
    if inputs.len() > 1 {
        let mut columns = columns;
        return inputs
            .iter()
            .map(|info| {
                let at = columns.iter().position(|c| c.name == info.name).ok_or_else(|| {
                    Error::Evaluation(format!("Required inputs (['{}']) are missing from input feed.", info.name))
                })?;
                let column = columns.swap_remove(at);
                let rows = column.values.len();
                to_tract(column.values, &[rows])
            })
            .collect();
    }
    let rows = columns.first().map_or(0, |c| c.values.len());
    let width = columns.len();
    to_tract(row_major(columns)?, &[rows, width]).map(|t| vec![t])
}

/// Interleaves equal-length columns into one row-major matrix, promoting mixed
/// numeric columns to float64 as numpy's `DataFrame.values` does.
fn row_major(columns: Vec<Column>) -> Result<Values, Error> {
    let Some(first) = columns.first() else { return Ok(Values::F64(Vec::new())) };
    let dtype = first.values.dtype();
    if columns.iter().any(|c| c.values.dtype() != dtype) {
        let as_f64 = columns.iter().map(|c| numeric_f64(&c.values)).collect::<Result<Vec<_>, _>>()?;
        return Ok(Values::F64(interleave(as_f64)));
    }
    macro_rules! stack {
        ($($case:ident),*) => {
            match dtype {
                $(Dtype::$case => Values::$case(interleave(
                    columns.into_iter().map(|c| match c.values { Values::$case(v) => v, _ => unreachable!("dtype checked") }).collect(),
                )),)*
                Dtype::Bytes => return Err(Error::InvalidInput("ONNX models take no bytes columns".into())),
            }
        };
    }
    Ok(stack!(F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Boolean, Utf8))
}

fn interleave<T>(columns: Vec<Vec<T>>) -> Vec<T> {
    let rows = columns.first().map_or(0, Vec::len);
    let mut iters: Vec<_> = columns.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::with_capacity(rows * iters.len());
    for _ in 0..rows {
        for it in &mut iters {
            out.extend(it.next());
        }
    }
    out
}

fn numeric_f64(values: &Values) -> Result<Vec<f64>, Error> {
    Ok(match values {
        Values::F32(v) => v.iter().map(|&x| x as f64).collect(),
        Values::F64(v) => v.clone(),
        Values::I8(v) => v.iter().map(|&x| x as f64).collect(),
        Values::I16(v) => v.iter().map(|&x| x as f64).collect(),
        Values::I32(v) => v.iter().map(|&x| x as f64).collect(),
        Values::I64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U8(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U16(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U32(v) => v.iter().map(|&x| x as f64).collect(),
        Values::U64(v) => v.iter().map(|&x| x as f64).collect(),
        Values::Boolean(v) => v.iter().map(|&x| x as u8 as f64).collect(),
        _ => return Err(Error::Evaluation("cannot mix text and numeric columns in one ONNX input".into())),
    })
}

/// MLflow casts float64 feeds to float32 for `tensor(float)` inputs, since JSON
/// numbers arrive as float64; every other type must already match.
fn cast_float64(info: &TensorInfo, tensor: Tensor) -> Result<Tensor, Error> {
    if info.dtype == Dtype::F32 && tensor.datum_type() == DatumType::F64 {
        return tensor
            .cast_to_dt(DatumType::F32)
            .map(|t| t.into_owned())
            .map_err(|e| Error::Evaluation(format!("{e:#}")));
    }
    Ok(tensor)
}

/// The DataFrame MLflow builds from the outputs: one column per output, each
/// flattened (`reshape(-1)`); pandas refuses columns of different lengths.
pub fn as_table(outputs: Vec<WitTensor>) -> Result<Batch, Error> {
    let lengths: Vec<usize> = outputs.iter().map(|t| t.values.len()).collect();
    if lengths.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Evaluation("All arrays must be of the same length".into()));
    }
    Ok(Batch::Table(
        outputs.into_iter().map(|t| Column { name: t.name.unwrap_or_default(), values: t.values }).collect(),
    ))
}

fn dims(shape: &[u64]) -> Vec<usize> {
    shape.iter().map(|&d| d as usize).collect()
}
