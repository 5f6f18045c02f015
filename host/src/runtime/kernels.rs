//! The host's native kernels (`wasmflow serve --kernels host`): the
//! `wasmflow:inference/kernels` import of wit/kernels.wit, which the ONNX flavor's
//! host-kernel build (guest/onnx-hostk) calls for its constant matrix products.
//!
//! The guest keeps the graph; the host only multiplies. A `matrix` is a model's
//! constant weights, copied out of the guest once and optimised by native tract
//! (tract-core's `EinSum` → its AVX/FMA kernels, as `bench/compute`'s native
//! side runs them); `multiply` copies the activations in and the product out.
//! Every dimension is checked before anything is allocated, a guest's matrices
//! count against its instance's memory cap, and one product is capped in size,
//! so a call is bounded: the host cannot be interrupted by the epoch deadline
//! while it multiplies, but the guest is at its next check once the call returns.
//! Errors are strings the guest turns into an evaluation error, never a trap.

use std::sync::Arc;

use tract_core::internal::*;
use tract_core::ops::einsum::EinSum;
use wasmtime::component::{Component, Linker, Resource};
use wasmtime_wasi::WasiView;

use super::instance::HostState;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "host-kernels",
    with: { "wasmflow:inference/kernels.matrix": Packed },
});

use self::wasmflow::inference::kernels::{Host, HostMatrix};

/// The interface's name, as a component's imports list it.
pub const INTERFACE: &str = "wasmflow:inference/kernels@0.1.0";

/// Most multiply-adds in one product (m × k × n): about a second of one core.
pub const MAX_PRODUCT: u64 = 1 << 34;

/// Where the ONNX flavor's matrix products run (`--kernels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Kernels {
    /// Inside the sandbox, tract's SIMD128 kernels: the component imports WASI
    /// only, as `wasmflow build` ships it.
    #[default]
    Wasm,
    /// On the host's native kernels, through the `kernels` import (the ONNX
    /// flavor's host-kernel build); the graph stays in the sandbox.
    Host,
}

/// The component that serves `model` with `kernels`: the ONNX flavor's
/// host-kernel build for a built-in `onnx` model with [`Kernels::Host`], else
/// the model's own component.
pub fn component_bytes(
    model: &crate::model::ResolvedModel,
    components: &crate::flavors::FlavorComponents,
    kernels: Kernels,
) -> anyhow::Result<std::borrow::Cow<'static, [u8]>> {
    let built_in = model.own_component.is_none() && components.custom_path(&model.flavor).is_none();
    let section = model.mlmodel.flavors.get(&model.flavor);
    if kernels == Kernels::Host && built_in && crate::flavors::reader_of(&model.flavor, section) == "onnx" {
        return Ok(std::borrow::Cow::Borrowed(wasmflow_components::ONNX_HOST_KERNELS));
    }
    model.component(components)
}

/// Whether `component` imports the kernels (and so needs [`add_to_linker`]).
pub fn imports_kernels(engine: &wasmtime::Engine, component: &Component) -> bool {
    component.component_type().imports(engine).any(|(name, _)| name == INTERFACE)
}

/// Whether the component `bytes` imports the kernels at its top level, without
/// compiling it (`wasmflow build` refuses such a flavor: no edge host offers them).
pub fn bytes_import_kernels(bytes: &[u8]) -> anyhow::Result<bool> {
    use wasmparser::{Chunk, Payload};
    // Only the top level is read: nested modules and components (most of the
    // bytes: ~17 MB of code for the ONNX flavor) are stepped over whole.
    let mut parser = wasmparser::Parser::new(0);
    let mut offset = 0;
    loop {
        let rest = bytes.get(offset..).context("component section out of range")?;
        let Chunk::Parsed { consumed, payload } = parser.parse(rest, true)? else {
            anyhow::bail!("truncated component");
        };
        offset += consumed;
        match payload {
            Payload::ModuleSection { unchecked_range, .. } | Payload::ComponentSection { unchecked_range, .. } => {
                offset = unchecked_range.end;
            }
            Payload::ComponentImportSection(imports) => {
                for import in imports {
                    if import?.name.name.split('@').next() == INTERFACE.split('@').next() {
                        return Ok(true);
                    }
                }
            }
            Payload::End(_) => return Ok(false),
            _ => {}
        }
    }
}

/// Offers the kernels to the instances of `linker`.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> anyhow::Result<()> {
    HostKernels::add_to_linker::<HostState, wasmtime::component::HasSelf<HostState>>(linker, |state| state)?;
    Ok(())
}

/// Bytes of packed matrices one instance holds, against its memory cap.
#[derive(Debug)]
pub struct KernelBudget {
    used: usize,
    max: usize,
}

impl KernelBudget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Self {
        Self { used: 0, max }
    }
}

/// A constant matrix on the host: `k` × `n`, inside a native tract plan that
/// multiplies any `m` × `k` matrix by it.
pub struct Packed {
    k: usize,
    n: usize,
    plan: Arc<TypedRunnableModel>,
}

impl Packed {
    /// Builds the plan of `a · values` for a `k` × `n` row-major `values`.
    fn new(k: usize, n: usize, values: &[f32]) -> TractResult<Self> {
        let mut model = TypedModel::default();
        let m = model.symbols.sym("m");
        let a = model.add_source("a", f32::fact([m.to_dim(), k.to_dim()]))?;
        let b = model.add_const("b", Tensor::from_shape(&[k, n], values)?)?;
        let axes: AxesMapping = "mk,kn->mn".parse()?;
        let c = model.wire_node("c", EinSum::new(axes, f32::datum_type()), &[a, b])?;
        model.select_output_outlets(&c)?;
        let plan = model.into_optimized()?.into_runnable()?;
        Ok(Self { k, n, plan })
    }

    /// `a` (`m` × `k`, row-major) times this matrix.
    fn multiply(&self, a: &[f32], m: usize) -> TractResult<Vec<f32>> {
        let input = Tensor::from_shape(&[m, self.k], a)?;
        let output = self.plan.run(tvec![input.into_tvalue()])?;
        let product = output[0].try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
        clean_upper_state();
        Ok(product)
    }
}

/// Checks a `pack` request: sizes that fit, and the budget.
fn check_pack(rows: u32, cols: u32, values: usize, budget: &KernelBudget) -> Result<usize, String> {
    let elements = u64::from(rows) * u64::from(cols);
    if rows == 0 || cols == 0 {
        return Err(format!("matrix of {rows}×{cols}: a dimension is zero"));
    }
    if elements != values as u64 {
        return Err(format!("matrix of {rows}×{cols} given {values} values"));
    }
    let bytes = usize::try_from(elements * 4).map_err(|_| format!("matrix of {rows}×{cols} is too large"))?;
    if budget.used.saturating_add(bytes) > budget.max {
        return Err(format!(
            "matrix of {rows}×{cols} exceeds the instance's memory cap ({} of {} bytes used)",
            budget.used, budget.max
        ));
    }
    Ok(bytes)
}

/// Checks a `multiply` request against a `k` × `n` matrix.
fn check_multiply(k: usize, n: usize, values: usize, m: u32) -> Result<(), String> {
    if m == 0 {
        return Err("product of zero rows".into());
    }
    if u64::from(m) * k as u64 != values as u64 {
        return Err(format!("left-hand side of {m}×{k} given {values} values"));
    }
    if u64::from(m) * k as u64 * n as u64 > MAX_PRODUCT {
        return Err(format!("product of {m}×{k} by {k}×{n} exceeds {MAX_PRODUCT} multiply-adds"));
    }
    Ok(())
}

impl Host for HostState {}

impl HostMatrix for HostState {
    fn pack(&mut self, rows: u32, cols: u32, values: Vec<f32>) -> Result<Resource<Packed>, String> {
        let bytes = check_pack(rows, cols, values.len(), &self.kernels)?;
        let packed = Packed::new(rows as usize, cols as usize, &values).map_err(|e| format!("{e:#}"))?;
        clean_upper_state();
        let handle = self.ctx().table.push(packed).map_err(|e| e.to_string())?;
        self.kernels.used += bytes;
        tracing::debug!("host kernels: packed a {rows}×{cols} matrix");
        Ok(handle)
    }

    fn multiply(&mut self, matrix: Resource<Packed>, a: Vec<f32>, m: u32) -> Result<Vec<f32>, String> {
        let table = self.ctx().table;
        let packed = table.get(&matrix).map_err(|e| e.to_string())?;
        check_multiply(packed.k, packed.n, a.len(), m)?;
        packed.multiply(&a, m as usize).map_err(|e| format!("{e:#}"))
    }

    fn drop(&mut self, matrix: Resource<Packed>) -> wasmtime::Result<()> {
        let packed = self.ctx().table.delete(matrix)?;
        self.kernels.used = self.kernels.used.saturating_sub(packed.k * packed.n * 4);
        Ok(())
    }
}

/// Clears the upper halves of the vector registers after native AVX code.
/// tract's x86-64 kernels return without `vzeroupper`; Cranelift's SIMD128
/// spills are legacy-SSE instructions, which pay a state-transition penalty on
/// every one while the upper state is dirty (bench/compute/FINDINGS.md, "A trap
/// in measuring wasm beside native AVX code"). Hand-written: no crate offers it.
fn clean_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: `vzeroupper` only zeroes the upper halves of the vector
        // registers, which no Rust code keeps live across this call; the CPU has AVX.
        unsafe { std::arch::asm!("vzeroupper") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_dimensions_are_refused_before_any_work() {
        let budget = KernelBudget::new(1 << 20);
        assert!(check_pack(0, 4, 0, &budget).unwrap_err().contains("zero"));
        assert!(check_pack(2, 3, 5, &budget).unwrap_err().contains("given 5 values"));
        assert!(check_pack(u32::MAX, u32::MAX, 6, &budget).is_err());
        assert!(check_pack(1024, 1024, 1 << 20, &budget).unwrap_err().contains("memory cap"));
        assert_eq!(check_pack(2, 3, 6, &budget), Ok(24));
        assert!(check_multiply(3, 4, 6, 0).unwrap_err().contains("zero rows"));
        assert!(check_multiply(3, 4, 7, 2).unwrap_err().contains("given 7 values"));
        assert!(check_multiply(1 << 16, 1 << 16, 1 << 20, 16).unwrap_err().contains("exceeds"));
        assert_eq!(check_multiply(3, 4, 6, 2), Ok(()));
    }

    #[test]
    fn imports_are_read_from_the_top_level_of_real_components() {
        assert!(bytes_import_kernels(wasmflow_components::ONNX_HOST_KERNELS).unwrap());
        for plain in [wasmflow_components::ONNX, wasmflow_components::SKLEARN, wasmflow_components::HTTP_FRONT] {
            assert!(!bytes_import_kernels(plain).unwrap());
        }
        let onnx = wasmflow_components::ONNX;
        assert!(bytes_import_kernels(&onnx[..onnx.len() / 2]).is_err(), "truncated");
        assert!(bytes_import_kernels(b"not wasm").is_err());
    }

    /// What the linker calls, on a real instance state: errors, never a panic.
    #[test]
    fn the_import_refuses_bad_calls() {
        let wasi = wasmtime_wasi::WasiCtxBuilder::new().build();
        let mut state = HostState::new(wasi, 1 << 10);
        assert!(HostMatrix::pack(&mut state, 2, 3, vec![0.0; 5]).is_err());
        assert!(HostMatrix::pack(&mut state, 16, 32, vec![0.0; 512]).unwrap_err().contains("memory cap"));
        assert!(HostMatrix::multiply(&mut state, Resource::new_borrow(77), vec![1.0], 1).is_err());
        let matrix = HostMatrix::pack(&mut state, 2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let rep = matrix.rep();
        assert!(HostMatrix::multiply(&mut state, Resource::new_borrow(rep), vec![1.0; 3], 1).is_err());
        assert!(HostMatrix::multiply(&mut state, Resource::new_borrow(rep), vec![1.0; 2], 0).is_err());
        let product = HostMatrix::multiply(&mut state, Resource::new_borrow(rep), vec![1.0, 1.0], 1).unwrap();
        assert_eq!(product, vec![4.0, 6.0]);
        assert_eq!(state.kernels.used, 16);
        HostMatrix::drop(&mut state, matrix).unwrap();
        assert_eq!(state.kernels.used, 0);
    }

    #[test]
    fn the_native_product_is_the_matrix_product() {
        // [[1, 2, 3], [4, 5, 6]] · [[1, 0], [0, 1], [1, 1]]
        let packed = Packed::new(3, 2, &[1., 0., 0., 1., 1., 1.]).unwrap();
        assert_eq!(packed.multiply(&[1., 2., 3., 4., 5., 6.], 2).unwrap(), vec![4., 5., 10., 11.]);
        assert_eq!(packed.multiply(&[1., 1., 1.], 1).unwrap(), vec![2., 2.]);
    }
}
