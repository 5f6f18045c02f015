//! The generated bindings of the `http-front` world (wit/world.wit): the
//! imported `predictor` and the exported `front`.

#![allow(missing_docs, reason = "bindgen-generated code")]

wit_bindgen::generate!({
    path: "../../wit",
    world: "http-front",
});

pub use wasmflow::inference::predictor::{LoadRequest, Model};
