//! One sandboxed model: a component instance in its own `Store`, with the model
//! directory preopened read-only (unless the component is a snapshot with the
//! model already loaded) and the flavor's `model` resource loaded.

use std::time::Duration;

use anyhow::Context;
use wasmtime::component::{Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::bindings::{Batch, FlavorError, FlavorPre, LoadRequest, Metadata, Param};
use super::engine::ticks;
use super::limits::{LoadLimits, MemoryCap, load_error};

/// Where the model directory appears inside the guest.
pub const GUEST_MODEL_DIR: &str = "/model";

/// The host state of one instance: WASI context and memory cap.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryCap,
    /// Bytes of the host's kernel matrices (`--kernels host`), under the same cap.
    pub(super) kernels: super::kernels::KernelBudget,
}

impl HostState {
    /// A state around `wasi`, whose linear memories may grow to `max_memory`
    /// bytes (install it with `store.limiter(HostState::limiter)`).
    pub fn new(wasi: WasiCtx, max_memory: usize) -> Self {
        let kernels = super::kernels::KernelBudget::new(max_memory);
        Self { wasi, table: ResourceTable::new(), memory: MemoryCap::new(max_memory), kernels }
    }

    /// The memory cap, for `Store::limiter`.
    pub fn limiter(&mut self) -> &mut dyn wasmtime::ResourceLimiter {
        &mut self.memory
    }
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
    /// Whether instances see `model_dir` at [`GUEST_MODEL_DIR`]. A built-in
    /// flavor's snapshot (per-request isolation) does not: its `model.load`
    /// returns the model preloaded in its memory, and the directory handles
    /// its guest holds are those of the snapshotting instance, which no later
    /// instance has, so a preopen there is never used (opening and closing it
    /// was ~3-4 µs of a fresh instance's ~23-28 µs of CPU, iris-onnx).
    pub mount_model_dir: bool,
    pub load: LoadRequest,
    /// Memory cap of every instance, and the deadline of a load at start-up.
    pub limits: LoadLimits,
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
    /// Instantiates the component and loads the model, interrupted after
    /// `load_within` (a broken model must not hang anyone).
    pub fn new(spec: &InstanceSpec, load_within: Duration) -> anyhow::Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        if spec.mount_model_dir {
            wasi.preopened_dir(&spec.model_dir, GUEST_MODEL_DIR, FsPerms::ReadOnly)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("cannot open model directory {}", spec.model_dir.display()))?;
        }
        let wasi = wasi.build();
        let mut store = Store::new(&spec.engine, HostState::new(wasi, spec.limits.max_memory));
        store.limiter(HostState::limiter);
        store.set_epoch_deadline(ticks(load_within));
        store.epoch_deadline_trap();
        let limits = LoadLimits { timeout: load_within, ..spec.limits };
        let loaded = spec.pre.instantiate(&mut store).and_then(|bindings| {
            let model = bindings.wasmflow_inference_predictor().model().call_load(&mut store, &spec.load)?;
            Ok((bindings, model))
        });
        let (bindings, model) = match loaded {
            Ok((bindings, Ok(model))) => (bindings, model),
            Ok((_, Err(e))) => {
                anyhow::bail!("the flavor cannot load the model in {}: {}", spec.model_dir.display(), describe(&e))
            }
            Err(trap) => return Err(load_error(trap, &limits, store.data().memory.refused())),
        };
        Ok(Self { store, bindings, model })
    }

    /// The model's declared inputs and outputs.
    pub fn metadata(&mut self) -> anyhow::Result<Metadata> {
        Ok(self.bindings.wasmflow_inference_predictor().model().call_metadata(&mut self.store, self.model)?)
    }

    /// The instance's largest linear memory so far, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory.largest()
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
