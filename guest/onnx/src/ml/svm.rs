//! `ai.onnx.ml.SVMRegressor` (scikit-learn's SVR, NuSVR, OneClassSVM): a kernel
//! sum over the support vectors plus `rho`, in float32 as onnxruntime computes
//! it; `one_class` answers ±1. The kernels are shared with `SVMClassifier`
//! (`svm_classifier.rs`).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, matrix, row_fact, row_output, tensor};
use super::transform::Post;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KernelType {
    Linear,
    Poly,
    Rbf,
    Sigmoid,
}

/// `kernel_type` and `kernel_params` (gamma, coef0, degree) of an SVM node.
#[derive(Debug, Clone, Copy)]
pub struct SvmKernel {
    kind: KernelType,
    gamma: f32,
    coef0: f32,
    degree: f32,
}

impl SvmKernel {
    pub fn from_node(node: &NodeProto) -> TractResult<SvmKernel> {
        let params: Vec<f32> = node.get_attr_opt_vec("kernel_params")?.unwrap_or_default();
        let kind = match node.get_attr_opt::<String>("kernel_type")?.as_deref().unwrap_or("LINEAR") {
            "LINEAR" => KernelType::Linear,
            "POLY" => KernelType::Poly,
            "RBF" => KernelType::Rbf,
            "SIGMOID" => KernelType::Sigmoid,
            other => bail!("unknown kernel_type {other:?}"),
        };
        Ok(SvmKernel {
            kind,
            gamma: params.first().copied().unwrap_or(0.0),
            coef0: params.get(1).copied().unwrap_or(0.0),
            degree: params.get(2).copied().unwrap_or(0.0),
        })
    }

    /// The kernel of two vectors, in float32.
    pub fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let dot = || a.iter().zip(b).fold(0f32, |s, (x, y)| s + x * y);
        match self.kind {
            KernelType::Linear => dot(),
            KernelType::Poly => {
                // onnxruntime squares and cubes by multiplication, else `pow`.
                let base = self.gamma * dot() + self.coef0;
                match self.degree {
                    2.0 => base * base,
                    3.0 => base * base * base,
                    d => base.powf(d),
                }
            }
            KernelType::Rbf => {
                let d = a.iter().zip(b).fold(0f32, |s, (x, y)| s + (x - y) * (x - y));
                (-self.gamma * d).exp()
            }
            KernelType::Sigmoid => (self.gamma * dot() + self.coef0).tanh(),
        }
    }
}

#[derive(Debug)]
struct SvmRegressor {
    kernel: SvmKernel,
    /// Support vectors, row-major (`n_supports` rows), empty for a linear SVM.
    vectors: Vec<f32>,
    coefficients: Vec<f32>,
    rho: f32,
    one_class: bool,
    post: Post,
}

pub fn regressor(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let kernel = SvmKernel::from_node(node)?;
    let n_supports: usize = node.get_attr_opt("n_supports")?.unwrap_or(0);
    let vectors: Vec<f32> = node.get_attr_opt_vec("support_vectors")?.unwrap_or_default();
    let coefficients: Vec<f32> = node.get_attr_vec("coefficients")?;
    if n_supports > 0 {
        ensure!(
            coefficients.len() == n_supports,
            "{} coefficients for {n_supports} support vectors",
            coefficients.len()
        );
        ensure!(
            !vectors.is_empty() && vectors.len().is_multiple_of(n_supports),
            "support_vectors do not form {n_supports} rows"
        );
    }
    let rho: Vec<f32> = node.get_attr_opt_vec("rho")?.unwrap_or_default();
    let post = Post::parse(node.get_attr_opt::<String>("post_transform")?.as_deref().unwrap_or("NONE"))?;
    Ok(MlOp::boxed(SvmRegressor {
        kernel,
        vectors: if n_supports > 0 { vectors } else { Vec::new() },
        coefficients,
        rho: rho.first().copied().unwrap_or(0.0),
        one_class: node.get_attr_opt::<i64>("one_class")?.unwrap_or(0) != 0,
        post,
    }))
}

impl Kernel for SvmRegressor {
    fn name(&self) -> &'static str {
        "SVMRegressor"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        row_output(s, &inputs[0], &outputs[0], DatumType::F32, Some(1))
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(row_fact(inputs[0], DatumType::F32, Some(1))))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (rows, cols, x) = matrix::<f32>(&inputs[0])?;
        let width = if self.vectors.is_empty() {
            self.coefficients.len()
        } else {
            self.vectors.len() / self.coefficients.len()
        };
        ensure!(cols == width, "rows of {cols} features for support vectors of {width}");
        let mut out = Vec::with_capacity(rows);
        for row in x.chunks(cols.max(1)).take(rows) {
            let mut score = if self.vectors.is_empty() {
                self.kernel.eval(row, &self.coefficients)
            } else {
                let sum = self.vectors.chunks(width).zip(&self.coefficients);
                sum.fold(0f32, |s, (v, &c)| s + c * self.kernel.eval(row, v))
            };
            score += self.rho;
            if self.one_class {
                score = if score > 0.0 { 1.0 } else { -1.0 };
            } else if self.post == Post::Probit {
                score = super::transform::probit(score);
            }
            out.push(score);
        }
        Ok(tvec!(tensor(&[rows, 1], out)?))
    }
}
