//! `text/csv` request bodies: `pd.read_csv` semantics (header row, per-column
//! dtype inference or the signature's column types) and MLflow's CSV errors.

use crate::error::ScoringError;
use crate::py::json::Json;
use crate::py::numpy::{py_parse_float, py_parse_int};
use crate::py::pandas::{Frame, FrameColumn, Label, infer_column};
use crate::py::repr::py_str_repr;
use crate::schema::signature::{ColType, Schema};
use crate::value::DType;

const CSV_ERROR_PREFIX: &str = "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method.";

fn csv_error(detail: &str, trace: String) -> ScoringError {
    ScoringError::BadRequest { message: format!("{CSV_ERROR_PREFIX} Error: '{detail}'"), stack_trace: Some(trace) }
}

/// Reads a CSV body into a DataFrame.
pub fn parse_csv(body: &[u8], schema: Option<&Schema>) -> Result<Frame, ScoringError> {
    // MLflow 3.17 cannot read CSV for a tensor signature at all (it asks the
    // schema for pandas types and raises "TensorSpec only supports numpy
    // types"). wasmflow differs on purpose: it reads the CSV with inferred
    // column types, and the caller casts it like a `dataframe_split` body.
    let schema = match schema {
        Some(Schema::Tensors(_)) => None,
        other => other,
    };
    let fail = |detail: String| {
        let trace = format!(
            "Traceback (most recent call last):\n  File \"mlflow/pyfunc/scoring_server/__init__.py\", in parse_csv_input\n    return pd.read_csv(csv_input, dtype=dtypes)\nValueError: {detail}\n"
        );
        csv_error(&detail, trace)
    };
    let text = std::str::from_utf8(body).map_err(|e| {
        fail(format!("'utf-8' codec can't decode byte at position {}: invalid start byte", e.valid_up_to()))
    })?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| fail(format!("Error tokenizing data. {e}")))?;
        // pandas skips blank lines.
        if rec.len() == 1 && rec[0].trim().is_empty() {
            continue;
        }
        records.push(rec.iter().map(str::to_string).collect());
    }
    if records.is_empty() {
        return Err(fail("No columns to parse from file".into()));
    }
    let header = records.remove(0);
    let width = header.len();
    for (i, r) in records.iter().enumerate() {
        if r.len() > width {
            return Err(fail(format!(
                "Error tokenizing data. C error: Expected {width} fields in line {}, saw {}\n",
                i + 2,
                r.len()
            )));
        }
    }
    // pandas de-duplicates header names (`a`, `a.1`) and names blanks `Unnamed: i`.
    let mut names: Vec<String> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let mut name = if h.is_empty() { format!("Unnamed: {i}") } else { h.clone() };
        let base = name.clone();
        let mut k = 1;
        while names.contains(&name) {
            name = format!("{base}.{k}");
            k += 1;
        }
        names.push(name);
    }
    let mut columns = Vec::with_capacity(width);
    for (j, name) in names.iter().enumerate() {
        let raw: Vec<&str> = records.iter().map(|r| r.get(j).map_or("", String::as_str)).collect();
        let ty = column_type(schema, name, j);
        let cells = match ty {
            Some(ty) => typed_cells(&raw, ty, j).map_err(fail)?,
            None => inferred_cells(&raw),
        };
        columns.push(FrameColumn { label: Label::Str(name.clone()), data: infer_column(cells) });
    }
    let mut frame = Frame { columns, nrows: records.len(), index: None };
    // Apply the read_csv dtype exactly (e.g. int32, float32).
    if let Some(Schema::Columns(_)) = schema {
        for (j, name) in names.iter().enumerate() {
            if let Some(dtype) = column_type(schema, name, j).and_then(ColType::dtype)
                && !matches!(dtype, DType::String | DType::Bytes)
            {
                frame.astype_column(j, dtype).map_err(fail)?;
            }
        }
    }
    Ok(frame)
}

fn column_type<'a>(schema: Option<&'a Schema>, name: &str, j: usize) -> Option<&'a ColType> {
    let Some(Schema::Columns(cols)) = schema else {
        return None;
    };
    if cols.first().is_some_and(|c| c.name.is_some()) {
        cols.iter().find(|c| c.name.as_deref() == Some(name)).map(|c| &c.ty)
    } else {
        cols.get(j).map(|c| &c.ty)
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "True" | "TRUE" | "true" => Some(true),
        "False" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

/// Cells of column `j` read with an explicit dtype (pandas' C parser names
/// columns by position in its errors).
fn typed_cells(raw: &[&str], ty: &ColType, j: usize) -> Result<Vec<Json>, String> {
    if matches!(ty, ColType::Datetime) {
        return Err(
            "the dtype datetime64[ns] is not supported for parsing, pass this column using parse_dates instead".into(),
        );
    }
    let int_name = if matches!(ty, ColType::Integer) { DType::I32 } else { DType::I64 }.numpy_name();
    raw.iter()
        .map(|s| match ty {
            ColType::Integer | ColType::Long => {
                if s.is_empty() {
                    return Err(format!("Integer column has NA values in column {j}"));
                }
                if let Some(i) = py_parse_int(s) {
                    return Ok(Json::Int(i));
                }
                match py_parse_float(s) {
                    Some(f) if f.fract() == 0.0 && f.is_finite() => Ok(Json::Int(f as i128)),
                    Some(_) => Err(format!(
                        "cannot safely convert passed user dtype of {int_name} for float64 dtyped data in column {j}"
                    )),
                    None => Err(format!("invalid literal for int() with base 10: {}", py_str_repr(s))),
                }
            }
            ColType::Float | ColType::Double => {
                if s.is_empty() {
                    return Ok(Json::Float(f64::NAN));
                }
                py_parse_float(s)
                    .map(Json::Float)
                    .ok_or_else(|| format!("could not convert string to float: {}", py_str_repr(s)))
            }
            ColType::Boolean => match *s {
                "1" => Ok(Json::Bool(true)),
                "0" => Ok(Json::Bool(false)),
                other => parse_bool(other).map(Json::Bool).ok_or_else(|| {
                    format!("cannot safely convert passed user dtype of bool for object dtyped data in column {j}")
                }),
            },
            _ => Ok(if s.is_empty() { Json::Null } else { Json::Str(s.to_string()) }),
        })
        .collect()
}

/// Cells of a column whose dtype pandas infers.
fn inferred_cells(raw: &[&str]) -> Vec<Json> {
    let present: Vec<&str> = raw.iter().copied().filter(|s| !s.is_empty()).collect();
    if present.is_empty() {
        return raw.iter().map(|_| Json::Float(f64::NAN)).collect();
    }
    let has_na = present.len() != raw.len();
    if !has_na && present.iter().all(|s| py_parse_int(s).is_some() && !s.contains('_')) {
        return raw.iter().map(|s| Json::Int(py_parse_int(s).unwrap_or(0))).collect();
    }
    if present.iter().all(|s| py_parse_float(s).is_some() && !s.contains('_')) {
        return raw.iter().map(|s| Json::Float(py_parse_float(s).unwrap_or(f64::NAN))).collect();
    }
    if !has_na && present.iter().all(|s| parse_bool(s).is_some()) {
        return raw.iter().map(|s| Json::Bool(parse_bool(s) == Some(true))).collect();
    }
    raw.iter().map(|s| if s.is_empty() { Json::Float(f64::NAN) } else { Json::Str(s.to_string()) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::pandas::ColData;
    use crate::value::Values;

    #[test]
    fn infers_like_pandas() {
        let f = parse_csv(b"a,b,c,d\n1,1.5,x,True\n2,,y,False\n", None).unwrap();
        assert_eq!(f.nrows, 2);
        assert_eq!(f.columns[0].data, ColData::Typed(Values::I64(vec![1, 2])));
        let ColData::Typed(Values::F64(b)) = &f.columns[1].data else { panic!() };
        assert!(b[1].is_nan());
        assert!(matches!(f.columns[2].data, ColData::Object(_)));
        assert_eq!(f.columns[3].data, ColData::Typed(Values::Bool(vec![true, false])));
    }

    #[test]
    fn errors_like_mlflow() {
        let e = parse_csv(b"", None).unwrap_err();
        assert_eq!(
            e.message(),
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. Error: 'No columns to parse from file'"
        );
        assert!(e.stack_trace().is_some());
        let tensor =
            Schema::from_json_str(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#)
                .unwrap();
        // MLflow 3.17 fails here ("TensorSpec only supports numpy types"); we read the CSV.
        assert_eq!(parse_csv(b"a\n1\n", Some(&tensor)).unwrap().nrows, 1);
        let e = parse_csv(b"a,b\n1,2,3\n", None).unwrap_err();
        assert!(e.message().contains("Expected 2 fields in line 2, saw 3"));
    }

    #[test]
    fn typed_by_schema() {
        let s = Schema::from_json_str(
            r#"[{"name": "a", "type": "float"}, {"name": "b", "type": "integer"}, {"name": "c", "type": "string"}]"#,
        )
        .unwrap();
        let f = parse_csv(b"a,b,c\n1,2,3\n", Some(&s)).unwrap();
        assert_eq!(f.columns[0].data, ColData::Typed(Values::F32(vec![1.0])));
        assert_eq!(f.columns[1].data, ColData::Typed(Values::I32(vec![2])));
        assert!(matches!(f.columns[2].data, ColData::Object(_)));
        let e = parse_csv(b"a,b,c\nx,2,3\n", Some(&s)).unwrap_err();
        assert!(e.message().ends_with("Error: 'could not convert string to float: 'x''"));
    }
}
