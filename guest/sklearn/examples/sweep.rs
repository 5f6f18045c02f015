//! The native harness of the coverage sweep (`models/sklearn_sweep.py`): loads
//! each saved model with the flavor's own [`load_model`] (the code the component
//! runs), predicts the recorded rows and compares with what MLflow answered.
//!
//! `cargo run --release -p wasmflow-flavor-sklearn --example sweep -- cases.json`
//!
//! `cases.json` is a list of `{name, format, dir, method, data, labels, outputs,
//! shape}`; one JSON line per case is printed: `{name, format, method, status,
//! reason, max_rel}` with status `served` (labels exact, floats within 1e-9
//! relative), `refused` (the load error), `failed` (predict failed) or `mismatched`.

use std::path::Path;

use serde_json::{Value, json};
use wasmflow_flavor_sklearn::data::{Input, Matrix};
use wasmflow_flavor_sklearn::load_model;
use wasmflow_flavor_sklearn::npy::Data;

fn main() {
    let path = std::env::args().nth(1).expect("usage: sweep cases.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).expect("cases")).expect("JSON");
    for case in &cases {
        let (status, reason, max_rel) = run(case);
        let line = json!({
            "name": case["name"], "format": case["format"], "method": case["method"],
            "status": status, "reason": reason, "max_rel": max_rel,
        });
        println!("{line}");
    }
}

fn run(case: &Value) -> (&'static str, String, f64) {
    let dir = Path::new(case["dir"].as_str().unwrap());
    let text = std::fs::read_to_string(dir.join("MLmodel")).expect("MLmodel");
    let mlmodel: Value = serde_saphyr::from_str(&text).expect("MLmodel YAML");
    let mut pyfunc = mlmodel["flavors"]["python_function"].clone();
    pyfunc["predict_fn"] = case["method"].clone();
    // A panic is a bug to report, not a crash of the sweep.
    let loaded =
        std::panic::catch_unwind(|| load_model(dir, &mlmodel["flavors"]["sklearn"].to_string(), &pyfunc.to_string()));
    let model = match loaded {
        Ok(Ok(model)) => model,
        Ok(Err(e)) => return ("refused", e.to_string(), 0.0),
        Err(_) => return ("failed", "load panicked".into(), 0.0),
    };
    let rows = case["data"].as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let data = rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap_or(f64::NAN))).collect();
    let input = Input::Matrix(Matrix { rows: rows.len(), cols, data });
    let got = match std::panic::catch_unwind(|| model.predict(input)) {
        Ok(Ok(got)) => got,
        Ok(Err(e)) => return ("failed", format!("predict: {e}"), 0.0),
        Err(_) => return ("failed", "predict panicked".into(), 0.0),
    };
    let want = case["outputs"].as_array().unwrap();
    let shape: Vec<usize> = case["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    if got.shape != shape {
        return ("mismatched", format!("shape {:?}, MLflow's {shape:?}", got.shape), 0.0);
    }
    if case["labels"].as_bool().unwrap() {
        let got: Vec<String> = match &got.data {
            Data::I64(v) => v.iter().map(|x| x.to_string()).collect(),
            Data::Str(v) => v.clone(),
            Data::Bool(v) => v.iter().map(|&b| if b { "True" } else { "False" }.to_string()).collect(),
            Data::F64(v) => v.iter().map(|x| format!("{x:?}")).collect(),
            other => return ("mismatched", format!("labels of type {other:?}"), 0.0),
        };
        let want: Vec<&str> = want.iter().map(|v| v.as_str().unwrap()).collect();
        return match got.iter().zip(&want).position(|(a, b)| a != b) {
            None => ("served", String::new(), 0.0),
            Some(i) => ("mismatched", format!("label {i}: {} vs MLflow's {}", got[i], want[i]), 0.0),
        };
    }
    let Data::F64(got) = &got.data else { return ("mismatched", "labels where MLflow answers floats".into(), 0.0) };
    let mut max_rel = 0.0f64;
    for (i, (a, e)) in got.iter().zip(want).enumerate() {
        let e = e.as_f64().unwrap_or(f64::NAN);
        if a.is_nan() && e.is_nan() {
            continue;
        }
        let rel = (a - e).abs() / e.abs().max(1e-300);
        max_rel = max_rel.max(if (a - e).abs() <= 1e-300 { 0.0 } else { rel });
        let within = (a - e).abs() <= 1e-9 * e.abs().max(1.0);
        if !within {
            return ("mismatched", format!("value {i}: {a} vs MLflow's {e}"), max_rel);
        }
    }
    ("served", String::new(), max_rel)
}
