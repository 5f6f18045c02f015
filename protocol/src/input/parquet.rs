//! `application/vnd.apache.parquet` request bodies: `pd.read_parquet` semantics
//! (typed columns as pyarrow converts them to pandas) and MLflow's parquet error.
//! Unlike the JSON DataFrame formats, MLflow does not cast parquet columns to
//! the signature's types: a float64 column into a float32 tensor fails.

use parquet::basic::{ConvertedType, LogicalType, Repetition, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

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
///
/// Written on the parquet crate's row reader rather than its arrow reader: the
/// arrow reader brings arrow-array, arrow-select and arrow-ipc, which were two
/// thirds of the wasi:http front end's code (4.9 MB of 5.3 MB), for request
/// bodies of a few rows. Every column's type is checked against the schema
/// before any row is read, so the row reader never meets a type it would
/// refuse with a panic.
pub fn parse_parquet(body: &[u8]) -> Result<Frame, ScoringError> {
    if body.len() < 12 || !body.ends_with(b"PAR1") {
        // pyarrow's words, which MLflow passes on.
        return Err(parquet_error(
            "Could not open Parquet input source '<Buffer>': Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file.",
        ));
    }
    let reader =
        SerializedFileReader::new(bytes::Bytes::copy_from_slice(body)).map_err(|e| parquet_error(&e.to_string()))?;
    let fields = reader.metadata().file_metadata().schema_descr().root_schema().get_fields().to_vec();
    let kinds: Vec<Kind> =
        fields.iter().map(|f| column_kind(f)).collect::<Result<_, _>>().map_err(|e| parquet_error(&e))?;
    let mut cells: Vec<Vec<Field>> = vec![Vec::new(); kinds.len()];
    let mut nrows = 0;
    for row in reader.get_row_iter(None).map_err(|e| parquet_error(&e.to_string()))? {
        let row = row.map_err(|e| parquet_error(&e.to_string()))?;
        for (column, (_, field)) in cells.iter_mut().zip(row.into_columns()) {
            column.push(field);
        }
        nrows += 1;
    }
    let mut columns = Vec::with_capacity(fields.len());
    for ((field, kind), cells) in fields.iter().zip(kinds).zip(cells) {
        let data = column_data(kind, cells).map_err(|e| parquet_error(&e))?;
        columns.push(FrameColumn { label: Label::Str(field.name().to_string()), data });
    }
    // pandas turns a stored non-default index back into the index.
    columns.retain(|c| !matches!(&c.label, Label::Str(name) if name.starts_with("__index_level_")));
    Ok(Frame { columns, nrows, index: None })
}

/// How pandas holds a column after `read_parquet`: a numpy dtype, or objects
/// (strings, lists, nullable booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    Object,
}

/// The kind of a top-level column, or why it is not read.
fn column_kind(field: &Type) -> Result<Kind, String> {
    if field.is_group() || field.get_basic_info().repetition() == Repetition::REPEATED {
        check_nested(field, true)?;
        return Ok(Kind::Object);
    }
    leaf_kind(field)
}

/// A nested column must be lists of lists … of supported values (pyarrow's
/// `list<…>`); structs and maps are refused.
fn check_nested(t: &Type, top: bool) -> Result<(), String> {
    if t.is_primitive() {
        return leaf_kind(t).map(drop);
    }
    let info = t.get_basic_info();
    let list =
        info.converted_type() == ConvertedType::LIST || matches!(info.logical_type_ref(), Some(LogicalType::List));
    let repeated = info.has_repetition() && info.repetition() == Repetition::REPEATED;
    if t.get_fields().len() != 1 || !(list || (repeated && !top)) {
        return Err(format!("parquet column type {} (a struct or map) is not supported", t.name()));
    }
    check_nested(&t.get_fields()[0], false)
}

/// The kind of a primitive column, from its physical and logical types.
fn leaf_kind(t: &Type) -> Result<Kind, String> {
    let info = t.get_basic_info();
    let physical = t.get_physical_type();
    let kind = match (physical, info.converted_type()) {
        (Physical::BOOLEAN, ConvertedType::NONE) => Some(Kind::Bool),
        (Physical::INT32, ConvertedType::NONE | ConvertedType::INT_32) => Some(Kind::I32),
        (Physical::INT32, ConvertedType::INT_8) => Some(Kind::I8),
        (Physical::INT32, ConvertedType::INT_16) => Some(Kind::I16),
        (Physical::INT32, ConvertedType::UINT_8) => Some(Kind::U8),
        (Physical::INT32, ConvertedType::UINT_16) => Some(Kind::U16),
        (Physical::INT32, ConvertedType::UINT_32) => Some(Kind::U32),
        (Physical::INT64, ConvertedType::NONE | ConvertedType::INT_64) => Some(Kind::I64),
        (Physical::INT64, ConvertedType::UINT_64) => Some(Kind::U64),
        (Physical::FLOAT, ConvertedType::NONE) => Some(Kind::F32),
        (Physical::DOUBLE, ConvertedType::NONE) => Some(Kind::F64),
        (Physical::BYTE_ARRAY, ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON) => Some(Kind::Object),
        _ => None,
    };
    // A logical type with no converted type (nanosecond timestamps, float16, UUID…)
    // is not the plain number it is stored as.
    let plain = info.converted_type() != ConvertedType::NONE
        || matches!(info.logical_type_ref(), None | Some(LogicalType::Integer { .. } | LogicalType::String));
    match kind {
        Some(kind) if plain => Ok(kind),
        _ => {
            let logical =
                info.logical_type_ref().map_or_else(|| format!("{}", info.converted_type()), |l| format!("{l:?}"));
            Err(format!("parquet column type {physical} ({logical}) is not supported"))
        }
    }
}

/// One column as pandas holds it after `read_parquet`: nulls read as NaN in
/// float columns and turn integer columns into float64, as pyarrow converts them.
fn column_data(kind: Kind, cells: Vec<Field>) -> Result<ColData, String> {
    let has_null = cells.iter().any(|f| matches!(f, Field::Null));
    /// The cells as one numeric type; `None` when one is not (never, for a checked schema).
    fn typed<T>(cells: &[Field], read: fn(&Field) -> Option<T>) -> Result<Vec<T>, String> {
        cells.iter().map(|f| read(f).ok_or_else(|| format!("unexpected parquet value {f}"))).collect()
    }
    let values = match (kind, has_null) {
        (Kind::Object, _) | (Kind::Bool, true) => {
            return Ok(ColData::Object(cells.iter().map(cell).collect::<Result<_, _>>()?));
        }
        (Kind::F32, _) => Values::F32(typed(&cells, |f| match f {
            Field::Float(v) => Some(*v),
            Field::Null => Some(f32::NAN),
            _ => None,
        })?),
        (Kind::Bool, false) => Values::Bool(typed(&cells, |f| if let Field::Bool(b) = f { Some(*b) } else { None })?),
        (_, true) => Values::F64(typed(&cells, |f| match f {
            Field::Null => Some(f64::NAN),
            other => number(other),
        })?),
        (Kind::F64, false) => Values::F64(typed(&cells, number)?),
        (Kind::I8, false) => Values::I8(typed(&cells, |f| if let Field::Byte(v) = f { Some(*v) } else { None })?),
        (Kind::I16, false) => Values::I16(typed(&cells, |f| if let Field::Short(v) = f { Some(*v) } else { None })?),
        (Kind::I32, false) => Values::I32(typed(&cells, |f| if let Field::Int(v) = f { Some(*v) } else { None })?),
        (Kind::I64, false) => Values::I64(typed(&cells, |f| if let Field::Long(v) = f { Some(*v) } else { None })?),
        (Kind::U8, false) => Values::U8(typed(&cells, |f| if let Field::UByte(v) = f { Some(*v) } else { None })?),
        (Kind::U16, false) => Values::U16(typed(&cells, |f| if let Field::UShort(v) = f { Some(*v) } else { None })?),
        (Kind::U32, false) => Values::U32(typed(&cells, |f| if let Field::UInt(v) = f { Some(*v) } else { None })?),
        (Kind::U64, false) => Values::U64(typed(&cells, |f| if let Field::ULong(v) = f { Some(*v) } else { None })?),
    };
    Ok(ColData::Typed(values))
}

/// A numeric cell as float64 (pyarrow's widening of a nullable integer column).
fn number(field: &Field) -> Option<f64> {
    Some(match *field {
        Field::Double(v) => v,
        Field::Float(v) => v as f64,
        Field::Byte(v) => v as f64,
        Field::Short(v) => v as f64,
        Field::Int(v) => v as f64,
        Field::Long(v) => v as f64,
        Field::UByte(v) => v as f64,
        Field::UShort(v) => v as f64,
        Field::UInt(v) => v as f64,
        Field::ULong(v) => v as f64,
        _ => return None,
    })
}

/// One cell of an object column (strings, lists, nullable booleans).
fn cell(field: &Field) -> Result<Json, String> {
    Ok(match field {
        Field::Null => Json::Null,
        Field::Str(s) => Json::Str(s.clone()),
        Field::Bool(b) => Json::Bool(*b),
        Field::ListInternal(list) => Json::List(list.elements().iter().map(cell).collect::<Result<_, _>>()?),
        Field::Float(v) => Json::Float(*v as f64),
        Field::Double(v) => Json::Float(*v),
        Field::Byte(v) => Json::Int(*v as i128),
        Field::Short(v) => Json::Int(*v as i128),
        Field::Int(v) => Json::Int(*v as i128),
        Field::Long(v) => Json::Int(*v as i128),
        Field::UByte(v) => Json::Int(*v as i128),
        Field::UShort(v) => Json::Int(*v as i128),
        Field::UInt(v) => Json::Int(*v as i128),
        Field::ULong(v) => Json::Int(*v as i128),
        other => return Err(format!("unexpected parquet value {other}")),
    })
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

    /// A body written by pandas (tests/fixtures/parquet/make.py).
    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../tests/fixtures/parquet/{name}.parquet", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn nulls_read_as_pyarrow_converts_them() {
        let frame = parse_parquet(&fixture("nulls")).unwrap();
        let column = |name: &str| &frame.columns.iter().find(|c| c.label == Label::Str(name.into())).unwrap().data;
        // A nullable integer column becomes float64 with NaN; floats keep NaN.
        for name in ["i", "f"] {
            let ColData::Typed(Values::F64(v)) = column(name) else { panic!("{name}: {:?}", column(name)) };
            assert!(v[0] == 1.0 && v[1].is_nan() && v[2] == 3.0, "{name}: {v:?}");
        }
        // Booleans and strings with a null are object columns holding None.
        assert!(matches!(column("b"), ColData::Object(c) if c[1] == Json::Null && c[2] == Json::Bool(false)));
        assert!(matches!(column("s"), ColData::Object(c) if c[1] == Json::Null && c[2] == Json::Str("c".into())));
        assert!(matches!(column("u8"), ColData::Typed(Values::U8(v)) if v == &[1, 2, 3]));
        assert_eq!(frame.nrows, 3);
    }

    #[test]
    fn gzip_and_several_row_groups_read_as_one_column() {
        let frame = parse_parquet(&fixture("gzip_row_groups")).unwrap();
        let ColData::Typed(Values::F64(v)) = &frame.columns[0].data else { panic!("{:?}", frame.columns) };
        assert_eq!(v, &(0..10).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn an_empty_frame_keeps_its_typed_columns() {
        let frame = parse_parquet(&fixture("empty")).unwrap();
        assert_eq!(frame.nrows, 0);
        assert!(matches!(&frame.columns[..], [c] if matches!(&c.data, ColData::Typed(Values::F32(v)) if v.is_empty())));
    }

    #[test]
    fn unsupported_codecs_and_types_get_mlflows_error_naming_them() {
        for (name, named) in [("zstd", "zstd"), ("timestamps", "Timestamp"), ("struct", "struct or map")] {
            let e = parse_parquet(&fixture(name)).unwrap_err();
            assert_eq!(e.error_code(), "BAD_REQUEST");
            assert!(e.message().starts_with(PARQUET_ERROR_PREFIX) && e.message().contains(named), "{}", e.message());
        }
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
