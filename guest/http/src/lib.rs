//! The wasi:http front end: MLflow's scoring service (`/invocations`, `/ping`,
//! `/health`, `/version`) as a component that exports
//! `wasi:http/incoming-handler` and imports a flavor's `predictor`.
//!
//! Composed with a flavor (and a snapshot of the model) by `wasmflow build`, it
//! is one self-contained component for `wasmtime serve`, Spin or any wasi:http
//! host; in `spin.toml` Spin composes it with the flavor at load time and mounts
//! the model directory. Every byte it answers comes from the protocol crate, as
//! the native server's do.

mod bindings;
mod convert;
mod handler;
mod served;

struct Front;

wasip2::http::proxy::export!(Front);
bindings::export!(Front with_types_in bindings);
