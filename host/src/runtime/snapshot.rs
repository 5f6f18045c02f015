//! Pre-initialisation with wizer (`wasmtime-wizer`): runs a component's
//! `preload` export once with the model directory mounted read-only at
//! `/model`, then snapshots its memories and globals into a new component.
//! Used by `wasmflow build` and by `serve --isolation per-request`. It runs
//! under the same bounds as a served load (`LoadLimits`): an engine with
//! epoch interruption and a deadline, and a memory cap.

use std::path::Path;

use anyhow::{Context, bail};
use wasmflow_protocol::LoadSections;
use wasmtime::Store;
use wasmtime::component::{
    Component, ComponentNamedList, ComponentType, Lift, Linker, Lower, ResourceTable, ResourceType,
};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use wasmtime_wizer::{WasmtimeWizerComponent, Wizer};

use super::bindings::{FlavorError, LoadRequest};
use super::engine::{new_engine, start_epoch_ticker, ticks};
use super::instance::{GUEST_MODEL_DIR, describe};
use super::limits::{LoadLimits, MemoryCap, load_error};

/// The host side of a component under pre-initialisation.
struct InitState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    memory: MemoryCap,
}

impl WasiView for InitState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for InitState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: Default::default() }
    }
}

/// The flavor with the model loaded: `snapshot.preload(<load-request>)`.
pub async fn flavor(
    component: &[u8],
    model_dir: &Path,
    sections: &LoadSections,
    limits: &LoadLimits,
) -> anyhow::Result<Vec<u8>> {
    let request = LoadRequest {
        model_dir: GUEST_MODEL_DIR.into(),
        flavor_config: sections.flavor_config.clone(),
        pyfunc_config: sections.pyfunc_config.clone(),
        model_config: sections.model_config.clone(),
    };
    let failed = |error: FlavorError| describe(&error).to_string();
    run(component, model_dir, "wasmflow:inference/snapshot@0.1.0", (request,), failed, limits).await
}

/// The front end with the MLmodel kept: `front.preload("/model", <flavor>, <MLmodel as JSON>)`.
pub async fn front(
    component: &[u8],
    model_dir: &Path,
    flavor: &str,
    mlmodel_json: String,
    limits: &LoadLimits,
) -> anyhow::Result<Vec<u8>> {
    let args = (GUEST_MODEL_DIR.to_string(), flavor.to_string(), mlmodel_json);
    run(component, model_dir, "wasmflow:inference/front@0.1.0", args, |message: String| message, limits).await
}

/// Instruments `component`, calls `<interface>.preload(args)` (typed: the
/// arguments and the `result<_, E>` are checked against the component's
/// export) on an instance with the model directory mounted, and snapshots the
/// instance. (wizer's own `run_component` takes the call as WAVE text, whose
/// names cannot carry the interface's version; the steps are public, so they
/// are run here.)
async fn run<Args, E>(
    component: &[u8],
    model_dir: &Path,
    interface: &str,
    args: Args,
    failed: impl FnOnce(E) -> String,
    limits: &LoadLimits,
) -> anyhow::Result<Vec<u8>>
where
    Args: ComponentNamedList + Lower + Send + Sync,
    E: ComponentType + Lift + Send + Sync + 'static,
{
    let engine = new_engine(None)?;
    start_epoch_ticker(&engine);
    let mut wasi = WasiCtxBuilder::new();
    wasi.inherit_stderr();
    wasi.preopened_dir(model_dir, GUEST_MODEL_DIR, FsPerms::ReadOnly)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot open model directory {}", model_dir.display()))?;
    let memory = MemoryCap::new(limits.max_memory);
    let state = InitState { wasi: wasi.build(), http: WasiHttpCtx::new(), table: ResourceTable::new(), memory };
    let mut store = Store::new(&engine, state);
    store.limiter(|state| &mut state.memory);
    store.set_epoch_deadline(ticks(limits.timeout));
    store.epoch_deadline_trap();

    let wizer = Wizer::new();
    let (context, instrumented) = wizer.instrument_component(component).map_err(anyhow::Error::from)?;
    let component = Component::new(&engine, &instrumented).map_err(anyhow::Error::from)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    stub_predictor(&mut linker)?;
    let instance = linker.instantiate_async(&mut store, &component).await?;

    let missing = || anyhow::anyhow!("the component does not export `{interface}.preload`");
    let exported = instance.get_export_index(&mut store, None, interface).ok_or_else(missing)?;
    let preload = instance.get_export_index(&mut store, Some(&exported), "preload").ok_or_else(missing)?;
    let preload = instance
        .get_typed_func::<Args, (Result<(), E>,)>(&mut store, preload)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("`{interface}.preload` does not have the expected type"))?;
    match preload.call_async(&mut store, args).await {
        Ok((Ok(()),)) => {}
        Ok((Err(error),)) => bail!("preload failed: {}", failed(error)),
        Err(error) => return Err(load_error(error, limits, store.data().memory.refused())),
    }
    let snapshot = wizer
        .snapshot_component(&context, &mut WasmtimeWizerComponent { store: &mut store, instance })
        .await
        .map_err(anyhow::Error::from)?;
    Ok(snapshot)
}

/// The front end imports a flavor's `predictor`, which it does not call while
/// it preloads: trapping stand-ins. (`define_unknown_imports_as_traps` would
/// also shadow WASI imports whose version differs from the host's by semver.)
fn stub_predictor(linker: &mut Linker<InitState>) -> anyhow::Result<()> {
    let mut predictor = linker.instance("wasmflow:inference/predictor@0.1.0")?;
    predictor.resource("model", ResourceType::host::<()>(), |_, _| Ok(()))?;
    for name in ["[static]model.load", "[method]model.metadata", "[method]model.predict"] {
        predictor.func_new(name, move |_, _, _, _| wasmtime::bail!("`predictor.{name}` called during preload"))?;
    }
    Ok(())
}
