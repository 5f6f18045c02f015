//! The WIT export glue: the `model` resource over a [`LoadedOnnx`] shared with
//! the snapshot's slot.

use std::rc::Rc;

use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Error, LoadRequest, Metadata, Param};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Guest, GuestModel, Model};
use wasmflow_guest::exports::wasmflow::inference::snapshot::Guest as SnapshotGuest;

use crate::{LoadedOnnx, load_onnx};

/// One `model` resource: the loaded model, shared with the snapshot's slot.
struct OnnxModel(Rc<LoadedOnnx>);

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
        self.0.predict(input)
    }
}

wasmflow_guest::export!(Flavor);
