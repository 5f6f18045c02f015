//! A UBJSON (Universal Binary JSON, ubjson.org draft 12) reader into
//! `serde_json::Value`, for XGBoost's `model.ubj` / `model.xgb`.
//!
//! Written by hand: crates.io has no maintained UBJSON reader (the `ubjson`-named
//! crates are unmaintained drafts, and none checks declared counts against the
//! bytes left before allocating), and XGBoost's files need only the draft-12 core
//! plus its optimized containers (`[$d#L…`: a typed array of float32, `[$l#…`,
//! `[$U#…`), which fit in this one module. Every length is checked against the
//! bytes left before anything is allocated, and nesting is bounded, so a truncated
//! or hostile file is an error, never a panic or a huge allocation.

use serde_json::{Map, Number, Value};

/// Deepest nesting accepted (XGBoost's models nest about six deep).
const MAX_DEPTH: usize = 64;

/// Parses one UBJSON value that must fill `bytes`.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.value(0)?;
    if reader.pos != bytes.len() {
        return Err(format!("{} bytes of trailing data after the UBJSON document", bytes.len() - reader.pos));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            format!("truncated UBJSON: {n} bytes needed at offset {}, {} left", self.pos, self.bytes.len() - self.pos)
        })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// The next marker, skipping no-ops.
    fn marker(&mut self) -> Result<u8, String> {
        loop {
            match self.byte()? {
                b'N' => continue,
                m => return Ok(m),
            }
        }
    }

    /// An integer of the type `marker` (a length or a count).
    fn int(&mut self, marker: u8) -> Result<i64, String> {
        Ok(match marker {
            b'i' => i8::from_be_bytes(self.array()?) as i64,
            b'U' => self.byte()? as i64,
            b'I' => i16::from_be_bytes(self.array()?) as i64,
            b'l' => i32::from_be_bytes(self.array()?) as i64,
            b'L' => i64::from_be_bytes(self.array()?),
            m => return Err(format!("expected an integer type at offset {}, found {}", self.pos - 1, show(m))),
        })
    }

    /// A length or count: a non-negative integer no larger than the bytes left
    /// divided by `min_size` (the fewest bytes one element can take).
    fn count(&mut self, min_size: usize) -> Result<usize, String> {
        let marker = self.marker()?;
        let n = self.int(marker)?;
        let left = self.bytes.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n.checked_mul(min_size.max(1)).is_some_and(|b| b <= left) => Ok(n),
            _ => Err(format!("truncated UBJSON: a count of {n} at offset {} exceeds the {left} bytes left", self.pos)),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.count(1)?;
        let at = self.pos;
        String::from_utf8(self.take(n)?.to_vec())
            .map_err(|_| format!("invalid UTF-8 in a UBJSON string at offset {at}"))
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        let marker = self.marker()?;
        self.typed(marker, depth)
    }

    fn typed(&mut self, marker: u8, depth: usize) -> Result<Value, String> {
        Ok(match marker {
            b'Z' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' | b'U' | b'I' | b'l' | b'L' => Value::from(self.int(marker)?),
            b'd' => float(f32::from_be_bytes(self.array()?) as f64),
            b'D' => float(f64::from_be_bytes(self.array()?)),
            b'C' => Value::String((self.byte()? as char).to_string()),
            b'S' | b'H' => Value::String(self.string()?),
            b'[' | b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(format!("UBJSON nests deeper than {MAX_DEPTH} levels"));
                }
                if marker == b'[' { self.list(depth + 1)? } else { self.object(depth + 1)? }
            }
            m => return Err(format!("unknown UBJSON marker {} at offset {}", show(m), self.pos - 1)),
        })
    }

    /// The optional `$type` and `#count` of a container.
    fn header(&mut self) -> Result<(Option<u8>, Option<usize>), String> {
        let mut kind = None;
        if self.bytes.get(self.pos) == Some(&b'$') {
            self.pos += 1;
            kind = Some(self.byte()?);
            if self.pos == self.bytes.len() {
                return Err(format!("truncated UBJSON: a container ends at offset {}", self.pos));
            }
            if self.bytes.get(self.pos) != Some(&b'#') {
                return Err(format!("UBJSON container type without a count at offset {}", self.pos));
            }
        }
        let count = if self.bytes.get(self.pos) == Some(&b'#') {
            self.pos += 1;
            Some(self.count(kind.map_or(1, element_size))?)
        } else {
            None
        };
        Ok((kind, count))
    }

    fn list(&mut self, depth: usize) -> Result<Value, String> {
        let (kind, count) = self.header()?;
        let mut items = Vec::with_capacity(count.unwrap_or(0));
        match count {
            Some(n) => {
                for _ in 0..n {
                    items.push(match kind {
                        Some(k) => self.typed(k, depth)?,
                        None => self.value(depth)?,
                    });
                }
            }
            None => loop {
                match self.marker()? {
                    b']' => break,
                    m => items.push(self.typed(m, depth)?),
                }
            },
        }
        Ok(Value::Array(items))
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        let (kind, count) = self.header()?;
        let mut map = Map::new();
        let mut entry = |reader: &mut Self| -> Result<(), String> {
            let key = reader.string()?;
            let value = match kind {
                Some(k) => reader.typed(k, depth)?,
                None => reader.value(depth)?,
            };
            map.insert(key, value);
            Ok(())
        };
        match count {
            Some(n) => {
                for _ in 0..n {
                    entry(self)?;
                }
            }
            None => loop {
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    break;
                }
                entry(self)?;
            },
        }
        Ok(Value::Object(map))
    }
}

/// The fewest bytes one element of a typed container takes.
fn element_size(kind: u8) -> usize {
    match kind {
        b'I' => 2,
        b'l' | b'd' => 4,
        b'L' | b'D' => 8,
        b'Z' | b'T' | b'F' | b'N' => 0,
        _ => 1,
    }
}

/// A float as a JSON number; non-finite values (never in a valid model) as null.
fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn show(marker: u8) -> String {
    if marker.is_ascii_graphic() { format!("'{}'", marker as char) } else { format!("0x{marker:02x}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_core_types_and_typed_containers() {
        let mut doc = b"{i\x01aSi\x02hii\x01b[$d#i\x02".to_vec();
        doc.extend(1.5f32.to_be_bytes());
        doc.extend((-2.0f32).to_be_bytes());
        doc.extend(b"i\x01c[i\x05TFZl\x00\x00\x01\x00]}");
        let v = parse(&doc).unwrap();
        assert_eq!(v, serde_json::json!({"a": "hi", "b": [1.5, -2.0], "c": [5, true, false, null, 256]}));
    }

    #[test]
    fn truncated_and_hostile_documents_are_errors() {
        let full = b"{i\x01a[$l#i\x02\x00\x00\x00\x01\x00\x00\x00\x02}";
        assert!(parse(full).is_ok());
        for cut in 0..full.len() {
            let err = parse(&full[..cut]).unwrap_err();
            assert!(err.contains("truncated") || err.contains("expected"), "{cut}: {err}");
        }
        // A count of 2^62 float32s in a 20-byte file is refused before allocating.
        let huge = b"[$d#L\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        assert!(parse(huge).unwrap_err().contains("exceeds"));
        assert!(parse(b"[i\x01").unwrap_err().contains("truncated"));
        assert!(parse(&[b'['; 100]).unwrap_err().contains("deeper"));
        assert!(parse(b"?").unwrap_err().contains("unknown UBJSON marker '?'"));
        assert!(parse(b"Si\xffx").unwrap_err().contains("count of -1"));
    }
}
