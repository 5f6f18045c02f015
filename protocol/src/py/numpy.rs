//! numpy semantics for JSON data: `np.array(nested_lists[, dtype])` (shape
//! discovery, ragged-list errors, element casts, dtype inference) and numpy's
//! `str()`/`repr()` of an array, which MLflow embeds in its error messages.

use crate::py::json::{Json, py_shape_repr, py_str_repr};
use crate::value::{DType, Values};

/// A typed n-dimensional array (a `Tensor` without a name).
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    pub shape: Vec<usize>,
    pub values: Values,
}

/// numpy's most dimensions of an array (`NPY_MAXDIMS`, numpy 2).
pub const NPY_MAXDIMS: usize = 64;

/// Finds the shape of nested lists the way `np.array` does; `Err` carries
/// numpy's message for ragged lists and for more than [`NPY_MAXDIMS`] levels.
pub fn nested_shape(v: &Json) -> Result<(Vec<usize>, Vec<&Json>), String> {
    let mut shape = Vec::new();
    let mut level: Vec<&Json> = vec![v];
    loop {
        let lists: Vec<&Vec<Json>> = level
            .iter()
            .filter_map(|x| match x {
                Json::List(items) => Some(items),
                _ => None,
            })
            .collect();
        if lists.is_empty() {
            return Ok((shape, level));
        }
        let len = lists[0].len();
        if lists.len() != level.len() || lists.iter().any(|l| l.len() != len) {
            return Err(format!(
                "setting an array element with a sequence. The requested array has an inhomogeneous shape after {} dimensions. The detected shape was {} + inhomogeneous part.",
                shape.len(),
                py_shape_repr(&shape)
            ));
        }
        if shape.len() == NPY_MAXDIMS {
            return Err(format!(
                "setting an array element with a sequence. The requested array would exceed the maximum number of dimension of {NPY_MAXDIMS}."
            ));
        }
        shape.push(len);
        level = lists.into_iter().flat_map(|l| l.iter()).collect();
        if len == 0 {
            return Ok((shape, level));
        }
    }
}

/// The dtype `np.array(leaves)` would pick (object arrays become strings).
pub fn infer_dtype(leaves: &[&Json]) -> DType {
    let mut has_bool = false;
    let mut has_int = false;
    let mut has_float = false;
    let mut has_other = false;
    for v in leaves {
        match v {
            Json::Bool(_) => has_bool = true,
            Json::Int(i) if i64::try_from(*i).is_ok() => has_int = true,
            Json::Int(_) | Json::Float(_) => has_float = true,
            // `np.array([1, None])` is an object array: we carry it as strings.
            Json::Null => has_other = true,
            _ => has_other = true,
        }
    }
    if has_other {
        DType::String
    } else if has_float {
        DType::F64
    } else if has_int {
        DType::I64
    } else if has_bool {
        DType::Bool
    } else {
        DType::F64
    }
}

/// Python's `float(x)` of a string.
pub fn py_parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let neg = lower.starts_with('-');
    match body {
        "nan" => return Some(f64::NAN),
        "inf" | "infinity" => return Some(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
        _ => {}
    }
    if t.is_empty() || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    if cleaned.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))) {
        return None;
    }
    cleaned.parse().ok()
}

/// Python's `int(x)` of a string.
pub fn py_parse_int(s: &str) -> Option<i128> {
    let t = s.trim();
    if t.is_empty() || t.contains("__") || t.ends_with('_') {
        return None;
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    cleaned.parse().ok()
}

/// How strictly values are cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CastMode {
    /// `np.array(python_values, dtype=...)`: Python ints must fit.
    Construct,
    /// pandas `astype`: C-style casts, integers wrap.
    Astype,
}

fn int_bounds(dtype: DType) -> (i128, i128) {
    match dtype {
        DType::I8 => (i8::MIN as i128, i8::MAX as i128),
        DType::I16 => (i16::MIN as i128, i16::MAX as i128),
        DType::I32 => (i32::MIN as i128, i32::MAX as i128),
        DType::I64 => (i64::MIN as i128, i64::MAX as i128),
        DType::U8 => (0, u8::MAX as i128),
        DType::U16 => (0, u16::MAX as i128),
        DType::U32 => (0, u32::MAX as i128),
        DType::U64 => (0, u64::MAX as i128),
        _ => (i128::MIN, i128::MAX),
    }
}

/// A float truncated to an integer of `dtype` like a C cast on x86 (out of
/// range gives the "integer indefinite" value, as numpy does there).
fn float_to_int(f: f64, dtype: DType) -> i128 {
    let (lo, hi) = int_bounds(dtype);
    let t = f.trunc();
    if t >= lo as f64 && t <= hi as f64 {
        return t as i128;
    }
    match dtype {
        DType::I64 | DType::U64 => i64::MIN as i128,
        _ => i32::MIN as i128,
    }
}

fn wrap_int(i: i128, dtype: DType) -> i128 {
    match dtype {
        DType::I8 => i as i8 as i128,
        DType::I16 => i as i16 as i128,
        DType::I32 => i as i32 as i128,
        DType::I64 => i as i64 as i128,
        DType::U8 => i as u8 as i128,
        DType::U16 => i as u16 as i128,
        DType::U32 => i as u32 as i128,
        DType::U64 => i as u64 as i128,
        _ => i,
    }
}

fn py_truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Int(i) => *i != 0,
        Json::Float(f) => *f != 0.0,
        Json::Str(s) => !s.is_empty(),
        Json::List(l) => !l.is_empty(),
        Json::Dict(d) => !d.is_empty(),
    }
}

fn to_f64(v: &Json) -> Result<f64, String> {
    match v {
        Json::Null => Ok(f64::NAN),
        Json::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Json::Int(i) => Ok(*i as f64),
        Json::Float(f) => Ok(*f),
        Json::Str(s) => {
            py_parse_float(s).ok_or_else(|| format!("could not convert string to float: {}", py_str_repr(s)))
        }
        other => Err(format!("float() argument must be a string or a real number, not '{}'", other.py_type_name())),
    }
}

fn to_int(v: &Json, dtype: DType, mode: CastMode) -> Result<i128, String> {
    let (lo, hi) = int_bounds(dtype);
    let i = match v {
        Json::Bool(b) => *b as i128,
        Json::Int(i) => {
            let c_long = if dtype == DType::U64 { (0, u64::MAX as i128) } else { (i64::MIN as i128, i64::MAX as i128) };
            if *i < c_long.0 || *i > c_long.1 {
                let kind = if dtype == DType::U64 { "unsigned long" } else { "long" };
                return Err(format!("Python int too large to convert to C {kind}"));
            }
            if (*i < lo || *i > hi) && mode == CastMode::Construct {
                return Err(format!("Python integer {i} out of bounds for {}", dtype.numpy_name()));
            }
            wrap_int(*i, dtype)
        }
        Json::Float(f) => {
            if !f.is_finite() {
                return Err(match mode {
                    CastMode::Construct if f.is_nan() => "cannot convert float NaN to integer".to_string(),
                    CastMode::Construct => "cannot convert float infinity to integer".to_string(),
                    CastMode::Astype => "Cannot convert non-finite values (NA or inf) to integer".to_string(),
                });
            }
            float_to_int(*f, dtype)
        }
        Json::Str(s) => {
            let parsed =
                py_parse_int(s).ok_or_else(|| format!("invalid literal for int() with base 10: {}", py_str_repr(s)))?;
            if parsed < lo || parsed > hi {
                return Err(format!("Python integer {parsed} out of bounds for {}", dtype.numpy_name()));
            }
            parsed
        }
        // `None` only lives in object columns, where both numpy and pandas call int(None).
        Json::Null => {
            return Err("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'".into());
        }
        other => {
            return Err(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                other.py_type_name()
            ));
        }
    };
    Ok(i)
}

/// Casts leaves to `dtype`; `Err` is the Python exception's message.
pub fn cast(leaves: &[&Json], dtype: DType, mode: CastMode) -> Result<Values, String> {
    macro_rules! ints {
        ($variant:ident, $t:ty) => {{
            let mut out = Vec::with_capacity(leaves.len());
            for v in leaves {
                out.push(to_int(v, dtype, mode)? as $t);
            }
            Values::$variant(out)
        }};
    }
    Ok(match dtype {
        DType::F32 => Values::F32(leaves.iter().map(|v| to_f64(v).map(|f| f as f32)).collect::<Result<_, _>>()?),
        DType::F64 => Values::F64(leaves.iter().map(|v| to_f64(v)).collect::<Result<_, _>>()?),
        DType::I8 => ints!(I8, i8),
        DType::I16 => ints!(I16, i16),
        DType::I32 => ints!(I32, i32),
        DType::I64 => ints!(I64, i64),
        DType::U8 => ints!(U8, u8),
        DType::U16 => ints!(U16, u16),
        DType::U32 => ints!(U32, u32),
        DType::U64 => ints!(U64, u64),
        DType::Bool => Values::Bool(leaves.iter().map(|v| py_truthy(v)).collect()),
        DType::String => Values::String(leaves.iter().map(|v| v.py_str()).collect()),
        DType::Bytes => Values::Bytes(leaves.iter().map(|v| v.py_str().into_bytes()).collect()),
    })
}

/// `np.array(value[, dtype])`.
pub fn from_json(v: &Json, dtype: Option<DType>, mode: CastMode) -> Result<NdArray, String> {
    let (shape, leaves) = nested_shape(v)?;
    let dtype = dtype.unwrap_or_else(|| infer_dtype(&leaves));
    Ok(NdArray { shape, values: cast(&leaves, dtype, mode)? })
}

// ---------------------------------------------------------------------------
// numpy str()/repr()
// ---------------------------------------------------------------------------

/// Shortest round-trip digits of `f` (as float32 when `is_f32`), rounded to
/// at most 8 fractional digits: numpy's `dragon4_*(unique=True, precision=8)`.
/// Returns (sign + integer part, fractional digits, exponent) — the exponent
/// only in scientific mode.
fn dragon4(f: f64, is_f32: bool, scientific: bool) -> (String, String, Option<i32>) {
    if scientific {
        let mut s = if is_f32 { format!("{:e}", f as f32) } else { format!("{f:e}") };
        let frac_len = s.split_once('e').map_or(0, |(m, _)| m.split_once('.').map_or(0, |(_, fr)| fr.len()));
        if frac_len > 8 {
            s = format!("{f:.8e}");
        }
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let (int, frac) = m.split_once('.').unwrap_or((m, ""));
        (int.to_string(), frac.trim_end_matches('0').to_string(), Some(e.parse().unwrap_or(0)))
    } else {
        let mut s = if is_f32 { format!("{}", f as f32) } else { format!("{f}") };
        if s.split_once('.').is_some_and(|(_, fr)| fr.len() > 8) {
            s = format!("{f:.8}");
        }
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        (int.to_string(), frac.trim_end_matches('0').to_string(), None)
    }
}

/// numpy's `FloatingFormat` (default options: precision 8, `maxprec`,
/// sign `-`): the padded strings of a whole float array.
fn format_floats(vals: &[f64], is_f32: bool) -> Vec<String> {
    let finite: Vec<f64> = vals.iter().copied().filter(|f| f.is_finite()).collect();
    let abs_nonzero: Vec<f64> = finite.iter().map(|f| f.abs()).filter(|f| *f != 0.0).collect();
    let cutoff = if is_f32 { 1e6 } else { 1e8 };
    let exp_format = !abs_nonzero.is_empty() && {
        let max = abs_nonzero.iter().copied().fold(0.0, f64::max);
        let min = abs_nonzero.iter().copied().fold(f64::INFINITY, f64::min);
        max >= cutoff || min < 1e-4 || max / min > 1e3
    };
    let parts: Vec<Option<(String, String, Option<i32>)>> =
        vals.iter().map(|f| f.is_finite().then(|| dragon4(*f, is_f32, exp_format))).collect();
    let found = || parts.iter().flatten();
    let mut pad_left = found().map(|(i, _, _)| i.len()).max().unwrap_or(0) as i64;
    let precision = found().map(|(_, f, _)| f.len()).max().unwrap_or(0);
    let exp_size =
        found().filter_map(|(_, _, e)| *e).map(|e| e.unsigned_abs().to_string().len().max(2)).max().unwrap_or(0);
    let pad_right = if exp_format { exp_size + 2 + precision } else { precision } as i64;
    if finite.len() != vals.len() {
        let neginf = vals.iter().any(|f| f.is_infinite() && *f < 0.0) as i64;
        let offset = pad_right + 1;
        pad_left = pad_left.max(3 - offset).max(3 + neginf - offset);
    }
    let total = (pad_left + pad_right + 1).max(0) as usize;
    let pad_left = pad_left.max(0) as usize;
    vals.iter()
        .zip(&parts)
        .map(|(f, p)| match p {
            None => {
                let s = if f.is_nan() {
                    "nan"
                } else if *f > 0.0 {
                    "inf"
                } else {
                    "-inf"
                };
                format!("{s:>total$}")
            }
            Some((int, frac, Some(e))) => {
                let sign = if *e < 0 { '-' } else { '+' };
                format!("{int:>pad_left$}.{frac:0<precision$}e{sign}{:0>exp_size$}", e.unsigned_abs())
            }
            Some((int, frac, None)) => format!("{int:>pad_left$}.{frac:<precision$}"),
        })
        .collect()
}

fn pad_left(strs: Vec<String>) -> Vec<String> {
    let w = strs.iter().map(String::len).max().unwrap_or(0);
    strs.into_iter().map(|s| format!("{s:>w$}")).collect()
}

fn element_strings(values: &Values) -> Vec<String> {
    fn ints<T: ToString>(v: &[T]) -> Vec<String> {
        pad_left(v.iter().map(T::to_string).collect())
    }
    match values {
        Values::F32(v) => format_floats(&v.iter().map(|f| *f as f64).collect::<Vec<_>>(), true),
        Values::F64(v) => format_floats(v, false),
        Values::I8(v) => ints(v),
        Values::I16(v) => ints(v),
        Values::I32(v) => ints(v),
        Values::I64(v) => ints(v),
        Values::U8(v) => ints(v),
        Values::U16(v) => ints(v),
        Values::U32(v) => ints(v),
        Values::U64(v) => ints(v),
        // numpy's BoolFormat always reserves the width of `False`.
        Values::Bool(v) => v.iter().map(|b| if *b { " True" } else { "False" }.to_string()).collect(),
        Values::String(v) => v.iter().map(|s| py_str_repr(s)).collect(),
        Values::Bytes(v) => v.iter().map(|b| format!("b{}", py_str_repr(&String::from_utf8_lossy(b)))).collect(),
    }
}

const LINE_WIDTH: usize = 75;

/// numpy summarises arrays of more than this many elements.
const THRESHOLD: usize = 1000;
/// Items kept at each end of a summarised axis.
const EDGE: usize = 3;

/// The items shown along an axis of length `n` (`None` = the `...` marker).
fn axis_items(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE {
        (0..EDGE).map(Some).chain([None]).chain((n - EDGE..n).map(Some)).collect()
    } else {
        (0..n).map(Some).collect()
    }
}

/// Flat indices of the displayed elements, in display order.
fn displayed(shape: &[usize], summarize: bool) -> Vec<usize> {
    match shape {
        [] => vec![0],
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            let inner = displayed(rest, summarize);
            axis_items(*n, summarize)
                .into_iter()
                .flatten()
                .flat_map(|i| inner.iter().map(move |j| i * stride + j))
                .collect()
        }
    }
}

/// The elements at `idx`.
pub fn select(values: &Values, idx: &[usize]) -> Values {
    macro_rules! pick {
        ($variant:ident, $v:expr) => {
            Values::$variant(idx.iter().map(|i| $v[*i].clone()).collect())
        };
    }
    match values {
        Values::F32(v) => pick!(F32, v),
        Values::F64(v) => pick!(F64, v),
        Values::I8(v) => pick!(I8, v),
        Values::I16(v) => pick!(I16, v),
        Values::I32(v) => pick!(I32, v),
        Values::I64(v) => pick!(I64, v),
        Values::U8(v) => pick!(U8, v),
        Values::U16(v) => pick!(U16, v),
        Values::U32(v) => pick!(U32, v),
        Values::U64(v) => pick!(U64, v),
        Values::Bool(v) => pick!(Bool, v),
        Values::String(v) => pick!(String, v),
        Values::Bytes(v) => pick!(Bytes, v),
    }
}

/// numpy's `_formatArray`: `sep` is `" "` for `str()` and `", "` for
/// `repr()`; `indent` is the width of what precedes the first `[`.
fn layout(a: &NdArray, sep: &str, indent: usize) -> String {
    #[allow(clippy::too_many_arguments)]
    fn rec<'a>(
        out: &mut String,
        words: &mut impl Iterator<Item = &'a String>,
        shape: &[usize],
        sep: &str,
        prefix_len: usize,
        depth: usize,
        summarize: bool,
    ) {
        let ndim_left = shape.len();
        if ndim_left == 0 {
            out.push_str(words.next().map_or("", String::as_str));
            return;
        }
        out.push('[');
        let items = axis_items(shape[0], summarize);
        let next_prefix = prefix_len + depth + 1;
        if ndim_left == 1 {
            // Wrap long rows at LINE_WIDTH.
            let mut line_len = next_prefix;
            let count = items.len();
            for (k, item) in items.iter().enumerate() {
                let word: &str = match item {
                    Some(_) => words.next().map_or("", String::as_str),
                    None => "...",
                };
                let trailer = if k + 1 < count { sep.trim_end().len() } else { 1 };
                if k > 0 {
                    if line_len + sep.len() + word.len() + trailer > LINE_WIDTH {
                        out.push_str(sep.trim_end());
                        out.push('\n');
                        out.push_str(&" ".repeat(next_prefix));
                        line_len = next_prefix;
                    } else {
                        out.push_str(sep);
                        line_len += sep.len();
                    }
                }
                out.push_str(word);
                line_len += word.len();
            }
        } else {
            let line_sep = format!("{}{}", sep.trim_end(), "\n".repeat(ndim_left - 1));
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(&line_sep);
                    out.push_str(&" ".repeat(next_prefix));
                }
                match item {
                    Some(_) => rec(out, words, &shape[1..], sep, prefix_len, depth + 1, summarize),
                    None => out.push_str("..."),
                }
            }
        }
        out.push(']');
    }
    if a.values.is_empty() {
        // numpy prints `[]` for any empty array (and `[[]]`-style for (1, 0)).
        let depth = a.shape.iter().take_while(|d| **d != 0).count();
        return format!("{}{}", "[".repeat(depth + 1), "]".repeat(depth + 1));
    }
    let summarize = a.values.len() > THRESHOLD;
    let shown = select(&a.values, &displayed(&a.shape, summarize));
    let words = element_strings(&shown);
    let mut out = String::new();
    rec(&mut out, &mut words.iter(), &a.shape, sep, indent, 0, summarize);
    out
}

impl NdArray {
    /// numpy's `str(arr)`: `[[5.1 3.5 1.4]]` (a 0-d array prints its scalar).
    pub fn np_str(&self) -> String {
        if self.shape.is_empty() {
            return match &self.values {
                // str(np.float32(x)): the shortest float32 digits, Python style.
                Values::F32(v) => {
                    crate::py::json::py_float_repr_nonfinite_py(format!("{}", v[0]).parse().unwrap_or(v[0] as f64))
                }
                Values::F64(v) => crate::py::json::py_float_repr_nonfinite_py(v[0]),
                Values::String(v) => v[0].clone(),
                other => element_strings(other).remove(0),
            };
        }
        layout(self, " ", 0)
    }

    /// numpy's `repr(arr)`: `array([[ 0.1, -0.2]], dtype=float32)` (numpy 2:
    /// `shape=` for summarised or oddly-shaped empty arrays).
    pub fn np_repr(&self) -> String {
        let prefix = "array(";
        let lst = layout(self, ", ", prefix.len());
        let mut extras = Vec::new();
        let size = self.values.len();
        if (size == 0 && self.shape != [0]) || size > THRESHOLD {
            extras.push(format!("shape={}", py_shape_repr(&self.shape)));
        }
        let implied = matches!(self.values.dtype(), DType::F64 | DType::I64 | DType::Bool);
        if !implied || size == 0 {
            extras.push(format!("dtype={}", numpy_dtype_repr(self)));
        }
        if extras.is_empty() {
            return format!("{prefix}{lst})");
        }
        let arr_str = format!("{prefix}{lst},");
        let extra_str = format!("{})", extras.join(", "));
        let last_line_len = arr_str.len() - arr_str.rfind('\n').map_or(0, |i| i + 1);
        let spacer = if last_line_len + extra_str.len() + 1 > LINE_WIDTH {
            format!("\n{}", " ".repeat(prefix.len()))
        } else {
            " ".to_string()
        };
        format!("{arr_str}{spacer}{extra_str}")
    }
}

fn numpy_dtype_repr(a: &NdArray) -> String {
    match &a.values {
        Values::String(v) => {
            let w = v.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            format!("'<U{w}'")
        }
        Values::Bytes(v) => {
            let w = v.iter().map(Vec::len).max().unwrap_or(0);
            format!("'S{w}'")
        }
        other => other.dtype().numpy_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;

    fn arr(text: &str, dtype: Option<DType>) -> NdArray {
        from_json(&parse(text).unwrap(), dtype, CastMode::Construct).unwrap()
    }

    #[test]
    fn more_than_64_dimensions_are_refused_as_numpy_does() {
        let nested = |depth: usize, leaf: &str| parse(&format!("{}{leaf}{}", "[".repeat(depth), "]".repeat(depth)));
        assert_eq!(nested_shape(&nested(64, "1").unwrap()).unwrap().0, vec![1; 64]);
        assert_eq!(nested_shape(&nested(64, "").unwrap()).unwrap().0.len(), 64);
        for leaf in ["1", ""] {
            assert_eq!(
                nested_shape(&nested(65, leaf).unwrap()).unwrap_err(),
                "setting an array element with a sequence. The requested array would exceed the maximum number of dimension of 64."
            );
        }
    }

    #[test]
    fn shapes_and_ragged_errors() {
        assert_eq!(arr("[[1, 2], [3, 4], [5, 6]]", None).shape, vec![3, 2]);
        assert_eq!(arr("5", None).shape, Vec::<usize>::new());
        assert_eq!(arr("[]", None).shape, vec![0]);
        assert_eq!(arr("[[], []]", None).shape, vec![2, 0]);
        let e = from_json(
            &parse("[[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7]]").unwrap(),
            Some(DType::F32),
            CastMode::Construct,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part."
        );
        let e = from_json(&parse("[[1], 2]").unwrap(), None, CastMode::Construct).unwrap_err();
        assert!(e.contains("after 1 dimensions. The detected shape was (2,)"), "{e}");
    }

    #[test]
    fn inference() {
        assert_eq!(arr("[1, 2]", None).values, Values::I64(vec![1, 2]));
        assert_eq!(arr("[1, 2.5]", None).values, Values::F64(vec![1.0, 2.5]));
        assert_eq!(arr("[true, false]", None).values, Values::Bool(vec![true, false]));
        assert_eq!(arr(r#"["a", 1]"#, None).values, Values::String(vec!["a".into(), "1".into()]));
        assert_eq!(arr("[1, null]", None).values, Values::String(vec!["1".into(), "None".into()]));
        assert_eq!(arr("[]", None).values, Values::F64(vec![]));
    }

    #[test]
    fn casts_like_numpy() {
        assert_eq!(arr("[[5, 4.5]]", Some(DType::F32)).values, Values::F32(vec![5.0, 4.5]));
        assert_eq!(arr("[1.9, -1.9]", Some(DType::I32)).values, Values::I32(vec![1, -1]));
        assert_eq!(arr(r#"["1.5"]"#, Some(DType::F64)).values, Values::F64(vec![1.5]));
        let Values::F32(v) = arr("[null, NaN]", Some(DType::F32)).values else { panic!() };
        assert!(v[0].is_nan() && v[1].is_nan());
        let err = |text: &str, dt| from_json(&parse(text).unwrap(), Some(dt), CastMode::Construct).unwrap_err();
        assert_eq!(err(r#"[["a"]]"#, DType::F32), "could not convert string to float: 'a'");
        assert_eq!(err(r#"["1.5"]"#, DType::I64), "invalid literal for int() with base 10: '1.5'");
        assert_eq!(err("[300]", DType::U8), "Python integer 300 out of bounds for uint8");
        assert_eq!(err("[NaN]", DType::I64), "cannot convert float NaN to integer");
        // pandas astype wraps / uses C casts.
        let v = from_json(&parse("[9007199254740991.0, 300]").unwrap(), Some(DType::I32), CastMode::Astype).unwrap();
        assert_eq!(v.values, Values::I32(vec![-2147483648, 300]));
        let v = from_json(&parse(r#"[1.5, 0, "some arbitrary string"]"#).unwrap(), Some(DType::Bool), CastMode::Astype)
            .unwrap();
        assert_eq!(v.values, Values::Bool(vec![true, false, true]));
    }

    #[test]
    fn numpy_str_and_repr() {
        let a = arr("[[5.1, 3.5, 1.4]]", Some(DType::F32));
        assert_eq!(a.np_str(), "[[5.1 3.5 1.4]]");
        let a = arr("[[[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]]", Some(DType::F32));
        assert_eq!(a.np_str(), "[[[5.1 3.5 1.4 0.2]\n  [7.  3.2 4.7 1.4]\n  [6.3 3.3 6.  2.5]]]");
        assert_eq!(arr("[5.1, 3.5, 1.4, 0.2]", Some(DType::F32)).np_str(), "[5.1 3.5 1.4 0.2]");
        let a = arr("[0.154, 0.214, -1.143, 0.385, 0.173, -1.246, 0.058, -0.884]", Some(DType::F32));
        assert_eq!(
            a.np_repr(),
            "array([ 0.154,  0.214, -1.143,  0.385,  0.173, -1.246,  0.058, -0.884],\n      dtype=float32)"
        );
        let a = arr(
            "[[[0.154, 0.214, -1.143, 0.385, 0.173, -1.246, 0.058, -0.884], [-0.433, 1.168, -0.421, -0.412, 0.338, 0.254, 0.394, -0.488], [0.973, -0.627, -1.57, -0.562, 0.708, 1.812, 0.622, 0.632]]]",
            Some(DType::F32),
        );
        assert_eq!(
            a.np_repr(),
            "array([[[ 0.154,  0.214, -1.143,  0.385,  0.173, -1.246,  0.058, -0.884],\n        [-0.433,  1.168, -0.421, -0.412,  0.338,  0.254,  0.394, -0.488],\n        [ 0.973, -0.627, -1.57 , -0.562,  0.708,  1.812,  0.622,  0.632]]],\n      dtype=float32)"
        );
        assert_eq!(arr("[]", Some(DType::F32)).np_repr(), "array([], dtype=float32)");
        assert_eq!(arr("[1, 2]", None).np_repr(), "array([1, 2])");
        assert_eq!(arr("[1, 22]", Some(DType::I32)).np_str(), "[ 1 22]");
        assert_eq!(arr("5", Some(DType::F32)).np_str(), "5.0");
        assert_eq!(arr("0.1", Some(DType::F32)).np_str(), "0.1");
        assert_eq!(arr("[[1.5, 2.0]]", Some(DType::F64)).np_repr(), "array([[1.5, 2. ]])");
    }

    #[test]
    fn numpy_summarises_large_arrays() {
        let rows: Vec<String> = (0..400).map(|i| format!("[{i}, 1, 2]")).collect();
        let a = arr(&format!("[{}]", rows.join(", ")), Some(DType::I64));
        assert_eq!(
            a.np_str(),
            "[[  0   1   2]\n [  1   1   2]\n [  2   1   2]\n ...\n [397   1   2]\n [398   1   2]\n [399   1   2]]"
        );
        let flat: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
        let a = arr(&format!("[{}]", flat.join(", ")), Some(DType::I32));
        assert_eq!(a.np_str(), "[   0    1    2 ... 1997 1998 1999]");
        assert_eq!(a.np_repr(), "array([   0,    1,    2, ..., 1997, 1998, 1999],\n      shape=(2000,), dtype=int32)");
    }
}
