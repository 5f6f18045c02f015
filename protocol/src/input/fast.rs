//! The fast path for the common numeric JSON bodies: `{"inputs": [[5.1, 3.5], ...]}`
//! (or `instances`) for a model with one unnamed float tensor or no signature,
//! and `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}`.
//!
//! It reads the body straight into the typed array or DataFrame that the tree
//! path ([`crate::py::json::parse`], then [`crate::input::json_formats`]) would
//! build from the same body, and hands it to the same schema enforcement. It
//! only takes bodies it is sure about: rectangular lists of plain JSON numbers
//! (and `NaN`/`Infinity`), strings without escapes for column labels, one key
//! per dict. For anything else it answers `None` and the caller takes the tree
//! path, so every error message still comes from one place.
//!
//! Hand-written rather than a JSON crate: what makes it fast is that it never
//! builds a document, and what makes it safe is that its grammar is exactly
//! the tree parser's for the shapes it accepts (`fast/tests.rs` checks
//! both paths agree on a sweep of generated bodies).

use crate::error::ScoringError;
use crate::input::json_formats::cast_frame;
use crate::input::request::Invocation;
use crate::py::dtypes::OBJECT;
use crate::py::numpy::NdArray;
use crate::py::pandas::{ColData, Frame, FrameColumn, Label};
use crate::schema::enforce::{PyData, enforce, params_error};
use crate::schema::params::enforce_params;
use crate::schema::signature::{Schema, Signature};
use crate::value::{DType, Values};

/// Deepest nesting of an array the fast path reads (numpy allows 64; deeper
/// bodies take the tree path).
const MAX_DIMS: usize = 32;

/// `10^0 ..= 10^22`: every power of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A JSON number as `json.loads` types it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    /// `float(x)`, as numpy's float casts and pandas' float columns take it.
    fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// Parses one `/invocations` JSON body when it has one of the simple shapes;
/// `None` sends the caller to the tree path.
pub(crate) fn try_invocation(body: &[u8], signature: Option<&Signature>) -> Option<Result<Invocation, ScoringError>> {
    if signature.is_some_and(|s| s.from_type_hint) {
        return None;
    }
    let inputs_schema = signature.and_then(|s| s.inputs.as_ref());
    // Only ASCII is read below, except inside column labels, which must be UTF-8.
    let text = std::str::from_utf8(body).ok()?;
    let mut scan = Scan { s: text.as_bytes(), text, i: 0 };
    scan.ws();
    scan.eat(b'{')?;
    scan.ws();
    let key = scan.plain_string()?;
    scan.ws();
    scan.eat(b':')?;
    scan.ws();
    let data = match key {
        "inputs" | "instances" => {
            let dtype = tensor_dtype(inputs_schema)?;
            let (shape, nums) = scan.numeric_array()?;
            PyData::Array(to_array(shape, &nums, dtype))
        }
        "dataframe_split" => PyData::Frame(scan.split_frame()?),
        _ => return None,
    };
    scan.ws();
    scan.eat(b'}')?;
    scan.ws();
    if scan.i != scan.s.len() {
        return None;
    }
    Some(finish(data, signature))
}

/// The tree path's steps after parsing, for a body without params.
fn finish(data: PyData, signature: Option<&Signature>) -> Result<Invocation, ScoringError> {
    let inputs_schema = signature.and_then(|s| s.inputs.as_ref());
    let data = match data {
        PyData::Frame(frame) => PyData::Frame(cast_frame(frame, inputs_schema)?),
        other => other,
    };
    let input = enforce(&data, inputs_schema)?;
    let params =
        enforce_params(None, signature.and_then(|s| s.params.as_ref())).map_err(|e| params_error(&data, &e))?;
    Ok(Invocation { input, params, unwrapped_response: false })
}

/// The dtype `np.array(value, dtype)` gets for `inputs`: the one unnamed float
/// tensor's, or `None` (inferred) without a schema; other schemas take the tree path.
fn tensor_dtype(schema: Option<&Schema>) -> Option<Option<DType>> {
    match schema {
        None => Some(None),
        Some(schema @ Schema::Tensors(specs)) if !schema.has_names() => {
            let spec = specs.first()?;
            let float = matches!(spec.dtype, DType::F32 | DType::F64) && spec.dtype_name != OBJECT;
            float.then_some(Some(spec.dtype))
        }
        Some(_) => None,
    }
}

/// `np.array(nums, dtype)`: without a dtype, int64 unless a float is present.
fn to_array(shape: Vec<usize>, nums: &[Num], dtype: Option<DType>) -> NdArray {
    let dtype = dtype.unwrap_or(if nums.iter().any(|n| matches!(n, Num::Float(_))) { DType::F64 } else { DType::I64 });
    let values = match dtype {
        DType::F32 => Values::F32(nums.iter().map(|n| n.to_f64() as f32).collect()),
        DType::I64 => Values::I64(nums.iter().map(|n| if let Num::Int(i) = n { *i } else { 0 }).collect()),
        _ => Values::F64(nums.iter().map(|n| n.to_f64()).collect()),
    };
    NdArray { shape, values }
}

/// pandas' dtype for a column of numbers: int64 when all are ints, else float64.
fn infer_numeric_column(cells: impl Iterator<Item = Num> + Clone) -> ColData {
    if cells.clone().all(|n| matches!(n, Num::Int(_))) {
        ColData::Typed(Values::I64(cells.map(|n| if let Num::Int(i) = n { i } else { 0 }).collect()))
    } else {
        ColData::Typed(Values::F64(cells.map(Num::to_f64).collect()))
    }
}

/// A reader over the body's bytes (`text`'s, so a byte offset at an ASCII
/// delimiter is a char boundary).
struct Scan<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Python's JSON whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.i += 1)
    }

    /// A string without escapes or control characters (anything else: `None`).
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.s[start..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        self.i = start + len;
        self.eat(b'"')?;
        Some(&self.text[start..start + len])
    }

    /// `{"columns": [labels], "data": [[numbers], ...]}` (in either order, or
    /// `data` alone) as `pd.DataFrame(data, columns=columns)`.
    fn split_frame(&mut self) -> Option<Frame> {
        self.eat(b'{')?;
        let (mut labels, mut data) = (None, None);
        loop {
            self.ws();
            let key = self.plain_string()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            match key {
                "columns" if labels.is_none() => labels = Some(self.labels()?),
                "data" if data.is_none() => data = Some(self.numeric_array()?),
                _ => return None,
            }
            self.ws();
            if self.eat(b'}').is_some() {
                break;
            }
            self.eat(b',')?;
        }
        let (shape, nums) = data?;
        let [nrows, width] = shape[..] else { return None };
        let labels = match labels {
            Some(labels) if labels.len() == width => labels,
            Some(_) => return None,
            None => (0..width as i64).map(Label::Int).collect(),
        };
        let columns = labels
            .into_iter()
            .enumerate()
            .map(|(j, label)| FrameColumn {
                label,
                data: infer_numeric_column(nums.iter().skip(j).step_by(width).copied()),
            })
            .collect();
        Some(Frame { columns, nrows, index: None })
    }

    /// A non-empty list of plain strings.
    fn labels(&mut self) -> Option<Vec<Label>> {
        self.eat(b'[')?;
        let mut labels = Vec::new();
        loop {
            self.ws();
            labels.push(Label::Str(self.plain_string()?.to_string()));
            self.ws();
            if self.eat(b']').is_some() {
                return Some(labels);
            }
            self.eat(b',')?;
        }
    }

    /// A rectangular, non-empty nested list of numbers: its shape and its
    /// numbers in row-major order.
    fn numeric_array(&mut self) -> Option<(Vec<usize>, Vec<Num>)> {
        let mut dims = Dims { shape: [0; MAX_DIMS], leaf_depth: None };
        // A number and its separator take at least two bytes; most take four or more.
        let mut nums = Vec::with_capacity(((self.s.len() - self.i) / 4).min(1 << 16));
        self.array(0, &mut dims, &mut nums)?;
        let depth = dims.leaf_depth?;
        Some((dims.shape[..depth].to_vec(), nums))
    }

    /// One list at nesting `depth` (0: the outermost), at its `[`.
    fn array(&mut self, depth: usize, dims: &mut Dims, nums: &mut Vec<Num>) -> Option<()> {
        if depth == MAX_DIMS {
            return None;
        }
        self.eat(b'[')?;
        let mut len = 0;
        loop {
            self.ws();
            if self.peek() == Some(b'[') {
                // Every list at a depth holds lists, or every one holds numbers.
                if dims.leaf_depth.is_some_and(|d| d <= depth + 1) {
                    return None;
                }
                self.array(depth + 1, dims, nums)?;
            } else {
                if *dims.leaf_depth.get_or_insert(depth + 1) != depth + 1 {
                    return None;
                }
                nums.push(self.number()?);
            }
            len += 1;
            self.ws();
            if self.eat(b']').is_some() {
                break;
            }
            self.eat(b',')?;
        }
        // Every list at a depth has the same length (an empty one never gets here).
        match dims.shape[depth] {
            0 => dims.shape[depth] = len,
            known if known != len => return None,
            _ => {}
        }
        Some(())
    }

    /// A JSON number (Python's grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`)
    /// or `NaN`, `Infinity`, `-Infinity`; ints of more than 18 digits are left
    /// to the tree path (they may not fit an i64).
    fn number(&mut self) -> Option<Num> {
        let special = match self.s.get(self.i..) {
            Some([b'N', ..]) => Some((&b"NaN"[..], f64::NAN)),
            Some([b'I', ..]) => Some((&b"Infinity"[..], f64::INFINITY)),
            Some([b'-', b'I', ..]) => Some((&b"-Infinity"[..], f64::NEG_INFINITY)),
            _ => None,
        };
        if let Some((token, value)) = special {
            self.s[self.i..].starts_with(token).then_some(())?;
            self.i += token.len();
            return Some(Num::Float(value));
        }
        let start = self.i;
        let mut j = start;
        let negative = self.s.get(j) == Some(&b'-');
        j += usize::from(negative);
        // The significant digits (the first 19 kept: a u64 holds them), and how many.
        let mut mantissa: u64 = 0;
        let mut digits = 0usize;
        let take_digit = |b: u8, mantissa: &mut u64, digits: &mut usize| {
            if *digits < 19 {
                *mantissa = *mantissa * 10 + u64::from(b - b'0');
            }
            *digits += 1;
        };
        match self.s.get(j) {
            Some(b'0') => j += 1,
            Some(b'1'..=b'9') => {
                while let Some(&b @ b'0'..=b'9') = self.s.get(j) {
                    take_digit(b, &mut mantissa, &mut digits);
                    j += 1;
                }
            }
            _ => return None,
        }
        let int_digits = digits;
        let mut is_float = false;
        let mut exp10: i64 = 0;
        if self.s.get(j) == Some(&b'.') && matches!(self.s.get(j + 1), Some(b'0'..=b'9')) {
            is_float = true;
            j += 1;
            while let Some(&b @ b'0'..=b'9') = self.s.get(j) {
                // Leading zeros of the fraction add nothing to the mantissa.
                if mantissa != 0 || b != b'0' {
                    take_digit(b, &mut mantissa, &mut digits);
                }
                exp10 -= 1;
                j += 1;
            }
        }
        if matches!(self.s.get(j), Some(b'e' | b'E')) {
            let mut k = j + 1;
            let exp_negative = self.s.get(k) == Some(&b'-');
            if matches!(self.s.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            if matches!(self.s.get(k), Some(b'0'..=b'9')) {
                is_float = true;
                let mut exp: i64 = 0;
                while let Some(&b @ b'0'..=b'9') = self.s.get(k) {
                    exp = (exp * 10 + i64::from(b - b'0')).min(1 << 20);
                    k += 1;
                }
                exp10 += if exp_negative { -exp } else { exp };
                j = k;
            }
        }
        self.i = j;
        if !is_float {
            // Up to 18 digits always fit an i64 (longer ones: the tree parser's i128s).
            let magnitude = i64::try_from(mantissa).ok().filter(|_| int_digits <= 18)?;
            return Some(Num::Int(if negative { -magnitude } else { magnitude }));
        }
        // Clinger's fast path: an exact mantissa and an exact power of ten, one
        // correctly rounded operation. Otherwise the standard library's parser,
        // the tree parser's.
        if digits <= 15 && exp10.unsigned_abs() <= 22 {
            let m = mantissa as f64;
            let value = if exp10 < 0 { m / POW10[(-exp10) as usize] } else { m * POW10[exp10 as usize] };
            return Some(Num::Float(if negative { -value } else { value }));
        }
        Some(Num::Float(self.text[start..j].parse().unwrap_or(f64::NAN)))
    }
}

/// What the lists read so far agree on: each depth's length, and the depth of the numbers.
struct Dims {
    shape: [usize; MAX_DIMS],
    leaf_depth: Option<usize>,
}

#[cfg(test)]
mod tests;
