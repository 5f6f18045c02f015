//! MLflow's schema enforcement (`_enforce_schema`): checks the parsed input
//! against the signature's input schema (names, shapes, dtypes, column types)
//! and turns it into the typed `Batch` handed to the model flavor.

use crate::error::ScoringError;
use crate::py::json::{Json, py_shape_repr, py_str_list_repr, py_str_repr};
use crate::py::numpy::{self, CastMode, NdArray};
use crate::py::pandas::{ColData, Frame, FrameColumn, Label, values_to_json};
use crate::schema::signature::{ColSpec, ColType, Schema, TensorSpec};
use crate::value::{Batch, Column, DType, Tensor, Values};

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

/// `_enforce_tensor_spec`: rank, fixed dims, exact dtype.
fn check_tensor(a: &NdArray, spec: &TensorSpec) -> Result<(), String> {
    let object_any = spec.dtype_name == "object" && spec.shape == [-1];
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

fn tensor(name: Option<String>, a: NdArray) -> Tensor {
    Tensor { name, shape: a.shape, values: a.values }
}

/// `_reshape_and_cast_pandas_column_values`: one DataFrame column → a tensor.
/// `name` is what MLflow prints: the column label, or `None` for the single
/// column of an unnamed tensor.
fn column_to_tensor(col: &FrameColumn, spec: &TensorSpec, name: &str) -> Result<NdArray, String> {
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

fn enforce_unnamed_tensor(data: &PyData, spec: &TensorSpec) -> Result<Batch, String> {
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
fn frame_to_matrix(f: &Frame) -> NdArray {
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

fn missing_message(missing: &[String], extras: &[String]) -> String {
    let mut msg = format!("Model is missing inputs {}.", py_str_list_repr(missing));
    if !extras.is_empty() {
        msg.push_str(&format!(" Note that there were extra inputs: [{}].", extras.join(", ")));
    }
    msg
}

fn enforce_named_tensors(data: &PyData, specs: &[TensorSpec]) -> Result<Batch, String> {
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

/// MLflow's dict/list/array → DataFrame normalisation for column schemas.
fn to_frame(data: &PyData, cols: &[ColSpec]) -> Result<Frame, String> {
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

/// numpy name of the type a column type is checked against.
fn target_name(ty: &ColType) -> &'static str {
    match ty {
        ColType::String => "str",
        ColType::Binary => "bytes",
        ColType::Datetime => "datetime64[ns]",
        other => other.dtype().map_or("object", DType::numpy_name),
    }
}

fn itemsize(d: DType) -> usize {
    match d {
        DType::I8 | DType::U8 | DType::Bool => 1,
        DType::I16 | DType::U16 => 2,
        DType::I32 | DType::U32 | DType::F32 => 4,
        _ => 8,
    }
}

fn is_int(d: DType) -> bool {
    matches!(d, DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8 | DType::U16 | DType::U32 | DType::U64)
}

fn is_unsigned(d: DType) -> bool {
    matches!(d, DType::U8 | DType::U16 | DType::U32 | DType::U64)
}

/// `_enforce_mlflow_datatype`: the strict column type check.
fn check_column(name: &str, data: &ColData, ty: &ColType) -> Result<Values, String> {
    if matches!(ty, ColType::Datetime) {
        // astype(datetime64[ns]); the model gets pandas' isoformat() text.
        let cells = data.cells();
        let mut out = Vec::with_capacity(cells.len());
        for c in &cells {
            match c {
                Json::Str(s) => match iso_datetime(s) {
                    Some(iso) => out.push(iso),
                    None => {
                        return Err(format!(
                            "Failed to convert column {name} from type {} to datetime.",
                            match data {
                                ColData::Typed(v) => v.dtype().numpy_name(),
                                ColData::Object(_) => "object",
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
    let cells = data.cells();
    let refs: Vec<&Json> = cells.iter().collect();
    let incompatible = |src: &str, hint: &str| {
        format!(
            "Incompatible input types for column {name}. Can not safely convert {src} to {}.{hint}",
            target_name(ty)
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
                ColData::Object(_) => return Err(incompatible("object", "")),
            }
        }
        ColData::Typed(v) => v.dtype(),
    };
    let ok = if src == target {
        true
    } else if matches!(ty, ColType::Datetime) {
        src == DType::String
    } else if is_int(src) && is_int(target) {
        if is_unsigned(src) == is_unsigned(target) {
            itemsize(src) <= itemsize(target)
        } else {
            is_unsigned(src) && itemsize(src) < itemsize(target)
        }
    } else if matches!(src, DType::F32 | DType::F64) && matches!(target, DType::F32 | DType::F64) {
        itemsize(src) <= itemsize(target)
    } else if is_int(src) && target == DType::F64 && itemsize(src) <= 4 {
        true
    } else {
        src == DType::I64
            && matches!(target, DType::F32 | DType::F64)
            && cells.iter().all(|c| matches!(c, Json::Int(0 | 1)))
    };
    if !ok {
        let hint = if src == DType::F64
            && is_int(target)
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

/// pandas' `Timestamp(s).isoformat()` for the usual ISO 8601 forms
/// (`2024-01-02`, `2024-01-02 10:30`, `2024-01-02T10:30:00.5`).
pub fn iso_datetime(s: &str) -> Option<String> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let d: Vec<&str> = date.split('-').collect();
    let num = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    if d.len() != 3 || !num(d[0], 4) || !num(d[1], 2) || !num(d[2], 2) {
        return None;
    }
    let (month, day): (u32, u32) = (d[1].parse().ok()?, d[2].parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut hh, mut mm, mut ss, mut frac) = ("00", "00", "00", "");
    if let Some(t) = time {
        let (hms, f) = t.split_once('.').unwrap_or((t, ""));
        let parts: Vec<&str> = hms.split(':').collect();
        if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| num(p, 2)) {
            return None;
        }
        if !f.bytes().all(|b| b.is_ascii_digit()) || f.len() > 9 {
            return None;
        }
        hh = parts[0];
        mm = parts.get(1).copied().unwrap_or("00");
        ss = parts.get(2).copied().unwrap_or("00");
        frac = f;
    }
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() {
        String::new()
    } else if frac.len() <= 6 {
        format!(".{frac:0<6}")
    } else {
        format!(".{frac:0<9}")
    };
    Some(format!("{date}T{hh}:{mm}:{ss}{frac}"))
}

fn enforce_columns(data: &PyData, cols: &[ColSpec]) -> Result<Batch, String> {
    let frame = to_frame(data, cols)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;

    fn arr(text: &str, dtype: Option<DType>) -> PyData {
        PyData::Array(numpy::from_json(&parse(text).unwrap(), dtype, CastMode::Construct).unwrap())
    }

    fn schema(text: &str) -> Schema {
        Schema::from_json_str(text).unwrap()
    }

    const IRIS: &str = r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]"#;

    #[test]
    fn unnamed_tensor_shape_errors() {
        let s = schema(IRIS);
        let e = enforce(&arr("[[5.1, 3.5, 1.4]]", Some(DType::F32)), Some(&s)).unwrap_err();
        assert_eq!(
            e.message(),
            "Failed to predict data '[[5.1 3.5 1.4]]'. \nError: Failed to enforce schema of data '[[5.1 3.5 1.4]]' with schema '[Tensor('float32', (-1, 4))]'. Error: Shape of input (1, 3) does not match expected shape (-1, 4)."
        );
        assert_eq!(e.error_code(), "INVALID_PARAMETER_VALUE");
        let e = enforce(&PyData::Raw(parse("[]").unwrap()), Some(&s)).unwrap_err();
        assert!(e.message().ends_with("but an input of type <class 'list'> was found."));
        let e = enforce(&arr("[[1, 2, 3, 4]]", Some(DType::F64)), Some(&s)).unwrap_err();
        assert!(e.message().ends_with("Error: dtype of input float64 does not match expected dtype float32"));
    }

    #[test]
    fn unnamed_tensor_ok() {
        let s = schema(IRIS);
        let b = enforce(&arr("[[5, 4, 1, 0]]", Some(DType::F32)), Some(&s)).unwrap();
        assert_eq!(
            b,
            Batch::Tensors(vec![Tensor {
                name: None,
                shape: vec![1, 4],
                values: Values::F32(vec![5.0, 4.0, 1.0, 0.0])
            }])
        );
    }

    #[test]
    fn frame_into_unnamed_tensor() {
        let s = schema(IRIS);
        let mut f = Frame::from_split(&parse("[[5.1, 3.5, 1.4, 0.2]]").unwrap(), None, None).unwrap();
        for i in 0..4 {
            f.astype_column(i, DType::F32).unwrap();
        }
        let b = enforce(&PyData::Frame(f), Some(&s)).unwrap();
        let Batch::Tensors(t) = b else { panic!() };
        assert_eq!(t[0].shape, vec![1, 4]);
        let f = Frame::from_split(&parse("[[5.1, 3.5, 1.4]]").unwrap(), None, None).unwrap();
        let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
        assert!(e.message().contains("the input DataFrame passed had 3 columns and an input shape of (-1, 4)"));
    }

    #[test]
    fn named_tensors() {
        let s = schema(
            r#"[{"name": "features", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]"#,
        );
        let d = PyData::Dict(vec![("features".into(), arr("[[1, 2]]", Some(DType::F32)))]);
        let Batch::Tensors(t) = enforce(&d, Some(&s)).unwrap() else { panic!() };
        assert_eq!(t[0].name.as_deref(), Some("features"));
        let f = Frame::from_split(&parse("[[1, 2]]").unwrap(), None, None).unwrap();
        let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
        assert!(
            e.message()
                .ends_with("Error: Model is missing inputs ['features']. Note that there were extra inputs: [0, 1]."),
            "{}",
            e.message()
        );
        let f = Frame::from_records(&parse(r#"[{"features": [1, 2]}, {"features": [3, 4]}]"#).unwrap()).unwrap();
        let Batch::Tensors(t) = enforce(&PyData::Frame(f), Some(&s)).unwrap() else { panic!() };
        assert_eq!(t[0].shape, vec![2, 2]);
        assert_eq!(t[0].values, Values::F32(vec![1.0, 2.0, 3.0, 4.0]));
        let d = PyData::Raw(parse(r#"{"input": [1]}"#).unwrap());
        let e = enforce(&d, Some(&s)).unwrap_err();
        assert!(
            e.message().ends_with(
                "Error: Model is missing inputs ['features']. Note that there were extra inputs: ['input']."
            )
        );
        let d = PyData::Raw(parse(r#"{"features": [[1, 2]]}"#).unwrap());
        let e = enforce(&d, Some(&s)).unwrap_err();
        assert!(e.message().ends_with("but a dict with value type <class 'list'> was found."), "{}", e.message());
    }

    #[test]
    fn columns_select_order_and_missing() {
        let s = schema(
            r#"[{"name": "b", "type": "double"}, {"name": "a", "type": "long"}, {"name": "c", "type": "string", "required": false}]"#,
        );
        let f = Frame::from_records(&parse(r#"[{"a": 1, "b": 2.5, "x": 0}]"#).unwrap()).unwrap();
        let Batch::Table(cols) = enforce(&PyData::Frame(f), Some(&s)).unwrap() else { panic!() };
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["b", "a"]);
        let f = Frame::from_records(&parse(r#"[{"x": 1}]"#).unwrap()).unwrap();
        let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
        assert!(
            e.message()
                .ends_with("Error: Model is missing inputs ['b', 'a']. Note that there were extra inputs: ['x'].")
        );
        // strict: int64 → double is refused in-process.
        let s = schema(r#"[{"name": "d", "type": "double"}]"#);
        let f = Frame::from_records(&parse(r#"[{"d": 2}]"#).unwrap()).unwrap();
        let e = enforce(&PyData::Frame(f), Some(&s)).unwrap_err();
        assert!(
            e.message().ends_with("Incompatible input types for column d. Can not safely convert int64 to float64."),
            "{}",
            e.message()
        );
    }

    #[test]
    fn unnamed_columns() {
        let s = schema(r#"[{"type": "string"}]"#);
        let d = arr(r#"["a", "b"]"#, Some(DType::String));
        let Batch::Table(cols) = enforce(&d, Some(&s)).unwrap() else { panic!() };
        assert_eq!(cols[0].name, "0");
        let s = schema(r#"[{"type": "double"}, {"type": "double"}]"#);
        let e = enforce(&arr("[1.0]", None), Some(&s)).unwrap_err();
        assert!(
            e.message().contains("The model signature declares 2 inputs  but the provided value only has 1 inputs.")
        );
    }

    #[test]
    fn no_schema() {
        assert!(matches!(enforce(&arr("[1, 2]", None), None).unwrap(), Batch::Tensors(_)));
        let d = PyData::Raw(parse(r#"{"prompt": "hi"}"#).unwrap());
        assert_eq!(enforce(&d, None).unwrap(), Batch::Json(parse(r#"{"prompt": "hi"}"#).unwrap()));
    }
}
