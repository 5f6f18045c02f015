//! End-to-end tests: the real `wasmflow` binary on 127.0.0.1, real HTTP.
//! Fixtures are MLflow model directories made by real MLflow (models/), their
//! onnxruntime predictions (models/expected/) and answers recorded from a real
//! `mlflow models serve` (tests/conformance/).

mod batching;
mod cache_faults;
mod conformance;
mod container;
mod custom;
mod edge;
mod edge_hosts;
mod endpoints;
mod ensemble;
mod host_kernels;
mod hostile_bodies;
mod hostile_models;
mod isolation;
mod load_faults;
mod manifests;
mod many_models;
mod mlflow_server;
mod onnx;
mod onnx_ml;
mod overload;
mod predict;
mod python;
mod reload;
mod resilience;
mod shutdown;
mod sklearn;
mod slow_clients;
mod support;
mod tracking_faults;
mod trees;
mod uris;
mod v2;
