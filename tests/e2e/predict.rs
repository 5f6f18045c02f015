//! `wasmflow predict` writes what `mlflow models predict` writes for the same
//! files: JSON and CSV inputs, to a file and to stdout (the answers of MLflow
//! 3.17.2 in tests/fixtures/predict/, made by make_predict_fixtures.sh there),
//! and a refused input exits non-zero with MLflow's error code and message.
//! `wasmflow inspect` describes a model and whether its component is compiled.

use std::process::Command;

use crate::support::{repo, warm_cache_dir};

/// (model, input file, content type)
const CASES: &[(&str, &str, &str)] = &[
    ("sklearn/iris-rf", "iris-rf.json", "json"),
    ("sklearn/iris-rf", "iris-rf.csv", "csv"),
    ("iris-onnx", "iris-onnx.json", "json"),
    ("python/lookup", "lookup.csv", "csv"),
];

fn predict(model: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wasmflow"))
        .current_dir(repo().join("tests/fixtures/predict"))
        .args(["predict", "-m"])
        .arg(repo().join("models").join(model))
        .arg("--cache-dir")
        .arg(warm_cache_dir())
        .args(args)
        .output()
        .expect("cannot run wasmflow predict")
}

#[test]
fn predict_writes_what_mlflow_models_predict_writes() {
    let out_dir = tempfile::tempdir().unwrap();
    for (model, input, kind) in CASES {
        let stem = input.rsplit_once('.').unwrap().0;
        let expected =
            std::fs::read_to_string(repo().join(format!("tests/fixtures/predict/expected-{stem}-{kind}.json")))
                .unwrap();
        let out = out_dir.path().join(format!("{stem}-{kind}.json"));
        let run = predict(model, &["-i", input, "-t", kind, "-o", out.to_str().unwrap(), "--env-manager", "local"]);
        assert!(run.status.success(), "{model} {input}: {}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), expected, "{model} {input}");
    }
    // To stdout when no -o is given, JSON being the default.
    let run = predict("iris-onnx", &["-i", "iris-onnx.json"]);
    let expected = std::fs::read(repo().join("tests/fixtures/predict/expected-iris-onnx-json.json")).unwrap();
    assert_eq!(run.stdout, expected, "{}", String::from_utf8_lossy(&run.stderr));

    let run = predict("sklearn/iris-rf", &["-i", "iris-onnx.json"]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("INVALID_PARAMETER_VALUE"), "{stderr}");
}

#[test]
fn inspect_describes_the_model_and_its_cache_state() {
    let run = |model: &str, cache: &std::path::Path| -> serde_json::Value {
        let output = Command::new(env!("CARGO_BIN_EXE_wasmflow"))
            .args(["inspect", "-m"])
            .arg(repo().join("models").join(model))
            .arg("--cache-dir")
            .arg(cache)
            .output()
            .expect("cannot run wasmflow inspect");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("inspect prints JSON")
    };
    let rf = run("sklearn/iris-rf", &warm_cache_dir());
    assert_eq!(
        (rf["flavor"].as_str(), rf["component"]["source"].as_str()),
        (Some("sklearn"), Some("built-in sklearn"))
    );
    assert_eq!(rf["signature"]["inputs"][0]["name"], "sepal length (cm)");
    assert_eq!(rf["signature"]["outputs"][0]["tensor-spec"]["dtype"], "int64");
    assert_eq!(rf["model_dir"]["files"], 7);
    assert_eq!(rf["compiled_cache"]["compiled"], true, "{rf}");
    let empty = tempfile::tempdir().unwrap();
    let params = run("python/params", empty.path());
    assert_eq!(params["compiled_cache"]["compiled"], false, "{params}");
    assert!(params["params_schema"].is_array(), "{params}");
}
