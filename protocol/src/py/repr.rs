//! Python's `repr()` of scalars and small containers (floats, strings, string
//! lists, shape tuples, bytes), as MLflow's error messages embed them.

use std::fmt::Write as _;

/// Python's `repr(float)`: shortest round-trip digits, exponent form when the
/// decimal exponent is < -4 or >= 16 (`1e-05`, `1e+16`, `0.0001`, `123.0`).
/// Non-finite values give JSON's tokens `NaN`, `Infinity`, `-Infinity`.
pub fn py_float_repr(f: f64) -> String {
    let mut out = String::with_capacity(24);
    write_py_float_repr(&mut out, f);
    out
}

/// [`py_float_repr`] appended to `out`, with no allocation: responses print
/// hundreds of floats (a 100-row answer of class probabilities).
///
/// The digits come from `zmij` (ryu's digits, faster): the shortest string
/// that round-trips and, of those, the one closest to the exact value, ties to
/// even, which is what Python's `repr` (David Gay's shortest mode) picks. Only
/// the layout is Python's own, written here.
pub fn write_py_float_repr(out: &mut String, f: f64) {
    if f.is_nan() {
        return out.push_str("NaN");
    }
    if f.is_infinite() {
        return out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if f == 0.0 {
        return out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
    }
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(f.abs());
    // Between 1e-4 and 1e16 Python writes the digits without an exponent, and
    // so does zmij (`0.0001`, `0.25`, `123.0`, `1234567.5`): its text is the
    // answer as is, the common case of model outputs.
    if (1e-4..1e16).contains(&f.abs()) && !text.bytes().any(|b| b == b'e') {
        if f < 0.0 {
            out.push('-');
        }
        return out.push_str(text);
    }
    let (digits, decpt) = shortest_digits(text);
    let digits = &digits.0[..digits.1];
    if f < 0.0 {
        out.push('-');
    }
    let push = |out: &mut String, bytes: &[u8]| out.extend(bytes.iter().map(|&b| b as char));
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            (0..-decpt).for_each(|_| out.push('0'));
            push(out, digits);
        } else if decpt as usize >= digits.len() {
            push(out, digits);
            (digits.len()..decpt as usize).for_each(|_| out.push('0'));
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            push(out, int);
            out.push('.');
            push(out, frac);
        }
    } else {
        push(out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push(out, &digits[1..]);
        }
        let exp = decpt - 1;
        out.push_str(if exp < 0 { "e-" } else { "e+" });
        let exp = exp.unsigned_abs();
        if exp < 10 {
            out.push('0');
        }
        let _ = write!(out, "{exp}");
    }
}

/// The significant digits of zmij's text for a finite non-zero `|f|` (`1.5e+16`,
/// `0.0001`, `123.0`: at most 17 digits, no leading or trailing zeros) and the
/// position of the decimal point relative to them.
fn shortest_digits(text: &str) -> (([u8; 24], usize), i32) {
    let (mantissa, exp) = match text.split_once('e') {
        Some((mantissa, exp)) => (mantissa, exp.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len()) as i32;
    let mut digits = [0u8; 24];
    let mut n = 0;
    let mut leading = 0;
    for b in mantissa.bytes().filter(|&b| b != b'.') {
        if n == 0 && b == b'0' {
            leading += 1;
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    ((digits, n), point - leading + exp)
}

/// Python's `repr(float)` for messages: `nan`, `inf`, `-inf` for non-finite values.
pub fn py_float_repr_nonfinite_py(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        py_float_repr(f)
    }
}

/// Python's `repr(str)`: single quotes unless the text holds a `'` and no `"`.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr()` of a list of strings: `['a', 'c']`.
pub fn py_str_list_repr<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| py_str_repr(s.as_ref())).collect();
    format!("[{}]", parts.join(", "))
}

/// Python's `repr()` of a tuple of ints: `(-1, 4)`, `(-1,)`, `()`.
pub fn py_shape_repr<T: std::fmt::Display>(dims: &[T]) -> String {
    match dims {
        [] => "()".into(),
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// Python's `repr(bytes)`: `b'{"inputs": [[1, 2,'`.
pub fn py_bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (0.1f32 as f64, "0.10000000149011612"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (123456.0, "123456.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.25e-7, "1.25e-07"),
            (1e300, "1e+300"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (5e-324, "5e-324"),
            (2.0f32.sqrt() as f64, "1.4142135381698608"),
            // A tie at 17 digits: Python rounds half to even.
            (f32::from_bits(0x400b_7d20) as f64, "2.1795120239257812"),
            (1.0000001f32 as f64, "1.0000001192092896"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(*f), *want, "{f:?}");
        }
    }

    /// Random doubles (every exponent) and float32 values widened to f64 (what
    /// ONNX models answer): the zmij-based writer prints what the reference does.
    #[test]
    fn float_repr_agrees_with_the_reference_on_a_sweep() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let bits = next();
            for f in [f64::from_bits(bits), f32::from_bits(bits as u32) as f64, (bits % 1_000_000) as f64 / 1000.0] {
                assert_eq!(py_float_repr(f), reference_repr(f), "{f:?} ({:#x})", f.to_bits());
            }
        }
    }

    /// The previous implementation (checked against Python with the cases above),
    /// from Rust's own shortest formatting: the oracle of the sweep.
    /// Python's `repr(float)`: shortest round-trip digits, exponent form when the
    /// decimal exponent is < -4 or >= 16 (`1e-05`, `1e+16`, `0.0001`, `123.0`).
    /// Non-finite values give JSON's tokens `NaN`, `Infinity`, `-Infinity`.
    fn reference_repr(f: f64) -> String {
        if f.is_nan() {
            return "NaN".into();
        }
        if f.is_infinite() {
            return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
        }
        if f == 0.0 {
            return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
        }
        // Rust's `{:e}` prints the shortest round-trip digits: `d.ddde<exp>`. When
        // several strings of that length round-trip, Python picks the correctly
        // rounded one (ties to even); Rust's shortest mode may not, so redo the
        // digits with exact rounding at the same length when that round-trips.
        let mut sci = format!("{:e}", f.abs());
        let ndigits = sci.split_once('e').map_or(0, |(m, _)| m.len() - m.contains('.') as usize);
        // Ties need a rounding interval wider than the digit grid: only at 16-17 digits.
        if ndigits >= 16 {
            let exact = format!("{:.*e}", ndigits - 1, f.abs());
            if exact.parse::<f64>() == Ok(f.abs()) {
                sci = exact;
            }
        }
        let (mantissa, exp) = sci.split_once('e').expect("LowerExp always has an exponent");
        let exp: i32 = exp.parse().expect("LowerExp exponent is an integer");
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        let sign = if f < 0.0 { "-" } else { "" };
        let decpt = exp + 1; // position of the decimal point relative to `digits`
        let body = if decpt > -4 && decpt <= 16 {
            if decpt <= 0 {
                format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
            } else if decpt as usize >= digits.len() {
                format!("{}{}.0", digits, "0".repeat(decpt as usize - digits.len()))
            } else {
                let (int, frac) = digits.split_at(decpt as usize);
                format!("{int}.{frac}")
            }
        } else {
            let mant = if digits.len() == 1 { digits.clone() } else { format!("{}.{}", &digits[..1], &digits[1..]) };
            let esign = if exp < 0 { '-' } else { '+' };
            format!("{mant}e{esign}{:02}", exp.abs())
        };
        format!("{sign}{body}")
    }

    #[test]
    fn str_repr_matches_python() {
        assert_eq!(py_str_repr("abc"), "'abc'");
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_str_repr("a\nb"), "'a\\nb'");
        assert_eq!(py_str_list_repr(&["a", "c"]), "['a', 'c']");
        assert_eq!(py_shape_repr(&[-1i64, 4]), "(-1, 4)");
        assert_eq!(py_shape_repr(&[-1i64]), "(-1,)");
    }

    #[test]
    fn bytes_repr() {
        assert_eq!(py_bytes_repr(b""), "b''");
        assert_eq!(py_bytes_repr(b"it's"), "b\"it's\"");
        assert_eq!(py_bytes_repr(b"a\n\xff"), "b'a\\n\\xff'");
    }
}
