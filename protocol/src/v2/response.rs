//! V2 infer responses: one output per tensor (named by the prediction, else
//! `output-<i>`), per column of a table (shape `[rows, 1]`), per key of a
//! free-form dict of flat lists, else one `BYTES` element holding the JSON of a
//! free-form prediction; each in JSON `data` or, when asked, in the binary
//! tensor extension.

use serde_json::{Map, Value, json};

use super::V2Error;
use super::datatype::datatype_name;
use super::request::RequestedOutput;
use crate::py::json::{Json, write_json};
use crate::value::{Batch, Values};

/// An encoded infer response.
#[derive(Debug, Clone, PartialEq)]
pub struct InferAnswer {
    pub content_type: &'static str,
    /// The `Inference-Header-Content-Length` to send, when binary data follow the JSON.
    pub header_length: Option<usize>,
    pub body: Vec<u8>,
}

/// One output before encoding.
struct Output {
    name: String,
    shape: Vec<usize>,
    values: Values,
}

fn outputs_of(batch: &Batch) -> Vec<Output> {
    match batch {
        Batch::Tensors(tensors) => tensors
            .iter()
            .enumerate()
            .map(|(i, t)| Output {
                name: t.name.clone().unwrap_or_else(|| format!("output-{i}")),
                shape: t.shape.clone(),
                values: t.values.clone(),
            })
            .collect(),
        Batch::Table(columns) => columns
            .iter()
            .map(|c| Output { name: c.name.clone(), shape: vec![c.values.len(), 1], values: c.values.clone() })
            .collect(),
        Batch::Json(Json::Dict(entries)) if let Some(outputs) = typed_entries(entries) => outputs,
        Batch::Json(doc) => {
            let mut text = String::new();
            write_json(&mut text, doc);
            vec![Output { name: "output-0".into(), shape: vec![1], values: Values::String(vec![text]) }]
        }
    }
}

/// A free-form dict of columns (`{"name": ["a", "b"], "risk": [0.1, 0.5]}`, a
/// scalar counting as one element) as one typed output per key; `None` when a
/// value is nested or mixes types.
fn typed_entries(entries: &[(String, Json)]) -> Option<Vec<Output>> {
    entries
        .iter()
        .map(|(name, value)| {
            let cells = match value {
                Json::List(cells) => cells.as_slice(),
                scalar => std::slice::from_ref(scalar),
            };
            let all = |f: fn(&Json) -> bool| cells.iter().all(f);
            let values = if all(|c| matches!(c, Json::Str(_))) {
                Values::String(cells.iter().map(Json::py_str).collect())
            } else if all(|c| matches!(c, Json::Bool(_))) {
                Values::Bool(cells.iter().map(|c| matches!(c, Json::Bool(true))).collect())
            } else if all(|c| matches!(c, Json::Int(i) if i64::try_from(*i).is_ok())) {
                Values::I64(
                    cells
                        .iter()
                        .filter_map(|c| if let Json::Int(i) = c { i64::try_from(*i).ok() } else { None })
                        .collect(),
                )
            } else if all(|c| matches!(c, Json::Int(_) | Json::Float(_))) {
                Values::F64(
                    cells
                        .iter()
                        .map(|c| {
                            if let Json::Float(f) = c {
                                *f
                            } else if let Json::Int(i) = c {
                                *i as f64
                            } else {
                                0.0
                            }
                        })
                        .collect(),
                )
            } else {
                return None;
            };
            Some(Output { name: name.clone(), shape: vec![values.len()], values })
        })
        .collect()
}

/// Encodes `prediction` as the response to a request with `id` for `model_name`
/// (`version`), keeping the `requested` outputs (all if none), in binary where asked.
pub fn encode_infer_response(
    model_name: &str,
    version: Option<&str>,
    id: Option<&str>,
    prediction: &Batch,
    requested: &[RequestedOutput],
    binary_output: bool,
) -> Result<InferAnswer, V2Error> {
    let mut outputs = outputs_of(prediction);
    let mut binary_of = vec![binary_output; outputs.len()];
    if !requested.is_empty() {
        let mut kept = Vec::with_capacity(requested.len());
        binary_of.clear();
        for want in requested {
            let index = outputs.iter().position(|o| o.name == want.name).ok_or_else(|| {
                let names: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
                V2Error::bad_request(format!("unknown output '{}': the model's outputs are {names:?}", want.name))
            })?;
            kept.push(index);
            binary_of.push(want.binary.unwrap_or(binary_output));
        }
        let mut all: Vec<Option<Output>> = outputs.into_iter().map(Some).collect();
        outputs = kept.into_iter().filter_map(|i| all[i].take()).collect();
    }
    let mut raw = Vec::new();
    let mut encoded = Vec::with_capacity(outputs.len());
    for (output, binary) in outputs.iter().zip(binary_of) {
        let mut entry = Map::new();
        entry.insert("name".into(), json!(output.name));
        entry.insert("datatype".into(), json!(datatype_name(output.values.dtype())));
        entry.insert("shape".into(), json!(output.shape));
        if binary {
            let start = raw.len();
            write_raw(&output.values, &mut raw);
            entry.insert("parameters".into(), json!({ "binary_data_size": raw.len() - start }));
        } else {
            entry.insert("data".into(), json_data(&output.values));
        }
        encoded.push(Value::Object(entry));
    }
    let mut doc = Map::new();
    doc.insert("model_name".into(), json!(model_name));
    if let Some(version) = version {
        doc.insert("model_version".into(), json!(version));
    }
    if let Some(id) = id {
        doc.insert("id".into(), json!(id));
    }
    doc.insert("outputs".into(), Value::Array(encoded));
    let mut body = serde_json::to_vec(&doc).expect("JSON values serialise");
    if raw.is_empty() && !binary_output && requested.iter().all(|r| r.binary != Some(true)) {
        return Ok(InferAnswer { content_type: "application/json", header_length: None, body });
    }
    let header_length = body.len();
    body.extend_from_slice(&raw);
    Ok(InferAnswer { content_type: "application/octet-stream", header_length: Some(header_length), body })
}

/// The values as a flat JSON list (NaN and infinities, which JSON lacks, as `null`).
fn json_data(values: &Values) -> Value {
    match values {
        Values::F32(v) => json!(v),
        Values::F64(v) => json!(v),
        Values::I8(v) => json!(v),
        Values::I16(v) => json!(v),
        Values::I32(v) => json!(v),
        Values::I64(v) => json!(v),
        Values::U8(v) => json!(v),
        Values::U16(v) => json!(v),
        Values::U32(v) => json!(v),
        Values::U64(v) => json!(v),
        Values::Bool(v) => json!(v),
        Values::String(v) => json!(v),
        Values::Bytes(v) => json!(v.iter().map(|b| String::from_utf8_lossy(b)).collect::<Vec<_>>()),
    }
}

/// The values in the binary extension's layout: little-endian, `BOOL` one byte,
/// `BYTES` a 4-byte little-endian length then the bytes.
fn write_raw(values: &Values, out: &mut Vec<u8>) {
    macro_rules! le {
        ($v:expr) => {
            $v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()))
        };
    }
    fn bytes(out: &mut Vec<u8>, item: &[u8]) {
        out.extend_from_slice(&u32::try_from(item.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(item);
    }
    match values {
        Values::String(v) => v.iter().for_each(|s| bytes(out, s.as_bytes())),
        Values::Bytes(v) => v.iter().for_each(|b| bytes(out, b)),
        Values::F32(v) => le!(v),
        Values::F64(v) => le!(v),
        Values::I8(v) => le!(v),
        Values::I16(v) => le!(v),
        Values::I32(v) => le!(v),
        Values::I64(v) => le!(v),
        Values::U8(v) => le!(v),
        Values::U16(v) => le!(v),
        Values::U32(v) => le!(v),
        Values::U64(v) => le!(v),
        Values::Bool(v) => out.extend(v.iter().map(|b| u8::from(*b))),
    }
}
