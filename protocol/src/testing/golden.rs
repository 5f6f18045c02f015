//! Conformance against the golden cases recorded from a real
//! `mlflow models serve` (`tests/conformance/<model>/*.json`, models in `models/`).
//! Read at test time so re-recorded cases are picked up; skipped when absent.

use crate::py::json::{self, Json};
use crate::schema::signature::Schema;
use crate::{Batch, EVALUATION_ERROR_MESSAGE, MlModel, Tensor, Values, encode_predictions, parse_invocation};
use std::path::{Path, PathBuf};

use super::recorded;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The recorded invocations of `model`, without the documented differences
/// (the end-to-end replayer checks what wasmflow answers to those).
fn load_cases(model: &str) -> Vec<recorded::Case> {
    let mut cases = recorded::cases(model);
    cases.retain(|case| case.is_invocation() && recorded::divergence(model, &case.name).is_none());
    cases
}

/// Rebuilds the model output from the golden predictions using the output
/// schema, so that re-encoding must reproduce MLflow's bytes.
fn output_from_golden(predictions: &Json, outputs: &Schema) -> Option<Batch> {
    let Schema::Tensors(specs) = outputs else {
        return None;
    };
    let mut tensors = Vec::new();
    for spec in specs {
        let value = predictions.get(spec.name.as_deref()?)?;
        let a = crate::py::numpy::from_json(value, Some(spec.dtype), crate::py::numpy::CastMode::Construct).ok()?;
        tensors.push(Tensor { name: spec.name.clone(), shape: a.shape, values: a.values });
    }
    Some(Batch::Tensors(tensors))
}

fn strip_trace(body: &str) -> (String, bool) {
    // Remove `, "stack_trace": "..."` (always last before sqlstate or the end).
    let Ok(Json::Dict(mut entries)) = json::parse(body) else {
        return (body.to_string(), false);
    };
    let had = entries.iter().any(|(k, _)| k == "stack_trace");
    entries.retain(|(k, _)| k != "stack_trace");
    for (k, v) in entries.iter_mut() {
        if k == "message"
            && let Json::Str(m) = v
        {
            *m = recorded::sort_extra_inputs(m);
        }
    }
    let mut out = String::new();
    json::write_json(&mut out, &Json::Dict(entries));
    (out, had)
}

#[test]
fn golden_cases_match_mlflow() {
    let models = ["iris-onnx", "mlp-onnx", "iris-onnx-nosig", "mlp-onnx-nosig"];
    let mut checked = 0;
    let mut failures = Vec::new();
    for model in models {
        let Ok(mlmodel) = MlModel::from_dir(&root().join("models").join(model)) else {
            continue;
        };
        let sig = mlmodel.signature.as_ref();
        for case in load_cases(model) {
            let name = format!("{model}/{}", case.name);
            let (ct, body, status) = (case.content_type(), case.body().unwrap_or_default(), case.status());
            let response_ct = case.response["content_type"].as_str().unwrap_or_default();
            let response_body = case.response_body();
            checked += 1;
            let result = parse_invocation(ct, &body, sig);
            let evaluation_failure = response_body.contains(EVALUATION_ERROR_MESSAGE);
            match result {
                Ok(inv) => {
                    if evaluation_failure {
                        // The model fails after our parse; the body must be ours.
                        let resp = crate::ScoringError::Evaluation("trace".into()).to_response();
                        let body = String::from_utf8(resp.body).unwrap();
                        let (theirs, _) = strip_trace(response_body);
                        let (ours, _) = strip_trace(&body);
                        if (resp.status, ours.as_str()) != (status, theirs.as_str()) {
                            failures.push(format!(
                                "{}: evaluation error differs\n  ours:   {ours}\n  mlflow: {theirs}",
                                name
                            ));
                        }
                        continue;
                    }
                    if status != 200 {
                        failures.push(format!("{}: parsed OK but MLflow answered {} {}", name, status, response_body));
                        continue;
                    }
                    if status == 200 {
                        // The response must re-encode byte for byte.
                        let golden = json::parse(response_body).unwrap();
                        let outputs = sig.and_then(|s| s.outputs.as_ref());
                        if let (Some(pred), Some(outputs)) = (golden.get("predictions"), outputs)
                            && let Some(batch) = output_from_golden(pred, outputs)
                        {
                            let ours = String::from_utf8(encode_predictions(&batch, inv.unwrapped_response)).unwrap();
                            if ours != response_body {
                                failures.push(format!(
                                    "{}: response bytes differ\n  ours:   {ours}\n  mlflow: {}",
                                    name, response_body
                                ));
                            }
                        }
                    }
                }
                Err(e) => {
                    let resp = e.to_response();
                    let body = String::from_utf8(resp.body).unwrap();
                    if resp.status != status || resp.content_type != response_ct {
                        failures.push(format!(
                            "{}: status/content type {} {} vs MLflow {} {}\n  ours:   {body}\n  mlflow: {}",
                            name, resp.status, resp.content_type, status, response_ct, response_body
                        ));
                        continue;
                    }
                    let (theirs, their_trace) = strip_trace(response_body);
                    let (ours, our_trace) = strip_trace(&body);
                    if theirs != ours || (their_trace && !our_trace) {
                        failures.push(format!("{}: body differs\n  ours:   {ours}\n  mlflow: {theirs}", name));
                    }
                }
            }
        }
    }
    eprintln!("golden cases checked: {checked}");
    assert!(checked > 150, "the recorded cases under tests/conformance are missing");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn golden_mlmodels_parse() {
    for model in ["iris-onnx", "mlp-onnx", "iris-onnx-nosig", "mlp-onnx-nosig"] {
        let dir = root().join("models").join(model);
        if !dir.join("MLmodel").exists() {
            continue;
        }
        let m = MlModel::from_dir(&dir).unwrap();
        assert_eq!(m.loader_module(), Some("mlflow.onnx"), "{model}");
        assert_eq!(m.signature.is_some(), !model.ends_with("nosig"), "{model}");
        let _ = Values::Bool(vec![]);
    }
}
