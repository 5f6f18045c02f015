//! The literal arguments of some opcodes: LONG1 / LONG4 ints and the text forms
//! of protocol 0 (`STRING` with Python escapes, `UNICODE` in raw-unicode-escape).

use super::value::Value;
use crate::error::{Error, load};

/// A little-endian two's-complement int (LONG1 / LONG4).
pub(super) fn long(bytes: &[u8]) -> Value<'static> {
    if bytes.is_empty() {
        return Value::Int(0);
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    let fill = if negative { 0xff } else { 0 };
    if bytes.len() > 8 && bytes[8..].iter().any(|&b| b != fill) {
        return Value::BigInt;
    }
    let mut raw = [fill; 8];
    let n = bytes.len().min(8);
    raw[..n].copy_from_slice(&bytes[..n]);
    let value = i64::from_le_bytes(raw);
    // Eight bytes whose sign disagrees with the higher fill bytes overflowed i64.
    if bytes.len() > 8 && (value < 0) != negative { Value::BigInt } else { Value::Int(value) }
}

/// The bytes of a protocol-0 STRING argument (`'text'` with Python escapes).
pub(super) fn python2_string(line: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = || load("malformed STRING argument");
    let quote = *line.first().ok_or_else(bad)?;
    if line.len() < 2 || !matches!(quote, b'\'' | b'"') || line[line.len() - 1] != quote {
        return Err(bad());
    }
    let body = &line[1..line.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let e = *body.get(i).ok_or_else(bad)?;
        i += 1;
        out.push(match e {
            b'\\' | b'\'' | b'"' => e,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'x' => {
                let hex = body.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
                i += 2;
                u8::from_str_radix(hex, 16).map_err(|_| bad())?
            }
            _ => return Err(bad()),
        });
    }
    Ok(out)
}

/// Decodes a protocol-0 UNICODE argument (`raw-unicode-escape`).
pub(super) fn raw_unicode_escape(line: &[u8]) -> Result<String, Error> {
    let bad = || load("malformed UNICODE argument");
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let width = match (line[i], line.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            (b, _) => {
                out.push(char::from(b));
                i += 1;
                continue;
            }
        };
        let hex = line.get(i + 2..i + 2 + width).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
        out.push(u32::from_str_radix(hex, 16).ok().and_then(char::from_u32).ok_or_else(bad)?);
        i += 2 + width;
    }
    Ok(out)
}
