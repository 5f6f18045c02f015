//! JSON exactly as Python's `json` module reads and writes it.
//!
//! MLflow's server decodes request bodies with `json.loads` and encodes answers
//! with `json.dump`, so we mirror both instead of using serde_json:
//! * `json.loads` accepts the bare tokens `NaN`, `Infinity`, `-Infinity`, keeps
//!   object key order (pandas column order depends on it), has unbounded ints,
//!   and its error messages (`Expecting value: line 1 column 1 (char 0)`) end up
//!   in MLflow's error bodies;
//! * `json.dump` writes `", "` / `": "` separators, escapes non-ASCII
//!   (`ensure_ascii`), prints floats with `repr` and non-finite floats as bare
//!   `NaN`/`Infinity` tokens (serde_json refuses non-finite floats).

use std::collections::HashMap;
use std::fmt::Write as _;

/// Dicts up to this many keys find repeated keys by a linear scan.
const LINEAR_KEY_SCAN: usize = 16;

/// A JSON document as Python's `json.loads` returns it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// Python ints are unbounded; anything beyond i128 becomes a float.
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Json>),
    /// Key order preserved; duplicate keys keep the last value (like Python).
    Dict(Vec<(String, Json)>),
}

impl Json {
    /// Python's type name of this value, as in `<class 'list'>`.
    pub fn py_type_name(&self) -> &'static str {
        match self {
            Json::Null => "NoneType",
            Json::Bool(_) => "bool",
            Json::Int(_) => "int",
            Json::Float(_) => "float",
            Json::Str(_) => "str",
            Json::List(_) => "list",
            Json::Dict(_) => "dict",
        }
    }

    /// Looks a key up in a dict.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts to serde_json; non-finite floats become `null`.
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    Value::from(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    Value::from(v)
                } else {
                    serde_json::Number::from_f64(*i as f64).map_or(Value::Null, Value::Number)
                }
            }
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::List(items) => Value::Array(items.iter().map(Json::to_serde).collect()),
            Json::Dict(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
        }
    }

    /// Converts from serde_json.
    pub fn from_serde(value: &serde_json::Value) -> Json {
        use serde_json::Value;
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Json::Int(i as i128)
                } else if let Some(u) = n.as_u64() {
                    Json::Int(u as i128)
                } else {
                    Json::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(items) => Json::List(items.iter().map(Json::from_serde).collect()),
            Value::Object(map) => Json::Dict(map.iter().map(|(k, v)| (k.clone(), Json::from_serde(v))).collect()),
        }
    }

    /// Python's `repr()` of the value (`{'a': [1, 2.5, None, True]}`).
    pub fn py_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("None"),
            Json::Bool(true) => out.push_str("True"),
            Json::Bool(false) => out.push_str("False"),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Float(f) => out.push_str(&py_float_repr_nonfinite_py(*f)),
            Json::Str(s) => out.push_str(&py_str_repr(s)),
            Json::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Json::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&py_str_repr(k));
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
        }
    }

    /// Python's `str()` of a scalar (`1`, `1.5`, `True`, `None`, the string itself).
    pub fn py_str(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form when the
/// decimal exponent is < -4 or >= 16 (`1e-05`, `1e+16`, `0.0001`, `123.0`).
/// Non-finite values give JSON's tokens `NaN`, `Infinity`, `-Infinity`.
pub fn py_float_repr(f: f64) -> String {
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

// ---------------------------------------------------------------------------
// Writer (json.dump)
// ---------------------------------------------------------------------------

/// Appends `s` as a JSON string literal the way `json.dumps(ensure_ascii=True)` does.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Appends a float as `json.dumps` prints it (`repr`, bare `NaN`/`Infinity`).
pub fn write_f64(out: &mut String, f: f64) {
    out.push_str(&py_float_repr(f));
}

/// Appends a document as `json.dumps` prints it.
pub fn write_json(out: &mut String, value: &Json) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::Float(f) => write_f64(out, *f),
        Json::Str(s) => write_str(out, s),
        Json::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Dict(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_json(out, v);
            }
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------------
// Parser (json.loads)
// ---------------------------------------------------------------------------

/// Deepest nesting of lists and dicts that [`parse`] accepts.
///
/// Untrusted bodies must not drive recursion without bound (a 200 KB body of
/// `[` would overflow the stack and abort the process). Python bounds it too:
/// `json.loads` raises `RecursionError` near 1,000 levels, and MLflow's server,
/// which recurses again over the decoded input, fails from about 495 levels of
/// `inputs` on. 500 keeps every document MLflow can serve and leaves room for
/// the recursive passes after parsing on a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 500;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// A `json.JSONDecodeError`: bad syntax.
    Syntax,
    /// Nesting deeper than [`MAX_DEPTH`]: Python's `RecursionError`.
    TooDeep,
}

/// A `json.JSONDecodeError` (message, and the char offset it points at), or a
/// document nested too deep.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub kind: DecodeErrorKind,
    pub msg: String,
    pub pos: usize,
    pub line: usize,
    pub col: usize,
}

impl DecodeError {
    /// `str(err)`: `Expecting value: line 1 column 1 (char 0)`.
    pub fn message(&self) -> String {
        match self.kind {
            DecodeErrorKind::Syntax => {
                format!("{}: line {} column {} (char {})", self.msg, self.line, self.col, self.pos)
            }
            DecodeErrorKind::TooDeep => self.msg.clone(),
        }
    }

    /// `repr(err)`: `JSONDecodeError('Expecting value: line 1 column 1 (char 0)')`,
    /// or `RecursionError('maximum recursion depth exceeded ...')`.
    pub fn py_repr(&self) -> String {
        let class = match self.kind {
            DecodeErrorKind::Syntax => "JSONDecodeError",
            DecodeErrorKind::TooDeep => "RecursionError",
        };
        format!("{class}({})", py_str_repr(&self.message()))
    }
}

/// Parses a document like `json.loads(text)`.
pub fn parse(text: &str) -> Result<Json, DecodeError> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser { s: &chars, i: 0, depth: 0 };
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    if p.i != chars.len() {
        return Err(p.err("Extra data", p.i));
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    /// Lists and dicts open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, msg: &str, pos: usize) -> DecodeError {
        let before = &self.s[..pos.min(self.s.len())];
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let col = match before.iter().rposition(|c| *c == '\n') {
            Some(nl) => pos - nl,
            None => pos + 1,
        };
        DecodeError { kind: DecodeErrorKind::Syntax, msg: msg.to_string(), pos, line, col }
    }

    /// Enters a list or dict (CPython's `Py_EnterRecursiveCall` in its scanner).
    fn enter(&mut self, container: &str) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let mut err = self.err("", self.i);
            err.kind = DecodeErrorKind::TooDeep;
            err.msg =
                format!("maximum recursion depth exceeded while decoding a JSON {container} from a unicode string");
            return Err(err);
        }
        Ok(())
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.i += 1;
        }
    }

    fn starts_with(&self, lit: &str) -> bool {
        let n = lit.chars().count();
        self.i + n <= self.s.len() && self.s[self.i..self.i + n].iter().copied().eq(lit.chars())
    }

    fn value(&mut self) -> Result<Json, DecodeError> {
        let start = self.i;
        match self.peek() {
            Some('"') => {
                self.i += 1;
                Ok(Json::Str(self.string(start)?))
            }
            Some('{') => {
                self.i += 1;
                self.enter("object")?;
                let object = self.object();
                self.depth -= 1;
                object
            }
            Some('[') => {
                self.i += 1;
                self.enter("array")?;
                let array = self.array();
                self.depth -= 1;
                array
            }
            Some('n') if self.starts_with("null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some('t') if self.starts_with("true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some('f') if self.starts_with("false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some('N') if self.starts_with("NaN") => {
                self.i += 3;
                Ok(Json::Float(f64::NAN))
            }
            Some('I') if self.starts_with("Infinity") => {
                self.i += 8;
                Ok(Json::Float(f64::INFINITY))
            }
            Some('-') if self.starts_with("-Infinity") => {
                self.i += 9;
                Ok(Json::Float(f64::NEG_INFINITY))
            }
            Some('-' | '0'..='9') => self.number(),
            _ => Err(self.err("Expecting value", start)),
        }
    }

    fn number(&mut self) -> Result<Json, DecodeError> {
        let start = self.i;
        let mut j = self.i;
        if self.s.get(j) == Some(&'-') {
            j += 1;
        }
        match self.s.get(j) {
            Some('0') => j += 1,
            Some('1'..='9') => {
                while matches!(self.s.get(j), Some('0'..='9')) {
                    j += 1;
                }
            }
            _ => return Err(self.err("Expecting value", start)),
        }
        let mut is_float = false;
        if self.s.get(j) == Some(&'.') && matches!(self.s.get(j + 1), Some('0'..='9')) {
            is_float = true;
            j += 1;
            while matches!(self.s.get(j), Some('0'..='9')) {
                j += 1;
            }
        }
        if matches!(self.s.get(j), Some('e' | 'E')) {
            let mut k = j + 1;
            if matches!(self.s.get(k), Some('+' | '-')) {
                k += 1;
            }
            if matches!(self.s.get(k), Some('0'..='9')) {
                while matches!(self.s.get(k), Some('0'..='9')) {
                    k += 1;
                }
                is_float = true;
                j = k;
            }
        }
        let text: String = self.s[start..j].iter().collect();
        self.i = j;
        if is_float {
            Ok(Json::Float(text.parse().unwrap_or(f64::NAN)))
        } else {
            match text.parse::<i128>() {
                Ok(i) => Ok(Json::Int(i)),
                Err(_) => Ok(Json::Float(text.parse().unwrap_or(f64::NAN))),
            }
        }
    }

    /// Reads a string body; `self.i` is just past the opening quote at `start`.
    fn string(&mut self, start: usize) -> Result<String, DecodeError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("Unterminated string starting at", start));
            };
            match c {
                '"' => {
                    self.i += 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some(esc) = self.s.get(self.i + 1).copied() else {
                        return Err(self.err("Unterminated string starting at", start));
                    };
                    match esc {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let esc_pos = self.i;
                            let first =
                                self.hex4(self.i + 2).ok_or_else(|| self.err("Invalid \\uXXXX escape", esc_pos + 1))?;
                            self.i += 6;
                            let mut code = first;
                            if (0xd800..0xdc00).contains(&first)
                                && self.s.get(self.i) == Some(&'\\')
                                && self.s.get(self.i + 1) == Some(&'u')
                            {
                                if let Some(second) = self.hex4(self.i + 2) {
                                    if (0xdc00..0xe000).contains(&second) {
                                        code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                                        self.i += 6;
                                    }
                                } else {
                                    return Err(self.err("Invalid \\uXXXX escape", self.i + 1));
                                }
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        // CPython's C scanner: no repr of the char, position of the backslash.
                        _ => return Err(self.err("Invalid \\escape", self.i)),
                    }
                    self.i += 2;
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.err("Invalid control character at", self.i));
                }
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        if at + 4 > self.s.len() {
            return None;
        }
        let text: String = self.s[at..at + 4].iter().collect();
        if !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&text, 16).ok()
    }

    fn object(&mut self) -> Result<Json, DecodeError> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        let mut index: Option<HashMap<String, usize>> = None;
        self.skip_ws();
        if self.peek() == Some('}') {
            self.i += 1;
            return Ok(Json::Dict(entries));
        }
        loop {
            if self.peek() != Some('"') {
                return Err(self.err("Expecting property name enclosed in double quotes", self.i));
            }
            let start = self.i;
            self.i += 1;
            let key = self.string(start)?;
            self.skip_ws();
            if self.peek() != Some(':') {
                return Err(self.err("Expecting ':' delimiter", self.i));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value()?;
            // Python keeps the last value of a repeated key. Past a few keys the
            // lookup goes through a hash index: a linear scan per key would make
            // a body of many distinct keys quadratic.
            let known = match &index {
                Some(index) => index.get(&key).copied(),
                None => entries.iter().position(|(k, _)| *k == key),
            };
            match known {
                Some(at) => entries[at].1 = value,
                None => {
                    if let Some(index) = &mut index {
                        index.insert(key.clone(), entries.len());
                    }
                    entries.push((key, value));
                    if index.is_none() && entries.len() > LINEAR_KEY_SCAN {
                        index = Some(entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
                    }
                }
            }
            self.skip_ws();
            match self.peek() {
                Some('}') => {
                    self.i += 1;
                    return Ok(Json::Dict(entries));
                }
                Some(',') => {
                    self.i += 1;
                    self.skip_ws();
                }
                _ => return Err(self.err("Expecting ',' delimiter", self.i)),
            }
        }
    }

    fn array(&mut self) -> Result<Json, DecodeError> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.i += 1;
            return Ok(Json::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(']') => {
                    self.i += 1;
                    return Ok(Json::List(items));
                }
                Some(',') => self.i += 1,
                _ => return Err(self.err("Expecting ',' delimiter", self.i)),
            }
        }
    }
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
    fn parse_accepts_python_extensions() {
        let v = parse(r#"{"b": [NaN, Infinity, -Infinity, 1, 2.0, 1e2], "a": null, "b": 3}"#).unwrap();
        let Json::Dict(entries) = &v else { panic!() };
        assert_eq!(entries[0].0, "b");
        assert_eq!(entries[0].1, Json::Int(3));
        assert_eq!(entries[1].0, "a");
        let v = parse("[1e2, 12345678901234567890123]").unwrap();
        assert_eq!(v, Json::List(vec![Json::Float(100.0), Json::Int(12345678901234567890123)]));
        assert_eq!(parse(r#""\u00e9\ud83d\ude00""#).unwrap(), Json::Str("é😀".into()));
    }

    #[test]
    fn parse_errors_match_python() {
        let cases: &[(&str, &str)] = &[
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("not json", "Expecting value: line 1 column 1 (char 0)"),
            ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            ("{\"a\": 1 \"b\"}", "Expecting ',' delimiter: line 1 column 9 (char 8)"),
            ("[1, 2", "Expecting ',' delimiter: line 1 column 6 (char 5)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("{} x", "Extra data: line 1 column 4 (char 3)"),
            ("{\n\"a\": }", "Expecting value: line 2 column 6 (char 7)"),
            ("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"),
            ("\"a\\x\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            ("\"a\nb\"", "Invalid control character at: line 1 column 3 (char 2)"),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err().message(), *want, "{text:?}");
        }
        assert_eq!(parse("").unwrap_err().py_repr(), "JSONDecodeError('Expecting value: line 1 column 1 (char 0)')");
    }

    #[test]
    fn truncated_and_mutated_documents_never_panic() {
        let doc = r#"{"a": [1, -2.5e-3, NaN, -Infinity, "\u00e9\ud83d\ude00\n", true, null, {"b": []}], "c": "x\"y"}"#;
        let chars: Vec<char> = doc.chars().collect();
        for i in 0..=chars.len() {
            let prefix: String = chars[..i].iter().collect();
            let _ = parse(&prefix);
            for junk in ['"', '\\', ',', ']', '}', '-', 'e', '\u{1}', 'N'] {
                let mut m = chars.clone();
                if i < m.len() {
                    m[i] = junk;
                }
                let _ = parse(&m.iter().collect::<String>());
            }
        }
        assert!(parse(doc).is_ok());
    }

    #[test]
    fn nesting_is_bounded_at_max_depth() {
        let nested = |open: &str, inner: &str, close: &str, depth: usize| {
            format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
        };
        assert!(parse(&nested("[", "", "]", MAX_DEPTH)).is_ok());
        assert!(parse(&nested("{\"a\": ", "1", "}", MAX_DEPTH)).is_ok());
        let too_deep = parse(&nested("[", "", "]", MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(too_deep.kind, DecodeErrorKind::TooDeep);
        assert_eq!(
            too_deep.py_repr(),
            "RecursionError('maximum recursion depth exceeded while decoding a JSON array from a unicode string')"
        );
        let object = parse(&nested("{\"a\": ", "1", "}", MAX_DEPTH + 1)).unwrap_err();
        assert!(object.message().contains("JSON object"), "{}", object.message());
        // Far past the limit (the stack overflow that once aborted the server),
        // closed or not, and mixed.
        for doc in [nested("[", "", "]", 100_000), "[".repeat(100_000), nested("[{\"k\": ", "0", "}]", 50_000)] {
            assert_eq!(parse(&doc).unwrap_err().kind, DecodeErrorKind::TooDeep);
        }
        // Depth is nesting, not the number of containers.
        let wide = format!("[{}]", vec!["[[1]]"; 10_000].join(", "));
        assert!(parse(&wide).is_ok());
    }

    #[test]
    fn many_keys_keep_order_and_the_last_repeated_value() {
        let mut doc: Vec<String> = (0..200).map(|i| format!("\"k{i}\": {i}")).collect();
        doc.push("\"k3\": -1".into());
        doc.push("\"k150\": -2".into());
        let Json::Dict(entries) = parse(&format!("{{{}}}", doc.join(", "))).unwrap() else { panic!("not a dict") };
        assert_eq!(entries.len(), 200);
        assert_eq!(entries[3], ("k3".to_string(), Json::Int(-1)));
        assert_eq!(entries[150], ("k150".to_string(), Json::Int(-2)));
        assert_eq!(entries[199], ("k199".to_string(), Json::Int(199)));
        let small = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(small, Json::Dict(vec![("b".into(), Json::Int(3)), ("a".into(), Json::Int(2))]));
    }

    #[test]
    fn writer_matches_python_json_dumps() {
        let v = parse(r#"{"a": [1, 2.5, NaN, -Infinity, "é\n\"", true, null], "b": {}}"#).unwrap();
        let mut out = String::new();
        write_json(&mut out, &v);
        assert_eq!(out, r#"{"a": [1, 2.5, NaN, -Infinity, "\u00e9\n\"", true, null], "b": {}}"#);
        let mut out = String::new();
        write_str(&mut out, "😀\u{7f}");
        assert_eq!(out, r#""\ud83d\ude00\u007f""#);
    }
}
