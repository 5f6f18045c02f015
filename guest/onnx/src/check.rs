//! Native parity harness (not built for wasm): loads an MLflow `onnx` model
//! directory with the flavor's own code and answers float32 rows as MLflow's
//! wrapper answers an ndarray (`{output name: value}` as JSON), so a fixture's
//! onnxruntime outputs can be compared with [`close`]. Used by the fixture test
//! and by `models/sweep_skl2onnx.py` (through `examples/onnx_check.rs`).

use serde_json::{Map, Value};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, LoadRequest, Tensor, Values};

use crate::load_onnx;

/// Loads `dir` and answers `rows` (float32 values, as an unnamed tensor).
/// `Err` carries the load or evaluation error.
pub fn answer(dir: &str, rows: &[Vec<f32>]) -> Result<Value, String> {
    let flavor = std::fs::read_to_string(format!("{dir}/MLmodel")).map_err(|e| format!("MLmodel: {e}"))?;
    let data = flavor.lines().find_map(|l| l.trim().strip_prefix("data: ")).unwrap_or("model.onnx").trim().to_string();
    let request = LoadRequest {
        model_dir: dir.into(),
        flavor_config: serde_json::json!({ "data": data }).to_string(),
        pyfunc_config: "{}".into(),
        model_config: "{}".into(),
    };
    let model = load_onnx(&request).map_err(|e| format!("load: {e:?}"))?;
    let width = rows.first().map_or(0, Vec::len);
    let tensor = Tensor {
        name: None,
        shape: vec![rows.len() as u64, width as u64],
        values: Values::F32(rows.iter().flatten().copied().collect()),
    };
    match model.predict(Batch::Tensors(vec![tensor])).map_err(|e| format!("predict: {e:?}"))? {
        Batch::Json(text) => serde_json::from_str(&text).map_err(|e| format!("answer is not JSON: {e}")),
        Batch::Tensors(tensors) => {
            let mut out = Map::new();
            for t in tensors {
                let shape: Vec<usize> = t.shape.iter().map(|&d| d as usize).collect();
                out.insert(t.name.unwrap_or_default(), nested(&flat(&t.values), &shape));
            }
            Ok(Value::Object(out))
        }
        Batch::Table(_) => Err("a table for tensor input".into()),
    }
}

fn flat(values: &Values) -> Vec<Value> {
    fn each<T: Copy>(v: &[T], f: impl Fn(T) -> Value) -> Vec<Value> {
        v.iter().map(|&x| f(x)).collect()
    }
    match values {
        Values::F32(v) => each(v, |x| serde_json::json!(x as f64)),
        Values::F64(v) => each(v, |x| serde_json::json!(x)),
        Values::I32(v) => each(v, |x| serde_json::json!(x)),
        Values::I64(v) => each(v, |x| serde_json::json!(x)),
        Values::Boolean(v) => each(v, |x| serde_json::json!(x)),
        Values::Utf8(v) => v.iter().map(|s| Value::String(s.clone())).collect(),
        other => vec![Value::String(format!("unsupported {:?}", other.dtype()))],
    }
}

fn nested(items: &[Value], shape: &[usize]) -> Value {
    match shape {
        [] => items.first().cloned().unwrap_or(Value::Null),
        [_] => Value::Array(items.to_vec()),
        [_, rest @ ..] => {
            let stride = rest.iter().product::<usize>().max(1);
            Value::Array(items.chunks(stride).map(|c| nested(c, rest)).collect())
        }
    }
}

/// Where `got` differs from `want` (JSON of the same structure): numbers within
/// `rel` relative or `abs` absolute, everything else equal. `None` when close.
pub fn close(got: &Value, want: &Value, rel: f64, abs: f64, path: &str) -> Option<String> {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64()?, w.as_f64()?);
            let ok = (g - w).abs() <= abs || (g - w).abs() <= rel * w.abs();
            (!ok).then(|| format!("{path}: {g} vs {w}"))
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                return Some(format!("{path}: {} items vs {}", g.len(), w.len()));
            }
            g.iter().zip(w).enumerate().find_map(|(i, (g, w))| close(g, w, rel, abs, &format!("{path}[{i}]")))
        }
        (Value::Object(g), Value::Object(w)) => {
            if g.len() != w.len() {
                return Some(format!(
                    "{path}: keys {:?} vs {:?}",
                    g.keys().collect::<Vec<_>>(),
                    w.keys().collect::<Vec<_>>()
                ));
            }
            w.iter().find_map(|(k, wv)| match g.get(k) {
                Some(gv) => close(gv, wv, rel, abs, &format!("{path}.{k}")),
                None => Some(format!("{path}: no key {k}")),
            })
        }
        _ => (got != want).then(|| format!("{path}: {got} vs {want}")),
    }
}
