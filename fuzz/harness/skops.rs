//! skops archives: the zip, `schema.json` and the `.npy` entries it names.
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/skops/`: one definition of what a run does.

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    let _ = wasmflow_flavor_sklearn::skops::read(data, &|_| true);
}
