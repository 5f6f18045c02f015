//! Runs a case through the ONNX flavor component as `wasmflow serve` runs a
//! model: the host library's engine, compiled-component cache, WASI state and
//! instances; one fresh instance per case (the case directory preopened at
//! `/model`), its outputs compared with the expected ones.

use std::path::Path;
use std::time::Duration;

use wasmflow::runtime::LoadLimits;
use wasmflow::runtime::bindings::{Batch, FlavorPre, LoadRequest, Tensor, Values};
use wasmflow::runtime::engine::{new_engine, start_epoch_ticker, ticks};
use wasmflow::runtime::instance::{self, CallError, GUEST_MODEL_DIR, Instance, InstanceSpec};
use wasmtime::Engine;

use crate::cases::Case;

/// How a case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    /// The case holds values the WIT boundary cannot carry.
    Skipped(String),
    /// `model.load` refused the model.
    Load(String),
    /// `predict` answered an error.
    Run(String),
    /// The guest trapped (a panic inside tract, out of memory, past the deadline).
    Trap(String),
    /// Outputs differ: count, element type, shape or values.
    Mismatch(Mismatch, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    Count,
    Dtype,
    Shape,
    Values,
}

/// The engine, the compiled ONNX component and its linked pre-instance, shared
/// by every case.
pub struct Harness {
    engine: Engine,
    pre: FlavorPre<instance::HostState>,
}

/// Bounds of one case: loading, and each predict.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_MEMORY: usize = 2048 << 20;

impl Harness {
    /// Compiles the onnx flavor (or loads it from `cache_dir`, the cache the
    /// end-to-end tests share) and links it once.
    pub fn new(cache_dir: &Path) -> anyhow::Result<Self> {
        let engine = new_engine(None)?;
        start_epoch_ticker(&engine);
        let bytes = wasmflow_components::by_flavor("onnx").expect("the onnx flavor is built in");
        let component = wasmflow::runtime::compile_cache::load_component(&engine, "onnx", bytes, Some(cache_dir))?;
        let pre = FlavorPre::new(instance::linker(&engine)?.instantiate_pre(&component)?)?;
        Ok(Self { engine, pre })
    }

    /// Loads the case's model.onnx in a fresh instance and checks every data set.
    pub fn run(&self, case: &Case) -> Outcome {
        if let Some(why) = &case.skip {
            return Outcome::Skipped(why.clone());
        }
        let data_sets = match case.data_sets() {
            Ok(sets) => sets,
            Err(e) => return Outcome::Skipped(format!("{e:#}")),
        };
        let limits = LoadLimits { timeout: CASE_TIMEOUT, max_memory: MAX_MEMORY };
        let spec = InstanceSpec {
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            model_dir: case.dir.clone(),
            mount_model_dir: true,
            load: LoadRequest {
                model_dir: GUEST_MODEL_DIR.into(),
                flavor_config: r#"{"data": "model.onnx"}"#.into(),
                pyfunc_config: "{}".into(),
                model_config: "{}".into(),
            },
            limits,
        };
        let mut instance = match Instance::new(&spec, CASE_TIMEOUT) {
            Ok(instance) => instance,
            Err(e) => {
                let text = format!("{e:#}");
                return match text.split_once("cannot load the model in ") {
                    Some((_, rest)) => Outcome::Load(rest.split_once(": ").map_or(rest, |(_, m)| m).to_string()),
                    None => Outcome::Trap(text),
                };
            }
        };
        for set in data_sets {
            let batch = Batch::Tensors(set.inputs);
            let answer = match instance.predict(&batch, &[], ticks(CASE_TIMEOUT)) {
                Ok(answer) => answer,
                Err(CallError::Flavor(e)) => return Outcome::Run(instance::describe(&e).to_string()),
                Err(CallError::Trap(e)) => return Outcome::Trap(format!("{e:#}")),
            };
            let Batch::Tensors(got) = answer else {
                return Outcome::Mismatch(Mismatch::Count, "the component answered no tensors".into());
            };
            if let Err((kind, detail)) = compare(&got, &set.outputs, case.rtol, case.atol) {
                return Outcome::Mismatch(kind, detail);
            }
        }
        Outcome::Pass
    }
}

/// Outputs by position: same count, element type, shape, and values within
/// `atol + rtol * |expected|` (numpy's `assert_allclose`, as onnx's backend
/// runner compares; NaN equals NaN); integers, booleans and strings exactly.
fn compare(got: &[Tensor], want: &[Tensor], rtol: f64, atol: f64) -> Result<(), (Mismatch, String)> {
    if got.len() != want.len() {
        return Err((Mismatch::Count, format!("{} outputs, expected {}", got.len(), want.len())));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if std::mem::discriminant(&g.values) != std::mem::discriminant(&w.values) {
            return Err((Mismatch::Dtype, format!("output {i}: {} instead of {}", dtype(&g.values), dtype(&w.values))));
        }
        if g.shape != w.shape {
            return Err((Mismatch::Shape, format!("output {i}: shape {:?} instead of {:?}", g.shape, w.shape)));
        }
        if let Some(detail) = differ(&g.values, &w.values, rtol, atol) {
            return Err((Mismatch::Values, format!("output {i}: {detail}")));
        }
    }
    Ok(())
}

fn close(g: f64, w: f64, rtol: f64, atol: f64) -> bool {
    g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= atol + rtol * w.abs()
}

fn differ(got: &Values, want: &Values, rtol: f64, atol: f64) -> Option<String> {
    fn first<T: PartialEq + std::fmt::Debug>(g: &[T], w: &[T], same: impl Fn(&T, &T) -> bool) -> Option<String> {
        let at = g.iter().zip(w).position(|(a, b)| !same(a, b))?;
        Some(format!("element {at} is {:?}, expected {:?}", g[at], w[at]))
    }
    match (got, want) {
        (Values::F32(g), Values::F32(w)) => first(g, w, |a, b| close(*a as f64, *b as f64, rtol, atol)),
        (Values::F64(g), Values::F64(w)) => first(g, w, |a, b| close(*a, *b, rtol, atol)),
        (Values::I8(g), Values::I8(w)) => first(g, w, PartialEq::eq),
        (Values::I16(g), Values::I16(w)) => first(g, w, PartialEq::eq),
        (Values::I32(g), Values::I32(w)) => first(g, w, PartialEq::eq),
        (Values::I64(g), Values::I64(w)) => first(g, w, PartialEq::eq),
        (Values::U8(g), Values::U8(w)) => first(g, w, PartialEq::eq),
        (Values::U16(g), Values::U16(w)) => first(g, w, PartialEq::eq),
        (Values::U32(g), Values::U32(w)) => first(g, w, PartialEq::eq),
        (Values::U64(g), Values::U64(w)) => first(g, w, PartialEq::eq),
        (Values::Boolean(g), Values::Boolean(w)) => first(g, w, PartialEq::eq),
        (Values::Utf8(g), Values::Utf8(w)) => first(g, w, PartialEq::eq),
        _ => Some("values of another type".into()),
    }
}

/// The WIT case of the values (`Values::F32`, ...); only on a mismatch, so
/// formatting every element on the way is no cost worth a table.
fn dtype(values: &Values) -> String {
    let debug = format!("{values:?}");
    debug.split('(').next().unwrap_or_default().to_string()
}
