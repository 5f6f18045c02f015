//! The ONNX flavor component: loads an MLflow `onnx` model with tract and runs it
//! with the semantics of MLflow's ONNX pyfunc wrapper (`mlflow.onnx._OnnxModelWrapper`):
//! an ndarray or dict of ndarrays answers a dict of output name → array, a
//! DataFrame answers a DataFrame of flattened outputs.

mod convert;
mod feed;

use std::path::Path;
use std::rc::Rc;

use tract_onnx::prelude::*;
use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Error, LoadRequest, Metadata, Param, TensorInfo};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Guest, GuestModel, Model};
use wasmflow_guest::exports::wasmflow::inference::snapshot::Guest as SnapshotGuest;

/// One `model` resource: the loaded model, shared with the snapshot's slot.
struct OnnxModel(Rc<LoadedOnnx>);

/// The optimised tract plan plus what MLflow's wrapper needs to know about I/O.
struct LoadedOnnx {
    plan: Arc<TypedRunnableModel>,
    inputs: Vec<TensorInfo>,
    outputs: Vec<TensorInfo>,
}

struct Flavor;

impl Guest for Flavor {
    type Model = OnnxModel;
}

impl SnapshotGuest for Flavor {
    fn preload(request: LoadRequest) -> Result<(), Error> {
        wasmflow_guest::snapshot::preload(request, load_onnx)
    }
}

impl GuestModel for OnnxModel {
    fn load(request: LoadRequest) -> Result<Model, Error> {
        wasmflow_guest::snapshot::load(&request, load_onnx).map(|loaded| Model::new(OnnxModel(loaded)))
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "onnx".into(), inputs: self.0.inputs.clone(), outputs: self.0.outputs.clone() }
    }

    fn predict(&self, input: Batch, _params: Vec<Param>) -> Result<Batch, Error> {
        let model = &self.0;
        let (feeds, from_table) = feed::feeds(&model.inputs, input)?;
        let results = model.plan.run(feeds).map_err(|e| Error::Evaluation(format!("{e:#}")))?;
        let names = model.outputs.iter().map(|o| o.name.clone());
        let tensors = names
            .zip(results)
            .map(|(name, value)| convert::to_wit_tensor(name, &value))
            .collect::<Result<Vec<_>, _>>()?;
        if from_table { feed::as_table(tensors) } else { Ok(Batch::Tensors(tensors)) }
    }
}

/// Reads the ONNX file (and its external data) and builds tract's plan.
fn load_onnx(request: &LoadRequest) -> Result<LoadedOnnx, Error> {
    let data = model_file_name(&request.flavor_config)?;
    let path = Path::new(&request.model_dir).join(data);
    let mut onnx = tract_onnx::onnx();
    // MLflow saves tensors over 1 KB as external data (`<uuid>.data` beside
    // model.onnx). tract 0.23's default resolver mmaps those files, which WASI
    // does not support ("unsupported"); its own read-based resolver works.
    onnx.provider = std::sync::Arc::new(tract_onnx::data_resolver::FopenDataResolver);
    let mut model = onnx
        .model_for_path(&path)
        .map_err(|e| Error::Load(format!("cannot read ONNX model {}: {e:#}", path.display())))?;
    let (input_names, output_names) = convert::io_names(&model).map_err(load_error)?;
    convert::symbolize_unknown_dims(&mut model).map_err(load_error)?;
    let typed = model.into_optimized().map_err(|e| Error::Load(format!("ONNX model not supported by tract: {e:#}")))?;
    let input_facts = (0..input_names.len()).map(|i| typed.input_fact(i)).collect::<TractResult<Vec<_>>>();
    let output_facts = (0..output_names.len()).map(|i| typed.output_fact(i)).collect::<TractResult<Vec<_>>>();
    let inputs =
        convert::tensor_infos(input_names, input_facts.map_err(load_error)?.into_iter()).map_err(load_error)?;
    let outputs =
        convert::tensor_infos(output_names, output_facts.map_err(load_error)?.into_iter()).map_err(load_error)?;
    let plan = typed.into_runnable().map_err(load_error)?;
    Ok(LoadedOnnx { plan, inputs, outputs })
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

wasmflow_guest::export!(Flavor);
