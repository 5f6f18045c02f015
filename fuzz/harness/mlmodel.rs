//! MLmodel files (YAML) and the signatures inside them.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/mlmodel/`: one definition of what a run does.

use wasmflow_protocol::MlModel;

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = MlModel::from_yaml(text);
    }
}
