//! Replays every minimised crasher of one fuzz target (`fuzz/regressions/<target>/`,
//! each a file `cargo fuzz tmin` wrote) through that target's harness, in
//! `cargo test`: a parser bug fuzzing found stays fixed without the nightly
//! toolchain.

use std::path::Path;

/// Runs `run` on every file under `fuzz/regressions/<target>` (from the
/// repository `root`); panics naming each input that panicked.
pub fn every(root: &Path, target: &str, run: fn(&[u8])) {
    let dir = root.join("fuzz").join("regressions").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} holds no inputs", dir.display());
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| std::panic::catch_unwind(|| run(&std::fs::read(path).unwrap())).is_err())
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: these inputs panic again:\n{}", failed.join("\n"));
}
