//! Base64 as Python's `base64.encodebytes` / `base64.decodebytes` do it:
//! MLflow answers bytes with `encodebytes` (76-char lines, each ending in
//! `\n`) and decodes `binary` columns with `decodebytes`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `base64.encodebytes(data)`: standard alphabet, a `\n` after every 76
/// characters and at the end (empty input gives an empty string).
pub fn encodebytes(data: &[u8]) -> String {
    let mut plain = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                plain.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                plain.push('=');
            }
        }
    }
    let mut out = String::with_capacity(plain.len() + plain.len() / 76 + 1);
    for line in plain.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).expect("ASCII"));
        out.push('\n');
    }
    out
}

/// `base64.decodebytes(text)`: characters outside the alphabet are skipped;
/// `Err` carries binascii's message.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut quads = 0usize;
    let mut pads = 0usize;
    for c in text.bytes() {
        if c == b'=' {
            pads += 1;
            if quads % 4 >= 2 && quads % 4 + pads >= 4 {
                // Padding completes the group: done with it.
                bits = 0;
                nbits = 0;
                quads = 0;
                pads = 0;
            }
            continue;
        }
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        pads = 0;
        quads += 1;
        bits = (bits << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    match quads % 4 {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
            quads
        )),
        _ => Err("Incorrect padding".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodebytes_matches_python() {
        assert_eq!(encodebytes(b""), "");
        assert_eq!(encodebytes(b"a"), "YQ==\n");
        assert_eq!(encodebytes(b"ab"), "YWI=\n");
        assert_eq!(encodebytes(b"abc"), "YWJj\n");
        assert_eq!(encodebytes(&[0xff, 0xfe]), "//4=\n");
        let long = encodebytes(&[0u8; 60]);
        assert_eq!(long, format!("{}\n{}\n", "A".repeat(76), "A".repeat(4)));
    }

    #[test]
    fn decode_matches_python() {
        assert_eq!(decode("YWJj").unwrap(), b"abc");
        assert_eq!(decode("YQ==\n").unwrap(), b"a");
        assert_eq!(decode("YW\nI=").unwrap(), b"ab");
        assert_eq!(decode("YQ").unwrap_err(), "Incorrect padding");
        assert!(decode("Y").unwrap_err().contains("cannot be 1 more than a multiple of 4"));
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encodebytes(&data)).unwrap(), data);
    }
}
