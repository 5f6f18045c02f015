//! The wasmflow host as a library: what the `wasmflow` binary (src/main.rs)
//! is made of, so benchmarks and tools use the same wasmtime layer instead of
//! copying it.
//!
//! Dependencies point one way: `cli` → `runtime`, `flavors`; `edge` (`wasmflow build`) and
//! `runtime` → `model` → `flavors`; `server`, `oneshot` (`wasmflow predict`) → `runtime`. Everything wasmtime
//! lives in [`runtime`]; everything MLflow-protocol in the `wasmflow-protocol` crate.

pub mod cli;
pub mod edge;
pub mod flavors;
pub mod model;
pub mod oneshot;
pub mod runtime;
pub mod server;
