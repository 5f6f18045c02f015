//! MLflow's documented `EnsembleModel` (models/ensemble, made by
//! models/make_ensemble_model.py) served by guest/ensemble, a custom component
//! written with the guest SDK on the sklearn flavor's loaders and evaluators:
//! - every request recorded from `mlflow models serve` on the same directory
//!   (tests/conformance/ensemble/, models/record_ensemble_cases.py) is answered
//!   the same: predictions within 1e-9 relative, errors with MLflow's status,
//!   `error_code` and message;
//! - the documented user path (component copied into the model directory, named
//!   by a `wasmflow` flavor) serves with no option;
//! - with `--isolation per-request` every request runs in a fresh instance of a
//!   snapshot taken after the SDK's `snapshot.preload` read the joblib files;
//! - `weights` come from `model_config` (SERVING_MODEL_CONFIG overrides them).

use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmflow_protocol::testing::recorded::cases;

use crate::support::{Server, assert_json_close, repo};

/// Relative tolerance against MLflow's answers (same float64 arithmetic; the
/// tree and linear evaluators may differ from numpy in the last bits).
const TOLERANCE: f64 = 1e-9;

fn ensemble_flag() -> String {
    format!("python_function={}", wasmflow_components::ENSEMBLE_PATH)
}

/// Replays the recorded cases against `server`.
fn replay(server: &Server) {
    let mut checked = 0;
    for case in cases("ensemble") {
        let answer = server.invoke(case.content_type(), case.body().unwrap());
        let expected = &case.response;
        assert_eq!(u64::from(answer.status), expected["status"].as_u64().unwrap(), "{}: {}", case.name, answer.body);
        let theirs: Value = serde_json::from_str(expected["body"].as_str().unwrap()).unwrap();
        if answer.status == 200 {
            assert_json_close(&answer.json(), &theirs, TOLERANCE);
        } else {
            assert_eq!(answer.json()["error_code"], theirs["error_code"], "{}: {}", case.name, answer.body);
            let mismatch = crate::conformance::mismatch(&answer, expected);
            assert!(mismatch.is_none(), "{}: {mismatch:?}", case.name);
        }
        checked += 1;
    }
    assert!(checked >= 8, "recorded cases are missing ({checked})");
}

#[test]
fn the_ensemble_answers_as_mlflow_serve() {
    let flag = ensemble_flag();
    let server = Server::start("models/ensemble", &["--flavor-component", &flag, "-w", "1"]);
    replay(&server);
}

#[test]
fn the_ensemble_answers_from_its_preloaded_snapshot() {
    let flag = ensemble_flag();
    let server =
        Server::start("models/ensemble", &["--flavor-component", &flag, "-w", "1", "--isolation", "per-request"]);
    replay(&server);
}

/// models/ensemble copied with the component inside, named by a `wasmflow`
/// flavor, as the README's custom-model steps do.
fn model_with_component() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ensemble-own");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("artifacts")).unwrap();
    let source = repo().join("models/ensemble");
    for sub in ["", "artifacts"] {
        for entry in std::fs::read_dir(source.join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    std::fs::copy(wasmflow_components::ENSEMBLE_PATH, dir.join("ensemble.wasm")).unwrap();
    let mlmodel = std::fs::read_to_string(dir.join("MLmodel")).unwrap();
    let mlmodel = mlmodel.replacen("flavors:\n", "flavors:\n  wasmflow:\n    component: ensemble.wasm\n", 1);
    std::fs::write(dir.join("MLmodel"), mlmodel).unwrap();
    dir
}

#[test]
fn the_ensemble_carried_in_its_model_directory_serves_with_no_option() {
    let dir = model_with_component();
    let server = Server::start(dir.to_str().unwrap(), &["-w", "1"]);
    replay(&server);
}

#[test]
fn served_weights_override_the_logged_ones() {
    let case = cases("ensemble").into_iter().find(|c| c.name == "split_rows").unwrap();
    let logged: Value = serde_json::from_str(case.response["body"].as_str().unwrap()).unwrap();
    let flag = ensemble_flag();
    let alone = |weights: &str| {
        let env = [("SERVING_MODEL_CONFIG", weights)];
        let server = Server::start_in(&repo(), &env, "models/ensemble", &["--flavor-component", &flag, "-w", "1"]);
        let answer = server.invoke(case.content_type(), case.body().unwrap());
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["predictions"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>()
    };
    let (a, b) = (alone(r#"{"weights": [1.0, 0.0]}"#), alone(r#"{"weights": [0.0, 1.0]}"#));
    assert_ne!(a, b, "two different models");
    // MLflow's answer with the logged weights [0.6, 0.4], from the two models alone.
    let combined: Vec<Value> = a.iter().zip(&b).map(|(a, b)| Value::from(0.6 * a + 0.4 * b)).collect();
    assert_json_close(&Value::from(combined), &logged["predictions"], TOLERANCE);
}
