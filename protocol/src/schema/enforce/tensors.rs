//! Tensor-based signatures: MLflow's `_enforce_tensor_schema` (one unnamed tensor,
//! or named tensors from a dict or DataFrame): shape and dtype checks, and the
//! DataFrame-to-matrix conversion for an unnamed tensor.

use super::{PyData, missing_message};
use crate::py::dtypes::OBJECT;
use crate::py::json::Json;
use crate::py::numpy::{self, CastMode, NdArray};
use crate::py::pandas::{ColData, Frame, FrameColumn};
use crate::py::repr::{py_shape_repr, py_str_repr};
use crate::schema::signature::TensorSpec;
use crate::value::{Batch, DType, Tensor, Values};

/// `_enforce_tensor_spec`: rank, fixed dims, exact dtype.
fn check_tensor(a: &NdArray, spec: &TensorSpec) -> Result<(), String> {
    let object_any = spec.dtype_name == OBJECT && spec.shape == [-1];
    if object_any {
        return Ok(());
    }
    let shape_err = || {
        format!(
            "Shape of input {} does not match expected shape {}.",
            py_shape_repr(&a.shape),
            py_shape_repr(&spec.shape)
        )
    };
    if a.shape.len() != spec.shape.len() {
        return Err(shape_err());
    }
    for (actual, expected) in a.shape.iter().zip(&spec.shape) {
        if *expected != -1 && *expected != *actual as i64 {
            return Err(shape_err());
        }
    }
    if a.values.dtype() != spec.dtype {
        return Err(format!(
            "dtype of input {} does not match expected dtype {}",
            a.values.dtype().numpy_name(),
            spec.dtype_name
        ));
    }
    Ok(())
}

pub(super) fn tensor(name: Option<String>, a: NdArray) -> Tensor {
    Tensor { name, shape: a.shape, values: a.values }
}

/// `_reshape_and_cast_pandas_column_values`: one DataFrame column → a tensor.
/// `name` is what MLflow prints: the column label, or `None` for the single
/// column of an unnamed tensor.
pub(super) fn column_to_tensor(col: &FrameColumn, spec: &TensorSpec, name: &str) -> Result<NdArray, String> {
    let n = match &col.data {
        ColData::Typed(v) => v.len(),
        ColData::Object(c) => c.len(),
    };
    if col.data.has_list_cells() {
        if spec.shape.is_empty() || spec.shape[0] != -1 || spec.shape[1..].contains(&-1) {
            return Err(format!(
                "For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape is {}",
                py_shape_repr(&spec.shape)
            ));
        }
        let cells = col.data.cells();
        let fail = || {
            format!(
                "The value in the Input DataFrame column '{name}' could not be converted to the expected shape of: '{}'. Ensure that each of the input list elements are of uniform length and that the data can be coerced to the tensor type '{}'",
                py_shape_repr(&spec.shape),
                spec.dtype_name
            )
        };
        let mut leaves: Vec<&Json> = Vec::new();
        for c in &cells {
            let (_, l) = numpy::nested_shape(c).map_err(|_| fail())?;
            leaves.extend(l);
        }
        let per_row: usize = spec.shape[1..].iter().map(|d| *d as usize).product();
        if n == 0 || leaves.len() != per_row * n {
            return Err(fail());
        }
        let values = numpy::cast(&leaves, spec.dtype, CastMode::Astype).map_err(|_| fail())?;
        let mut shape = vec![n];
        shape.extend(spec.shape[1..].iter().map(|d| *d as usize));
        return Ok(NdArray { shape, values });
    }
    if !(spec.shape == [-1] || spec.shape == [-1, 1]) {
        return Err(format!(
            "The input pandas dataframe column '{name}' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of {}.",
            py_shape_repr(&spec.shape)
        ));
    }
    let values = match &col.data {
        ColData::Typed(v) if v.dtype() == spec.dtype => v.clone(),
        other => {
            let cells = other.cells();
            let refs: Vec<&Json> = cells.iter().collect();
            numpy::cast(&refs, spec.dtype, CastMode::Astype)?
        }
    };
    let shape = if spec.shape.len() == 2 { vec![n, 1] } else { vec![n] };
    Ok(NdArray { shape, values })
}

pub(super) fn enforce_unnamed_tensor(data: &PyData, spec: &TensorSpec) -> Result<Batch, String> {
    let arr = match data {
        PyData::Array(a) => {
            check_tensor(a, spec)?;
            a.clone()
        }
        PyData::Frame(f) => {
            if f.nrows == 0 || f.columns.is_empty() {
                return Err("Input DataFrame is empty.".into());
            }
            let a = if f.columns.len() == 1 {
                column_to_tensor(&f.columns[0], spec, "None")?
            } else {
                let k = f.columns.len();
                if spec.shape != [-1, k as i64] {
                    return Err(format!(
                        "This model contains a model signature with an unnamed input. Since the input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure (-1, number_of_dataframe_columns). Instead, the input DataFrame passed had {k} columns and an input shape of {} with all values within the DataFrame of scalar type. Please adjust the passed in DataFrame to match the expected structure",
                        py_shape_repr(&spec.shape)
                    ));
                }
                frame_to_matrix(f)
            };
            check_tensor(&a, spec)?;
            a
        }
        other => {
            return Err(format!(
                "This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type {} was found.",
                other.py_class()
            ));
        }
    };
    Ok(Batch::Tensors(vec![tensor(None, arr)]))
}

/// `df.to_numpy()`: an [N, k] matrix of the columns' common dtype.
pub(super) fn frame_to_matrix(f: &Frame) -> NdArray {
    let dtypes: Vec<Option<DType>> = f
        .columns
        .iter()
        .map(|c| match &c.data {
            ColData::Typed(v) => Some(v.dtype()),
            ColData::Object(_) => None,
        })
        .collect();
    let common = if dtypes.iter().all(|d| *d == dtypes[0]) {
        dtypes[0].unwrap_or(DType::String)
    } else if dtypes.iter().all(|d| d.is_some_and(|d| !matches!(d, DType::String | DType::Bytes | DType::Bool))) {
        DType::F64
    } else {
        DType::String
    };
    let cols: Vec<Vec<Json>> = f.columns.iter().map(|c| c.data.cells()).collect();
    let mut leaves: Vec<&Json> = Vec::with_capacity(f.nrows * cols.len());
    for r in 0..f.nrows {
        for c in &cols {
            leaves.push(&c[r]);
        }
    }
    let values = numpy::cast(&leaves, common, CastMode::Astype)
        .unwrap_or_else(|_| Values::String(leaves.iter().map(|j| j.py_str()).collect()));
    NdArray { shape: vec![f.nrows, cols.len()], values }
}

pub(super) fn enforce_named_tensors(data: &PyData, specs: &[TensorSpec]) -> Result<Batch, String> {
    let names: Vec<String> = specs.iter().filter_map(|s| s.name.clone()).collect();
    if let PyData::Raw(Json::Dict(entries)) = data {
        // A plain dict (unified LLM input) is checked like a dict of arrays.
        let wrapped = entries.iter().map(|(k, v)| (k.clone(), PyData::Raw(v.clone()))).collect();
        return enforce_named_tensors(&PyData::Dict(wrapped), specs);
    }
    match data {
        PyData::Dict(entries) => {
            let missing: Vec<String> =
                names.iter().filter(|n| !entries.iter().any(|(k, _)| k == *n)).cloned().collect();
            if !missing.is_empty() {
                let extras: Vec<String> =
                    entries.iter().filter(|(k, _)| !names.contains(k)).map(|(k, _)| py_str_repr(k)).collect();
                return Err(missing_message(&missing, &extras));
            }
            let mut out = Vec::new();
            for spec in specs {
                let name = spec.name.clone().unwrap_or_default();
                let value = &entries.iter().find(|(k, _)| *k == name).expect("present").1;
                match value {
                    PyData::Array(a) => {
                        check_tensor(a, spec)?;
                        out.push(tensor(Some(name), a.clone()));
                    }
                    other => {
                        return Err(format!(
                            "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to a numpy array, but a dict with value type {} was found.",
                            other.py_class()
                        ));
                    }
                }
            }
            Ok(Batch::Tensors(out))
        }
        PyData::Frame(f) => {
            let missing: Vec<String> = names.iter().filter(|n| f.column(n).is_none()).cloned().collect();
            if !missing.is_empty() {
                let extras: Vec<String> =
                    f.columns.iter().filter(|c| !names.contains(&c.label.name())).map(|c| c.label.repr()).collect();
                return Err(missing_message(&missing, &extras));
            }
            let mut out = Vec::new();
            for spec in specs {
                let name = spec.name.clone().unwrap_or_default();
                let col = f.column(&name).expect("present");
                let a = column_to_tensor(col, spec, &name)?;
                check_tensor(&a, spec)?;
                out.push(tensor(Some(name), a));
            }
            Ok(Batch::Tensors(out))
        }
        PyData::Array(a) if specs.len() == 1 => {
            check_tensor(a, &specs[0])?;
            Ok(Batch::Tensors(vec![tensor(specs[0].name.clone(), a.clone())]))
        }
        PyData::Array(_) => Err(missing_message(&names, &[])),
        other => Err(format!(
            "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to a numpy array, but an input of type {} was found.",
            other.py_class()
        )),
    }
}
