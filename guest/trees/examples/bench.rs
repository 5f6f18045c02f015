//! Times the native engine on an MLflow model directory: per-row cost of
//! `predict` at batch 1 and 1,000 (rows from a CSV of float64 values).
//!
//! `cargo run --release -p wasmflow-flavor-trees --example bench -- <model dir> <xgboost|lightgbm> <rows.csv> [BATCH:CALLS,...]`
//!
//! (default `1:20000,1000:200`; fewer calls, e.g. `1000:5`, to count instructions under
//! `valgrind --tool=callgrind`, which a loaded machine does not disturb).

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, flavor, csv, plan) = match args.as_slice() {
        [_, dir, flavor, csv] => (dir, flavor, csv, "1:20000,1000:200"),
        [_, dir, flavor, csv, plan] => (dir, flavor, csv, plan.as_str()),
        _ => {
            eprintln!("usage: bench <model dir> <xgboost|lightgbm> <rows.csv> [BATCH:CALLS,...]");
            std::process::exit(2);
        }
    };
    let plan: Vec<(usize, usize)> = plan
        .split(',')
        .map(|p| p.split_once(':').map(|(b, c)| (b.parse().expect("batch"), c.parse().expect("calls"))).expect("B:C"))
        .collect();
    let mlmodel = std::fs::read_to_string(Path::new(dir).join("MLmodel")).expect("MLmodel");
    let data_line = mlmodel.lines().find(|l| l.trim_start().starts_with("data:")).expect("data:");
    let data = data_line.split(':').nth(1).unwrap().trim();
    let config = format!("{{\"data\": \"{data}\"}}");
    let model = wasmflow_flavor_trees::load_model(Path::new(dir), flavor, &config).expect("model");
    let text = std::fs::read_to_string(csv).expect("rows");
    let rows: Vec<Vec<f64>> =
        text.lines().map(|l| l.split(',').map(|v| v.trim().parse().expect("number")).collect()).collect();
    let cols = rows[0].len();
    let flat: Vec<f64> = rows.concat();
    // A Booster with feature names wants them (as from a DataFrame).
    let names = match &model {
        wasmflow_flavor_trees::Model::Xgboost(m) if !m.feature_names.is_empty() => Some(m.feature_names.clone()),
        _ => None,
    };
    for (n, reps) in plan {
        let batch = &flat[..n * cols];
        model.predict(names.as_deref(), batch, cols).expect("predict");
        let start = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(model.predict(names.as_deref(), std::hint::black_box(batch), cols).expect("predict"));
        }
        let per_row = start.elapsed().as_secs_f64() / (reps * n) as f64;
        println!("batch {n}: {:.2} us/row", per_row * 1e6);
    }
}
