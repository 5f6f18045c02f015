//! The ONNX flavor component: loads an MLflow `onnx` model with tract and runs it
//! with the semantics of MLflow's ONNX pyfunc wrapper (`mlflow.onnx._OnnxModelWrapper`):
//! an ndarray or dict of ndarrays answers a dict of output name → array, a
//! DataFrame answers a DataFrame of flattened outputs.
//!
//! The `ai.onnx.ml` operators that scikit-learn converters emit are this crate's
//! own tract ops ([`ml`]; tree ensembles on `wasmflow-tree-engine`), and a final
//! `ZipMap` is answered as MLflow answers onnxruntime's list of dicts ([`zipmap`]).
//! Everything but the WIT export glue builds natively, so `cargo test -p
//! wasmflow-flavor-onnx` runs the parity tests over committed fixtures.

mod answer;
mod convert;
mod feed;
mod graph_names;
#[cfg(feature = "host-kernels")]
pub mod host_kernels;
pub mod ml;
mod rnn_direction;
pub mod zipmap;

#[cfg(not(target_arch = "wasm32"))]
pub mod check;

#[cfg(target_arch = "wasm32")]
mod component;

use std::cell::RefCell;
use std::path::Path;

use tract_onnx::prelude::*;
use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Error, LoadRequest, TensorInfo};

use zipmap::ZipMapOutput;

/// The optimised tract plan plus what MLflow's wrapper needs to know about I/O.
pub struct LoadedOnnx {
    plan: Arc<TypedRunnableModel>,
    /// tract's run state, made at load and kept from call to call when no
    /// operator of the plan has a state of its own ([`LoadedOnnx::run`]).
    state: RefCell<Option<TypedSimpleState>>,
    /// Model inputs, in order.
    pub inputs: Vec<TensorInfo>,
    /// Model outputs, in order.
    pub outputs: Vec<TensorInfo>,
    zipmaps: Vec<ZipMapOutput>,
}

impl LoadedOnnx {
    /// Runs the model on a batch with MLflow's input and output rules.
    pub fn predict(&self, input: Batch) -> Result<Batch, Error> {
        let (feeds, from_table) = feed::feeds(&self.inputs, input)?;
        let results = self.run(feeds).map_err(|e| Error::Evaluation(format!("{e:#}")))?;
        let names = self.outputs.iter().map(|o| o.name.clone());
        let tensors = names
            .zip(results)
            .map(|(name, value)| convert::to_wit_tensor(name, &value))
            .collect::<Result<Vec<_>, _>>()?;
        match (from_table, self.zipmaps.is_empty()) {
            (true, true) => feed::as_table(tensors),
            (false, true) => Ok(Batch::Tensors(tensors)),
            (true, false) => answer::as_records(tensors, &self.zipmaps),
            (false, false) => answer::as_dict(tensors, &self.zipmaps),
        }
    }

    /// Runs the plan on `feeds` as `plan.run` does, without making tract's run
    /// state (per-node value slots, op states, a session) anew for every call:
    /// a state whose operators are all stateless leaves nothing behind a
    /// successful run (`SimpleState::run` clears every value and resolved
    /// symbol at its end), so it is kept for the next call. A state with
    /// stateful operators, or one a failed run may have left half-filled, is
    /// dropped, and the next call makes a fresh one.
    fn run(&self, feeds: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let kept = self.state.borrow_mut().take();
        let mut state = match kept {
            Some(state) => state,
            None => self.plan.spawn()?,
        };
        let outputs = state.run(feeds)?;
        if reusable(&state) {
            *self.state.borrow_mut() = Some(state);
        }
        Ok(outputs)
    }
}

/// Whether a run state may serve the next call: no operator keeps a state.
fn reusable(state: &TypedSimpleState) -> bool {
    state.op_states.iter().all(Option::is_none)
}

/// Reads the ONNX file (and its external data) and builds tract's plan.
pub fn load_onnx(request: &LoadRequest) -> Result<LoadedOnnx, Error> {
    let data = model_file_name(&request.flavor_config)?;
    let path = Path::new(&request.model_dir).join(data);
    let mut onnx = tract_onnx::onnx();
    ml::register(&mut onnx.op_register);
    // MLflow saves tensors over 1 KB as external data (`<uuid>.data` beside
    // model.onnx). tract 0.23's default resolver mmaps those files, which WASI
    // does not support ("unsupported"); its own read-based resolver works.
    onnx.provider = std::sync::Arc::new(tract_onnx::data_resolver::FopenDataResolver);
    let cannot_read =
        |e: &dyn std::fmt::Display| Error::Load(format!("cannot read ONNX model {}: {e:#}", path.display()));
    let mut proto = onnx.proto_model_for_path(&path).map_err(|e| cannot_read(&e))?;
    graph_names::check_outputs_defined(&proto).map_err(|e| cannot_read(&e))?;
    let zipmaps = zipmap::strip(&mut proto).map_err(|e| cannot_read(&e))?;
    rnn_direction::rewrite(&mut proto);
    let dir = path.parent().and_then(Path::to_str);
    let parsed = onnx.parse(&proto, dir).map_err(|e| cannot_read(&e))?;
    if !parsed.unresolved_inputs.is_empty() {
        return Err(cannot_read(&format!("could not resolve inputs {:?}", parsed.unresolved_inputs)));
    }
    let mut model = parsed.model;
    let (input_names, output_names) = convert::io_names(&model).map_err(load_error)?;
    convert::symbolize_unknown_dims(&mut model).map_err(load_error)?;
    let typed = optimise(model).map_err(|e| Error::Load(format!("ONNX model not supported by tract: {e:#}")))?;
    let input_facts = (0..input_names.len()).map(|i| typed.input_fact(i)).collect::<TractResult<Vec<_>>>();
    let output_facts = (0..output_names.len()).map(|i| typed.output_fact(i)).collect::<TractResult<Vec<_>>>();
    let inputs =
        convert::tensor_infos(input_names, input_facts.map_err(load_error)?.into_iter()).map_err(load_error)?;
    let outputs =
        convert::tensor_infos(output_names, output_facts.map_err(load_error)?.into_iter()).map_err(load_error)?;
    let plan = typed.into_runnable().map_err(load_error)?;
    // Made now, so that a snapshot of the loaded model holds it too.
    let state = plan.spawn().map_err(load_error)?;
    let state = RefCell::new(Some(state).filter(reusable));
    Ok(LoadedOnnx { plan, state, inputs, outputs, zipmaps })
}

/// tract's optimised model.
#[cfg(not(feature = "host-kernels"))]
fn optimise(model: InferenceModel) -> TractResult<TypedModel> {
    model.into_optimized()
}

/// tract's optimised model, the constant matrix products of the decluttered
/// model given to the host first ([`host_kernels`]).
#[cfg(feature = "host-kernels")]
fn optimise(model: InferenceModel) -> TractResult<TypedModel> {
    let mut typed = model.into_typed()?.into_decluttered()?;
    host_kernels::offload_matmuls(&mut typed)?;
    typed.into_optimized()
}

/// The ONNX file named by the flavor's `data` entry (MLflow writes `model.onnx`).
fn model_file_name(flavor_config: &str) -> Result<String, Error> {
    let config: serde_json::Value = serde_json::from_str(flavor_config)
        .map_err(|e| Error::Load(format!("flavor configuration is not JSON: {e}")))?;
    Ok(config.get("data").and_then(|d| d.as_str()).unwrap_or("model.onnx").to_string())
}

fn load_error(e: impl std::fmt::Display) -> Error {
    Error::Load(format!("{e:#}"))
}

#[cfg(test)]
mod tests;
