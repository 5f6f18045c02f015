//! The WIT export of the echo model.

use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Error, LoadRequest, Metadata, Param};
use wasmflow_guest::exports::wasmflow::inference::predictor::{Guest, GuestModel, Model};
use wasmflow_guest::exports::wasmflow::inference::snapshot::Guest as SnapshotGuest;

use crate::describe::answer;

struct Component;

struct Echo;

impl Guest for Component {
    type Model = Echo;
}

/// The echo model keeps nothing, so its snapshot has nothing to preload.
impl SnapshotGuest for Component {
    fn preload(_request: LoadRequest) -> Result<(), Error> {
        Ok(())
    }
}

impl GuestModel for Echo {
    fn load(_request: LoadRequest) -> Result<Model, Error> {
        Ok(Model::new(Echo))
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "python_function".into(), inputs: Vec::new(), outputs: Vec::new() }
    }

    fn predict(&self, input: Batch, params: Vec<Param>) -> Result<Batch, Error> {
        answer(&input, &params).map(Batch::Json).map_err(Error::InvalidInput)
    }
}

wasmflow_guest::export!(Component);
