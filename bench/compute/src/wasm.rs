//! The ONNX flavor component in wasmtime, instantiated as the native host does
//! it (host/src/runtime: engine.rs, instance.rs, mod.rs `load_request`): WASI p2
//! sync, the model directory preopened read-only at `/model`, Cranelift at
//! `OptLevel::Speed` with epoch interruption on (the deadline is set far away and
//! no ticker runs, so the checks are paid but never fire).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Context;
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Config, Engine, OptLevel, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "flavor",
    });
}

use bindings::exports::wasmflow::inference::predictor::{Batch, LoadRequest, Metadata, Tensor, Values};

/// How the engine is configured; the defaults are the host's.
#[derive(Clone, Copy, Debug)]
pub struct EngineOptions {
    pub epoch_interruption: bool,
    /// `Config::wasm_relaxed_simd` (wasmtime's default: on).
    pub relaxed_simd: bool,
}

pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

pub fn engine(options: EngineOptions) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(options.epoch_interruption)
        .wasm_relaxed_simd(options.relaxed_simd)
        .cranelift_opt_level(OptLevel::Speed);
    let engine = Engine::new(&config)?;
    if options.epoch_interruption {
        // As host/src/runtime/engine.rs: the epoch advances every 10 ms.
        let weak = engine.weak();
        std::thread::spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        });
    }
    Ok(engine)
}

/// The compiled component, from `cache_dir` when an earlier run stored it there
/// (keyed by the bytes and the engine's compatibility hash), else compiled now.
pub fn component(engine: &Engine, name: &str, bytes: &[u8], cache_dir: &Path) -> anyhow::Result<Component> {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path: PathBuf = cache_dir.join(format!("{name}-{:016x}.cwasm", hasher.finish()));
    if path.is_file() {
        // SAFETY: written below by `precompile_component` of an engine with the
        // same compatibility hash (it is in the name); wasmtime checks the header.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    eprintln!("compiling the {name} component (~10 s, cached in {})...", cache_dir.display());
    let artifact = engine.precompile_component(bytes)?;
    std::fs::create_dir_all(cache_dir)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &artifact)?;
    std::fs::rename(&tmp, &path)?;
    // SAFETY: produced just now by this engine.
    Ok(unsafe { Component::deserialize(engine, &artifact) }?)
}

/// One instance with the model loaded.
pub struct Instance {
    store: Store<State>,
    flavor: bindings::Flavor,
    model: ResourceAny,
}

impl Instance {
    pub fn new(engine: &Engine, component: &Component, model_dir: &Path, load: &LoadRequest) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = bindings::FlavorPre::new(linker.instantiate_pre(component)?)?;
        let mut wasi = WasiCtxBuilder::new();
        wasi.preopened_dir(model_dir, "/model", FsPerms::ReadOnly)?;
        let mut store = Store::new(engine, State { wasi: wasi.build(), table: ResourceTable::new() });
        // 10 ms ticks: about 3 h, never reached in a run.
        store.set_epoch_deadline(1_000_000);
        store.epoch_deadline_trap();
        let flavor = pre.instantiate(&mut store)?;
        let model = flavor
            .wasmflow_inference_predictor()
            .model()
            .call_load(&mut store, load)?
            .map_err(|e| anyhow::anyhow!("the flavor cannot load {}: {e:?}", model_dir.display()))?;
        Ok(Self { store, flavor, model })
    }

    pub fn metadata(&mut self) -> anyhow::Result<Metadata> {
        Ok(self.flavor.wasmflow_inference_predictor().model().call_metadata(&mut self.store, self.model)?)
    }

    /// One `predict` through the WIT boundary: the batch is lowered into guest
    /// memory, the guest converts and runs it, the answer is lifted back.
    pub fn predict(&mut self, batch: &Batch) -> anyhow::Result<Batch> {
        let model = self.flavor.wasmflow_inference_predictor().model();
        model.call_predict(&mut self.store, self.model, batch, &[])?.map_err(|e| anyhow::anyhow!("predict: {e:?}"))
    }
}

/// The load request the host builds from the MLmodel (host/src/runtime/mod.rs
/// `load_request`, through protocol's `load_sections`).
pub fn load_request(model_dir: &Path) -> anyhow::Result<(LoadRequest, String)> {
    let text = std::fs::read_to_string(model_dir.join("MLmodel"))
        .with_context(|| format!("cannot read {}/MLmodel", model_dir.display()))?;
    let mlmodel = wasmflow_protocol::MlModel::from_yaml(&text)?;
    let sections = mlmodel.load_sections("onnx", None).context("the MLmodel has no onnx flavor")?;
    let data = serde_json::from_str::<serde_json::Value>(&sections.flavor_config)?
        .get("data")
        .and_then(|d| d.as_str())
        .unwrap_or("model.onnx")
        .to_string();
    let load = LoadRequest {
        model_dir: "/model".into(),
        flavor_config: sections.flavor_config,
        pyfunc_config: sections.pyfunc_config,
        model_config: sections.model_config,
    };
    Ok((load, data))
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
    use bindings::exports::wasmflow::inference::predictor::Dtype;
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
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let stdout = MemoryOutputPipe::new(1 << 20);
        let mut args = vec!["profiler".to_string(), "profile".into(), "/model".into(), data.into()];
        args.extend([iters.to_string(), seed.to_string()]);
        args.extend(shapes.iter().map(|s| s.iter().map(usize::to_string).collect::<Vec<_>>().join("x")));
        let mut wasi = WasiCtxBuilder::new();
        wasi.preopened_dir(model_dir, "/model", FsPerms::ReadOnly)?.stdout(stdout.clone()).inherit_stderr().args(&args);
        let mut store = Store::new(engine, State { wasi: wasi.build(), table: ResourceTable::new() });
        // 10 ms ticks: about 3 h, never reached in a run.
        store.set_epoch_deadline(1_000_000);
        store.epoch_deadline_trap();
        let command = wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &self.component, &linker)?;
        command.wasi_cli_run().call_run(&mut store)?.map_err(|()| anyhow::anyhow!("the wasm profiler failed"))?;
        let text = String::from_utf8(stdout.contents().to_vec())?;
        Ok(serde_json::from_str(text.trim())?)
    }
}
