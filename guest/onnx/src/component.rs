//! The WIT export of the ONNX flavor, through the guest SDK's [`Model`] trait.

use wasmflow_guest::{Batch, Error, LoadRequest, Metadata, Model, Param};

use crate::{LoadedOnnx, load_onnx};

impl Model for LoadedOnnx {
    fn load(request: &LoadRequest) -> Result<Self, Error> {
        load_onnx(request)
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "onnx".into(), inputs: self.inputs.clone(), outputs: self.outputs.clone() }
    }

    fn predict(&self, input: Batch, _params: &[Param]) -> Result<Batch, Error> {
        LoadedOnnx::predict(self, input)
    }
}

wasmflow_guest::export_model!(LoadedOnnx);
