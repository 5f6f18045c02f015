//! `.npy` arrays (skops entries, joblib's arrays after a pickle).
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/npy/`: one definition of what a run does.

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    let _ = wasmflow_flavor_sklearn::npy::parse(data);
}
