//! Conversions between the WIT data types and tract tensors, and the model's
//! declared inputs and outputs as WIT `tensor-info`.

use tract_onnx::prelude::tract_ndarray::{ArrayD, IxDyn};
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use wasmflow_guest::exports::wasmflow::inference::predictor::{Dtype, Error, Tensor as WitTensor, TensorInfo, Values};

/// Input and output names as the ONNX graph declares them, read before
/// optimisation (which may rename internal nodes).
pub fn io_names(model: &InferenceModel) -> TractResult<(Vec<String>, Vec<String>)> {
    let inputs = model.input_outlets()?.iter().map(|o| model.node(o.node).name.clone()).collect();
    let outputs = model
        .output_outlets()?
        .iter()
        .map(|o| model.outlet_label(*o).map(str::to_string).unwrap_or_else(|| model.node(o.node).name.clone()))
        .collect();
    Ok((inputs, outputs))
}

/// Gives each input dimension that the ONNX file leaves unknown a symbol (the
/// first one `N`, shared by all inputs as the batch size), so that tract can
/// type the graph once for any batch size.
pub fn symbolize_unknown_dims(model: &mut InferenceModel) -> TractResult<()> {
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

/// Name, element type and shape (`-1` for symbolic dimensions) of each fact.
pub fn tensor_infos<'a>(
    names: Vec<String>,
    facts: impl Iterator<Item = &'a TypedFact>,
) -> TractResult<Vec<TensorInfo>> {
    names
        .into_iter()
        .zip(facts)
        .map(|(name, fact)| {
            let dtype = wit_dtype(fact.datum_type).ok_or_else(|| {
                tract_onnx::tract_core::internal::format_err!(
                    "{name}: element type {:?} is not supported",
                    fact.datum_type
                )
            })?;
            let shape = fact.shape.iter().map(|d| d.as_i64().unwrap_or(-1)).collect();
            Ok(TensorInfo { name, dtype, shape })
        })
        .collect()
}

/// The WIT element type of a tract datum type, if it has one.
pub fn wit_dtype(dt: DatumType) -> Option<Dtype> {
    Some(match dt {
        DatumType::F32 => Dtype::F32,
        DatumType::F64 => Dtype::F64,
        DatumType::I8 => Dtype::I8,
        DatumType::I16 => Dtype::I16,
        DatumType::I32 => Dtype::I32,
        // tract types some int64 values (a `Cast` to int64, shapes) as symbolic
        // dimensions; their values are plain integers.
        DatumType::I64 | DatumType::TDim => Dtype::I64,
        DatumType::U8 => Dtype::U8,
        DatumType::U16 => Dtype::U16,
        DatumType::U32 => Dtype::U32,
        DatumType::U64 => Dtype::U64,
        DatumType::Bool => Dtype::Boolean,
        DatumType::String => Dtype::Utf8,
        _ => return None,
    })
}

/// Builds a tract tensor of `shape` from WIT values.
pub fn to_tract(values: Values, shape: &[usize]) -> Result<Tensor, Error> {
    fn array<T: Datum>(shape: &[usize], v: Vec<T>) -> Result<Tensor, Error> {
        ArrayD::from_shape_vec(IxDyn(shape), v)
            .map(Tensor::from)
            .map_err(|e| Error::InvalidInput(format!("values do not fit shape {shape:?}: {e}")))
    }
    match values {
        Values::F32(v) => array(shape, v),
        Values::F64(v) => array(shape, v),
        Values::I8(v) => array(shape, v),
        Values::I16(v) => array(shape, v),
        Values::I32(v) => array(shape, v),
        Values::I64(v) => array(shape, v),
        Values::U8(v) => array(shape, v),
        Values::U16(v) => array(shape, v),
        Values::U32(v) => array(shape, v),
        Values::U64(v) => array(shape, v),
        Values::Boolean(v) => array(shape, v),
        Values::Utf8(v) => array(shape, v),
        Values::Bytes(_) => Err(Error::InvalidInput("ONNX models take no bytes tensors".into())),
    }
}

/// Copies a tract output into a named WIT tensor.
pub fn to_wit_tensor(name: String, value: &Tensor) -> Result<WitTensor, Error> {
    if value.datum_type() == DatumType::TDim {
        let ints = value.cast_to::<i64>().map_err(|e| Error::Evaluation(format!("output {name}: {e:#}")))?;
        return to_wit_tensor(name, &ints);
    }
    let view = value.try_as_plain_ram().map_err(|e| Error::Internal(format!("{e:#}")))?;
    fn vec<T: Datum + Clone>(view: &PlainView<'_>) -> Result<Vec<T>, Error> {
        view.as_slice::<T>().map(<[T]>::to_vec).map_err(|e| Error::Internal(format!("{e:#}")))
    }
    let values = match value.datum_type() {
        DatumType::F32 => Values::F32(vec(&view)?),
        DatumType::F64 => Values::F64(vec(&view)?),
        DatumType::I8 => Values::I8(vec(&view)?),
        DatumType::I16 => Values::I16(vec(&view)?),
        DatumType::I32 => Values::I32(vec(&view)?),
        DatumType::I64 => Values::I64(vec(&view)?),
        DatumType::U8 => Values::U8(vec(&view)?),
        DatumType::U16 => Values::U16(vec(&view)?),
        DatumType::U32 => Values::U32(vec(&view)?),
        DatumType::U64 => Values::U64(vec(&view)?),
        DatumType::Bool => Values::Boolean(vec(&view)?),
        DatumType::String => Values::Utf8(vec(&view)?),
        other => return Err(Error::Internal(format!("output {name} has unsupported type {other:?}"))),
    };
    let shape = value.shape().iter().map(|&d| d as u64).collect();
    Ok(WitTensor { name: Some(name), shape, values })
}
