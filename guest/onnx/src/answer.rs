//! The answer of a model with ZipMap outputs, as JSON: what MLflow's wrapper
//! returns when onnxruntime gives a list of dicts (a dict of arrays for tensor
//! input, records for a DataFrame).

use wasmflow_guest::exports::wasmflow::inference::predictor::{Batch, Error, Tensor as WitTensor, Values};

use crate::zipmap::{ZipMapOutput, json_float, json_string};

/// Each element of a tensor as JSON, in order.
fn elements(values: &Values) -> Vec<String> {
    fn each<T>(v: &[T], f: impl Fn(&T) -> String) -> Vec<String> {
        v.iter().map(f).collect()
    }
    match values {
        Values::F32(v) => each(v, |x| json_float(*x as f64)),
        Values::F64(v) => each(v, |x| json_float(*x)),
        Values::I8(v) => each(v, i8::to_string),
        Values::I16(v) => each(v, i16::to_string),
        Values::I32(v) => each(v, i32::to_string),
        Values::I64(v) => each(v, i64::to_string),
        Values::U8(v) => each(v, u8::to_string),
        Values::U16(v) => each(v, u16::to_string),
        Values::U32(v) => each(v, u32::to_string),
        Values::U64(v) => each(v, u64::to_string),
        Values::Boolean(v) => each(v, |b| b.to_string()),
        Values::Utf8(v) => each(v, |s| json_string(s)),
        Values::Bytes(v) => each(v, |_| "null".into()),
    }
}

/// `ndarray.tolist()` of one tensor.
fn nested(items: &[String], shape: &[u64]) -> String {
    match shape {
        [] => items.first().cloned().unwrap_or_else(|| "null".into()),
        [_, rest @ ..] => {
            let stride = rest.iter().product::<u64>().max(1) as usize;
            let parts: Vec<String> =
                if rest.is_empty() { items.to_vec() } else { items.chunks(stride).map(|c| nested(c, rest)).collect() };
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Each output as a column of JSON values (ZipMap outputs one map per row).
fn columns(outputs: &[WitTensor], zipmaps: &[ZipMapOutput]) -> Result<Vec<(String, Vec<String>)>, Error> {
    outputs
        .iter()
        .map(|t| {
            let name = t.name.clone().unwrap_or_default();
            let items = match zipmaps.iter().find(|z| z.output == name) {
                Some(z) => z.rows(t)?,
                None => elements(&t.values),
            };
            Ok((name, items))
        })
        .collect()
}

/// The answer for tensor input: `{name: value}` with ZipMap outputs as lists of maps.
pub fn as_dict(outputs: Vec<WitTensor>, zipmaps: &[ZipMapOutput]) -> Result<Batch, Error> {
    let cols = columns(&outputs, zipmaps)?;
    let parts: Vec<String> = cols
        .iter()
        .zip(&outputs)
        .map(|((name, items), t)| {
            let value = if zipmaps.iter().any(|z| &z.output == name) {
                format!("[{}]", items.join(", "))
            } else {
                nested(items, &t.shape)
            };
            format!("{}: {value}", json_string(name))
        })
        .collect();
    Ok(Batch::Json(format!("{{{}}}", parts.join(", "))))
}

/// The answer for DataFrame input: records of flattened outputs.
pub fn as_records(outputs: Vec<WitTensor>, zipmaps: &[ZipMapOutput]) -> Result<Batch, Error> {
    let cols = columns(&outputs, zipmaps)?;
    let lengths: Vec<usize> = cols.iter().map(|(_, c)| c.len()).collect();
    if lengths.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::Evaluation("All arrays must be of the same length".into()));
    }
    let rows = lengths.first().copied().unwrap_or(0);
    let records: Vec<String> = (0..rows)
        .map(|r| {
            let fields: Vec<String> =
                cols.iter().map(|(name, items)| format!("{}: {}", json_string(name), items[r])).collect();
            format!("{{{}}}", fields.join(", "))
        })
        .collect();
    Ok(Batch::Json(format!("[{}]", records.join(", "))))
}
