//! The WIT export of the echo model, through the SDK's [`Model`] trait.

use wasmflow_guest::{Batch, Error, LoadRequest, Model, Param};

use crate::describe::answer;

/// The echo model keeps nothing: its load reads no file.
struct Echo;

impl Model for Echo {
    fn load(_request: &LoadRequest) -> Result<Self, Error> {
        Ok(Echo)
    }

    fn predict(&self, input: Batch, params: &[Param]) -> Result<Batch, Error> {
        answer(&input, params).map(Batch::Json).map_err(Error::InvalidInput)
    }
}

wasmflow_guest::export_model!(Echo);
