//! The deployment manifests under deploy/ validate offline (deploy/validate.py:
//! kubernetes-validate for core kinds, deploy/schemas/ for KServe's and
//! SpinKube's CRDs), and the validator refuses the mistakes it exists to catch.
//! Runs with the Python of the MLflow venv (`WASMFLOW_MLFLOW_BIN`'s directory),
//! where .ci/run installs kubernetes-validate.

use std::path::PathBuf;
use std::process::Command;

use crate::support::repo;

/// The venv's python, beside `$WASMFLOW_MLFLOW_BIN`; None (skip) outside CI.
fn venv_python() -> Option<PathBuf> {
    let python = std::env::var_os("WASMFLOW_MLFLOW_BIN")
        .map(|bin| PathBuf::from(bin).with_file_name("python"))
        .filter(|python| python.is_file());
    assert!(python.is_some() || std::env::var_os("CI").is_none(), "CI must set WASMFLOW_MLFLOW_BIN (see .ci/run)");
    if python.is_none() {
        eprintln!("NOTICE: skipping the manifest checks: set WASMFLOW_MLFLOW_BIN to a venv with kubernetes-validate");
    }
    python
}

/// Runs the validator on `files` (all of deploy/ when empty): (success, output).
fn validate(python: &PathBuf, files: &[PathBuf]) -> (bool, String) {
    let output = Command::new(python).arg(repo().join("deploy/validate.py")).args(files).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn every_manifest_validates() {
    let Some(python) = venv_python() else { return };
    let (ok, output) = validate(&python, &[]);
    assert!(ok, "{output}");
    for resource in [
        "Deployment wasmflow-iris",
        "Service wasmflow-iris",
        "HorizontalPodAutoscaler wasmflow-iris",
        "ClusterServingRuntime kserve-wasmflow",
        "InferenceService wine-wasmflow",
        "SpinApp wasmflow-iris",
    ] {
        let checked = output.lines().any(|line| line.starts_with("valid") && line.ends_with(resource));
        assert!(checked, "{resource} not checked:\n{output}");
    }
}

#[test]
fn mistakes_in_each_kind_are_refused() {
    let Some(python) = venv_python() else { return };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad-manifests");
    std::fs::create_dir_all(&dir).unwrap();
    // (manifest, text replaced, replacement): a typo'd field, a wrong type,
    // an unknown enum value, a missing required field.
    let mistakes = [
        ("deploy/kubernetes/wasmflow.yaml", "  replicas: 2\n", "  replica: 2\n"),
        ("deploy/kubernetes/wasmflow.yaml", "containerPort: 8080", "containerPort: \"http\""),
        ("deploy/kubernetes/wasmflow.yaml", "averageUtilization: 70", "averageUtilization: 70%"),
        ("deploy/kserve/cluster-serving-runtime.yaml", "    - v2\n", "    - v3\n"),
        ("deploy/kserve/cluster-serving-runtime.yaml", "name: kserve-container", "nam: kserve-container"),
        ("deploy/kserve/inference-service.yaml", "      storageUri:", "      storageURI:"),
        ("deploy/spinkube/spinapp.yaml", "  executor: containerd-shim-spin\n", ""),
        ("deploy/spinkube/spinapp.yaml", "httpGet: {path: /ping}", "httpGet: {path: ping}"),
    ];
    for (index, (manifest, from, to)) in mistakes.iter().enumerate() {
        let text = std::fs::read_to_string(repo().join(manifest)).unwrap();
        assert!(text.contains(from), "{manifest} no longer holds {from:?}: update this test");
        let bad = dir.join(format!("{index}.yaml"));
        std::fs::write(&bad, text.replacen(from, to, 1)).unwrap();
        let (ok, output) = validate(&python, &[bad]);
        assert!(!ok && output.contains("INVALID"), "{manifest} with {to:?} passed:\n{output}");
    }
}
