//! The wasmflow guest SDK: the generated bindings of the `wasmflow:inference`
//! `flavor` world, shared by every flavor component and by custom models.
//!
//! A model implements [`Model`] (`load` and `predict`) and registers it with
//! [`export_model!`]; the SDK provides the `model` resource, its metadata and the
//! snapshot slot (`snapshot.preload` keeps the loaded model for `model.load`, so
//! that `wasmflow build` can embed it). `load` gets the model directory
//! (read-only, at `/model`) and the MLmodel sections as JSON; `predict` gets
//! tensors, a table or JSON that already fit the signature, and typed params with
//! defaults filled in. Build with `cargo build --target wasm32-wasip2 --release`;
//! guest/echo and guest/ensemble are complete custom models.
//!
//! ```ignore
//! use wasmflow_guest::{Batch, Error, LoadRequest, Model, Param};
//!
//! struct MyModel { /* weights, trees, ... */ }
//!
//! impl Model for MyModel {
//!     fn load(request: &LoadRequest) -> Result<Self, Error> {
//!         Ok(MyModel {})
//!     }
//!     fn predict(&self, input: Batch, params: &[Param]) -> Result<Batch, Error> {
//!         Ok(input)
//!     }
//! }
//!
//! wasmflow_guest::export_model!(MyModel);
//! ```
//!
//! Besides: [`pyfunc`] reads `context.artifacts` and `context.model_config` as
//! MLflow hands them to a Python model, [`pyjson`] writes JSON answers as Python
//! does (bare `NaN`), and
//! [`values`] adds lengths, dtypes and a float64 view to the WIT values.

#[allow(missing_docs, reason = "bindgen-generated code")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "snapshot-flavor",
        pub_export_macro: true,
        default_bindings_module: "wasmflow_guest",
    });
}

pub use bindings::*;
pub use exports::wasmflow::inference::predictor::{
    Batch, Column, Dtype, Error, LoadRequest, Metadata, Param, ParamValue, Scalar, Tensor, Values,
};
pub use model::Model;

pub mod model;
pub mod pyfunc;
pub mod pyjson;
mod scrub;
pub mod snapshot;
pub mod values;

#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: scrub::ScrubbingAllocator = scrub::ScrubbingAllocator;
