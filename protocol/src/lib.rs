//! Everything MLflow-specific in wasmflow's model server: the `/invocations`
//! content types and request formats, MLmodel files and signatures, schema
//! and params enforcement, and MLflow's exact response and error bodies.
//!
//! Pure Rust, no I/O beyond reading an MLmodel file: builds natively and for
//! `wasm32-wasip2`. Its families, each a folder:
//! * `input`: from a request (content type, body) to the Python objects
//!   MLflow's parse stage makes: JSON formats, CSV, parquet;
//! * `schema`: signatures and MLflow's enforcement of them (tensors, columns,
//!   composite types, type hints, params);
//! * [`py`]: the hand-written Python look-alikes whose behaviour and printouts
//!   reach MLflow's answers (`json`, `repr`, numpy, pandas, base64, datetimes);
//! * [`v2`]: the Open Inference Protocol (V2) REST data plane over the same
//!   schema enforcement;
//! * the rest at the top: the data model handed to flavors ([`value`]), errors,
//!   responses, the MLmodel file and the scoring service ([`service`]).

mod error;
mod input;
mod mlmodel;
pub mod py;
mod response;
mod schema;
pub mod service;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod v2;
pub mod value;
mod wit_convert;

pub use error::{
    EVALUATION_ERROR_MESSAGE, HttpAnswer, ModelErrorCode, SCORING_PROTOCOL_CHANGE_INFO, ScoringError, TIMEOUT_MESSAGE,
};
pub use input::content_type::{RequestFormat, parse_content_type};
pub use input::request::{Invocation, parse_invocation};
pub use mlmodel::{InputExampleInfo, LoadSections, MlModel, MlModelError};
pub use py::dtypes::dtype_from_numpy;
pub use py::json::Json;
pub use response::encode_predictions;
pub use schema::signature::{ColSpec, ColType, ParamSchema, ParamSpec, Property, Schema, Signature, TensorSpec};
pub use value::{Batch, Column, DType, ParamValue, Params, Scalar, Tensor, Values};
