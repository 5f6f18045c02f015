//! Element-wise `ai.onnx.ml` operators that keep the input's shape and type:
//! `Binarizer` (`x > threshold` → 1, else 0) and `Imputer` (missing values —
//! NaN, or the `replaced_value_*` attribute — replaced per column).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, tensor, values};

#[derive(Debug)]
struct Binarizer {
    threshold: f32,
}

pub fn binarizer(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let threshold: f32 = node.get_attr_opt("threshold")?.unwrap_or(0.0);
    Ok(MlOp::boxed(Binarizer { threshold }))
}

#[derive(Debug)]
struct Imputer {
    floats: Vec<f32>,
    ints: Vec<i64>,
    replaced_float: f32,
    replaced_int: i64,
}

pub fn imputer(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    Ok(MlOp::boxed(Imputer {
        floats: node.get_attr_opt_vec("imputed_value_floats")?.unwrap_or_default(),
        ints: node.get_attr_opt_vec("imputed_value_int64s")?.unwrap_or_default(),
        replaced_float: node.get_attr_opt("replaced_value_float")?.unwrap_or(0.0),
        replaced_int: node.get_attr_opt("replaced_value_int64")?.unwrap_or(0),
    }))
}

fn same_shape_rules<'r>(s: &mut Solver<'r>, inputs: &'r [TensorProxy], outputs: &'r [TensorProxy]) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
    s.equals(&outputs[0].shape, &inputs[0].shape)
}

impl Kernel for Binarizer {
    fn name(&self) -> &'static str {
        "Binarizer"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        same_shape_rules(s, inputs, outputs)
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[0].datum_type.fact(inputs[0].shape.iter())))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let out = match x.datum_type() {
            DatumType::F64 => {
                let t = self.threshold as f64;
                tensor(x.shape(), values::<f64>(x)?.into_iter().map(|v| if v > t { 1.0 } else { 0.0 }).collect())?
            }
            DatumType::F32 => tensor(
                x.shape(),
                values::<f32>(x)?.into_iter().map(|v| if v > self.threshold { 1.0f32 } else { 0.0 }).collect(),
            )?,
            dt => bail!("Binarizer: unsupported input type {dt:?}"),
        };
        Ok(tvec!(out))
    }
}

/// Value `j` of a per-column list of length 1 or one per column.
fn column<T: Copy>(v: &[T], j: usize) -> TractResult<T> {
    match v {
        [one] => Ok(*one),
        _ => v.get(j).copied().ok_or_else(|| format_err!("Imputer: no imputed value for column {j}")),
    }
}

impl Kernel for Imputer {
    fn name(&self) -> &'static str {
        "Imputer"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        same_shape_rules(s, inputs, outputs)
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(inputs[0].datum_type.fact(inputs[0].shape.iter())))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let shape = x.shape();
        let cols = if shape.len() >= 2 { shape[1..].iter().product() } else { shape.first().copied().unwrap_or(1) };
        let cols = cols.max(1);
        let out = match x.datum_type() {
            DatumType::F32 => {
                ensure!(!self.floats.is_empty(), "Imputer: no imputed_value_floats for a float input");
                let missing = |v: f32| if self.replaced_float.is_nan() { v.is_nan() } else { v == self.replaced_float };
                let v = values::<f32>(x)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| if missing(v) { column(&self.floats, i % cols) } else { Ok(v) })
                    .collect::<TractResult<Vec<_>>>()?;
                tensor(shape, v)?
            }
            DatumType::I64 => {
                ensure!(!self.ints.is_empty(), "Imputer: no imputed_value_int64s for an int64 input");
                let v = values::<i64>(x)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| if v == self.replaced_int { column(&self.ints, i % cols) } else { Ok(v) })
                    .collect::<TractResult<Vec<_>>>()?;
                tensor(shape, v)?
            }
            dt => bail!("Imputer: unsupported input type {dt:?}"),
        };
        Ok(tvec!(out))
    }
}
