//! One tract op for every `ai.onnx.ml` kernel of this crate: a [`Kernel`] says
//! how its outputs are typed (inference rules, then typed facts) and evaluates
//! plain tensors; [`MlOp`] carries it through tract's inference and typed
//! models, so each operator module holds only its own semantics.

use std::fmt;

use tract_onnx::prelude::tract_ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_hir::internal::*;

/// What an `ai.onnx.ml` operator must say and do.
pub trait Kernel: fmt::Debug + Send + Sync + 'static {
    /// The ONNX operator name.
    fn name(&self) -> &'static str;

    /// Number of outputs.
    fn n_outputs(&self) -> usize {
        1
    }

    /// Inference rules: output types and shapes from what is known of the inputs.
    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult;

    /// Typed output facts.
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>>;

    /// Evaluates the operator.
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>>;
}

/// A classifier: `[rows]` labels and `[rows, width]` float32 scores from one
/// input; its [`Kernel`] follows from these.
pub trait ClassifierKernel: fmt::Debug + Send + Sync + 'static {
    /// The ONNX operator name.
    fn name(&self) -> &'static str;

    /// The element type of the labels.
    fn labels(&self) -> DatumType;

    /// Columns of the scores output.
    fn width(&self) -> usize;

    /// Evaluates the operator: labels, then scores.
    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>>;
}

impl<C: ClassifierKernel> Kernel for C {
    fn name(&self) -> &'static str {
        ClassifierKernel::name(self)
    }

    fn n_outputs(&self) -> usize {
        2
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        classifier_rules(s, inputs, outputs, self.labels(), self.width())
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(classifier_facts(inputs[0], self.labels(), self.width()))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        ClassifierKernel::eval(self, inputs)
    }
}

/// A [`Kernel`] as a tract op (inference-time expansion and typed op at once).
#[derive(Debug, Clone)]
pub struct MlOp(pub Arc<dyn Kernel>);

impl MlOp {
    /// Boxes a kernel as tract's inference op.
    pub fn boxed(kernel: impl Kernel) -> Box<dyn InferenceOp> {
        expand(MlOp(Arc::new(kernel)))
    }
}

impl PartialEq for MlOp {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for MlOp {}

impl Expansion for MlOp {
    fn name(&self) -> StaticName {
        self.0.name().into()
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(self.0.n_outputs())
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_output_arity(outputs, self.0.n_outputs())?;
        self.0.rules(s, inputs, outputs)
    }

    fn wire(&self, prefix: &str, model: &mut TypedModel, inputs: &[OutletId]) -> TractResult<TVec<OutletId>> {
        model.wire_node(prefix, self.clone(), inputs)
    }
}

impl Op for MlOp {
    fn name(&self) -> StaticName {
        self.0.name().into()
    }

    op_as_typed_op!();
}

impl EvalOp for MlOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        self.0.eval(inputs)
    }
}

impl TypedOp for MlOp {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        self.0.output_facts(inputs)
    }

    as_op!();
}

/// Rules for an output of `rank` (1 or 2) and type `dt` with one row per row of
/// input 0 and, for rank 2, `width` columns when known.
pub fn row_output<'r>(
    s: &mut Solver<'r>,
    input: &'r TensorProxy,
    output: &'r TensorProxy,
    dt: DatumType,
    width: Option<usize>,
) -> InferenceResult {
    s.equals(&output.datum_type, dt)?;
    s.equals(&output.rank, if width.is_some() { 2 } else { 1 })?;
    s.equals(&output.shape[0], &input.shape[0])?;
    if let Some(w) = width {
        s.equals(&output.shape[1], w.to_dim())?;
    }
    Ok(())
}

/// The typed fact of [`row_output`].
pub fn row_fact(input: &TypedFact, dt: DatumType, width: Option<usize>) -> TypedFact {
    let n = input.shape.iter().next().cloned().unwrap_or_else(|| 1.to_dim());
    match width {
        Some(w) => dt.fact([n, w.to_dim()]),
        None => dt.fact([n]),
    }
}

/// Rules of a classifier's `[rows]` labels and `[rows, width]` float32 scores.
pub fn classifier_rules<'r>(
    s: &mut Solver<'r>,
    inputs: &'r [TensorProxy],
    outputs: &'r [TensorProxy],
    labels: DatumType,
    width: usize,
) -> InferenceResult {
    check_input_arity(inputs, 1)?;
    row_output(s, &inputs[0], &outputs[0], labels, None)?;
    row_output(s, &inputs[0], &outputs[1], DatumType::F32, Some(width))
}

/// The typed facts of [`classifier_rules`].
pub fn classifier_facts(input: &TypedFact, labels: DatumType, width: usize) -> TVec<TypedFact> {
    tvec!(row_fact(input, labels, None), row_fact(input, DatumType::F32, Some(width)))
}

/// An input as a matrix: rows, columns and its values cast to `T` (ONNX-ML's
/// convention: a rank-1 input is one row; rank 0 is refused).
pub fn matrix<T: Datum + Clone>(input: &Tensor) -> TractResult<(usize, usize, Vec<T>)> {
    let shape = input.shape();
    let (rows, cols) = match shape {
        [] => bail!("a scalar input where a vector or a matrix is expected"),
        [c] => (1, *c),
        [r, rest @ ..] => (*r, rest.iter().product()),
    };
    Ok((rows, cols, values::<T>(input)?))
}

/// The values of a tensor cast to `T`.
pub fn values<T: Datum + Clone>(input: &Tensor) -> TractResult<Vec<T>> {
    let cast = input.cast_to::<T>()?;
    Ok(cast.try_as_plain_ram()?.as_slice::<T>()?.to_vec())
}

/// A tensor of `shape` from values.
pub fn tensor<T: Datum>(shape: &[usize], data: Vec<T>) -> TractResult<TValue> {
    Ok(Tensor::from(ArrayD::from_shape_vec(IxDyn(shape), data)?).into_tvalue())
}
