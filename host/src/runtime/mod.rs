//! Everything wasmtime: engine policy, the compiled-component cache, the one
//! `bindgen!`, model instances and their pool. The rest of the host sees only
//! [`Runtime`] and protocol types.

pub mod bindings;
pub mod compile_cache;
mod convert;
mod dispatch;
pub mod engine;
pub mod instance;
pub mod kernels;
pub mod limits;
mod model_digest;
mod pool;
mod preinit;
pub mod snapshot;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use wasmflow_protocol::value::{Batch, Params};
use wasmflow_protocol::{LoadSections, ScoringError};

pub use compile_cache::default_cache_dir;
pub use limits::LoadLimits;

use crate::flavors::FlavorComponents;
use crate::model::ResolvedModel;
use bindings::{FlavorPre, LoadRequest, Metadata};
use instance::InstanceSpec;
pub use pool::{GuestTimeObserver, PoolStats, Slot};
use pool::{Pool, Reuse};

/// Whether requests share model instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Isolation {
    /// A pool of warm instances, each serving one request at a time, reused.
    #[default]
    Pooled,
    /// A fresh instance for every request, from a snapshot of the flavor with
    /// the model loaded, on wasmtime's pooling allocator.
    PerRequest,
}

/// How the runtime runs models.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Number of instances (requests served at once).
    pub workers: usize,
    /// Whether requests share instances.
    pub isolation: Isolation,
    /// Where compiled components are cached; `None` compiles in memory each start.
    pub cache_dir: Option<PathBuf>,
    /// Memory cap of one instance, and how long a model may take to load.
    pub limits: LoadLimits,
    /// Most requests waiting for a busy instance; more are answered 503 at once.
    pub max_queue: usize,
    /// Where the ONNX flavor's matrix products run.
    pub kernels: kernels::Kernels,
}

/// A model loaded into a pool of sandboxed instances.
pub struct Runtime {
    pool: Arc<Pool>,
    metadata: Metadata,
}

impl Runtime {
    /// Compiles (or loads from cache) the model's flavor component and loads
    /// `options.workers` instances of the model; for per-request isolation,
    /// snapshots the flavor with the model loaded first (or loads the
    /// snapshot from the cache) and loads one instance, to check it.
    pub fn start(
        model: &ResolvedModel,
        components: &FlavorComponents,
        options: &RuntimeOptions,
    ) -> anyhow::Result<Self> {
        let cache_dir = options.cache_dir.as_deref();
        let bytes = kernels::component_bytes(model, components, options.kernels)?;
        let sections = load_sections(model)?;
        // Before compiling: refused at once, from the component's import names.
        if options.kernels != kernels::Kernels::Host && kernels::bytes_import_kernels(&bytes)? {
            anyhow::bail!(
                "the component imports the host's kernels ({}): serve it with --kernels host",
                kernels::INTERFACE
            );
        }
        let (engine, component, reuse) = match options.isolation {
            Isolation::Pooled => {
                let engine = engine::new_engine(None)?;
                let component = compile_cache::load_component(&engine, &model.flavor, &bytes, cache_dir)?;
                (engine, component, Reuse::Warm)
            }
            Isolation::PerRequest if options.kernels == kernels::Kernels::Host => {
                // The snapshot's instrumented instance (runtime/snapshot) links WASI only.
                anyhow::bail!("--kernels host does not work with --isolation per-request yet")
            }
            Isolation::PerRequest => {
                // One slot per concurrent request, plus the one being torn down.
                let instances = u32::try_from(options.workers.max(1) + 1).unwrap_or(u32::MAX);
                let pooling = engine::PoolingLimits { instances, max_memory: options.limits.max_memory };
                let engine = engine::new_engine(Some(&pooling))?;
                let component = preinit::snapshot_component(
                    &engine,
                    &model.flavor,
                    &bytes,
                    &model.dir,
                    &sections,
                    &options.limits,
                    cache_dir,
                )?;
                (engine, component, Reuse::Never)
            }
        };
        engine::start_epoch_ticker(&engine);
        let mut spec = instance_spec(engine, &component, model, sections, options.limits)?;
        // A built-in flavor's snapshot answers `model.load` from memory
        // (guest/sdk's `snapshot`, guest/python's loader) and never reads the
        // directory again; a custom component's `load` may, so it keeps it.
        let built_in = model.own_component.is_none() && components.custom_path(&model.flavor).is_none();
        spec.mount_model_dir = reuse == Reuse::Warm || !built_in;
        let pool = Pool::new(spec, options.workers, reuse, options.max_queue)?;
        let metadata = pool.with_instance(|i| i.metadata())??;
        Ok(Self { pool: Arc::new(pool), metadata })
    }

    /// Runs the model on `input`, giving up at `deadline`.
    pub async fn predict(&self, input: Batch, params: Params, deadline: Instant) -> Result<Batch, ScoringError> {
        let weight = dispatch::weight(&input);
        let output =
            self.pool.predict(convert::batch_to_wit(input), weight, convert::params_to_wit(params), deadline).await?;
        convert::batch_from_wit(output).map_err(ScoringError::Internal)
    }

    /// Waits until one of the model's instances is free and keeps it for
    /// [`predict_in`](Self::predict_in) (adaptive batching collects requests meanwhile).
    pub async fn reserve(&self, deadline: Instant) -> Result<Slot, ScoringError> {
        self.pool.reserve(deadline).await
    }

    /// An instance slot if one of the model's instances is idle now.
    pub fn try_reserve(&self) -> Option<Slot> {
        self.pool.try_reserve()
    }

    /// [`predict`](Self::predict) in an instance slot already reserved.
    pub async fn predict_in(
        &self,
        slot: Slot,
        input: Batch,
        params: Params,
        deadline: Instant,
    ) -> Result<Batch, ScoringError> {
        let weight = dispatch::weight(&input);
        let input = convert::batch_to_wit(input);
        let output = self.pool.predict_in(slot, input, weight, convert::params_to_wit(params), deadline).await?;
        convert::batch_from_wit(output).map_err(ScoringError::Internal)
    }

    /// Has `observer` told how long each later `predict` spent inside the
    /// guest (the call itself, not the wait for an instance); set once.
    pub fn observe_guest_time(&self, observer: GuestTimeObserver) {
        self.pool.observe_guest_time(observer);
    }

    /// The instances' counters and use, for `/metrics`.
    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// A one-line summary of the model's inputs and outputs, for the start-up log.
    pub fn describe(&self) -> String {
        let io = |infos: &[bindings::TensorInfo]| {
            infos.iter().map(|t| format!("{}: {:?}{:?}", t.name, t.dtype, t.shape)).collect::<Vec<_>>().join(", ")
        };
        format!(
            "{} model; inputs [{}]; outputs [{}]",
            self.metadata.flavor,
            io(&self.metadata.inputs),
            io(&self.metadata.outputs)
        )
    }
}

/// What instances of `model` are made from: the compiled `component` linked
/// with WASI, the model directory and the load request built from `sections`.
pub fn instance_spec(
    engine: wasmtime::Engine,
    component: &wasmtime::component::Component,
    model: &ResolvedModel,
    sections: LoadSections,
    limits: LoadLimits,
) -> anyhow::Result<InstanceSpec> {
    let mut linker = instance::linker(&engine)?;
    if kernels::imports_kernels(&engine, component) {
        kernels::add_to_linker(&mut linker)?;
    }
    let pre = linker.instantiate_pre(component)?;
    Ok(InstanceSpec {
        engine,
        pre: FlavorPre::new(pre)?,
        model_dir: model.dir.clone(),
        mount_model_dir: true,
        load: load_request_of(sections),
        limits,
    })
}

/// The MLmodel sections the model is loaded with (`SERVING_MODEL_CONFIG` applied).
pub fn load_sections(model: &ResolvedModel) -> anyhow::Result<LoadSections> {
    model
        .mlmodel
        .load_sections(&model.flavor, Some(&model.model_config))
        .with_context(|| format!("the MLmodel has no {} flavor", model.flavor))
}

/// What the model's instances are loaded with: the guest's model directory and
/// the MLmodel sections (the same text a snapshot is keyed on).
fn load_request_of(sections: LoadSections) -> LoadRequest {
    LoadRequest {
        model_dir: instance::GUEST_MODEL_DIR.into(),
        flavor_config: sections.flavor_config,
        pyfunc_config: sections.pyfunc_config,
        model_config: sections.model_config,
    }
}

/// Compiles every built-in flavor into the cache (`wasmflow compile`).
pub fn precompile_all(cache_dir: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    let engine = engine::new_engine(None)?;
    let mut paths = Vec::new();
    for flavor in wasmflow_components::FLAVORS {
        let bytes = wasmflow_components::by_flavor(flavor).expect("listed flavors have bytes");
        let started = Instant::now();
        compile_cache::load_component(&engine, flavor, bytes, Some(cache_dir))?;
        eprintln!("wasmflow: {flavor} flavor ready in {:.2} s", started.elapsed().as_secs_f64());
        paths.push(compile_cache::component_path(&engine, flavor, bytes, cache_dir));
    }
    Ok(paths)
}
