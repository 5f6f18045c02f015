//! One sandboxed model: a component instance in its own `Store`, with the model
//! directory preopened read-only and the flavor's `model` resource loaded.

use anyhow::Context;
use wasmtime::component::{Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::{Batch, FlavorError, FlavorPre, LoadRequest, Metadata, Param};

/// Where the model directory appears inside the guest.
pub const GUEST_MODEL_DIR: &str = "/model";

/// The host state of one instance: WASI context and memory limits.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Adds WASI (p2, synchronous) to a linker for flavor components.
pub fn linker(engine: &Engine) -> anyhow::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    Ok(linker)
}

/// Everything needed to create instances of one model.
pub struct InstanceSpec {
    pub engine: Engine,
    pub pre: FlavorPre<HostState>,
    pub model_dir: std::path::PathBuf,
    pub load: LoadRequest,
    /// Upper bound of one instance's linear memory, in bytes.
    pub max_memory: usize,
}

/// A loaded model, ready to predict.
pub struct Instance {
    store: Store<HostState>,
    bindings: super::bindings::Flavor,
    model: ResourceAny,
}

/// A call failed inside the guest (`Flavor`) or the guest trapped (`Trap`).
/// After a trap the instance must be discarded.
pub enum CallError {
    Flavor(FlavorError),
    Trap(wasmtime::Error),
}

impl Instance {
    /// Longest a model may take to load when no request waits for it (start-up).
    pub const LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    /// Instantiates the component and loads the model, interrupted after
    /// `load_ticks` epoch ticks (a broken model must not hang anyone).
    pub fn new(spec: &InstanceSpec, load_ticks: u64) -> anyhow::Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.preopened_dir(&spec.model_dir, GUEST_MODEL_DIR, FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open model directory {}", spec.model_dir.display()))?;
        let wasi = wasi.build();
        let limits = StoreLimitsBuilder::new().memory_size(spec.max_memory).instances(4).build();
        let mut store = Store::new(&spec.engine, HostState { wasi, table: ResourceTable::new(), limits });
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(load_ticks);
        store.epoch_deadline_trap();
        let bindings = spec.pre.instantiate(&mut store)?;
        let model =
            bindings.wasmflow_inference_predictor().model().call_load(&mut store, &spec.load)?.map_err(|e| {
                anyhow::anyhow!("the flavor cannot load the model in {}: {}", spec.model_dir.display(), describe(&e))
            })?;
        Ok(Self { store, bindings, model })
    }

    /// The model's declared inputs and outputs.
    pub fn metadata(&mut self) -> anyhow::Result<Metadata> {
        Ok(self.bindings.wasmflow_inference_predictor().model().call_metadata(&mut self.store, self.model)?)
    }

    /// Runs `predict`, interrupted after `deadline_ticks` epoch ticks.
    pub fn predict(&mut self, input: &Batch, params: &[Param], deadline_ticks: u64) -> Result<Batch, CallError> {
        self.store.set_epoch_deadline(deadline_ticks);
        let model = self.bindings.wasmflow_inference_predictor().model();
        match model.call_predict(&mut self.store, self.model, input, params) {
            Ok(Ok(batch)) => Ok(batch),
            Ok(Err(e)) => Err(CallError::Flavor(e)),
            Err(trap) => Err(CallError::Trap(trap)),
        }
    }
}

/// The message inside a flavor error.
pub fn describe(error: &FlavorError) -> &str {
    match error {
        FlavorError::InvalidInput(m) | FlavorError::Evaluation(m) | FlavorError::Load(m) | FlavorError::Internal(m) => {
            m
        }
    }
}
