//! A model whose load traps, loops, hoards memory or fails (the fault flavor's
//! `on_load`) stops `wasmflow serve` (pooled and per-request, whose
//! pre-initialisation runs the load too) and `wasmflow build` with a one-line
//! error naming the bound it hit, within the load deadline: never a hang.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{repo, serve_fails};

/// A copy of tests/fixtures/fault-model whose flavor section says `on_load: <fault>`.
fn faulty_model(fault: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("load-faults").join(fault);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mlmodel = std::fs::read_to_string(repo().join("tests/fixtures/fault-model/MLmodel")).unwrap();
    let section = format!("  wasmflow_fault:\n    on_load: {fault}\n");
    std::fs::write(dir.join("MLmodel"), mlmodel.replacen("  wasmflow_fault:\n", &section, 1)).unwrap();
    dir
}

fn component() -> String {
    format!("wasmflow_fault={}", wasmflow_components::FAULT_PATH)
}

/// `serve` on the faulty model must exit non-zero, printing `expected`.
fn serve_stops(fault: &str, extra: &[&str], expected: &str) {
    let model = faulty_model(fault);
    let component = component();
    let mut args = vec!["--flavor-component", component.as_str(), "-w", "1"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let (code, log) = serve_fails(&repo(), &[], model.to_str().unwrap(), &args);
    assert_ne!(code, Some(0), "{log}");
    assert!(code.is_some(), "killed by a signal:\n{log}");
    assert!(log.contains(expected), "{fault} {extra:?}: expected {expected:?} in:\n{log}");
    assert!(started.elapsed() < Duration::from_secs(45), "took {:?}", started.elapsed());
}

/// `build` on the faulty model must fail, printing `expected`.
fn build_stops(fault: &str, extra: &[&str], expected: &str) {
    let model = faulty_model(fault);
    let output = model.join("model.wasm");
    let started = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_wasmflow"))
        .current_dir(repo())
        .args(["build", "--flavor-component", &component(), "-m"])
        .arg(&model)
        .arg("-o")
        .arg(&output)
        .args(extra)
        .output()
        .expect("cannot run wasmflow build");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "build succeeded:\n{stderr}");
    assert!(run.status.code().is_some(), "killed by a signal:\n{stderr}");
    assert!(stderr.contains(expected), "{fault} {extra:?}: expected {expected:?} in:\n{stderr}");
    assert!(!output.exists(), "no component is written");
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

/// Per-request isolation pre-initialises the flavor with the model loaded
/// (a failed snapshot is never cached, so every run loads again).
const PER_REQUEST: &[&str] = &["--isolation", "per-request"];

#[test]
fn a_load_that_loops_is_interrupted_at_the_load_timeout() {
    let expected = "did not load within 2 s";
    serve_stops("loop", &["--load-timeout", "2"], expected);
    serve_stops("loop", &[PER_REQUEST, &["--load-timeout", "2"]].concat(), expected);
    build_stops("loop", &["--load-timeout", "2"], expected);
}

#[test]
fn a_load_that_hoards_memory_is_stopped_at_the_memory_cap() {
    let expected = "needs more than 64 MiB of memory to load";
    serve_stops("alloc", &["--max-memory-mb", "64"], expected);
    serve_stops("alloc", &[PER_REQUEST, &["--max-memory-mb", "64"]].concat(), expected);
    build_stops("alloc", &["--max-memory-mb", "64"], expected);
}

#[test]
fn a_load_that_traps_or_fails_stops_with_its_reason() {
    serve_stops("trap", &[], "trapped while loading");
    build_stops("trap", &[], "trapped while loading");
    serve_stops("fail", &[], "asked to fail at load");
    serve_stops("fail", PER_REQUEST, "asked to fail at load");
    build_stops("fail", &[], "asked to fail at load");
}
