//! The same model in native tract, in this process.
//!
//! [`load`] mirrors `load_onnx` in guest/onnx/src/lib.rs step for step (and
//! `io_names` / `symbolize_unknown_dims` in guest/onnx/src/convert.rs): the
//! read-based data resolver, the `N` batch symbol, `into_optimized`, then
//! `into_runnable` with tract's default options (single-threaded executor).
//! Keep it in step with the guest, or the ratio compares two different plans.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use tract_onnx::prelude::tract_ndarray::{ArrayD, IxDyn};
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

/// The optimised plan, as the guest holds it.
pub struct Native {
    plan: Arc<TypedRunnableModel>,
}

/// Loads `<model_dir>/<data>` exactly as the ONNX flavor component does.
pub fn load(model_dir: &Path, data: &str) -> anyhow::Result<Native> {
    let path = model_dir.join(data);
    let mut onnx = tract_onnx::onnx();
    // As the guest: the read-based resolver for MLflow's external data files.
    onnx.provider = std::sync::Arc::new(tract_onnx::data_resolver::FopenDataResolver);
    let mut model = onnx.model_for_path(&path).with_context(|| format!("cannot read ONNX model {}", path.display()))?;
    symbolize_unknown_dims(&mut model)?;
    let typed = model.into_optimized().context("ONNX model not supported by tract")?;
    Ok(Native { plan: typed.into_runnable()? })
}

impl Native {
    #[cfg(not(target_arch = "wasm32"))]
    /// One `predict` as the guest does it: tensors built from owned vectors
    /// (`from_shape_vec`, as `convert::to_tract`), `plan.run` (a fresh state each
    /// call, as the guest), outputs copied out to vectors (as `to_wit_tensor`).
    pub fn predict(&self, inputs: &[(Vec<usize>, Vec<f32>)]) -> anyhow::Result<Vec<Vec<f64>>> {
        let outputs = self.plan.run(feeds(inputs)?)?;
        outputs.iter().map(|t| to_f64(t)).collect()
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// The timed part of [`predict`](Self::predict): the outputs' bytes copied out
    /// (as the guest copies them into WIT lists), no conversion for checking.
    pub fn predict_raw(&self, inputs: &[(Vec<usize>, Vec<f32>)]) -> anyhow::Result<Vec<Vec<u8>>> {
        let outputs = self.plan.run(feeds(inputs)?)?;
        outputs.iter().map(|t| Ok(t.try_as_plain_ram()?.as_bytes().to_vec())).collect()
    }

    /// Time per operator type over `iters` runs (after one untimed run), each node
    /// timed through tract's `run_plan_with_eval`: a `"kind": "profile"` JSON object.
    pub fn profile(&self, inputs: &[(Vec<usize>, Vec<f32>)], iters: usize) -> anyhow::Result<serde_json::Value> {
        let mut per_node: BTreeMap<usize, (String, String, Duration)> = BTreeMap::new();
        let mut state = self.plan.spawn()?;
        state.run(feeds(inputs)?)?;
        let started = Instant::now();
        for _ in 0..iters {
            state.run_plan_with_eval(feeds(inputs)?, |ctx, op_state, node, input| {
                let t = Instant::now();
                let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, input);
                let spent = t.elapsed();
                per_node
                    .entry(node.id)
                    .or_insert_with(|| (node.name.clone(), node.op().name().to_string(), Duration::ZERO))
                    .2 += spent;
                out
            })?;
        }
        let wall = started.elapsed();
        let total: Duration = per_node.values().map(|n| n.2).sum();
        let mut by_op: BTreeMap<String, (Duration, Vec<String>)> = BTreeMap::new();
        for (node, op, spent) in per_node.values() {
            let entry = by_op.entry(op.clone()).or_default();
            entry.0 += *spent;
            entry.1.push(node.clone());
        }
        let mut ops: Vec<_> = by_op.into_iter().collect();
        ops.sort_by_key(|op| std::cmp::Reverse(op.1.0));
        let per_call = |d: Duration| (d.as_secs_f64() / iters as f64 * 1e7).round() / 10.0;
        let share = |d: Duration| (d.as_secs_f64() / total.as_secs_f64().max(1e-12) * 1000.0).round() / 10.0;
        let ops: Vec<_> = ops
            .iter()
            .map(|(op, (d, nodes))| json!({"op": op, "us_per_call": per_call(*d), "share_pct": share(*d), "nodes": nodes}))
            .collect();
        Ok(json!({"kind": "profile", "iters": iters, "nodes_us_per_call": per_call(total),
                  "wall_us_per_call": per_call(wall), "ops": ops}))
    }
}

/// Deterministic inputs in [0, 1) of the given shapes: xorshift64 (13, 7, 17),
/// the top 24 bits / 2^24 (bench/compute_ort.py draws the same).
pub fn inputs(shapes: &[Vec<usize>], seed: u64) -> Vec<(Vec<usize>, Vec<f32>)> {
    let mut state = seed | 1;
    shapes
        .iter()
        .map(|shape| {
            let values = (0..shape.iter().product::<usize>())
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 40) as f32 / (1u64 << 24) as f32
                })
                .collect();
            (shape.clone(), values)
        })
        .collect()
}

fn feeds(inputs: &[(Vec<usize>, Vec<f32>)]) -> anyhow::Result<TVec<TValue>> {
    inputs
        .iter()
        .map(|(shape, values)| Ok(Tensor::from(ArrayD::from_shape_vec(IxDyn(shape), values.clone())?).into()))
        .collect()
}

#[cfg(not(target_arch = "wasm32"))]
/// A numeric output as f64, for comparing with the component's answer.
pub fn to_f64(t: &Tensor) -> anyhow::Result<Vec<f64>> {
    let cast = t.cast_to::<f64>()?;
    Ok(cast.try_as_plain_ram()?.as_slice::<f64>()?.to_vec())
}

/// guest/onnx/src/convert.rs `symbolize_unknown_dims`, copied: each unknown
/// input dimension gets a symbol, the first axis `N`.
fn symbolize_unknown_dims(model: &mut InferenceModel) -> TractResult<()> {
    for ix in 0..model.input_outlets()?.len() {
        let fact = model.input_fact(ix)?.clone();
        if fact.shape.is_open() {
            continue;
        }
        let dims: TVec<TDim> = fact
            .shape
            .dims()
            .enumerate()
            .map(|(axis, dim)| {
                dim.concretize().unwrap_or_else(|| {
                    let name = if axis == 0 { "N".to_string() } else { format!("input{ix}_axis{axis}") };
                    model.sym(&name).to_dim()
                })
            })
            .collect();
        model.set_input_fact(ix, fact.with_shape(dims))?;
    }
    Ok(())
}
