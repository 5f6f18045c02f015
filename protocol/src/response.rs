//! Prediction responses: `{"predictions": ...}` (or the bare value for
//! unified LLM requests), written byte for byte like MLflow's `json.dump`
//! with its `NumpyEncoder`.
//!
//! The writer is hand-made rather than serde_json because Python prints
//! non-finite floats as bare `NaN`/`Infinity`/`-Infinity` tokens (serde_json
//! refuses them), uses `", "`/`": "` separators, escapes non-ASCII, and prints
//! floats with `repr` (an f32 is widened to f64 first, as `.tolist()` does).

use crate::py::base64::encodebytes;
use crate::py::json::{write_f64, write_json, write_list, write_str};
use crate::value::{Batch, Tensor, Values};

/// Encodes a model's output as MLflow's `/invocations` response body.
pub fn encode_predictions(output: &Batch, unwrapped: bool) -> Vec<u8> {
    let mut out = String::with_capacity(estimated_len(output));
    if !unwrapped {
        out.push_str("{\"predictions\": ");
    }
    write_batch(&mut out, output);
    if !unwrapped {
        out.push('}');
    }
    out.into_bytes()
}

/// About the length of the answer, so that it is written into one buffer
/// without growing it again and again (a float prints in up to 24 bytes with
/// its separator, most ints in a few).
fn estimated_len(output: &Batch) -> usize {
    let values = |v: &Values| match v {
        Values::F32(_) | Values::F64(_) => 22 * v.len(),
        Values::String(_) | Values::Bytes(_) => 16 * v.len(),
        _ => 6 * v.len(),
    };
    64 + match output {
        Batch::Tensors(tensors) => tensors.iter().map(|t| 4 * t.shape.len() + values(&t.values)).sum(),
        Batch::Table(columns) => columns.iter().map(|c| values(&c.values) + (c.name.len() + 6) * c.values.len()).sum(),
        Batch::Json(_) => 0,
    }
}

fn write_batch(out: &mut String, batch: &Batch) {
    match batch {
        Batch::Tensors(tensors) => match tensors.as_slice() {
            [single] if single.name.is_none() => write_tensor(out, single),
            many => {
                out.push('{');
                for (i, t) in many.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match &t.name {
                        Some(name) => write_str(out, name),
                        None => write_str(out, itoa::Buffer::new().format(i)),
                    }
                    out.push_str(": ");
                    write_tensor(out, t);
                }
                out.push('}');
            }
        },
        Batch::Table(columns) => {
            let rows = columns.first().map_or(0, |c| c.values.len());
            out.push('[');
            for r in 0..rows {
                if r > 0 {
                    out.push_str(", ");
                }
                out.push('{');
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_str(out, &c.name);
                    out.push_str(": ");
                    write_element(out, &c.values, r);
                }
                out.push('}');
            }
            out.push(']');
        }
        Batch::Json(v) => write_json(out, v),
    }
}

/// `ndarray.tolist()`: nested lists following the shape (0-D → scalar), one
/// typed loop per element type rather than a type dispatch per element.
fn write_tensor(out: &mut String, t: &Tensor) {
    let shape = &t.shape;
    match &t.values {
        Values::F32(v) if v.len() >= F32Texts::WORTH_IT => {
            let texts = std::cell::RefCell::new(F32Texts::new());
            nested(out, v, shape, |out, x| texts.borrow_mut().write(out, *x));
        }
        Values::F32(v) => nested(out, v, shape, |out, x| write_f64(out, f64::from(*x))),
        Values::F64(v) => nested(out, v, shape, |out, x| write_f64(out, *x)),
        Values::I8(v) => nested(out, v, shape, write_int),
        Values::I16(v) => nested(out, v, shape, write_int),
        Values::I32(v) => nested(out, v, shape, write_int),
        Values::I64(v) => nested(out, v, shape, write_int),
        Values::U8(v) => nested(out, v, shape, write_int),
        Values::U16(v) => nested(out, v, shape, write_int),
        Values::U32(v) => nested(out, v, shape, write_int),
        Values::U64(v) => nested(out, v, shape, write_int),
        Values::Bool(v) => nested(out, v, shape, |out, b| out.push_str(if *b { "true" } else { "false" })),
        Values::String(v) => nested(out, v, shape, |out, s| write_str(out, s)),
        Values::Bytes(v) => nested(out, v, shape, |out, b| write_str(out, &encodebytes(b))),
    }
}

/// `values` (row-major, as many as `shape` holds) as nested lists.
fn nested<T>(out: &mut String, values: &[T], shape: &[usize], one: impl Fn(&mut String, &T) + Copy) {
    match shape {
        [] => {
            if let Some(v) = values.first() {
                one(out, v);
            }
        }
        [_] => write_list(out, values, one),
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            write_list(out, 0..*n, |out, i| {
                nested(out, values.get(i * stride..(i + 1) * stride).unwrap_or(&[]), rest, one);
            });
        }
    }
}

/// The text of float32 values printed lately, by their bits: the float32
/// answers of classifiers repeat a few values (a forest's class probabilities),
/// and a lookup is cheaper than the shortest-digits search.
struct F32Texts {
    /// (bits, length of the text, the text); length 0: empty.
    slots: [(u32, u8, [u8; 24]); 32],
}

impl F32Texts {
    /// Fewer values than this are printed without the table.
    const WORTH_IT: usize = 64;

    fn new() -> Self {
        F32Texts { slots: [(0, 0, [0; 24]); 32] }
    }

    /// Appends `x` as `json.dumps` prints `float(x)`.
    fn write(&mut self, out: &mut String, x: f32) {
        let bits = x.to_bits();
        let slot = &mut self.slots[(bits.wrapping_mul(0x9e37_79b1) >> 27) as usize];
        let len = usize::from(slot.1);
        if slot.0 == bits
            && len > 0
            && let Ok(text) = std::str::from_utf8(&slot.2[..len])
        {
            return out.push_str(text);
        }
        let start = out.len();
        write_f64(out, f64::from(x));
        let text = &out.as_bytes()[start..];
        // Python's repr of a float32 is at most 23 bytes (`-1.1754943508222875e-38`).
        if let Ok(n) = u8::try_from(text.len())
            && text.len() <= slot.2.len()
        {
            slot.2[..text.len()].copy_from_slice(text);
            *slot = (bits, n, slot.2);
        }
    }
}

/// An integer as Python prints it.
fn write_int<I: itoa::Integer + Copy>(out: &mut String, i: &I) {
    out.push_str(itoa::Buffer::new().format(*i));
}

/// One element as Python's json prints `.item()` of it.
fn write_element(out: &mut String, values: &Values, i: usize) {
    match values {
        Values::F32(v) => write_f64(out, f64::from(v[i])),
        Values::F64(v) => write_f64(out, v[i]),
        Values::I8(v) => write_int(out, &v[i]),
        Values::I16(v) => write_int(out, &v[i]),
        Values::I32(v) => write_int(out, &v[i]),
        Values::I64(v) => write_int(out, &v[i]),
        Values::U8(v) => write_int(out, &v[i]),
        Values::U16(v) => write_int(out, &v[i]),
        Values::U32(v) => write_int(out, &v[i]),
        Values::U64(v) => write_int(out, &v[i]),
        Values::Bool(v) => out.push_str(if v[i] { "true" } else { "false" }),
        Values::String(v) => write_str(out, &v[i]),
        Values::Bytes(v) => write_str(out, &encodebytes(&v[i])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::{Json, parse};
    use crate::value::Column;

    fn enc(b: &Batch, unwrapped: bool) -> String {
        String::from_utf8(encode_predictions(b, unwrapped)).unwrap()
    }

    fn t(name: Option<&str>, shape: Vec<usize>, values: Values) -> Tensor {
        Tensor { name: name.map(str::to_string), shape, values }
    }

    #[test]
    fn named_tensors_match_golden() {
        // tests/conformance/iris-onnx/inputs_rows.json
        let b = Batch::Tensors(vec![
            t(Some("label"), vec![3], Values::I64(vec![0, 1, 2])),
            t(
                Some("probabilities"),
                vec![3, 3],
                Values::F32(vec![1.0000001, 0.0, 0.0, 0.0, 0.99761915, 0.0023809525, 0.0, 0.0, 1.0000001]),
            ),
        ]);
        assert_eq!(
            enc(&b, false),
            "{\"predictions\": {\"label\": [0, 1, 2], \"probabilities\": [[1.0000001192092896, 0.0, 0.0], [0.0, 0.9976191520690918, 0.0023809524718672037], [0.0, 0.0, 1.0000001192092896]]}}"
        );
    }

    #[test]
    fn unnamed_tensor_shapes() {
        let cases: Vec<(Tensor, &str)> = vec![
            (t(None, vec![3], Values::F64(vec![1.0, 2.5, -0.0])), "[1.0, 2.5, -0.0]"),
            (t(None, vec![], Values::I32(vec![7])), "7"),
            (t(None, vec![2, 1], Values::F32(vec![0.1, f32::NAN])), "[[0.10000000149011612], [NaN]]"),
            (
                t(None, vec![3], Values::F64(vec![f64::INFINITY, f64::NEG_INFINITY, 1e20])),
                "[Infinity, -Infinity, 1e+20]",
            ),
            (t(None, vec![0], Values::F32(vec![])), "[]"),
            (t(None, vec![2, 0], Values::F32(vec![])), "[[], []]"),
            (t(None, vec![2, 2, 1], Values::U8(vec![1, 2, 3, 4])), "[[[1], [2]], [[3], [4]]]"),
            (t(None, vec![2], Values::Bool(vec![true, false])), "[true, false]"),
            (t(None, vec![1], Values::String(vec!["é\"".into()])), "[\"\\u00e9\\\"\"]"),
            (t(None, vec![1], Values::Bytes(vec![b"abc".to_vec()])), "[\"YWJj\\n\"]"),
        ];
        for (tensor, want) in cases {
            let b = Batch::Tensors(vec![tensor]);
            assert_eq!(enc(&b, true), want);
            assert_eq!(enc(&b, false), format!("{{\"predictions\": {want}}}"));
        }
    }

    /// Long float32 tensors go through the table of texts: the same answer as
    /// printing every value, for repeated values, colliding slots and specials.
    #[test]
    fn float32_texts_are_the_printed_values() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values: Vec<f32> =
            vec![f32::NAN, -0.0, 0.0, f32::INFINITY, f32::NEG_INFINITY, f32::MIN_POSITIVE, 1e-45];
        for i in 0..5000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(match i % 4 {
                0 => f32::from_bits(state as u32),
                1 => [1.000_000_1, 0.0, 0.997_619_15, 0.002_380_952_5][(state % 4) as usize],
                2 => f32::from_bits((state as u32) & 0x8000_03ff | 0x3f80_0000),
                _ => (state % 1000) as f32 / 7.0,
            });
        }
        let n = values.len();
        let mut want = String::from("[");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                want.push_str(", ");
            }
            write_f64(&mut want, f64::from(*v));
        }
        want.push(']');
        let b = Batch::Tensors(vec![t(None, vec![n], Values::F32(values))]);
        assert_eq!(enc(&b, true), want);
    }

    #[test]
    fn tables_are_records() {
        let b = Batch::Table(vec![
            Column { name: "0".into(), values: Values::String(vec!["a".into(), "b".into()]) },
            Column { name: "score".into(), values: Values::F32(vec![0.5, f32::NAN]) },
        ]);
        assert_eq!(
            enc(&b, false),
            "{\"predictions\": [{\"0\": \"a\", \"score\": 0.5}, {\"0\": \"b\", \"score\": NaN}]}"
        );
        assert_eq!(enc(&Batch::Table(vec![]), false), "{\"predictions\": []}");
    }

    #[test]
    fn json_passthrough() {
        let b = Batch::Json(parse(r#"{"choices": [{"text": "hi", "score": 0.25, "nan": NaN}]}"#).unwrap());
        // Key order is kept and NaN stays a bare token, as Python's json writes them.
        assert_eq!(enc(&b, true), "{\"choices\": [{\"text\": \"hi\", \"score\": 0.25, \"nan\": NaN}]}");
        let b = Batch::Json(Json::Str("plain".into()));
        assert_eq!(enc(&b, false), "{\"predictions\": \"plain\"}");
    }
}
