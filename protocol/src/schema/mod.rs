//! Model signatures and MLflow's enforcement of them: the signature itself,
//! schema enforcement (tensors and columns), composite column types, type-hint
//! signatures and inference params.

pub(crate) mod composite;
pub(crate) mod enforce;
pub(crate) mod params;
pub(crate) mod signature;
pub(crate) mod type_hint;
