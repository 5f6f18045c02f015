//! `application/vnd.apache.parquet` request bodies: `pd.read_parquet` semantics
//! (typed columns as pyarrow converts them to pandas) and MLflow's parquet error.
//! Unlike the JSON DataFrame formats, MLflow does not cast parquet columns to
//! the signature's types: a float64 column into a float32 tensor fails.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::ScoringError;
use crate::py::json::Json;
use crate::py::pandas::{ColData, Frame, FrameColumn, Label};
use crate::value::Values;

const PARQUET_ERROR_PREFIX: &str = "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid Parquet Pandas DataFrame produced using the `pandas.DataFrame.to_parquet()` method.";

fn parquet_error(detail: &str) -> ScoringError {
    let trace = format!(
        "Traceback (most recent call last):\n  File \"mlflow/pyfunc/scoring_server/__init__.py\", in parse_parquet_input\n    return pd.read_parquet(parquet_input)\nOSError: {detail}\n"
    );
    ScoringError::BadRequest { message: format!("{PARQUET_ERROR_PREFIX} Error: '{detail}'"), stack_trace: Some(trace) }
}

/// Reads a parquet body into a DataFrame.
pub fn parse_parquet(body: &[u8]) -> Result<Frame, ScoringError> {
    if body.len() < 12 || !body.ends_with(b"PAR1") {
        // pyarrow's words, which MLflow passes on.
        return Err(parquet_error(
            "Could not open Parquet input source '<Buffer>': Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.",
        ));
    }
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(body))
        .and_then(|builder| builder.build())
        .map_err(|e| parquet_error(&e.to_string()))?;
    let mut columns: Vec<FrameColumn> = Vec::new();
    let mut nrows = 0;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(&e.to_string()))?;
        let schema = batch.schema();
        for (i, (field, array)) in schema.fields().iter().zip(batch.columns()).enumerate() {
            let data = column_data(array).map_err(|e| parquet_error(&e))?;
            match columns.get_mut(i) {
                Some(column) => append(&mut column.data, data),
                None => columns.push(FrameColumn { label: Label::Str(field.name().clone()), data }),
            }
        }
        nrows += batch.num_rows();
    }
    // pandas turns a stored non-default index back into the index.
    columns.retain(|c| !matches!(&c.label, Label::Str(name) if name.starts_with("__index_level_")));
    Ok(Frame { columns, nrows, index: None })
}

/// One arrow column as pandas holds it after `read_parquet`.
fn column_data(array: &ArrayRef) -> Result<ColData, String> {
    fn floats<T: ArrowPrimitiveType>(array: &ArrayRef, wrap: fn(Vec<T::Native>) -> Values) -> ColData
    where
        T::Native: Copy,
    {
        ColData::Typed(wrap(array.as_primitive::<T>().values().to_vec()))
    }
    /// Integers with nulls become float64 with NaN, as pyarrow converts them.
    fn ints<T: ArrowPrimitiveType>(array: &ArrayRef, wrap: fn(Vec<T::Native>) -> Values) -> ColData
    where
        T::Native: Copy + Into<f64>,
    {
        let values = array.as_primitive::<T>();
        if values.null_count() == 0 {
            return ColData::Typed(wrap(values.values().to_vec()));
        }
        ColData::Typed(Values::F64(values.iter().map(|v| v.map_or(f64::NAN, Into::into)).collect()))
    }
    Ok(match array.data_type() {
        DataType::Float32 => nullable_floats(array, floats::<Float32Type>(array, Values::F32)),
        DataType::Float64 => nullable_floats(array, floats::<Float64Type>(array, Values::F64)),
        DataType::Int8 => ints::<Int8Type>(array, Values::I8),
        DataType::Int16 => ints::<Int16Type>(array, Values::I16),
        DataType::Int32 => ints::<Int32Type>(array, Values::I32),
        DataType::Int64 => ints_i64(array),
        DataType::UInt8 => ints::<UInt8Type>(array, Values::U8),
        DataType::UInt16 => ints::<UInt16Type>(array, Values::U16),
        DataType::UInt32 => ints::<UInt32Type>(array, Values::U32),
        DataType::UInt64 => ColData::Typed(Values::U64(array.as_primitive::<UInt64Type>().values().to_vec())),
        DataType::Boolean if array.null_count() == 0 => {
            ColData::Typed(Values::Bool(array.as_boolean().iter().map(|v| v.unwrap_or(false)).collect()))
        }
        _ => ColData::Object((0..array.len()).map(|i| cell(array, i)).collect::<Result<_, _>>()?),
    })
}

/// int64 has no lossless `Into<f64>`; nulls still turn the column into float64.
fn ints_i64(array: &ArrayRef) -> ColData {
    let values = array.as_primitive::<Int64Type>();
    if values.null_count() == 0 {
        return ColData::Typed(Values::I64(values.values().to_vec()));
    }
    ColData::Typed(Values::F64(values.iter().map(|v| v.map_or(f64::NAN, |x| x as f64)).collect()))
}

/// Null floats read as NaN.
fn nullable_floats(array: &ArrayRef, data: ColData) -> ColData {
    let ColData::Typed(values) = data else { return data };
    if array.null_count() == 0 {
        return ColData::Typed(values);
    }
    ColData::Typed(match values {
        Values::F32(mut v) => {
            (0..v.len()).filter(|&i| array.is_null(i)).for_each(|i| v[i] = f32::NAN);
            Values::F32(v)
        }
        Values::F64(mut v) => {
            (0..v.len()).filter(|&i| array.is_null(i)).for_each(|i| v[i] = f64::NAN);
            Values::F64(v)
        }
        other => other,
    })
}

/// One cell of an object column (strings, lists, nullable booleans).
fn cell(array: &ArrayRef, i: usize) -> Result<Json, String> {
    if array.is_null(i) {
        return Ok(Json::Null);
    }
    Ok(match array.data_type() {
        DataType::Utf8 => Json::Str(array.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Json::Str(array.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Json::Str(array.as_string_view().value(i).to_string()),
        DataType::Boolean => Json::Bool(array.as_boolean().value(i)),
        DataType::List(_) => list(&array.as_list::<i32>().value(i))?,
        DataType::LargeList(_) => list(&array.as_list::<i64>().value(i))?,
        DataType::Float32 => Json::Float(array.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => Json::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Int32 => Json::Int(array.as_primitive::<Int32Type>().value(i) as i128),
        DataType::Int64 => Json::Int(array.as_primitive::<Int64Type>().value(i) as i128),
        other => return Err(format!("parquet column type {other} is not supported")),
    })
}

fn list(values: &ArrayRef) -> Result<Json, String> {
    Ok(Json::List((0..values.len()).map(|i| cell(values, i)).collect::<Result<_, _>>()?))
}

/// Appends the next record batch's part of a column.
fn append(into: &mut ColData, more: ColData) {
    match (into, more) {
        (ColData::Typed(a), ColData::Typed(b)) => extend_values(a, b),
        (ColData::Object(a), ColData::Object(b)) => a.extend(b),
        (into, more) => {
            let mut cells = object_cells(std::mem::replace(into, ColData::Object(Vec::new())));
            cells.extend(object_cells(more));
            *into = ColData::Object(cells);
        }
    }
}

fn extend_values(a: &mut Values, b: Values) {
    match (a, b) {
        (Values::F32(a), Values::F32(b)) => a.extend(b),
        (Values::F64(a), Values::F64(b)) => a.extend(b),
        (Values::I8(a), Values::I8(b)) => a.extend(b),
        (Values::I16(a), Values::I16(b)) => a.extend(b),
        (Values::I32(a), Values::I32(b)) => a.extend(b),
        (Values::I64(a), Values::I64(b)) => a.extend(b),
        (Values::U8(a), Values::U8(b)) => a.extend(b),
        (Values::U16(a), Values::U16(b)) => a.extend(b),
        (Values::U32(a), Values::U32(b)) => a.extend(b),
        (Values::U64(a), Values::U64(b)) => a.extend(b),
        (Values::Bool(a), Values::Bool(b)) => a.extend(b),
        (a, b) => {
            // A column that gained nulls in a later batch: widen to float64.
            let mut wide = to_f64(a);
            wide.extend(to_f64(&b));
            *a = Values::F64(wide);
        }
    }
}

fn to_f64(values: &Values) -> Vec<f64> {
    crate::py::pandas::values_to_json(values)
        .into_iter()
        .map(|j| match j {
            Json::Float(f) => f,
            Json::Int(i) => i as f64,
            Json::Bool(b) => b as u8 as f64,
            _ => f64::NAN,
        })
        .collect()
}

fn object_cells(data: ColData) -> Vec<Json> {
    match data {
        ColData::Typed(values) => crate::py::pandas::values_to_json(&values),
        ColData::Object(cells) => cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_body(model: &str, case: &str) -> Vec<u8> {
        let path = format!("{}/../tests/conformance/{model}/{case}.json", env!("CARGO_MANIFEST_DIR"));
        let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        crate::py::base64::decode(case["request"]["body_base64"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn reads_typed_columns_written_by_pandas() {
        let frame = parse_parquet(&case_body("iris-onnx", "parquet_float32_columns")).unwrap();
        assert_eq!(frame.columns.len(), 4);
        assert!(frame.nrows > 0);
        assert!(matches!(&frame.columns[0].data, ColData::Typed(Values::F32(v)) if v.len() == frame.nrows));
        let frame = parse_parquet(&case_body("iris-onnx", "parquet_float64_columns")).unwrap();
        assert!(matches!(&frame.columns[0].data, ColData::Typed(Values::F64(_))));
    }

    #[test]
    fn reads_list_columns_as_python_lists() {
        let frame = parse_parquet(&case_body("mlp-onnx", "parquet_named_list_column")).unwrap();
        let ColData::Object(cells) = &frame.columns[0].data else { panic!("lists are objects") };
        assert!(matches!(&cells[0], Json::List(row) if row.len() == 8));
    }

    #[test]
    fn garbage_gets_pyarrows_words() {
        for body in [&b""[..], b"not parquet at all", b"PAR1garbagegarbagePAR1"] {
            let e = parse_parquet(body).unwrap_err();
            assert_eq!(e.error_code(), "BAD_REQUEST");
            assert!(e.message().starts_with(PARQUET_ERROR_PREFIX), "{}", e.message());
        }
    }
}
