//! The one `bindgen!` of the host: Rust types and call stubs for the
//! `wasmflow:inference` `flavor` world (wit/world.wit).

#![allow(missing_docs, reason = "bindgen-generated code")]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "flavor",
});

pub use exports::wasmflow::inference::predictor::{
    Batch, Column, Dtype, Error, Error as FlavorError, LoadRequest, Metadata, Param, ParamValue, Scalar, Tensor,
    TensorInfo, Values,
};
