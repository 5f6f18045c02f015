//! Model compute inside the ONNX flavor component vs the same model in native
//! tract, in this process (issue 7's second table; `bench/run --compute` drives it).
//!
//! ```text
//! wasmflow-bench-compute [--batches 1,64] [--seconds 2] [--profile] MODEL_DIR...
//! ```
//!
//! For each model directory (an MLflow `onnx` model) and batch size, the same
//! pseudo-random f32 inputs go through
//! - native tract, loaded and optimised exactly as guest/onnx loads it (`native.rs`
//!   mirrors it), run as the guest runs it (`plan.run`, outputs copied out);
//! - `predict` on the embedded ONNX flavor component (`wasmflow-components`), through
//!   wasmtime as the host runs it (`wasm.rs`). Its time includes marshalling the
//!   tensors through the WIT boundary both ways (lowering the input list into
//!   guest memory, the guest's copy into a tract tensor, lifting the outputs).
//!
//! The outputs must agree within `--tolerance` (default 1e-4, absolute, scaled by
//! max(1, |native|)): the plans are the same, the kernels are not (SIMD128 vs
//! AVX2/FMA sum in another order). Each side is warmed up, then timed call by
//! call for `--seconds`; the median, p10 and p90 per call are reported.
//! stdout: one JSON object per line (`"kind": "point"`, `"kind": "profile"`);
//! stderr: a human table. `--profile` adds native tract's time per operator
//! (tract's `run_plan_with_eval`, each node timed); with `--wasm-profiler
//! PROFILER.wasm` (this crate built for wasm32-wasip2, see Cargo.toml and
//! FINDINGS.md) the same per-node timing runs inside wasmtime too.
//!
//! `--trees ROWS.csv` times tree-ensemble models instead (xgboost, lightgbm, ONNX
//! forests; trees.rs, driven by bench/trees.py). `--isolation BODY.json` times the
//! CPU of a fresh instance per request (`serve --isolation per-request`) against
//! the warm pool, on any flavor's model (fresh.rs).

#[cfg(not(target_arch = "wasm32"))]
mod fresh;
#[cfg(not(target_arch = "wasm32"))]
mod hostk;
mod native;
#[cfg(not(target_arch = "wasm32"))]
mod trees;
#[cfg(not(target_arch = "wasm32"))]
mod wasm;

#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;
#[cfg(not(target_arch = "wasm32"))]
use std::time::{Duration, Instant};

use anyhow::Context;
#[cfg(not(target_arch = "wasm32"))]
use serde_json::json;

/// Inside wasm: `profile MODEL_DIR DATA ITERS SHAPE...` (SHAPE like `64x784`, one
/// per input, seeded as the host seeds them) prints native.rs's profile JSON.
#[cfg(target_arch = "wasm32")]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 6 && args[1] == "profile", "usage: profile MODEL_DIR DATA ITERS SEED SHAPE...");
    let model = native::load(std::path::Path::new(&args[2]), &args[3])?;
    let iters: usize = args[4].parse()?;
    let seed: u64 = args[5].parse()?;
    let shapes = args[6..]
        .iter()
        .map(|s| s.split('x').map(str::parse).collect::<Result<Vec<usize>, _>>())
        .collect::<Result<Vec<_>, _>>()
        .context("bad shape")?;
    println!("{}", model.profile(&native::inputs(&shapes, seed), iters)?);
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
struct Args {
    models: Vec<PathBuf>,
    batches: Vec<usize>,
    seconds: f64,
    warmup: f64,
    tolerance: f64,
    component: Option<PathBuf>,
    cache_dir: PathBuf,
    engine: wasmflow::runtime::engine::Tuning,
    profile: bool,
    wasm_profiler: Option<PathBuf>,
    /// `--trees ROWS.csv`: the tree-ensemble timings of trees.rs instead.
    trees: Option<PathBuf>,
    /// `--isolation BODY.json`: the fresh-instance timings of fresh.rs instead.
    isolation: Option<PathBuf>,
    /// `--kernels host`: the host-kernel component beside the plain one (hostk.rs).
    host_kernels: bool,
}

#[cfg(not(target_arch = "wasm32"))]
const USAGE: &str = "usage: wasmflow-bench-compute [--batches 1,64] [--seconds S] [--warmup S] [--tolerance X] \
                     [--component PATH.wasm] [--cache-dir DIR] [--no-epoch] [--no-relaxed-simd] [--profile [--wasm-profiler PROFILER.wasm]] \
                     [--trees ROWS.csv] [--isolation BODY.json] [--kernels host] MODEL_DIR...";

#[cfg(not(target_arch = "wasm32"))]
fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        models: Vec::new(),
        batches: vec![1, 64],
        seconds: 2.0,
        warmup: 0.5,
        tolerance: 1e-4,
        component: None,
        cache_dir: std::env::temp_dir().join("wasmflow-bench-compute"),
        engine: wasmflow::runtime::engine::Tuning::SERVING,
        profile: false,
        wasm_profiler: None,
        trees: None,
        isolation: None,
        host_kernels: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--batches" => {
                args.batches = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--seconds" => args.seconds = value()?.parse()?,
            "--warmup" => args.warmup = value()?.parse()?,
            "--tolerance" => args.tolerance = value()?.parse()?,
            "--component" => args.component = Some(value()?.into()),
            "--cache-dir" => args.cache_dir = value()?.into(),
            "--no-epoch" => args.engine.epoch_interruption = false,
            "--no-relaxed-simd" => args.engine.relaxed_simd = false,
            "--profile" => args.profile = true,
            "--wasm-profiler" => args.wasm_profiler = Some(value()?.into()),
            "--trees" => args.trees = Some(value()?.into()),
            "--isolation" => args.isolation = Some(value()?.into()),
            "--kernels" => args.host_kernels = value()? == "host",
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            flag if flag.starts_with('-') => anyhow::bail!("unknown option {flag}\n{USAGE}"),
            dir => args.models.push(dir.into()),
        }
    }
    anyhow::ensure!(!args.models.is_empty(), "no model directory given\n{USAGE}");
    Ok(args)
}

#[cfg(not(target_arch = "wasm32"))]
/// Per-call times of one side of one point.
struct Timing {
    median: Duration,
    p10: Duration,
    p90: Duration,
    iters: usize,
}

#[cfg(not(target_arch = "wasm32"))]
/// Runs `f` for `warmup` seconds, then times it call by call for `seconds`
/// (at least 10 calls).
fn time(warmup: f64, seconds: f64, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Timing> {
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < warmup {
        f()?;
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 10 || started.elapsed().as_secs_f64() < seconds {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Ok(Timing { median: at(0.5), p10: at(0.1), p90: at(0.9), iters: samples.len() })
}

#[cfg(not(target_arch = "wasm32"))]
fn timing_json(t: &Timing) -> serde_json::Value {
    let us = |d: Duration| (d.as_secs_f64() * 1e7).round() / 10.0;
    json!({"median_us": us(t.median), "p10_us": us(t.p10), "p90_us": us(t.p90), "iters": t.iters})
}

/// Each input's shape at `batch` (axis 0 when the model leaves it open).
#[cfg(not(target_arch = "wasm32"))]
fn shapes(infos: &[wasm::TensorInfoView], batch: usize) -> anyhow::Result<Vec<Vec<usize>>> {
    infos
        .iter()
        .map(|info| {
            anyhow::ensure!(info.is_float, "input {} is not a float tensor: this harness feeds f32 only", info.name);
            info.shape
                .iter()
                .enumerate()
                .map(|(axis, &d)| match d {
                    d if d >= 0 => Ok(d as usize),
                    _ if axis == 0 => Ok(batch),
                    _ => anyhow::bail!("input {} has an unknown dimension on axis {axis}", info.name),
                })
                .collect()
        })
        .collect()
}

/// The ONNX flavor component under test: `--component`'s file, else the embedded one.
#[cfg(not(target_arch = "wasm32"))]
fn onnx_component_bytes(args: &Args) -> anyhow::Result<Vec<u8>> {
    match &args.component {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {}", path.display())),
        None => Ok(wasmflow_components::by_flavor("onnx").context("no onnx flavor component")?.to_vec()),
    }
}

/// One model directory, resolved and loaded natively (the reference).
#[cfg(not(target_arch = "wasm32"))]
struct ModelUnderTest {
    name: String,
    resolved: wasmflow::model::ResolvedModel,
    /// The ONNX file's name in the model directory.
    data: String,
    native: native::Native,
}

#[cfg(not(target_arch = "wasm32"))]
impl ModelUnderTest {
    fn load(dir: &std::path::Path) -> anyhow::Result<Self> {
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        let resolved = wasm::resolve(dir)?;
        let data = wasm::onnx_file(&resolved)?;
        let native = native::load(dir, &data)?;
        Ok(Self { name, resolved, data, native })
    }
}

/// The inputs of one batch size, and native tract's answer to them.
#[cfg(not(target_arch = "wasm32"))]
struct Point {
    shapes: Vec<Vec<usize>>,
    seed: u64,
    feeds: Vec<(Vec<usize>, Vec<f32>)>,
    wit_batch: wasmflow::runtime::bindings::Batch,
    expected: Vec<Vec<f64>>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Point {
    fn new(model: &ModelUnderTest, infos: &[wasm::TensorInfoView], batch: usize) -> anyhow::Result<Self> {
        let shapes = shapes(infos, batch)?;
        let seed = 0x5eed ^ batch as u64;
        let feeds = native::inputs(&shapes, seed);
        let wit_batch = wasm::batch(infos, &feeds);
        let expected = model.native.predict(&feeds)?;
        Ok(Self { shapes, seed, feeds, wit_batch, expected })
    }
}

/// Largest absolute difference and whether every value is within `tolerance`
/// × max(1, |expected|).
#[cfg(not(target_arch = "wasm32"))]
fn agreement(name: &str, got: &[Vec<f64>], expected: &[Vec<f64>], tolerance: f64) -> anyhow::Result<(f64, bool)> {
    anyhow::ensure!(got.len() == expected.len(), "{name}: {} outputs vs {} natively", got.len(), expected.len());
    let mut max_diff = 0f64;
    let mut agree = true;
    for (g, e) in got.iter().zip(expected) {
        anyhow::ensure!(g.len() == e.len(), "{name}: output sizes differ ({} vs {})", g.len(), e.len());
        for (a, b) in g.iter().zip(e) {
            let diff = (a - b).abs();
            max_diff = max_diff.max(diff);
            agree &= diff <= tolerance * b.abs().max(1.0);
        }
    }
    Ok((max_diff, agree))
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    if let Some(body) = &args.isolation {
        return fresh::run(&args.models, body, args.seconds, &args.cache_dir);
    }
    let engine = wasm::engine(args.engine)?;
    if let Some(rows) = &args.trees {
        return trees::run(&args, &engine, rows);
    }
    if args.host_kernels {
        return hostk::run(&args, &engine);
    }
    let component = wasm::component(&engine, "onnx", &onnx_component_bytes(&args)?, &args.cache_dir)?;
    let profiler = match &args.wasm_profiler {
        Some(path) => Some(wasm::Profiler::new(&engine, path, &args.cache_dir)?),
        None => None,
    };
    let component_name = args.component.as_ref().map_or("embedded".to_string(), |p| p.display().to_string());
    let mut table = Vec::new();
    for dir in &args.models {
        let model = ModelUnderTest::load(dir)?;
        let mut instance = wasm::Instance::new(&engine, &component, &model.resolved)?;
        let infos = wasm::input_infos(&instance.metadata()?);
        let name = &model.name;
        for &batch in &args.batches {
            let Point { shapes, seed, feeds, wit_batch, expected } = Point::new(&model, &infos, batch)?;
            // Same inputs, same answer?
            let got = wasm::outputs_f64(&on_clean_thread(|| instance.predict(&wit_batch))?)?;
            let (max_diff, agree) = agreement(name, &got, &expected, args.tolerance)?;
            let native = &model.native;
            let n = time(args.warmup, args.seconds, || native.predict_raw(&feeds).map(drop))?;
            let w = on_clean_thread(|| time(args.warmup, args.seconds, || instance.predict(&wit_batch).map(drop)))?;
            let ratio = w.median.as_secs_f64() / n.median.as_secs_f64();
            let sums: Vec<f64> = expected.iter().map(|o| o.iter().sum()).collect();
            println!(
                "{}",
                json!({
                    "kind": "point", "model": name, "batch": batch, "native": timing_json(&n), "wasm": timing_json(&w),
                    "wasm_native_ratio": (ratio * 1000.0).round() / 1000.0, "max_abs_diff": max_diff,
                    "tolerance": args.tolerance, "agree": agree, "output_sums": sums, "component": component_name,
                    "epoch_interruption": args.engine.epoch_interruption, "relaxed_simd": args.engine.relaxed_simd,
                })
            );
            table.push(format!(
                "{name:<12} {batch:>5} {:>11} {:>11} {:>11} {:>11} {ratio:>7.2}x {max_diff:>9.1e}{}",
                fmt(n.median),
                fmt(n.p90),
                fmt(w.median),
                fmt(w.p90),
                if agree { "" } else { "  DISAGREE" }
            ));
            if args.profile {
                let iters = ((1.0 / n.median.as_secs_f64().max(1e-7)) as usize).clamp(20, 20_000);
                let native_profile = native.profile(&feeds, iters)?;
                let wasm_profile = match &profiler {
                    Some(profiler) => {
                        let wasm_iters = (iters / 2).max(10);
                        Some(on_clean_thread(|| {
                            profiler.profile(&engine, dir, &model.data, wasm_iters, seed, &shapes)
                        })?)
                    }
                    None => None,
                };
                profile_report(name, batch, native_profile, wasm_profile);
            }
        }
    }
    eprintln!(
        "\n{:<12} {:>5} {:>11} {:>11} {:>11} {:>11} {:>8} {:>9}",
        "model", "batch", "native p50", "native p90", "wasm p50", "wasm p90", "wasm/nat", "max diff"
    );
    for line in table {
        eprintln!("{line}");
    }
    Ok(())
}

/// Prints the `"kind": "profile"` lines of one point (native, and wasm when the
/// profiler ran) and a per-operator table on stderr.
#[cfg(not(target_arch = "wasm32"))]
fn profile_report(name: &str, batch: usize, native: serde_json::Value, wasm: Option<serde_json::Value>) {
    let mut wasm_ops = std::collections::HashMap::new();
    for (side, mut profile) in [("native", Some(native.clone())), ("wasm", wasm.clone())] {
        let Some(profile) = profile.as_mut() else { continue };
        profile["model"] = json!(name);
        profile["batch"] = json!(batch);
        profile["side"] = json!(side);
        println!("{profile}");
    }
    if let Some(wasm) = &wasm {
        for op in wasm["ops"].as_array().into_iter().flatten() {
            wasm_ops.insert(op["op"].as_str().unwrap_or("").to_string(), op["us_per_call"].as_f64().unwrap_or(0.0));
        }
    }
    eprintln!(
        "  {name} batch {batch}, per operator (µs a call; native {} runs in nodes {} µs, wasm in nodes {} µs):",
        native["iters"],
        native["nodes_us_per_call"],
        wasm.as_ref().map_or(json!("-"), |w| w["nodes_us_per_call"].clone())
    );
    for op in native["ops"].as_array().into_iter().flatten() {
        let n = op["us_per_call"].as_f64().unwrap_or(0.0);
        let w = wasm_ops.get(op["op"].as_str().unwrap_or(""));
        eprintln!(
            "    {:<22} native {n:>9.1} ({:>4.1}%)  wasm {:>9}  {:>7}  {}",
            op["op"].as_str().unwrap_or(""),
            op["share_pct"].as_f64().unwrap_or(0.0),
            w.map_or("-".into(), |w| format!("{w:.1}")),
            w.map_or("".into(), |w| format!("{:.2}x", w / n.max(1e-9))),
            op["nodes"].as_array().map_or(String::new(), |v| v
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", "))
        );
    }
}

/// Runs `f` (wasm) on a thread of its own that never ran native tract. tract's
/// x86_64 kernels (AVX2/AVX-512 assembly) leave the upper vector state dirty
/// (no `vzeroupper`); Cranelift's spills are legacy-SSE `movdqu`, and on this
/// Xeon every one then pays the SSE/AVX transition penalty: the component ran
/// 50-300x slower on the thread that had run native tract first. `wasmflow
/// serve` runs no native AVX code, so a clean thread is what it sees.
#[cfg(not(target_arch = "wasm32"))]
fn on_clean_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx") {
                // SAFETY: `vzeroupper` only zeroes the upper halves of the vector
                // registers, which hold nothing live between Rust statements.
                unsafe { std::arch::asm!("vzeroupper") };
            }
            f()
        })
        .join()
        .expect("the wasm thread panicked")
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 { format!("{us:.1} µs") } else { format!("{:.3} ms", us / 1000.0) }
}
