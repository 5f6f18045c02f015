//! ONNX protobuf models through the onnx flavor's own load path: tract's
//! protobuf decoder, our ZipMap stripping and ai.onnx.ml ops, tract's typing and
//! optimisation. Each input is written as `model.onnx` in a scratch directory.
#![no_main]

#[path = "../harness/onnx.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
