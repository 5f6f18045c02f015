//! `ai.onnx.ml.ZipMap`, which turns class probabilities `[N, C]` into a list of
//! `{label: probability}` maps (a sequence of maps, which tract has no type for).
//! skl2onnx puts it last, on a graph output, so the flavor swaps it for an
//! `Identity` before tract reads the graph and builds the maps in the answer,
//! as MLflow's wrapper returns onnxruntime's list of dicts: `{name: [{label: p}]}`
//! for tensor input, and one dict per row in a `dict`-valued column for a
//! DataFrame.

use std::fmt::Write as _;

use tract_onnx::pb::ModelProto;
use wasmflow_guest::exports::wasmflow::inference::predictor::{Error, Tensor as WitTensor, Values};

/// The labels a stripped ZipMap keys its output with.
#[derive(Debug, Clone, PartialEq)]
pub enum MapKeys {
    Int(Vec<i64>),
    Str(Vec<String>),
}

/// A graph output that was a ZipMap's.
#[derive(Debug, Clone, PartialEq)]
pub struct ZipMapOutput {
    pub output: String,
    pub keys: MapKeys,
}

/// Replaces every ZipMap whose output is a graph output with an `Identity` and
/// returns what the answer needs to rebuild the maps. A ZipMap feeding another
/// node is left alone (tract then refuses it as an unknown operator).
pub fn strip(model: &mut ModelProto) -> Result<Vec<ZipMapOutput>, String> {
    let Some(graph) = model.graph.as_mut() else { return Ok(Vec::new()) };
    let outputs: Vec<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let mut stripped = Vec::new();
    for node in graph.node.iter_mut().filter(|n| n.op_type == "ZipMap") {
        let [out] = node.output.as_slice() else { continue };
        if !outputs.contains(out) {
            continue;
        }
        let mut keys = None;
        for a in &node.attribute {
            match a.name.as_str() {
                "classlabels_int64s" if !a.ints.is_empty() => keys = Some(MapKeys::Int(a.ints.clone())),
                "classlabels_strings" if !a.strings.is_empty() => {
                    let strings = a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect();
                    keys = Some(MapKeys::Str(strings));
                }
                _ => {}
            }
        }
        let keys = keys.ok_or_else(|| format!("ZipMap {:?} has no class labels", node.name))?;
        stripped.push(ZipMapOutput { output: out.clone(), keys });
        node.op_type = "Identity".into();
        node.domain = String::new();
        node.attribute.clear();
    }
    for o in graph.output.iter_mut().filter(|o| stripped.iter().any(|z| z.output == o.name)) {
        o.r#type = None;
    }
    Ok(stripped)
}

impl ZipMapOutput {
    /// One JSON object per row of a `[N, C]` float tensor.
    pub fn rows(&self, tensor: &WitTensor) -> Result<Vec<String>, Error> {
        let Values::F32(v) = &tensor.values else {
            return Err(Error::Evaluation(format!("ZipMap input {} is not float", self.output)));
        };
        let c = match &self.keys {
            MapKeys::Int(k) => k.len(),
            MapKeys::Str(k) => k.len(),
        };
        if c == 0 || v.len() % c != 0 {
            return Err(Error::Evaluation(format!("ZipMap: {} values for {c} labels", v.len())));
        }
        Ok(v.chunks(c)
            .map(|row| {
                let mut s = String::from("{");
                for (j, p) in row.iter().enumerate() {
                    if j > 0 {
                        s.push_str(", ");
                    }
                    match &self.keys {
                        MapKeys::Int(k) => {
                            let _ = write!(s, "\"{}\"", k[j]);
                        }
                        MapKeys::Str(k) => s.push_str(&json_string(&k[j])),
                    }
                    s.push_str(": ");
                    s.push_str(&json_float(*p as f64));
                }
                s.push('}');
                s
            })
            .collect())
    }
}

/// A string as JSON.
pub fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A float as Python's json writes it (bare `NaN`/`Infinity` tokens).
pub fn json_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        format!("{v:?}")
    }
}
