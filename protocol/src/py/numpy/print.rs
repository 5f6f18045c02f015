//! numpy's `str()` and `repr()` of an array (dragon4 float digits, column
//! padding, line wrapping at 75 characters, `...` summaries past 1000
//! elements), as MLflow's error messages embed them.

use super::{NdArray, select};
use crate::py::dtypes::array_dtype_repr;
use crate::py::repr::{py_shape_repr, py_str_repr};
use crate::value::{DType, Values};

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
                    crate::py::repr::py_float_repr_nonfinite_py(format!("{}", v[0]).parse().unwrap_or(v[0] as f64))
                }
                Values::F64(v) => crate::py::repr::py_float_repr_nonfinite_py(v[0]),
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
            extras.push(format!("dtype={}", array_dtype_repr(&self.values)));
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
