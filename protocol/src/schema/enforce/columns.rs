//! Column-based signatures: MLflow's `_enforce_schema` for columns (selection,
//! order, missing inputs) and `_enforce_mlflow_datatype`, the strict per-column
//! type check.

use super::{PyData, missing_message, to_json};
use crate::py::datetime::iso_datetime;
use crate::py::dtypes::OBJECT;
use crate::py::json::Json;
use crate::py::numpy::{self, CastMode};
use crate::py::pandas::{ColData, Frame, FrameColumn, Label};
use crate::py::repr::py_shape_repr;
use crate::schema::signature::{ColSpec, ColType};
use crate::value::{Batch, Column, DType, Values};

/// MLflow's dict/list/array → DataFrame normalisation for column schemas.
pub(super) fn to_frame(data: &PyData, cols: &[ColSpec]) -> Result<Frame, String> {
    let cast_err = |e: String| {
        format!(
            "This model contains a column-based signature, which suggests a DataFrame input. There was an error casting the input data to a DataFrame: {e}"
        )
    };
    match data {
        PyData::Frame(f) => Ok(f.clone()),
        PyData::Array(a) => {
            let named_single = cols.len() == 1 && cols[0].name.is_some();
            match a.shape.len() {
                0 | 1 => {
                    let label =
                        if named_single { Label::Str(cols[0].name.clone().unwrap_or_default()) } else { Label::Int(0) };
                    let n = a.values.len();
                    Ok(Frame {
                        columns: vec![FrameColumn { label, data: ColData::Typed(a.values.clone()) }],
                        nrows: n,
                        index: None,
                    })
                }
                2 => {
                    let j = to_json(data);
                    Frame::from_split(&j, None, None).map_err(cast_err)
                }
                _ => Err(cast_err(format!("Must pass 2-d input. shape={}", py_shape_repr(&a.shape)))),
            }
        }
        PyData::Dict(entries) => {
            let all_scalar = entries.iter().all(|(_, v)| match v {
                PyData::Raw(j) => !matches!(j, Json::List(_) | Json::Dict(_)),
                PyData::Array(a) => a.shape.is_empty(),
                _ => false,
            });
            let composite = cols.iter().any(|c| c.ty.is_composite());
            if all_scalar || composite {
                let row: Vec<(String, Json)> = entries.iter().map(|(k, v)| (k.clone(), to_json(v))).collect();
                return Ok(Frame::one_row(&row));
            }
            let mut columns = Vec::new();
            let mut nrows: Option<usize> = None;
            for (k, v) in entries {
                let data = match v {
                    PyData::Array(a) if a.shape.len() <= 1 => ColData::Typed(a.values.clone()),
                    other => match to_json(other) {
                        Json::List(items) => crate::py::pandas::infer_column(items),
                        scalar => crate::py::pandas::infer_column(vec![scalar]),
                    },
                };
                let len = match &data {
                    ColData::Typed(v) => v.len(),
                    ColData::Object(c) => c.len(),
                };
                if let Some(n) = nrows
                    && n != len
                {
                    return Err(cast_err("All arrays must be of the same length".into()));
                }
                nrows = Some(len);
                columns.push(FrameColumn { label: Label::Str(k.clone()), data });
            }
            Ok(Frame { columns, nrows: nrows.unwrap_or(0), index: None })
        }
        PyData::Raw(Json::Dict(entries)) => {
            let wrapped: Vec<(String, PyData)> =
                entries.iter().map(|(k, v)| (k.clone(), PyData::Raw(v.clone()))).collect();
            to_frame(&PyData::Dict(wrapped), cols)
        }
        PyData::Raw(j @ Json::List(_)) => Frame::from_records(j).map_err(cast_err),
        PyData::Raw(scalar) => Ok(Frame::one_row(&[("0".to_string(), scalar.clone())])),
    }
}

/// `_enforce_mlflow_datatype`: the strict column type check.
pub(super) fn check_column(name: &str, data: &ColData, ty: &ColType) -> Result<Values, String> {
    if matches!(ty, ColType::Datetime) {
        // astype(datetime64[ns]); the model gets pandas' isoformat() text.
        let cells = data.cells();
        let mut out = Vec::with_capacity(cells.len());
        for c in &cells {
            match c {
                Json::Str(s) => match iso_datetime(s) {
                    Ok(iso) => out.push(iso),
                    Err(_) => {
                        return Err(format!(
                            "Failed to convert column {name} from type {} to datetime.",
                            match data {
                                ColData::Typed(v) => v.dtype().numpy_name(),
                                ColData::Object(_) => OBJECT,
                            }
                        ));
                    }
                },
                other => {
                    return Err(format!(
                        "Incompatible input types for column {name}. Can not safely convert {} to datetime64[ns].",
                        other.py_type_name()
                    ));
                }
            }
        }
        return Ok(Values::String(out));
    }
    let Some(target) = ty.dtype() else {
        return Ok(Values::String(data.cells().iter().map(Json::py_str).collect()));
    };
    // Already of the column's type: nothing to check or cast (the common case).
    if let ColData::Typed(v) = data
        && v.dtype() == target
    {
        return Ok(v.clone());
    }
    let cells = data.cells();
    let refs: Vec<&Json> = cells.iter().collect();
    let incompatible = |src: &str, hint: &str| {
        format!(
            "Incompatible input types for column {name}. Can not safely convert {src} to {}.{hint}",
            ty.numpy_name()
        )
    };
    let src = match data {
        ColData::Object(_) => {
            if matches!(ty, ColType::String | ColType::Datetime | ColType::Boolean) {
                return numpy::cast(&refs, target, CastMode::Astype);
            }
            if matches!(ty, ColType::Binary) {
                return Ok(Values::Bytes(cells.iter().map(|c| c.py_str().into_bytes()).collect()));
            }
            // infer_objects(): a column of Python numbers becomes numeric.
            match crate::py::pandas::infer_column(cells.clone()) {
                ColData::Typed(v) => v.dtype(),
                ColData::Object(_) => return Err(incompatible(OBJECT, "")),
            }
        }
        ColData::Typed(v) => v.dtype(),
    };
    let ok = if src == target {
        true
    } else if matches!(ty, ColType::Datetime) {
        src == DType::String
    } else if src.is_int() && target.is_int() {
        if src.is_unsigned() == target.is_unsigned() {
            src.itemsize() <= target.itemsize()
        } else {
            src.is_unsigned() && src.itemsize() < target.itemsize()
        }
    } else if matches!(src, DType::F32 | DType::F64) && matches!(target, DType::F32 | DType::F64) {
        src.itemsize() <= target.itemsize()
    } else if src.is_int() && target == DType::F64 && src.itemsize() <= 4 {
        true
    } else {
        src == DType::I64
            && matches!(target, DType::F32 | DType::F64)
            && cells.iter().all(|c| matches!(c, Json::Int(0 | 1)))
    };
    if !ok {
        let hint = if src == DType::F64
            && target.is_int()
            && cells.iter().any(|c| matches!(c, Json::Float(f) if f.is_nan()))
        {
            " Hint: the type mismatch is likely caused by missing values. Integer columns in python can not represent missing values and are therefore encoded as floats. The best way to avoid this problem is to infer the model schema based on a realistic data sample (training dataset) that includes missing values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have missing values. See `Handling Integers With Missing Values <https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details."
        } else {
            ""
        };
        return Err(incompatible(src.numpy_name(), hint));
    }
    match data {
        ColData::Typed(v) if v.dtype() == target => Ok(v.clone()),
        _ => numpy::cast(&refs, target, CastMode::Astype),
    }
}

pub(super) fn enforce_columns(data: &PyData, cols: &[ColSpec]) -> Result<Batch, String> {
    // A DataFrame is read where it is; other data become one.
    let converted;
    let frame = match data {
        PyData::Frame(frame) => frame,
        other => {
            converted = to_frame(other, cols)?;
            &converted
        }
    };
    let named = cols.first().is_some_and(|c| c.name.is_some());
    let mut picked: Vec<(&ColSpec, &FrameColumn)> = Vec::new();
    if named {
        let missing: Vec<String> = cols
            .iter()
            .filter(|c| c.required)
            .filter_map(|c| c.name.clone())
            .filter(|n| frame.column(n).is_none())
            .collect();
        if !missing.is_empty() {
            let names: Vec<String> = cols.iter().filter_map(|c| c.name.clone()).collect();
            let extras: Vec<String> =
                frame.columns.iter().filter(|c| !names.contains(&c.label.name())).map(|c| c.label.repr()).collect();
            return Err(missing_message(&missing, &extras));
        }
        for spec in cols {
            if let Some(col) = spec.name.as_deref().and_then(|n| frame.column(n)) {
                picked.push((spec, col));
            }
        }
    } else {
        if frame.columns.len() < cols.len() {
            return Err(format!(
                "Model inference is missing inputs. The model signature declares {} inputs  but the provided value only has {} inputs. Note: the inputs were not named in the signature so we can only verify their count.",
                cols.len(),
                frame.columns.len()
            ));
        }
        picked = cols.iter().zip(frame.columns.iter()).collect();
    }
    if cols.iter().any(|c| c.ty.is_composite()) {
        // Array/Object/Map/Any columns: checked cell by cell; the model gets JSON records.
        let mut column_cells: Vec<Vec<Json>> = Vec::with_capacity(picked.len());
        for (spec, col) in &picked {
            let cells = col.data.cells();
            column_cells.push(if spec.ty.is_composite() {
                cells
                    .iter()
                    .map(|cell| crate::schema::composite::enforce_value(cell, &spec.ty, spec.required))
                    .collect::<Result<_, _>>()?
            } else {
                let name = col.label.name();
                crate::py::pandas::values_to_json(&check_column(&name, &col.data, &spec.ty)?)
            });
        }
        let records = (0..frame.nrows)
            .map(|r| {
                Json::Dict(
                    picked
                        .iter()
                        .zip(&column_cells)
                        .map(|((_, col), cells)| (col.label.name(), cells[r].clone()))
                        .collect(),
                )
            })
            .collect();
        return Ok(Batch::Json(Json::List(records)));
    }
    let mut out = Vec::new();
    for (spec, col) in picked {
        let name = col.label.name();
        let values = check_column(&name, &col.data, &spec.ty)?;
        out.push(Column { name, values });
    }
    Ok(Batch::Table(out))
}
