//! `onnx_check CASES.json`: for each `{"dir", "inputs"}` case (NaN as null), prints one JSON
//! line `{"dir", "ok": answer}` or `{"dir", "error": message}` — the flavor's own
//! answer, natively, for `models/sweep_skl2onnx.py` to compare with onnxruntime.

use serde_json::{Value, json};

fn main() {
    let path = std::env::args().nth(1).expect("usage: onnx_check CASES.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).expect("read cases")).expect("JSON");
    for case in cases {
        let dir = case["dir"].as_str().unwrap_or_default().to_string();
        let rows: Vec<Vec<Option<f32>>> = serde_json::from_value(case["inputs"].clone()).unwrap_or_default();
        // JSON has no NaN: missing values are null.
        let rows: Vec<Vec<f32>> =
            rows.into_iter().map(|r| r.into_iter().map(|v| v.unwrap_or(f32::NAN)).collect()).collect();
        let line = match std::panic::catch_unwind(|| wasmflow_flavor_onnx::check::answer(&dir, &rows)) {
            Ok(Ok(answer)) => json!({ "dir": dir, "ok": answer }),
            Ok(Err(e)) => json!({ "dir": dir, "error": e }),
            Err(_) => json!({ "dir": dir, "error": "panic" }),
        };
        println!("{line}");
    }
}
