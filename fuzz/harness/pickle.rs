//! The restricted pickle reader (every global allowed, so the fuzzer reaches
//! the object-building code; nothing is ever called either way).
//!
//! Shared by the fuzz target and the crash regression test that replays
//! `fuzz/regressions/pickle/`: one definition of what a run does.

/// One fuzz input: must return (any result), never panic, hang or overflow.
pub fn run(data: &[u8]) {
    let _ = wasmflow_flavor_sklearn::pickle::read(data, &|_| true);
}
