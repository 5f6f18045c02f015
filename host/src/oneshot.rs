//! One-shot commands over a loaded model, without a server: `wasmflow predict`
//! (`mlflow models predict`: one input file through the same protocol parsing,
//! signature enforcement and response encoding as `/invocations`).

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
    let options = RuntimeOptions { workers: 1, isolation: Isolation::Pooled, cache_dir, limits, max_queue: 1 };
    let runtime = Runtime::start(model, components, &options)
        .with_context(|| format!("cannot load the model in {}", model.dir.display()))?;
    let invocation = parse_invocation(Some(content_type), input, model.mlmodel.signature.as_ref()).map_err(scoring)?;
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let deadline = Instant::now() + timeout;
    let output = tokio.block_on(runtime.predict(invocation.input, invocation.params, deadline)).map_err(scoring)?;
    Ok(service::predictions_answer(&output, invocation.unwrapped_response).body)
}
