//! Everything wasmtime: engine policy, the compiled-component cache, the one
//! `bindgen!`, model instances and their pool. The rest of the host sees only
//! [`Runtime`] and protocol types.

mod bindings;
mod cache;
mod convert;
mod engine;
mod instance;
mod pool;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use wasmflow_protocol::ScoringError;
use wasmflow_protocol::value::{Batch, Params};

pub use cache::default_cache_dir;
pub use instance::GUEST_MODEL_DIR;

use crate::flavors::FlavorComponents;
use crate::model::ResolvedModel;
use bindings::{FlavorPre, LoadRequest, Metadata};
use instance::InstanceSpec;
use pool::Pool;

/// How the runtime runs models.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Number of warm instances (requests served at once).
    pub workers: usize,
    /// Where compiled components are cached; `None` compiles in memory each start.
    pub cache_dir: Option<PathBuf>,
    /// Linear-memory limit of one instance, in bytes.
    pub max_memory: usize,
}

/// A model loaded into a pool of sandboxed instances.
pub struct Runtime {
    pool: Arc<Pool>,
    metadata: Metadata,
}

impl Runtime {
    /// Compiles (or loads from cache) the model's flavor component and loads
    /// `options.workers` instances of the model.
    pub fn start(
        model: &ResolvedModel,
        components: &FlavorComponents,
        options: &RuntimeOptions,
    ) -> anyhow::Result<Self> {
        let engine = engine::new_engine()?;
        engine::start_epoch_ticker(&engine);
        let bytes = components.for_model(model)?;
        let component = cache::load_component(&engine, &model.flavor, &bytes, options.cache_dir.as_deref())?;
        let pre = instance::linker(&engine)?.instantiate_pre(&component)?;
        let spec = InstanceSpec {
            engine,
            pre: FlavorPre::new(pre)?,
            model_dir: model.dir.clone(),
            load: load_request(model)?,
            max_memory: options.max_memory,
        };
        let pool = Pool::new(spec, options.workers)?;
        let metadata = pool.with_instance(|i| i.metadata())??;
        Ok(Self { pool: Arc::new(pool), metadata })
    }

    /// Runs the model on `input`, giving up at `deadline`.
    pub async fn predict(&self, input: Batch, params: Params, deadline: Instant) -> Result<Batch, ScoringError> {
        let output = self.pool.predict(convert::batch_to_wit(input), convert::params_to_wit(params), deadline).await?;
        convert::batch_from_wit(output).map_err(ScoringError::Internal)
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

/// What the model's instances are loaded with: the guest's model directory and
/// the MLmodel sections (the same text `wasmflow build`'s snapshot is keyed on).
pub fn load_request(model: &ResolvedModel) -> anyhow::Result<LoadRequest> {
    let sections = model
        .mlmodel
        .load_sections(&model.flavor, Some(&model.model_config))
        .with_context(|| format!("the MLmodel has no {} flavor", model.flavor))?;
    Ok(LoadRequest {
        model_dir: instance::GUEST_MODEL_DIR.into(),
        flavor_config: sections.flavor_config,
        pyfunc_config: sections.pyfunc_config,
        model_config: sections.model_config,
    })
}

/// Compiles every built-in flavor into the cache (`wasmflow compile`).
pub fn precompile_all(cache_dir: &std::path::Path) -> anyhow::Result<()> {
    let engine = engine::new_engine()?;
    for flavor in wasmflow_guests::FLAVORS {
        let bytes = wasmflow_guests::by_flavor(flavor).expect("listed flavors have bytes");
        let started = Instant::now();
        cache::load_component(&engine, flavor, bytes, Some(cache_dir))?;
        eprintln!("wasmflow: {flavor} flavor ready in {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}
