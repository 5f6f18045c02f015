//! Times the native engine on an MLflow model directory: per-row cost of
//! `predict` at batch 1 and 1,000 (rows from a CSV of float64 values).
//!
//! `cargo run --release -p wasmflow-flavor-trees --example bench -- <model dir> <xgboost|lightgbm> <rows.csv>`

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, flavor, csv] = args.as_slice() else {
        eprintln!("usage: bench <model dir> <xgboost|lightgbm> <rows.csv>");
        std::process::exit(2);
    };
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
    for (n, reps) in [(1usize, 20_000usize), (1000, 200)] {
        let batch = &flat[..n * cols];
        model.predict(None, batch, cols).expect("predict");
        let start = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(model.predict(None, std::hint::black_box(batch), cols).expect("predict"));
        }
        let per_row = start.elapsed().as_secs_f64() / (reps * n) as f64;
        println!("batch {n}: {:.2} us/row", per_row * 1e6);
    }
}
