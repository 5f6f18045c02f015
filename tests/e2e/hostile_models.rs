//! Hostile model files (issue 17, item 5): a zip bomb, an .npy header declaring
//! 10^12 values, an archive entry naming `../../etc/passwd`, an ONNX initializer
//! declaring 10^10 floats (tests/fixtures/hostile, made by
//! models/make_hostile_models.py), a model file that is a symlink out of
//! the model directory, and the ONNX files fuzzing found crashing tract. Each stops `wasmflow serve` at start-up with a one-line
//! error naming the file or the bound: no crash, no panic, no unbounded
//! allocation, and nothing read outside the model directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{repo, serve_fails};

/// `serve` on `model` must exit non-zero within the load bounds, printing `expected`.
fn refused(model: &Path, expected: &str) {
    let started = Instant::now();
    let (code, log) = serve_fails(&repo(), &[], model.to_str().unwrap(), &["-w", "1", "--max-memory-mb", "256"]);
    assert_ne!(code, Some(0), "{log}");
    assert!(code.is_some(), "killed by a signal:\n{log}");
    assert!(log.contains(expected), "{}: expected {expected:?} in:\n{log}", model.display());
    assert!(!log.contains("panicked"), "{log}");
    assert!(started.elapsed() < Duration::from_secs(45), "took {:?}", started.elapsed());
}

fn fixture(case: &str) -> PathBuf {
    repo().join("tests/fixtures/hostile").join(case)
}

#[test]
fn a_zip_bomb_in_a_skops_archive_is_refused_before_it_is_inflated() {
    refused(&fixture("skops-zip-bomb"), "model.skops: 140325669395824.npy is larger than");
}

#[test]
fn an_npy_header_declaring_a_huge_shape_is_refused() {
    refused(&fixture("skops-npy-huge-shape"), "array dimension 1000000000000 is too large");
}

#[test]
fn an_archive_entry_naming_a_path_outside_is_not_found_in_the_archive() {
    refused(&fixture("skops-path-traversal"), "cannot open ../../../../../../etc/passwd: specified file not found");
}

#[test]
fn an_onnx_initializer_declaring_a_huge_tensor_is_refused() {
    refused(&fixture("onnx-huge-initializer"), "tensor shape [100000, 100000] overflows");
}

#[test]
fn onnx_files_found_by_fuzzing_fail_at_load_with_one_line() {
    // fuzz/regressions/onnx: files `fuzz/run onnx` found panicking inside tract
    // (a graph output naming no value), which in the component is a trap.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzzed-onnx");
    let mut crashers: Vec<_> =
        std::fs::read_dir(repo().join("fuzz/regressions/onnx")).unwrap().map(|e| e.unwrap().path()).collect();
    crashers.sort();
    assert!(!crashers.is_empty());
    for crasher in crashers {
        let model = root.join(crasher.file_name().unwrap());
        std::fs::create_dir_all(&model).unwrap();
        std::fs::copy(fixture("onnx-huge-initializer").join("MLmodel"), model.join("MLmodel")).unwrap();
        std::fs::copy(&crasher, model.join("model.onnx")).unwrap();
        refused(&model, "cannot read ONNX model");
    }
}

#[test]
fn a_model_file_linked_out_of_the_model_directory_is_not_read() {
    // `outside/model.skops` is a real, loadable model: were the link followed,
    // the model would serve.
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-symlink");
    let _ = std::fs::remove_dir_all(&root);
    let (model, outside) = (root.join("model"), root.join("outside"));
    std::fs::create_dir_all(&model).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let source = repo().join("models/sklearn/iris-rf");
    std::fs::copy(source.join("MLmodel"), model.join("MLmodel")).unwrap();
    std::fs::copy(source.join("model.skops"), outside.join("model.skops")).unwrap();
    std::os::unix::fs::symlink(outside.join("model.skops"), model.join("model.skops")).unwrap();
    refused(&model, "model.skops");
    // A relative link climbing out of the directory is refused the same way.
    std::fs::remove_file(model.join("model.skops")).unwrap();
    std::os::unix::fs::symlink("../outside/model.skops", model.join("model.skops")).unwrap();
    refused(&model, "model.skops");
}
