//! `--kernels host`: the ONNX flavor's host-kernel build (`wasmflow serve
//! --kernels host`, its constant matrix products on the host's native tract
//! through the `kernels` import) beside the plain component and native tract,
//! the three timed in turn on the same inputs in one run (issue 20 item 2).
//!
//! Both components come from `wasmflow-components` (or `--component` replaces the
//! plain one) and are instantiated by the host library's `instance_spec`, which
//! links the import when a component has it, as `serve` does. Outputs of both
//! must agree with native tract within `--tolerance` (scaled by max(1, |x|)).
//! stdout: one `"kind": "hostk"` JSON object per point; stderr: a table.

use serde_json::json;

use crate::{
    Args, ModelUnderTest, Point, agreement, fmt, on_clean_thread, onnx_component_bytes, time, timing_json, wasm,
};

/// Runs the comparison over `args.models` and `args.batches`.
pub fn run(args: &Args, engine: &wasmtime::Engine) -> anyhow::Result<()> {
    let plain = wasm::component(engine, "onnx", &onnx_component_bytes(args)?, &args.cache_dir)?;
    let hostk = wasm::component(engine, "onnx-hostk", wasmflow_components::ONNX_HOST_KERNELS, &args.cache_dir)?;
    let mut table = Vec::new();
    for dir in &args.models {
        let model = ModelUnderTest::load(dir)?;
        let mut plain_instance = wasm::Instance::new(engine, &plain, &model.resolved)?;
        let mut hostk_instance = wasm::Instance::new(engine, &hostk, &model.resolved)?;
        let infos = wasm::input_infos(&plain_instance.metadata()?);
        let (name, native) = (&model.name, &model.native);
        for &batch in &args.batches {
            let Point { feeds, wit_batch, expected, .. } = Point::new(&model, &infos, batch)?;
            let mut diffs = Vec::new();
            for instance in [&mut plain_instance, &mut hostk_instance] {
                let got = wasm::outputs_f64(&on_clean_thread(|| instance.predict(&wit_batch))?)?;
                diffs.push(agreement(name, &got, &expected, args.tolerance)?);
            }
            let n = time(args.warmup, args.seconds, || native.predict_raw(&feeds).map(drop))?;
            let w =
                on_clean_thread(|| time(args.warmup, args.seconds, || plain_instance.predict(&wit_batch).map(drop)))?;
            let h =
                on_clean_thread(|| time(args.warmup, args.seconds, || hostk_instance.predict(&wit_batch).map(drop)))?;
            let ratio = |a: &crate::Timing, b: &crate::Timing| {
                (a.median.as_secs_f64() / b.median.as_secs_f64() * 1000.0).round() / 1000.0
            };
            let sums: Vec<f64> = expected.iter().map(|o| o.iter().sum()).collect();
            println!(
                "{}",
                json!({
                    "kind": "hostk", "model": name, "batch": batch, "native": timing_json(&n),
                    "wasm": timing_json(&w), "host_kernels": timing_json(&h),
                    "wasm_native_ratio": ratio(&w, &n), "host_kernels_native_ratio": ratio(&h, &n),
                    "max_abs_diff_wasm": diffs[0].0, "max_abs_diff_host_kernels": diffs[1].0,
                    "tolerance": args.tolerance, "agree": diffs.iter().all(|d| d.1), "output_sums": sums,
                    "epoch_interruption": args.engine.epoch_interruption,
                })
            );
            table.push(format!(
                "{name:<12} {batch:>5} {:>11} {:>11} {:>11} {:>8.2}x {:>8.2}x {:>9.1e}{}",
                fmt(n.median),
                fmt(w.median),
                fmt(h.median),
                ratio(&w, &n),
                ratio(&h, &n),
                diffs[1].0,
                if diffs.iter().all(|d| d.1) { "" } else { "  DISAGREE" }
            ));
        }
    }
    eprintln!(
        "\n{:<12} {:>5} {:>11} {:>11} {:>11} {:>9} {:>9} {:>9}",
        "model", "batch", "native p50", "wasm p50", "hostk p50", "wasm/nat", "hostk/nat", "hostk diff"
    );
    for line in table {
        eprintln!("{line}");
    }
    Ok(())
}
