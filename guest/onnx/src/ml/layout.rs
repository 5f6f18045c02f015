//! Operators that move columns: `ArrayFeatureExtractor` (pick indices along the
//! last axis) and `FeatureVectorizer` (concatenate inputs as float32 columns,
//! each cut or zero-padded to its `inputdimensions`).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, matrix, tensor, values};

#[derive(Debug)]
struct ArrayFeatureExtractor;

pub fn array_feature_extractor(_node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    Ok(MlOp::boxed(ArrayFeatureExtractor))
}

/// onnxruntime's output shape: `[1, k]` for a vector, else the input's shape
/// with the last axis replaced by the number of indices `k`.
fn extracted_shape(x: &[TDim], k: TDim) -> TVec<TDim> {
    match x {
        [_] | [] => tvec![1.to_dim(), k],
        [init @ .., _] => init.iter().cloned().chain(std::iter::once(k)).collect(),
    }
}

impl Kernel for ArrayFeatureExtractor {
    fn name(&self) -> &'static str {
        "ArrayFeatureExtractor"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 2)?;
        s.equals(&outputs[0].datum_type, &inputs[0].datum_type)?;
        s.given_2(&inputs[0].shape, &inputs[1].shape, move |s, x, y| {
            let k: TDim = y.iter().product();
            let shape = extracted_shape(&x, k);
            s.equals(&outputs[0].rank, shape.len() as i64)?;
            for (i, d) in shape.into_iter().enumerate() {
                s.equals(&outputs[0].shape[i], d)?;
            }
            Ok(())
        })
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let x: TVec<TDim> = inputs[0].shape.iter().cloned().collect();
        let k: TDim = inputs[1].shape.iter().product();
        Ok(tvec!(inputs[0].datum_type.fact(extracted_shape(&x, k))))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (x, y) = (&inputs[0], &inputs[1]);
        let indices = values::<i64>(y)?;
        let last = x.shape().last().copied().unwrap_or(1);
        let idx = indices
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .filter(|&i| i < last)
                    .ok_or_else(|| format_err!("Invalid Y argument: index is out of range: Y[{i}] >= {last}"))
            })
            .collect::<TractResult<Vec<_>>>()?;
        let shape: Vec<usize> = match x.shape() {
            [] | [_] => vec![1, idx.len()],
            [init @ .., _] => init.iter().copied().chain([idx.len()]).collect(),
        };
        fn pick<T: Datum + Clone>(x: &Tensor, idx: &[usize], last: usize, shape: &[usize]) -> TractResult<TValue> {
            let v = values::<T>(x)?;
            let out = v.chunks(last.max(1)).flat_map(|row| idx.iter().map(|&i| row[i].clone())).collect();
            tensor(shape, out)
        }
        let out = match x.datum_type() {
            DatumType::F32 => pick::<f32>(x, &idx, last, &shape)?,
            DatumType::F64 => pick::<f64>(x, &idx, last, &shape)?,
            DatumType::I64 => pick::<i64>(x, &idx, last, &shape)?,
            DatumType::I32 => pick::<i32>(x, &idx, last, &shape)?,
            DatumType::String => pick::<String>(x, &idx, last, &shape)?,
            dt => bail!("ArrayFeatureExtractor: unsupported type {dt:?}"),
        };
        Ok(tvec!(out))
    }
}

#[derive(Debug)]
struct FeatureVectorizer {
    dims: Vec<usize>,
}

pub fn feature_vectorizer(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let dims: Vec<i64> = node.get_attr_opt_vec("inputdimensions")?.unwrap_or_default();
    let dims = dims.into_iter().map(|d| usize::try_from(d).map_err(|_| format_err!("negative input dimension")));
    let dims: Vec<usize> = dims.collect::<TractResult<_>>()?;
    // A hostile model must not make every row absurdly wide.
    let width = dims.iter().try_fold(0usize, |w, &d| w.checked_add(d)).filter(|&w| w <= 1 << 24);
    ensure!(width.is_some(), "FeatureVectorizer: inputdimensions sum past {} columns", 1 << 24);
    Ok(MlOp::boxed(FeatureVectorizer { dims }))
}

impl Kernel for FeatureVectorizer {
    fn name(&self) -> &'static str {
        "FeatureVectorizer"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, self.dims.len())?;
        super::op::row_output(s, &inputs[0], &outputs[0], DatumType::F32, Some(self.dims.iter().sum()))
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(super::op::row_fact(inputs[0], DatumType::F32, Some(self.dims.iter().sum()))))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let width: usize = self.dims.iter().sum();
        let parts = inputs.iter().map(|t| matrix::<f32>(t)).collect::<TractResult<Vec<_>>>()?;
        let rows = parts.first().map_or(0, |p| p.0);
        ensure!(parts.iter().all(|p| p.0 == rows), "FeatureVectorizer: inputs of different row counts");
        let mut out = Vec::with_capacity(rows * width);
        for r in 0..rows {
            for ((_, cols, v), &d) in parts.iter().zip(&self.dims) {
                let row = &v[r * cols..(r + 1) * cols];
                out.extend(row.iter().take(d));
                out.extend(std::iter::repeat_n(0.0, d.saturating_sub(*cols)));
            }
        }
        Ok(tvec!(tensor(&[rows, width], out)?))
    }
}
