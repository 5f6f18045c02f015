//! The reader: `json.loads`, with Python's extensions (bare `NaN`/`Infinity`,
//! unbounded ints, last repeated key wins), its exact error messages, and a
//! nesting bound for untrusted bodies.

use super::Json;
use crate::py::repr::py_str_repr;
use std::collections::HashMap;

/// Dicts up to this many keys find repeated keys by a linear scan.
const LINEAR_KEY_SCAN: usize = 16;

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
///
/// The reader walks the UTF-8 bytes (every delimiter is ASCII, so a byte
/// offset at a token is always a char boundary) and turns a byte offset into
/// Python's char offset only for an error message.
pub fn parse(text: &str) -> Result<Json, DecodeError> {
    let mut p = Parser { text, s: text.as_bytes(), i: 0, depth: 0 };
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(p.err("Extra data", p.i));
    }
    Ok(value)
}

/// The number of chars in UTF-8 `bytes` (bytes that do not continue a char).
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    /// Byte offset of the next byte to read.
    i: usize,
    /// Lists and dicts open around the current position.
    depth: usize,
}

impl Parser<'_> {
    /// An error at byte offset `pos`, told in chars as Python counts them.
    fn err(&self, msg: &str, pos: usize) -> DecodeError {
        let before = &self.s[..pos.min(self.s.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let chars = char_count(before);
        let col = match before.iter().rposition(|b| *b == b'\n') {
            Some(nl) => char_count(&before[nl..]),
            None => chars + 1,
        };
        DecodeError { kind: DecodeErrorKind::Syntax, msg: msg.to_string(), pos: chars, line, col }
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

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn starts_with(&self, lit: &str) -> bool {
        self.s[self.i..].starts_with(lit.as_bytes())
    }

    fn value(&mut self) -> Result<Json, DecodeError> {
        let start = self.i;
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                Ok(Json::Str(self.string(start)?))
            }
            Some(b'{') => {
                self.i += 1;
                self.enter("object")?;
                let object = self.object();
                self.depth -= 1;
                object
            }
            Some(b'[') => {
                self.i += 1;
                self.enter("array")?;
                let array = self.array();
                self.depth -= 1;
                array
            }
            Some(b'n') if self.starts_with("null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(b't') if self.starts_with("true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.starts_with("false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'N') if self.starts_with("NaN") => {
                self.i += 3;
                Ok(Json::Float(f64::NAN))
            }
            Some(b'I') if self.starts_with("Infinity") => {
                self.i += 8;
                Ok(Json::Float(f64::INFINITY))
            }
            Some(b'-') if self.starts_with("-Infinity") => {
                self.i += 9;
                Ok(Json::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("Expecting value", start)),
        }
    }

    fn digits_from(&self, mut j: usize) -> usize {
        while matches!(self.s.get(j), Some(b'0'..=b'9')) {
            j += 1;
        }
        j
    }

    fn number(&mut self) -> Result<Json, DecodeError> {
        let start = self.i;
        let mut j = self.i;
        if self.s.get(j) == Some(&b'-') {
            j += 1;
        }
        match self.s.get(j) {
            Some(b'0') => j += 1,
            Some(b'1'..=b'9') => j = self.digits_from(j),
            _ => return Err(self.err("Expecting value", start)),
        }
        let mut is_float = false;
        if self.s.get(j) == Some(&b'.') && matches!(self.s.get(j + 1), Some(b'0'..=b'9')) {
            is_float = true;
            j = self.digits_from(j + 1);
        }
        if matches!(self.s.get(j), Some(b'e' | b'E')) {
            let mut k = j + 1;
            if matches!(self.s.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            if matches!(self.s.get(k), Some(b'0'..=b'9')) {
                is_float = true;
                j = self.digits_from(k);
            }
        }
        // ASCII digits, signs, '.' and 'e': a char boundary at both ends.
        let text = &self.text[start..j];
        self.i = j;
        if is_float {
            return Ok(Json::Float(text.parse().unwrap_or(f64::NAN)));
        }
        // Up to 18 digits (and a sign) always fit an i64, the fast parse.
        if text.len() <= 18
            && let Ok(i) = text.parse::<i64>()
        {
            return Ok(Json::Int(i128::from(i)));
        }
        match text.parse::<i128>() {
            Ok(i) => Ok(Json::Int(i)),
            Err(_) => Ok(Json::Float(text.parse().unwrap_or(f64::NAN))),
        }
    }

    /// Reads a string body; `self.i` is just past the opening quote at `start`.
    fn string(&mut self, start: usize) -> Result<String, DecodeError> {
        let mut out = String::new();
        loop {
            // The run up to the next quote, backslash or control character is copied as is.
            let run = self.s[self.i..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let end = run.map_or(self.s.len(), |n| self.i + n);
            out.push_str(&self.text[self.i..end]);
            self.i = end;
            let Some(c) = self.peek() else {
                return Err(self.err("Unterminated string starting at", start));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(esc) = self.s.get(self.i + 1).copied() else {
                        return Err(self.err("Unterminated string starting at", start));
                    };
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let esc_pos = self.i;
                            let first =
                                self.hex4(self.i + 2).ok_or_else(|| self.err("Invalid \\uXXXX escape", esc_pos + 1))?;
                            self.i += 6;
                            let mut code = first;
                            if (0xd800..0xdc00).contains(&first)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
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
                _ => return Err(self.err("Invalid control character at", self.i)),
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.s.get(at..at + 4)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        digits.iter().try_fold(0u32, |code, &b| Some(code * 16 + char::from(b).to_digit(16)?))
    }

    fn object(&mut self) -> Result<Json, DecodeError> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        let mut index: Option<HashMap<String, usize>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Dict(entries));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("Expecting property name enclosed in double quotes", self.i));
            }
            let start = self.i;
            self.i += 1;
            let key = self.string(start)?;
            self.skip_ws();
            if self.peek() != Some(b':') {
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
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Dict(entries));
                }
                Some(b',') => {
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
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::List(items));
                }
                Some(b',') => self.i += 1,
                _ => return Err(self.err("Expecting ',' delimiter", self.i)),
            }
        }
    }
}
