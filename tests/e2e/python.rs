//! Python models (models from code) in the `python_function` component
//! (guest/python): the model's own `.py` file runs inside the sandbox.
//! - every request recorded from `mlflow models serve` for models/python/*
//!   (tests/conformance/python/, models/record_python_cases.py) is answered the same;
//! - what cannot run stops start-up in one line: a model importing numpy (named,
//!   with its line), a cloudpickled `python_model.pkl` (how to re-log it as code);
//! - a model that loops is stopped at the request deadline, and the next request
//!   is served;
//! - an exception raised by the model carries its Python traceback in `stack_trace`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Server, repo, serve_fails};

/// Models with recorded answers (tests/conformance/python/<model>/).
pub const RECORDED: &[&str] = &["rules", "normalize", "lookup", "params"];

#[test]
fn python_models_answer_recorded_requests_as_mlflow() {
    for model in RECORDED {
        crate::conformance::replay(&format!("python/{model}"));
    }
}

#[test]
fn a_model_error_carries_the_model_traceback() {
    // Per request too, where the fresh instance has no model directory mounted:
    // the traceback's source lines come from the snapshot, not from the file.
    for isolation in ["pooled", "per-request"] {
        let server = Server::start("models/python/rules", &["-w", "1", "--isolation", isolation]);
        let answer = server.invoke_json(&json!({
            "dataframe_split": {"columns": ["amount", "country", "age"], "data": [[-1.0, "FR", 30]]}
        }));
        assert_eq!(answer.status, 400, "{isolation}: {}", answer.body);
        let body = answer.json();
        assert_eq!(body["error_code"], "BAD_REQUEST");
        let trace = body["stack_trace"].as_str().unwrap();
        assert!(trace.contains("rules_model.py\", line 15, in predict"), "{isolation}: {trace}");
        assert!(
            trace.trim_end().ends_with("ValueError: amount must not be negative, got -1.0"),
            "{isolation}: {trace}"
        );
    }
}

#[test]
fn a_model_importing_numpy_stops_start_up_naming_module_and_line() {
    let (code, log) = serve_fails(&repo(), &[], "models/python/imports-numpy", &[]);
    assert_ne!(code, Some(0));
    assert!(log.contains("numpy_model.py line 2: imports numpy, which the sandbox does not have"), "{log}");
    let line = log.lines().find(|l| l.contains("imports numpy")).unwrap();
    assert!(line.contains("standard-library modules"), "says what runs: {line}");
}

#[test]
fn a_cloudpickled_python_model_says_how_to_log_it_as_code() {
    let (code, log) = serve_fails(&repo(), &[], "models/custom/echo-columns", &[]);
    assert_ne!(code, Some(0));
    assert!(log.contains("python_model.pkl is a cloudpickled PythonModel"), "{log}");
    assert!(log.contains("python_model=\\\"my_model.py\\\"") || log.contains("python_model=\"my_model.py\""), "{log}");
}

#[test]
fn a_looping_model_is_stopped_at_the_request_deadline() {
    let server = Server::start("models/python/busy", &["-w", "1", "-t", "2"]);
    let started = Instant::now();
    let answer = server.invoke_json(&json!({"inputs": ["a", "spin"]}));
    assert_eq!(answer.status, 504, "{}", answer.body);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let answer = server.invoke_json(&json!({"inputs": ["a", "b"]}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, r#"{"predictions": ["a", "b"]}"#);
}

#[test]
fn a_python_model_serves_with_an_instance_per_request() {
    let server = Server::start("models/python/params", &["-w", "1", "--isolation", "per-request"]);
    for _ in 0..3 {
        let answer = server.invoke_json(&json!({"dataframe_records": [{"text": "a"}], "params": {"repeat": 2}}));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body, r#"{"predictions": [">a a"]}"#);
    }
}

#[test]
fn serving_model_config_overrides_the_saved_config() {
    let server = Server::start_in(
        &repo(),
        &[("SERVING_MODEL_CONFIG", r#"{"default_risk": 0.25, "unknown": 1}"#)],
        "models/python/lookup",
        &["-w", "1"],
    );
    let answer = server.invoke_json(&json!({"dataframe_records": [{"code": "zz"}]}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"]["risk"], json!([0.25]));
}
