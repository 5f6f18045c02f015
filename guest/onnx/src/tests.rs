//! Parity over the committed fixtures (models/onnx-ml/*: MLflow directories
//! written by `models/sweep_skl2onnx.py --fixtures` with onnxruntime's outputs):
//! every fixture recorded as served must still match (1e-5 relative or 1e-6
//! absolute, labels exact), and the operators' edge cases hold.

use std::path::Path;

use serde_json::Value;

use crate::check::{answer, close};

fn fixtures() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/onnx-ml");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).expect("models/onnx-ml") {
        let dir = entry.expect("entry").path();
        let expected = dir.join("expected.json");
        if expected.exists() {
            let text = std::fs::read_to_string(&expected).expect("expected.json");
            out.push((dir.to_string_lossy().into_owned(), serde_json::from_str(&text).expect("JSON")));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn rows(expected: &Value) -> Vec<Vec<f32>> {
    let rows: Vec<Vec<Option<f32>>> = serde_json::from_value(expected["inputs"].clone()).expect("inputs");
    rows.into_iter().map(|r| r.into_iter().map(|v| v.unwrap_or(f32::NAN)).collect()).collect()
}

#[test]
fn committed_onnx_ml_fixtures_match_onnxruntime() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "fixtures missing: {}", fixtures.len());
    let mut failures = Vec::new();
    for (dir, expected) in &fixtures {
        let rel = expected["tolerance"]["relative"].as_f64().unwrap_or(1e-5);
        let abs = expected["tolerance"]["absolute"].as_f64().unwrap_or(1e-6);
        match answer(dir, &rows(expected)) {
            Ok(got) => {
                if let Some(diff) = close(&got, &expected["outputs"], rel, abs, "") {
                    failures.push(format!("{dir}: {diff}"));
                }
            }
            Err(e) => failures.push(format!("{dir}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures fail:\n{}", failures.len(), fixtures.len(), failures.join("\n"));
}

#[test]
fn a_zipmap_answer_is_a_list_of_dicts_keyed_by_label() {
    let (dir, expected) = fixtures().into_iter().find(|(d, _)| d.ends_with("scaler-logreg")).expect("fixture");
    let got = answer(&dir, &rows(&expected)).expect("answer");
    let first = &got["output_probability"][0];
    assert_eq!(
        first.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["0".into(), "1".into(), "2".into()])
    );
    assert!(got["output_label"][0].is_i64());
}

#[test]
fn a_model_with_too_few_columns_is_an_evaluation_error_not_a_panic() {
    let (dir, _) = fixtures().into_iter().find(|(d, _)| d.ends_with("rf-classifier")).expect("fixture");
    let err = answer(&dir, &[vec![1.0, 2.0]]).expect_err("two columns for four");
    assert!(err.starts_with("predict:"), "{err}");
}
