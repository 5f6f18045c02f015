//! `ai.onnx.ml.Normalizer`: each row divided by its MAX (largest value, not
//! absolute), L1 or L2 norm in float32, rows whose norm is 0 left as they are —
//! onnxruntime's rules (tract's own op clamps with an epsilon and takes |x| for MAX).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, matrix, tensor};

#[derive(Debug, Clone, Copy)]
enum Norm {
    Max,
    L1,
    L2,
}

#[derive(Debug)]
struct Normalizer(Norm);

pub fn build(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let norm: String = node.get_attr_opt("norm")?.unwrap_or_else(|| "MAX".into());
    let norm = match norm.as_str() {
        "MAX" => Norm::Max,
        "L1" => Norm::L1,
        "L2" => Norm::L2,
        other => bail!("Normalizer: unknown norm {other:?}"),
    };
    Ok(MlOp::boxed(Normalizer(norm)))
}

impl Kernel for Normalizer {
    fn name(&self) -> &'static str {
        "Normalizer"
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
        ensure!(x.rank() <= 2, "Rank of input to Normalizer must be less than 2. Got {}", x.rank());
        let (_, cols, raw) = matrix::<f32>(x)?;
        let mut out = Vec::with_capacity(raw.len());
        for row in raw.chunks(cols.max(1)) {
            match self.0 {
                Norm::Max => {
                    let max = row.iter().fold(f32::MIN, |m, &v| m.max(v));
                    out.extend(row.iter().map(|&v| if max != 0.0 { v / max } else { v }));
                }
                Norm::L1 => {
                    let sum = row.iter().fold(0f32, |s, &v| s + v.abs());
                    out.extend(row.iter().map(|&v| if sum != 0.0 { v / sum } else { v }));
                }
                Norm::L2 => {
                    let squares: Vec<f32> = row.iter().map(|&v| v * v).collect();
                    let sum = squares.iter().fold(0f32, |s, &v| s + v);
                    out.extend(row.iter().zip(&squares).map(|(&v, &sq)| {
                        if sum == 0.0 {
                            v
                        } else if v < 0.0 {
                            -(sq / sum).sqrt()
                        } else {
                            (sq / sum).sqrt()
                        }
                    }));
                }
            }
        }
        Ok(tvec!(tensor(x.shape(), out)?))
    }
}
