//! Everything MLflow-specific in wasmflow's model server: the `/invocations`
//! content types and request formats, MLmodel files and signatures, schema
//! and params enforcement, and MLflow's exact response and error bodies.
//!
//! Pure Rust, no I/O beyond reading an MLmodel file: builds natively and for
//! `wasm32-wasip2`.

mod base64;
mod composite;
mod content_type;
mod csv_input;
mod enforce;
mod error;
mod frame;
#[cfg(test)]
mod golden;
mod json_formats;
#[cfg(test)]
mod mlflow_cases;
mod mlmodel;
mod ndarray;
mod params;
mod parquet_input;
pub mod pyjson;
#[cfg(test)]
mod repr_fixtures;
mod request;
mod response;
pub mod service;
mod signature;
mod type_hint;
pub mod value;
mod wit_convert;

pub use content_type::{RequestFormat, parse_content_type};
pub use error::{
    EVALUATION_ERROR_MESSAGE, HttpAnswer, ModelErrorCode, SCORING_PROTOCOL_CHANGE_INFO, ScoringError, TIMEOUT_MESSAGE,
};
pub use mlmodel::{InputExampleInfo, LoadSections, MlModel, MlModelError};
pub use pyjson::Json;
pub use request::{Invocation, parse_invocation};
pub use response::encode_predictions;
pub use signature::{
    ColSpec, ColType, ParamSchema, ParamSpec, Property, Schema, Signature, TensorSpec, dtype_from_numpy,
};
pub use value::{Batch, Column, DType, ParamValue, Params, Scalar, Tensor, Values};
