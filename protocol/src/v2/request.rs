//! V2 infer requests: the JSON document (inputs with `data`) or the binary tensor
//! extension (a JSON header of `Inference-Header-Content-Length` bytes, then each
//! input's raw bytes, sized by its `binary_data_size` parameter), decoded into
//! typed tensors and enforced against the signature as `/invocations` enforces it:
//! one input per column for a column signature, named (or one unnamed) tensors
//! for a tensor signature.

use serde_json::{Map, Value};

use super::V2Error;
use super::datatype::{datatype_name, element_size, parse_datatype};
use crate::py::json::Json;
use crate::py::numpy::NdArray;
use crate::py::pandas::{ColData, Frame, FrameColumn, Label, infer_column};
use crate::schema::enforce::{PyData, enforce, params_error};
use crate::schema::params::enforce_params;
use crate::schema::signature::{Schema, Signature};
use crate::value::{Batch, DType, Params, Values};

/// An output the client asked for, and whether it wants it in binary.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedOutput {
    pub name: String,
    /// The output's `binary_data` parameter, if given.
    pub binary: Option<bool>,
}

/// A parsed, enforced infer request.
#[derive(Debug, Clone, PartialEq)]
pub struct InferRequest {
    /// The request's `id`, echoed in the response.
    pub id: Option<String>,
    /// The model input, enforced against the signature.
    pub input: Batch,
    /// Params from the request's `parameters` that the params schema names, then its defaults.
    pub params: Params,
    /// The outputs asked for (empty: all).
    pub outputs: Vec<RequestedOutput>,
    /// The request's `binary_data_output` parameter: every output in binary.
    pub binary_output: bool,
}

/// One decoded input tensor.
struct Input {
    name: String,
    shape: Vec<usize>,
    values: Values,
}

/// Parses one infer request; `header_length` is the `Inference-Header-Content-Length`
/// header (`None`: the whole body is JSON).
pub fn parse_infer_request(
    body: &[u8],
    header_length: Option<usize>,
    signature: Option<&Signature>,
) -> Result<InferRequest, V2Error> {
    let split = header_length.unwrap_or(body.len());
    if split > body.len() {
        return Err(V2Error::bad_request(format!(
            "Inference-Header-Content-Length is {split} but the body has {} bytes",
            body.len()
        )));
    }
    let (header, mut binary) = body.split_at(split);
    let doc: Value =
        serde_json::from_slice(header).map_err(|e| V2Error::bad_request(format!("invalid infer request JSON: {e}")))?;
    let doc = doc.as_object().ok_or_else(|| V2Error::bad_request("an infer request is a JSON object"))?;
    let inputs = doc
        .get("inputs")
        .and_then(Value::as_array)
        .filter(|inputs| !inputs.is_empty())
        .ok_or_else(|| V2Error::bad_request("an infer request needs a non-empty 'inputs' list"))?;
    let mut decoded = Vec::with_capacity(inputs.len());
    for input in inputs {
        decoded.push(decode_input(input, &mut binary)?);
    }
    if !binary.is_empty() {
        return Err(V2Error::bad_request(format!(
            "{} bytes of binary data are not claimed by any input",
            binary.len()
        )));
    }
    let data = to_py_data(decoded, signature.and_then(|s| s.inputs.as_ref()))?;
    if signature.is_some_and(|s| s.from_type_hint) {
        return Err(V2Error::bad_request("models with a type-hint signature take MLflow's /invocations only"));
    }
    let input = enforce(&data, signature.and_then(|s| s.inputs.as_ref()))?;
    let params = request_params(doc.get("parameters"), signature, &data)?;
    Ok(InferRequest {
        id: doc.get("id").and_then(Value::as_str).map(str::to_owned),
        input,
        params,
        outputs: requested_outputs(doc.get("outputs"))?,
        binary_output: parameter(doc.get("parameters"), "binary_data_output").and_then(Value::as_bool).unwrap_or(false),
    })
}

fn parameter<'a>(parameters: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    parameters.and_then(Value::as_object).and_then(|p| p.get(key))
}

/// The request parameters the params schema names, enforced as `/invocations`' `params`.
fn request_params(parameters: Option<&Value>, signature: Option<&Signature>, data: &PyData) -> Result<Params, V2Error> {
    let schema = signature.and_then(|s| s.params.as_ref());
    let given: Map<String, Value> = match (parameters.and_then(Value::as_object), schema) {
        (Some(p), Some(schema)) => {
            p.iter().filter(|(k, _)| schema.get(k).is_some()).map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        _ => Map::new(),
    };
    let given = Json::from_serde(&Value::Object(given));
    Ok(enforce_params(Some(&given), schema).map_err(|e| params_error(data, &e))?)
}

fn requested_outputs(outputs: Option<&Value>) -> Result<Vec<RequestedOutput>, V2Error> {
    let Some(outputs) = outputs else { return Ok(Vec::new()) };
    let outputs = outputs.as_array().ok_or_else(|| V2Error::bad_request("'outputs' must be a list"))?;
    outputs
        .iter()
        .map(|o| {
            let name = o
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| V2Error::bad_request("an output needs a 'name'"))?;
            Ok(RequestedOutput {
                name: name.into(),
                binary: parameter(o.get("parameters"), "binary_data").and_then(Value::as_bool),
            })
        })
        .collect()
}

fn decode_input(input: &Value, binary: &mut &[u8]) -> Result<Input, V2Error> {
    let name =
        input.get("name").and_then(Value::as_str).ok_or_else(|| V2Error::bad_request("an input needs a 'name'"))?;
    let bad = |what: String| V2Error::bad_request(format!("input '{name}': {what}"));
    let shape: Vec<usize> = input
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|dims| dims.iter().map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok())).collect())
        .ok_or_else(|| bad("'shape' must be a list of non-negative integers".into()))?;
    let datatype = input.get("datatype").and_then(Value::as_str).unwrap_or_default();
    let dtype = parse_datatype(datatype).ok_or_else(|| bad(format!("unsupported datatype '{datatype}'")))?;
    let count = shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d)).ok_or_else(|| bad("shape too large".into()))?;
    let values = match parameter(input.get("parameters"), "binary_data_size") {
        Some(size) => {
            let size = size.as_u64().and_then(|s| usize::try_from(s).ok()).filter(|s| *s <= binary.len());
            let size = size.ok_or_else(|| bad("'binary_data_size' exceeds the binary data sent".into()))?;
            let (raw, rest) = binary.split_at(size);
            *binary = rest;
            decode_raw(raw, dtype, count).map_err(bad)?
        }
        None => {
            let data = input.get("data").ok_or_else(|| bad("no 'data' and no 'binary_data_size'".into()))?;
            // `count` comes from the client's `shape`: never reserve by it.
            let mut leaves = Vec::new();
            flatten(data, &mut leaves);
            decode_json(&leaves, dtype).map_err(bad)?
        }
    };
    if values.len() != count {
        return Err(bad(format!("shape {shape:?} needs {count} elements, got {}", values.len())));
    }
    Ok(Input { name: name.into(), shape, values: text_if_utf8(values) })
}

fn flatten<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        leaf => out.push(leaf),
    }
}

/// `BYTES` elements that are all UTF-8 are strings, as MLflow's string columns hold them.
fn text_if_utf8(values: Values) -> Values {
    match values {
        Values::Bytes(items) => match items.iter().map(|b| std::str::from_utf8(b).ok().map(str::to_owned)).collect() {
            Some(strings) => Values::String(strings),
            None => Values::Bytes(items),
        },
        other => other,
    }
}

/// The JSON `data` of an input as its declared datatype, strictly: unlike
/// `py::numpy::cast` (numpy's `np.array(data, dtype)`, which takes `"2"` as 2.0 and
/// any value as a bool), an element of another JSON type is refused, since the
/// declared datatype is V2's contract for the data that follows it.
fn decode_json(leaves: &[&Value], dtype: DType) -> Result<Values, String> {
    let wrong = |i: usize| format!("element {i} ({}) is not {}", leaves[i], datatype_name(dtype));
    macro_rules! ints {
        ($variant:ident, $t:ty) => {
            Values::$variant(
                leaves
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.as_i64()
                            .and_then(|n| <$t>::try_from(n).ok())
                            .or_else(|| v.as_u64().and_then(|n| <$t>::try_from(n).ok()))
                            .ok_or_else(|| wrong(i))
                    })
                    .collect::<Result<_, _>>()?,
            )
        };
    }
    let float = |i: usize, v: &Value| v.as_f64().ok_or_else(|| wrong(i));
    Ok(match dtype {
        DType::F32 => Values::F32(
            leaves.iter().enumerate().map(|(i, v)| float(i, v).map(|f| f as f32)).collect::<Result<_, _>>()?,
        ),
        DType::F64 => Values::F64(leaves.iter().enumerate().map(|(i, v)| float(i, v)).collect::<Result<_, _>>()?),
        DType::I8 => ints!(I8, i8),
        DType::I16 => ints!(I16, i16),
        DType::I32 => ints!(I32, i32),
        DType::I64 => ints!(I64, i64),
        DType::U8 => ints!(U8, u8),
        DType::U16 => ints!(U16, u16),
        DType::U32 => ints!(U32, u32),
        DType::U64 => ints!(U64, u64),
        DType::Bool => Values::Bool(
            leaves.iter().enumerate().map(|(i, v)| v.as_bool().ok_or_else(|| wrong(i))).collect::<Result<_, _>>()?,
        ),
        DType::String | DType::Bytes => Values::Bytes(
            leaves
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_str().map(|s| s.as_bytes().to_vec()).ok_or_else(|| wrong(i)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// Little-endian elements, `BOOL` as one byte, `BYTES` as a 4-byte length then the bytes.
fn decode_raw(raw: &[u8], dtype: DType, count: usize) -> Result<Values, String> {
    let Some(size) = element_size(dtype) else {
        // At most one element per 4-byte length prefix, whatever `count` claims.
        let mut items = Vec::with_capacity(count.min(raw.len() / 4));
        let mut rest = raw;
        while !rest.is_empty() {
            let (len, tail) = rest.split_first_chunk::<4>().ok_or("truncated BYTES element length")?;
            let len = u32::from_le_bytes(*len) as usize;
            if len > tail.len() {
                return Err("truncated BYTES element".into());
            }
            items.push(tail[..len].to_vec());
            rest = &tail[len..];
        }
        return Ok(Values::Bytes(items));
    };
    if count.checked_mul(size) != Some(raw.len()) {
        return Err(format!("{} bytes of binary data for {count} {} elements", raw.len(), datatype_name(dtype)));
    }
    macro_rules! le {
        ($variant:ident, $t:ty) => {
            Values::$variant(
                raw.chunks_exact(size).map(|c| <$t>::from_le_bytes(c.try_into().expect("chunk size"))).collect(),
            )
        };
    }
    Ok(match dtype {
        DType::F32 => le!(F32, f32),
        DType::F64 => le!(F64, f64),
        DType::I8 => le!(I8, i8),
        DType::I16 => le!(I16, i16),
        DType::I32 => le!(I32, i32),
        DType::I64 => le!(I64, i64),
        DType::U8 => le!(U8, u8),
        DType::U16 => le!(U16, u16),
        DType::U32 => le!(U32, u32),
        DType::U64 => le!(U64, u64),
        DType::Bool => Values::Bool(raw.iter().map(|b| *b != 0).collect()),
        DType::String | DType::Bytes => unreachable!("sized above"),
    })
}

/// The inputs as the Python object MLflow's parse stage would hand to schema
/// enforcement: a DataFrame (one column per input) for a column signature, a
/// dict of arrays for named tensors, one array for an unnamed tensor or a
/// single input without signature.
fn to_py_data(inputs: Vec<Input>, schema: Option<&Schema>) -> Result<PyData, V2Error> {
    match schema {
        Some(Schema::Columns(_)) => {
            let nrows = inputs[0].shape.first().copied().unwrap_or(1);
            let mut columns = Vec::with_capacity(inputs.len());
            for input in inputs {
                if !matches!(input.shape.as_slice(), [n] | [n, 1] if *n == nrows) {
                    return Err(V2Error::bad_request(format!(
                        "input '{}': a column-based signature takes one input per column, of shape [{nrows}] or [{nrows}, 1]; got {:?}",
                        input.name, input.shape
                    )));
                }
                let data = match input.values {
                    Values::String(strings) => infer_column(strings.into_iter().map(Json::Str).collect()),
                    values => ColData::Typed(values),
                };
                columns.push(FrameColumn { label: Label::Str(input.name), data });
            }
            Ok(PyData::Frame(Frame { columns, nrows, index: None }))
        }
        Some(schema @ Schema::Tensors(_)) if !schema.has_names() => {
            let mut inputs = inputs;
            if inputs.len() != 1 {
                return Err(V2Error::bad_request(format!(
                    "the model takes one unnamed tensor; got {} inputs",
                    inputs.len()
                )));
            }
            let input = inputs.remove(0);
            Ok(PyData::Array(NdArray { shape: input.shape, values: input.values }))
        }
        None if inputs.len() == 1 => {
            let input = inputs.into_iter().next().expect("one input");
            Ok(PyData::Array(NdArray { shape: input.shape, values: input.values }))
        }
        _ => Ok(PyData::Dict(
            inputs.into_iter().map(|i| (i.name, PyData::Array(NdArray { shape: i.shape, values: i.values }))).collect(),
        )),
    }
}

#[cfg(test)]
mod tests;
