//! V2 metadata: the server's (`GET /v2`) and a model's (`GET /v2/models/NAME`),
//! the latter from the MLflow signature as MLServer's MLflow runtime describes
//! it: a column signature is one input per column of shape `[-1, 1]`
//! (`content_type` `np`, or `str` for text); a tensor signature its tensors'
//! names, datatypes and shapes. Unnamed tensors and columns are `input-<i>` /
//! `output-<i>`, the names the infer routes use for them.

use serde_json::{Value, json};

use super::datatype::datatype_name;
use crate::schema::signature::{Schema, Signature};
use crate::service::VERSION;
use crate::value::DType;

/// What a model's metadata says about it.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    /// The serving platform, e.g. `wasmflow-onnx`.
    pub platform: &'a str,
    pub signature: Option<&'a Signature>,
}

/// `GET /v2`: the server's name, version and protocol extensions.
pub fn server_metadata() -> Vec<u8> {
    let doc = json!({"name": "wasmflow", "version": VERSION, "extensions": ["binary_tensor_data"]});
    serde_json::to_vec(&doc).expect("JSON values serialise")
}

/// `GET /v2/models/NAME[/versions/V]`.
pub fn model_metadata(info: &ModelInfo) -> Vec<u8> {
    let tensors = |schema: Option<&Schema>, prefix: &str| -> Vec<Value> {
        schema.map(|s| describe(s, prefix)).unwrap_or_default()
    };
    let doc = json!({
        "name": info.name,
        "versions": info.version.map(|v| vec![v]).unwrap_or_default(),
        "platform": info.platform,
        "inputs": tensors(info.signature.and_then(|s| s.inputs.as_ref()), "input"),
        "outputs": tensors(info.signature.and_then(|s| s.outputs.as_ref()), "output"),
    });
    serde_json::to_vec(&doc).expect("JSON values serialise")
}

fn describe(schema: &Schema, prefix: &str) -> Vec<Value> {
    let name = |name: &Option<String>, i: usize| name.clone().unwrap_or_else(|| format!("{prefix}-{i}"));
    match schema {
        Schema::Columns(cols) => cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let dtype = c.ty.dtype().unwrap_or(DType::String);
                let content_type = if matches!(dtype, DType::String) { "str" } else { "np" };
                json!({
                    "name": name(&c.name, i),
                    "datatype": datatype_name(dtype),
                    "shape": [-1, 1],
                    "parameters": {"content_type": content_type},
                })
            })
            .collect(),
        Schema::Tensors(specs) => specs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                json!({
                    "name": name(&t.name, i),
                    "datatype": datatype_name(t.dtype),
                    "shape": t.shape,
                    "parameters": {"content_type": "np"},
                })
            })
            .collect(),
    }
}
