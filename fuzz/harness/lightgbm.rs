//! LightGBM text models.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/lightgbm/`: one definition of what a run does.

use wasmflow_tree_engine::Limits;
use wasmflow_tree_formats::lightgbm::load_model;

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    if let Ok(model) = load_model(data, "model.lgb", &Limits::default()) {
        let _ = model.predict(&vec![0.5; 64]);
    }
}
