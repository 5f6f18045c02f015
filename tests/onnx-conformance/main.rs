//! ONNX conformance of the onnx flavor component: the ONNX backend test cases
//! the `onnx` wheel ships (every operator case, the small model cases, the
//! PyTorch-exported cases and, in the full run, the weight-reduced real models)
//! run through the component as `wasmflow serve` runs it, outputs compared with
//! the expected ones at the cases' own tolerances (rtol 1e-3, atol 1e-7; 2e-3
//! for DenseNet-121).
//!
//! - `cargo test --release --test onnx_conformance` (CI, about 15 s): every
//!   case but the light models (43 s of compute); each one listed in
//!   `expected-passes.txt` must still pass, passes not listed are named.
//! - `cargo test --release --test onnx_conformance -- --ignored full`: every case
//!   including the light models; writes the tables of docs/onnx-conformance.md
//!   and a fresh expected-passes list to `<target>/tmp/onnx-conformance-report/`.
//!
//! The cases are written by `make_cases.py` with the Python of
//! `$WASMFLOW_ONNX_PYTHON`, else `$WASMFLOW_MLFLOW_BIN`'s venv, else `python3`;
//! without `onnx` there the test is skipped with a notice (it fails under CI).

mod cases;
mod report;
mod run;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cases::Case;
use run::{Harness, Outcome};

const SUITES: &[&str] = &["node", "node-const", "simple", "pytorch-converted", "pytorch-operator"];

fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn expected_passes() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/onnx-conformance/expected-passes.txt");
    let text = std::fs::read_to_string(path).expect("expected-passes.txt");
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

/// The cases of `suites`, written first; `None` (after a notice) without `onnx`.
fn prepare(suites: &[&str], light: bool) -> Option<Vec<Case>> {
    let Some(python) = cases::python_with_onnx() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no Python with onnx was found ($WASMFLOW_ONNX_PYTHON, $WASMFLOW_MLFLOW_BIN's venv, python3)"
        );
        eprintln!("NOTICE: skipping the ONNX conformance run: no Python with `onnx` (set WASMFLOW_ONNX_PYTHON)");
        return None;
    };
    let root = scratch(if light { "onnx-conformance-full" } else { "onnx-conformance" });
    let started = Instant::now();
    cases::generate(&python, &root, light).expect("cannot write the backend test cases");
    let cases = cases::read_all(&root, suites).expect("cannot read the backend test cases");
    eprintln!("onnx conformance: {} cases ready in {:.1} s", cases.len(), started.elapsed().as_secs_f64());
    Some(cases)
}

/// Runs every case on all cores; outcomes and times in case order.
fn run_all(cases: &[Case]) -> Vec<(Outcome, Duration)> {
    let started = Instant::now();
    let harness = Harness::new(&scratch("wasmflow-cache")).expect("cannot compile the onnx component");
    eprintln!("onnx conformance: component ready in {:.1} s", started.elapsed().as_secs_f64());
    let results = Mutex::new(vec![None; cases.len()]);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let started = Instant::now();
                    let outcome = harness.run(case);
                    results.lock().unwrap()[i] = Some((outcome, started.elapsed()));
                }
            });
        }
    });
    let results: Vec<_> = results.into_inner().unwrap().into_iter().map(|r| r.expect("every case ran")).collect();
    eprintln!("onnx conformance: {} cases run in {:.1} s", cases.len(), started.elapsed().as_secs_f64());
    results
}

#[test]
fn the_onnx_backend_cases_that_passed_still_pass() {
    let Some(cases) = prepare(SUITES, false) else { return };
    let expected = expected_passes();
    let known: BTreeSet<String> = cases.iter().map(Case::key).collect();
    let missing: Vec<&String> = expected.difference(&known).collect();
    assert!(missing.is_empty(), "expected passes that are no longer cases (another onnx version?): {missing:?}");
    // Every case runs (about 3 s for all of them): the listed ones must pass,
    // and passes not listed yet are named.
    let results = run_all(&cases);
    let mut regressed = Vec::new();
    let mut new = Vec::new();
    for (case, (outcome, _)) in cases.iter().zip(&results) {
        match (expected.contains(&case.key()), outcome == &Outcome::Pass) {
            (true, false) => regressed.push(format!("{}: {}", case.key(), report::describe(outcome))),
            (false, true) => new.push(case.key()),
            _ => {}
        }
    }
    let passed = results.iter().filter(|(o, _)| o == &Outcome::Pass).count();
    eprintln!("onnx conformance: {passed} of {} cases pass ({} listed)", cases.len(), expected.len());
    if !new.is_empty() {
        eprintln!("NOTICE: {} cases pass that expected-passes.txt does not list: {new:?}", new.len());
    }
    assert!(regressed.is_empty(), "{} expected passes fail now:\n{}", regressed.len(), regressed.join("\n"));
}

#[test]
#[ignore = "every case and the light models (minutes): writes the docs' tables"]
fn full_onnx_conformance_report() {
    let mut suites = SUITES.to_vec();
    suites.push("light");
    let Some(cases) = prepare(&suites, true) else { return };
    let results = run_all(&cases);
    let out = scratch("onnx-conformance-report");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("tables.md"), report::markdown(&cases, &results)).unwrap();
    let passes: Vec<String> = cases
        .iter()
        .zip(&results)
        .filter(|(c, (o, _))| o == &Outcome::Pass && c.suite != "light")
        .map(|(c, _)| c.key())
        .collect();
    std::fs::write(out.join("expected-passes.txt"), passes.join("\n") + "\n").unwrap();
    eprintln!("onnx conformance: tables and expected passes in {}", out.display());
}
