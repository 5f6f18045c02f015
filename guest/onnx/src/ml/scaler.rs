//! `ai.onnx.ml.Scaler`: `y = (x - offset) * scale` per column, as float32
//! (onnxruntime computes in the input's precision, then stores float).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, tensor};

#[derive(Debug)]
struct Scaler {
    offset: Vec<f32>,
    scale: Vec<f32>,
}

pub fn build(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let offset: Vec<f32> = node.get_attr_opt_vec("offset")?.unwrap_or_default();
    let scale: Vec<f32> = node.get_attr_opt_vec("scale")?.unwrap_or_default();
    Ok(MlOp::boxed(Scaler { offset, scale }))
}

/// Value `j` of a per-column attribute of length 1 or one per column.
fn at(v: &[f32], j: usize, default: f32) -> f32 {
    match v.len() {
        0 => default,
        1 => v[0],
        _ => v.get(j).copied().unwrap_or(default),
    }
}

impl Kernel for Scaler {
    fn name(&self) -> &'static str {
        "Scaler"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        s.equals(&outputs[0].datum_type, DatumType::F32)?;
        s.equals(&outputs[0].shape, &inputs[0].shape)
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(inputs[0].shape.iter())))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let shape = x.shape().to_vec();
        let cols = if shape.len() >= 2 { shape[1..].iter().product() } else { shape.first().copied().unwrap_or(1) };
        for (name, v) in [("offset", &self.offset), ("scale", &self.scale)] {
            ensure!(v.len() <= 1 || v.len() == cols, "Scaler: {name} has {} values for {cols} columns", v.len());
        }
        let out: Vec<f32> = if x.datum_type() == DatumType::F64 {
            super::op::values::<f64>(x)?
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let j = i % cols.max(1);
                    ((v - at(&self.offset, j, 0.0) as f64) * at(&self.scale, j, 1.0) as f64) as f32
                })
                .collect()
        } else {
            super::op::values::<f32>(x)?
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let j = i % cols.max(1);
                    (v - at(&self.offset, j, 0.0)) * at(&self.scale, j, 1.0)
                })
                .collect()
        };
        Ok(tvec!(tensor(&shape, out)?))
    }
}
