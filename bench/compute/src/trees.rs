//! `--trees`: per-row cost of tree-ensemble models (`xgboost`, `lightgbm`, and
//! `onnx` forests) inside their flavor component, and of the same forest on the
//! tree engine natively (wasmflow-flavor-trees in this process), on the rows of a
//! CSV (`--rows`, empty cell = missing). bench/trees.py writes the rows, runs this,
//! and times the reference libraries (xgboost, lightgbm, onnxruntime) on the same
//! rows; it compares the outputs printed here with theirs.
//!
//! The component gets what the host sends for the request MLflow's clients make
//! of these models: a DataFrame (`dataframe_split`, float64 columns named as the
//! model's features) for xgboost and lightgbm, one float32 tensor (`inputs`) for
//! ONNX. stdout: one JSON object per point (`"kind": "trees"`).

use std::path::Path;

use anyhow::Context;
use serde_json::json;
use wasmflow::flavors::FlavorComponents;
use wasmflow::runtime::bindings::{Batch, Column, Tensor, Values};
use wasmtime::Engine;

use crate::wasm;
use crate::{Args, on_clean_thread, time, timing_json};

/// Reads the CSV of float64 rows (`names` from its header).
fn read_rows(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<f64>>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    let names = lines.next().context("empty rows file")?.split(',').map(str::to_string).collect();
    let rows = lines
        .map(|line| line.split(',').map(|v| if v.is_empty() { Ok(f64::NAN) } else { v.parse() }).collect())
        .collect::<Result<_, _>>()
        .context("rows: not numbers")?;
    Ok((names, rows))
}

/// The first `n` rows as the host hands them to the flavor.
fn batch(flavor: &str, names: &[String], rows: &[Vec<f64>]) -> Batch {
    if flavor == "onnx" {
        let values = rows.iter().flatten().map(|&v| v as f32).collect();
        return Batch::Tensors(vec![Tensor {
            name: None,
            shape: vec![rows.len() as u64, names.len() as u64],
            values: Values::F32(values),
        }]);
    }
    Batch::Table(
        names
            .iter()
            .enumerate()
            .map(|(j, name)| Column { name: name.clone(), values: Values::F64(rows.iter().map(|r| r[j]).collect()) })
            .collect(),
    )
}

/// The tree engine natively, loaded as the trees component loads the model.
fn native(dir: &Path, flavor: &str, section: &str) -> anyhow::Result<Option<wasmflow_flavor_trees::Model>> {
    if flavor != "xgboost" && flavor != "lightgbm" {
        return Ok(None);
    }
    Ok(Some(wasmflow_flavor_trees::load_model(dir, flavor, section).map_err(|e| anyhow::anyhow!("{e}"))?))
}

pub fn run(args: &Args, engine: &Engine, rows_file: &Path) -> anyhow::Result<()> {
    let (names, rows) = read_rows(rows_file)?;
    let components = FlavorComponents::default();
    for dir in &args.models {
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        let model = wasm::resolve(dir)?;
        let bytes = model.component(&components)?;
        let component = wasm::component(engine, &model.flavor, &bytes, &args.cache_dir)?;
        let mut instance = wasm::Instance::new(engine, &component, &model)?;
        let section = wasmflow::runtime::load_sections(&model)?.flavor_config;
        let native = native(dir, &model.flavor, &section)?;
        for &n in &args.batches {
            anyhow::ensure!(n <= rows.len(), "{n} rows asked, the rows file has {}", rows.len());
            let input = batch(&model.flavor, &names, &rows[..n]);
            let got = wasm::outputs_f64(&on_clean_thread(|| instance.predict(&input))?)?;
            let w = on_clean_thread(|| time(args.warmup, args.seconds, || instance.predict(&input).map(drop)))?;
            let (native_timing, same) = match &native {
                Some(m) => {
                    let data: Vec<f64> = rows[..n].concat();
                    let predict = || m.predict(Some(&names), &data, names.len()).map_err(|e| anyhow::anyhow!("{e}"));
                    let expected = predict()?.as_f64();
                    let t = time(args.warmup, args.seconds, || predict().map(drop))?;
                    (Some(t), Some(got.concat() == expected))
                }
                None => (None, None),
            };
            let per_row = |t: &crate::Timing| t.median.as_secs_f64() * 1e6 / n as f64;
            eprintln!(
                "{name:<12} {n:>5}  wasm {:>9.3} µs/row  native engine {:>9} µs/row{}",
                per_row(&w),
                native_timing.as_ref().map_or("-".into(), |t| format!("{:.3}", per_row(t))),
                if same == Some(false) { "  DIFFERENT OUTPUTS" } else { "" }
            );
            println!(
                "{}",
                json!({
                    "kind": "trees", "model": name, "flavor": model.flavor, "batch": n,
                    "wasm": timing_json(&w), "wasm_us_per_row": per_row(&w),
                    "native_engine": native_timing.as_ref().map(timing_json),
                    "native_engine_us_per_row": native_timing.as_ref().map(per_row),
                    "native_engine_bit_identical": same, "outputs": got,
                    "epoch_interruption": args.engine.epoch_interruption,
                })
            );
        }
    }
    Ok(())
}
