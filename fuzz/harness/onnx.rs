//! ONNX protobuf models through the onnx flavor's own load path: tract's
//! protobuf decoder, our ZipMap stripping and ai.onnx.ml ops, tract's typing and
//! optimisation. Each input is written as `model.onnx` in a scratch directory.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/onnx/`: one definition of what a run does.

use std::sync::LazyLock;

use wasmflow_flavor_onnx::load_onnx;
use wasmflow_guest::exports::wasmflow::inference::predictor::LoadRequest;

static DIR: LazyLock<std::path::PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("wasmflow-fuzz-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
});

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    std::fs::write(DIR.join("model.onnx"), data).unwrap();
    let request = LoadRequest {
        model_dir: DIR.to_string_lossy().into_owned(),
        flavor_config: r#"{"data": "model.onnx"}"#.into(),
        pyfunc_config: "{}".into(),
        model_config: "{}".into(),
    };
    let _ = load_onnx(&request);
}
