//! The host-kernel path (`wasmflow serve --kernels host`, feature `host-kernels`):
//! the matrix products of the decluttered model whose right-hand side is a
//! constant become [`HostMatMul`] nodes, which call the host's native kernel
//! through the `wasmflow:inference/kernels` import (wit/kernels.wit). The graph,
//! its other operators and all control flow stay in the sandbox; tract's
//! optimiser still runs on everything else (bias adds, activations, convolutions).
//!
//! The weights go to the host once per instance, on the first call (a `matrix`
//! resource): not at load, because a snapshot (`runtime/preinit`) keeps memory,
//! not resource handles. Each call then copies only the activations in and the
//! product out.
//!
//! Built natively (tests, `examples/`), the rewrite is checked but the op
//! multiplies with tract's own kernels, so the feature compiles everywhere.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::einsum::EinSum;

/// A product `A · B` with `A` of shape `[m, k]` and a constant `B` of shape
/// `[k, n]` (row-major), evaluated by the host.
#[derive(Debug, Clone)]
pub struct HostMatMul {
    k: usize,
    n: usize,
    b: Arc<Tensor>,
    /// The host's copy of `b`, made on first use in this instance.
    packed: Arc<OnceLock<host::Packed>>,
}

impl PartialEq for HostMatMul {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.b, &other.b)
    }
}

impl Eq for HostMatMul {}

impl Op for HostMatMul {
    fn name(&self) -> StaticName {
        "HostMatMul".into()
    }

    op_as_typed_op!();
}

impl EvalOp for HostMatMul {
    // The host is not there when tract folds constants: never evaluated out of plan.
    not_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let a = args_1!(inputs);
        let shape = a.shape();
        ensure!(
            shape.len() == 2 && shape[1] == self.k,
            "HostMatMul: input of shape {shape:?}, expected [m, {}]",
            self.k
        );
        let m = shape[0];
        let a = a.cast_to::<f32>()?;
        let a = a.try_as_plain_ram()?.as_slice::<f32>()?;
        let packed = match self.packed.get() {
            Some(p) => p,
            None => {
                let p = host::pack(self.k, self.n, &self.b)?;
                self.packed.get_or_init(|| p)
            }
        };
        let c = host::multiply(packed, a, m)?;
        ensure!(c.len() == m * self.n, "the host answered {} values for a {m}×{} product", c.len(), self.n);
        Ok(tvec!(Tensor::from_shape(&[m, self.n], &c)?.into_tvalue()))
    }
}

impl TypedOp for HostMatMul {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 1 && inputs[0].rank() == 2);
        Ok(tvec!(f32::fact([inputs[0].shape[0].clone(), self.n.to_dim()])))
    }

    as_op!();
}

/// Replaces every f32 `EinSum` of the form `mk,kn->mn` (or `mk,nk->mn`) with a
/// constant right-hand side by a [`HostMatMul`]; returns how many. Run on the
/// decluttered model, before `into_optimized`.
pub fn offload_matmuls(model: &mut TypedModel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in model.eval_order()? {
        let node = model.node(id);
        let Some(einsum) = node.op_as::<EinSum>() else { continue };
        if einsum.q_params.is_some() || einsum.operating_dt != f32::datum_type() || node.inputs.len() != 2 {
            continue;
        }
        let a_fact = model.outlet_fact(node.inputs[0])?;
        let b_fact = model.outlet_fact(node.inputs[1])?;
        let Some(b) = b_fact.konst.clone() else { continue };
        if a_fact.datum_type != f32::datum_type() || b.datum_type() != f32::datum_type() || a_fact.rank() != 2 {
            continue;
        }
        let Some(b_kn) = as_k_by_n(&einsum.axes, &b)? else { continue };
        let (k, n) = (b_kn.shape()[0], b_kn.shape()[1]);
        let op = HostMatMul { k, n, b: Arc::new(b_kn), packed: Arc::new(OnceLock::new()) };
        let mut patch = TypedModelPatch::default();
        let a = patch.tap_model(model, node.inputs[0])?;
        let out = patch.wire_node(&node.name, op, &[a])?;
        patch.shunt_outside(model, id.into(), out[0])?;
        patch.apply(model)?;
        replaced += 1;
    }
    if replaced > 0 {
        *model = std::mem::take(model).into_decluttered()?;
    }
    Ok(replaced)
}

/// `b` as a contiguous `[k, n]` matrix when `axes` reads `mk,kn->mn` or
/// `mk,nk->mn` (any letters); `None` for every other contraction.
fn as_k_by_n(axes: &AxesMapping, b: &Tensor) -> TractResult<Option<Tensor>> {
    let (inputs, outputs) = axes.to_strs();
    let [a, bb] = &inputs[..] else { return Ok(None) };
    let [o] = &outputs[..] else { return Ok(None) };
    let (a, bb, o): (Vec<char>, Vec<char>, Vec<char>) =
        (a.chars().collect(), bb.chars().collect(), o.chars().collect());
    if a.len() != 2 || bb.len() != 2 || o.len() != 2 || b.rank() != 2 {
        return Ok(None);
    }
    let (m, k) = (a[0], a[1]);
    let n = o[1];
    if o[0] != m || m == k || n == m || n == k {
        return Ok(None);
    }
    if bb == [k, n] {
        Ok(Some(b.clone()))
    } else if bb == [n, k] {
        Ok(Some(b.clone().permute_axes(&[1, 0])?))
    } else {
        Ok(None)
    }
}

/// The host's side of the product, through the WIT import.
#[cfg(target_arch = "wasm32")]
mod host {
    use tract_onnx::prelude::*;

    wit_bindgen::generate!({
        path: "../../wit",
        world: "host-kernels",
    });

    use wasmflow::inference::kernels::Matrix;

    /// The host's packed copy of a constant matrix (a resource handle).
    #[derive(Debug)]
    pub struct Packed(Matrix);

    pub fn pack(k: usize, n: usize, b: &Tensor) -> TractResult<Packed> {
        let values = b.try_as_plain_ram()?.as_slice::<f32>()?;
        let rows = u32::try_from(k)?;
        let cols = u32::try_from(n)?;
        Matrix::pack(rows, cols, values).map(Packed).map_err(|e| TractError::msg(format!("host kernels: {e}")))
    }

    pub fn multiply(packed: &Packed, a: &[f32], m: usize) -> TractResult<Vec<f32>> {
        packed.0.multiply(a, u32::try_from(m)?).map_err(|e| TractError::msg(format!("host kernels: {e}")))
    }
}

/// Natively there is no host import: tract's own product stands in, so the
/// rewrite can be tested with `cargo test -p wasmflow-flavor-onnx --features host-kernels`.
#[cfg(not(target_arch = "wasm32"))]
mod host {
    use tract_onnx::prelude::tract_ndarray::Ix2;
    use tract_onnx::prelude::*;

    #[derive(Debug)]
    pub struct Packed(Tensor);

    pub fn pack(_k: usize, _n: usize, b: &Tensor) -> TractResult<Packed> {
        Ok(Packed(b.clone()))
    }

    pub fn multiply(packed: &Packed, a: &[f32], m: usize) -> TractResult<Vec<f32>> {
        let b = packed.0.to_plain_array_view::<f32>()?.into_dimensionality::<Ix2>()?;
        let a = tract_ndarray::ArrayView2::from_shape((m, b.shape()[0]), a)?;
        Ok(a.dot(&b).into_iter().collect())
    }
}
