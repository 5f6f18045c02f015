//! The wasmflow guest SDK: the generated bindings of the `wasmflow:inference`
//! `flavor` world, shared by every flavor component and by custom models.
//!
//! A flavor or a custom model implements
//! [`exports::wasmflow::inference::predictor::Guest`] (its `Model` resource) and
//! registers it with [`export!`]. `load` gets the model directory (read-only, at
//! `/model`) and the MLmodel sections as JSON; `predict` gets tensors, a table or
//! JSON that already fit the signature, and typed params with defaults filled in.
//! Build with `cargo build --target wasm32-wasip2 --release`; guest/echo is a
//! complete custom model.
//!
//! The SDK's world is `snapshot-flavor`: a component also exports
//! `snapshot.preload`, which loads the model through [`snapshot::preload`] so
//! that `wasmflow build` can embed the loaded model in a snapshot; `model.load`
//! then goes through [`snapshot::load`].
//!
//! ```ignore
//! struct Flavor;
//! impl wasmflow_guest::exports::wasmflow::inference::predictor::Guest for Flavor {
//!     type Model = MyModel; // holds an Rc<Loaded>, from snapshot::load(&request, load_fn)
//! }
//! impl wasmflow_guest::exports::wasmflow::inference::snapshot::Guest for Flavor {
//!     fn preload(request: LoadRequest) -> Result<(), Error> {
//!         wasmflow_guest::snapshot::preload(request, load_fn)
//!     }
//! }
//! wasmflow_guest::export!(Flavor);
//! ```

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

pub mod snapshot;
pub mod values;
