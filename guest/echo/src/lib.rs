//! `echo`: a custom model written with the wasmflow guest SDK, and the model
//! behind the custom-model conformance cases (tests/conformance/echo-*).
//!
//! It answers what reached `predict`, with the logic of the Python model in
//! models/make_custom_models.py (`describe`): the kind of input (`DataFrame`,
//! `ndarray`, `dict`, or a Python type name for raw JSON), numpy/pandas dtype
//! names, the values, and the params. Recorded against `mlflow models serve`,
//! it shows that wasmflow hands a model the same data MLflow does.

pub mod describe;

// The WIT export glue only links as a wasm component.
#[cfg(target_arch = "wasm32")]
mod component;
