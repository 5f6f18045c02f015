//! The ONNX files `fuzz/run onnx` found crashing the load (fuzz/regressions/onnx/),
//! replayed through the fuzz target's own harness: each must now load or fail
//! with an error, never panic. (The same files are served over HTTP by
//! tests/e2e/hostile_models.rs, which CI runs.)

use std::path::Path;

#[path = "../../../fuzz/harness/replay.rs"]
mod replay;

#[path = "../../../fuzz/harness/onnx.rs"]
mod onnx;

#[test]
fn onnx_files_found_by_fuzzing_fail_without_panicking() {
    replay::every(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), "onnx", onnx::run);
}
