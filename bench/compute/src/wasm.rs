//! The ONNX flavor component in wasmtime, instantiated exactly as the native
//! host does it: engine, compiled-component cache, WASI state and model
//! instances all come from the host's `runtime` (the `wasmflow` library), so
//! what is timed here is what `wasmflow serve` runs. Epoch interruption is on
//! by default (the deadline is set far away, so the checks are paid but never
//! fire); `--no-epoch` and `--no-relaxed-simd` vary the engine's [`Tuning`].

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use wasmflow::flavors::FlavorComponents;
use wasmflow::model::{ResolvedModel, Sources};
use wasmflow::runtime::LoadLimits;
use wasmflow::runtime::bindings::{Batch, Metadata, Tensor, Values};
use wasmflow::runtime::engine::{Tuning, start_epoch_ticker, tuned_engine};
use wasmflow::runtime::instance::{HostState, Instance as HostInstance, InstanceSpec};
use wasmtime::component::Component;
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// Far enough never to be reached in a run (10 ms ticks: about 3 h).
const NEVER: u64 = 1_000_000;
/// Memory cap of the bench's instances (the host's default).
const MAX_MEMORY: usize = 4096 << 20;

/// The host's engine with `tuning`, its epoch ticker running when epochs are on.
pub fn engine(tuning: Tuning) -> anyhow::Result<Engine> {
    let engine = tuned_engine(None, tuning)?;
    if tuning.epoch_interruption {
        start_epoch_ticker(&engine);
    }
    Ok(engine)
}

/// The compiled component, through the host's compiled-component cache.
pub fn component(engine: &Engine, name: &str, bytes: &[u8], cache_dir: &Path) -> anyhow::Result<Component> {
    wasmflow::runtime::compile_cache::load_component(engine, name, bytes, Some(cache_dir))
}

/// The model directory as the host resolves it (MLmodel read, onnx flavor picked).
pub fn resolve(model_dir: &Path) -> anyhow::Result<ResolvedModel> {
    let dir = model_dir.to_str().with_context(|| format!("{} is not UTF-8", model_dir.display()))?;
    wasmflow::model::resolve(dir, &FlavorComponents::default(), &Sources::default())
}

/// The ONNX file the MLmodel names (`data`), for native tract.
pub fn onnx_file(model: &ResolvedModel) -> anyhow::Result<String> {
    let sections = wasmflow::runtime::load_sections(model)?;
    Ok(serde_json::from_str::<serde_json::Value>(&sections.flavor_config)?
        .get("data")
        .and_then(|d| d.as_str())
        .unwrap_or("model.onnx")
        .to_string())
}

/// One host instance with the model loaded.
pub struct Instance(HostInstance);

impl Instance {
    pub fn new(engine: &Engine, component: &Component, model: &ResolvedModel) -> anyhow::Result<Self> {
        let limits = LoadLimits { timeout: Duration::from_secs(3600), max_memory: MAX_MEMORY };
        let sections = wasmflow::runtime::load_sections(model)?;
        let spec: InstanceSpec = wasmflow::runtime::instance_spec(engine.clone(), component, model, sections, limits)?;
        Ok(Self(HostInstance::new(&spec, limits.timeout)?))
    }

    pub fn metadata(&mut self) -> anyhow::Result<Metadata> {
        self.0.metadata()
    }

    /// One `predict` through the WIT boundary: the batch is lowered into guest
    /// memory, the guest converts and runs it, the answer is lifted back.
    pub fn predict(&mut self, batch: &Batch) -> anyhow::Result<Batch> {
        use wasmflow::runtime::instance::CallError;
        match self.0.predict(batch, &[], NEVER) {
            Ok(batch) => Ok(batch),
            Err(CallError::Flavor(e)) => anyhow::bail!("predict: {}", wasmflow::runtime::instance::describe(&e)),
            Err(CallError::Trap(e)) => Err(anyhow::Error::from(e)),
        }
    }
}

/// A numeric WIT list as f64, for comparing with native tract.
pub fn values_f64(values: &Values) -> anyhow::Result<Vec<f64>> {
    Ok(match values {
        Values::F32(v) => v.iter().map(|&x| x as f64).collect(),
        Values::F64(v) => v.clone(),
        Values::I32(v) => v.iter().map(|&x| x as f64).collect(),
        Values::I64(v) => v.iter().map(|&x| x as f64).collect(),
        _ => anyhow::bail!("output type not compared by this harness"),
    })
}

/// What the harness needs of a model input.
pub struct TensorInfoView {
    pub name: String,
    pub shape: Vec<i64>,
    pub is_float: bool,
}

/// The component's declared inputs (`metadata()`).
pub fn input_infos(metadata: &Metadata) -> Vec<TensorInfoView> {
    use wasmflow::runtime::bindings::Dtype;
    metadata
        .inputs
        .iter()
        .map(|i| TensorInfoView {
            name: i.name.clone(),
            shape: i.shape.clone(),
            is_float: matches!(i.dtype, Dtype::F32 | Dtype::F64),
        })
        .collect()
}

/// The inputs as the host sends them: one unnamed tensor for a single-input
/// model (MLflow's `{"inputs": [...]}`), else named tensors.
pub fn batch(infos: &[TensorInfoView], feeds: &[(Vec<usize>, Vec<f32>)]) -> Batch {
    let named = infos.len() > 1;
    Batch::Tensors(
        infos
            .iter()
            .zip(feeds)
            .map(|(info, (shape, values))| Tensor {
                name: named.then(|| info.name.clone()),
                shape: shape.iter().map(|&d| d as u64).collect(),
                values: Values::F32(values.clone()),
            })
            .collect(),
    )
}

/// Every output of an answer as f64, in order.
pub fn outputs_f64(answer: &Batch) -> anyhow::Result<Vec<Vec<f64>>> {
    match answer {
        Batch::Tensors(tensors) => tensors.iter().map(|t| values_f64(&t.values)).collect(),
        _ => anyhow::bail!("the component answered something other than tensors"),
    }
}

/// This crate built for wasm32-wasip2 (a WASI command): native.rs's per-node
/// profile, run inside wasmtime with the same engine as the flavor component.
pub struct Profiler {
    component: Component,
}

impl Profiler {
    pub fn new(engine: &Engine, path: &Path, cache_dir: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Self { component: component(engine, "profiler", &bytes, cache_dir)? })
    }

    /// The profile JSON of `iters` runs of the model in `model_dir` (at `/model`).
    pub fn profile(
        &self,
        engine: &Engine,
        model_dir: &Path,
        data: &str,
        iters: usize,
        seed: u64,
        shapes: &[Vec<usize>],
    ) -> anyhow::Result<serde_json::Value> {
        let linker = wasmflow::runtime::instance::linker(engine)?;
        let stdout = MemoryOutputPipe::new(1 << 20);
        let mut args = vec!["profiler".to_string(), "profile".into(), "/model".into(), data.into()];
        args.extend([iters.to_string(), seed.to_string()]);
        args.extend(shapes.iter().map(|s| s.iter().map(usize::to_string).collect::<Vec<_>>().join("x")));
        let mut wasi = WasiCtxBuilder::new();
        wasi.preopened_dir(model_dir, "/model", FsPerms::ReadOnly)?.stdout(stdout.clone()).inherit_stderr().args(&args);
        let mut store = Store::new(engine, HostState::new(wasi.build(), MAX_MEMORY));
        store.limiter(HostState::limiter);
        store.set_epoch_deadline(NEVER);
        store.epoch_deadline_trap();
        let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &self.component, &linker)?;
        command.wasi_cli_run().call_run(&mut store)?.map_err(|()| anyhow::anyhow!("the wasm profiler failed"))?;
        let text = String::from_utf8(stdout.contents().to_vec())?;
        Ok(serde_json::from_str(text.trim())?)
    }
}
