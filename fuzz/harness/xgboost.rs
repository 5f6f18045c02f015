//! XGBoost models: UBJSON and JSON, as saved and as a pickled booster's state.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/xgboost/`: one definition of what a run does.

use wasmflow_tree_formats::xgboost::{Api, load_model, load_serialized};

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    for name in ["model.ubj", "model.json"] {
        if let Ok(model) = load_model(data, name, Api::Booster) {
            let _ = model.predict(&vec![0.5; 64]);
        }
    }
    let _ = load_serialized(data, "model.pkl", Api::Classifier);
}
