//! `forest_bench MODEL_DIR [ROWS]`: per-call time of an ONNX model's plan at a
//! batch of ROWS (default 100) pseudo-random float32 rows, natively, with the
//! flavor's `ai.onnx.ml` operators (tree ensembles on wasmflow's engine) and with
//! tract's own operators — the before/after of the tree engine swap.

use std::time::Instant;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

fn plan(path: &str, ours: bool) -> TractResult<Arc<TypedRunnableModel>> {
    let mut onnx = tract_onnx::onnx();
    if ours {
        wasmflow_flavor_onnx::ml::register(&mut onnx.op_register);
    }
    let mut model = onnx.model_for_path(path)?;
    let fact = model.input_fact(0)?.clone();
    let width = fact.shape.dims().nth(1).and_then(|d| d.concretize()).and_then(|d| d.to_i64().ok()).unwrap_or(4);
    let n = model.sym("N");
    model.set_input_fact(0, f32::fact([n.to_dim(), (width as usize).to_dim()]).into())?;
    model.into_optimized()?.into_runnable()
}

fn main() -> TractResult<()> {
    let dir = std::env::args().nth(1).expect("usage: forest_bench MODEL_DIR [ROWS]");
    let rows: usize = std::env::args().nth(2).map_or(100, |r| r.parse().expect("ROWS"));
    let path = format!("{dir}/model.onnx");
    for (label, ours) in [("tract's ops", false), ("wasmflow ml ops", true)] {
        let plan = match plan(&path, ours) {
            Ok(p) => p,
            Err(e) => {
                println!("{label}: does not load: {e:#}");
                continue;
            }
        };
        let width = plan.model().input_fact(0)?.shape.dims().get(1).and_then(|d| d.to_i64().ok()).unwrap_or(4) as usize;
        let mut seed = 7u64;
        let data: Vec<f32> = (0..rows * width)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((seed >> 33) as f32 / (1u64 << 31) as f32) * 8.0
            })
            .collect();
        let input = Tensor::from_shape(&[rows, width], &data)?;
        let mut times = Vec::new();
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < 2.0 || times.len() < 20 {
            let t = Instant::now();
            plan.run(tvec!(input.clone().into_tvalue()))?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!("{label}: batch {rows}: median {:.4} ms per call ({} calls)", times[times.len() / 2], times.len());
    }
    Ok(())
}
