//! numpy's element casts: `np.array(..., dtype)` construction (strict) and
//! `astype` (lenient), with Python's `int()`/`float()` parsing and numpy's
//! overflow and error messages.

use crate::py::json::Json;
use crate::py::repr::py_str_repr;
use crate::value::{DType, Values};

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
