//! One-shot commands over a model, without a server: `wasmflow predict`
//! (`mlflow models predict`: one input file through the same protocol parsing,
//! signature enforcement and response encoding as `/invocations`) and
//! `wasmflow inspect` (what would be served, and whether it is compiled yet).

use std::time::{Duration, Instant};

use anyhow::Context;
use wasmflow_protocol::{ScoringError, parse_invocation, service};

use crate::flavors::FlavorComponents;
use crate::model::ResolvedModel;
use crate::runtime::{Isolation, LoadLimits, Runtime, RuntimeOptions};

/// A refused input or failed prediction: MLflow's error code and message.
fn scoring(error: ScoringError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", error.error_code(), error.message())
}

/// Loads `model` in one instance and scores `input` (a body of `content_type`)
/// within `timeout`; returns what `/invocations` would answer with 200, the
/// bytes `mlflow models predict` writes.
pub fn predict(
    model: &ResolvedModel,
    components: &FlavorComponents,
    cache_dir: Option<std::path::PathBuf>,
    limits: LoadLimits,
    input: &[u8],
    content_type: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<u8>> {
    let options = RuntimeOptions {
        workers: 1,
        isolation: Isolation::Pooled,
        cache_dir,
        limits,
        max_queue: 1,
        kernels: Default::default(),
    };
    let runtime = Runtime::start(model, components, &options)
        .with_context(|| format!("cannot load the model in {}", model.dir.display()))?;
    let invocation = parse_invocation(Some(content_type), input, model.mlmodel.signature.as_ref()).map_err(scoring)?;
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let deadline = Instant::now() + timeout;
    let output = tokio.block_on(runtime.predict(invocation.input, invocation.params, deadline)).map_err(scoring)?;
    Ok(service::predictions_answer(&output, invocation.unwrapped_response).body)
}

/// `wasmflow inspect`: the model's flavor, component, signature, params schema,
/// sizes and whether its component is compiled in the cache, as JSON.
pub fn inspect(
    model: &ResolvedModel,
    components: &FlavorComponents,
    cache_dir: Option<&std::path::Path>,
) -> anyhow::Result<serde_json::Value> {
    let bytes = model.component(components)?;
    let component = match (model.own_component.as_deref(), components.custom_path(&model.flavor)) {
        (Some(path), _) | (None, Some(path)) => path.display().to_string(),
        (None, None) => format!("built-in {}", model.flavor),
    };
    let cache = match cache_dir {
        Some(dir) => {
            let engine = crate::runtime::engine::new_engine(None)?;
            let path = crate::runtime::compile_cache::component_path(&engine, &model.flavor, &bytes, dir);
            serde_json::json!({"path": path, "compiled": path.is_file()})
        }
        None => serde_json::json!({"path": null, "compiled": false}),
    };
    let signature = model.mlmodel.raw.get("signature").cloned().unwrap_or_default();
    let field = |key: &str| match signature.get(key) {
        // MLflow writes each schema as a JSON string inside the YAML.
        Some(serde_json::Value::String(text)) => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    let (files, model_bytes) = dir_size(&model.dir)?;
    Ok(serde_json::json!({
        "dir": model.dir,
        "flavor": model.flavor,
        "flavors": model.mlmodel.flavors.keys().collect::<Vec<_>>(),
        "version": model.version,
        "mlflow_version": model.mlmodel.mlflow_version,
        "component": {"source": component, "bytes": bytes.len()},
        "signature": {
            "inputs": field("inputs"),
            "outputs": field("outputs"),
            "from_type_hint": model.mlmodel.signature_from_type_hint,
        },
        "params_schema": field("params"),
        "model_config": model.model_config,
        "model_dir": {"files": files, "bytes": model_bytes},
        "compiled_cache": cache,
    }))
}

/// Files and bytes under `dir`.
fn dir_size(dir: &std::path::Path) -> anyhow::Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (f, b) = dir_size(&entry.path())?;
            files += f;
            bytes += b;
        } else {
            files += 1;
            bytes += meta.len();
        }
    }
    Ok((files, bytes))
}
