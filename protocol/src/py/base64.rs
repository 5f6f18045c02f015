//! Base64 as Python's `base64.encodebytes` / `base64.decodebytes` do it:
//! MLflow answers bytes with `encodebytes` (76-char lines, each ending in
//! `\n`) and decodes `binary` columns with `decodebytes`. The `base64` crate
//! does the coding; this module adds Python's line breaks and the lenient
//! input rules of `binascii.a2b_base64` (non-strict mode) with its messages.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};

/// Decodes the alphabet characters `decode` keeps: no padding, and non-zero
/// trailing bits ignored (`YR==` is `a`), as binascii does.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// `base64.encodebytes(data)`: standard alphabet, a `\n` after every 76
/// characters and at the end (empty input gives an empty string).
pub fn encodebytes(data: &[u8]) -> String {
    let plain = general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(plain.len() + plain.len() / 76 + 1);
    for line in plain.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out
}

/// `base64.decodebytes(text)`: bytes outside the alphabet are skipped, and the
/// `=` that completes a group ends the input; `Err` carries binascii's message.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut data = Vec::with_capacity(text.len());
    let mut pads = 0;
    let mut padded = false;
    for c in text.bytes() {
        if c == b'=' {
            pads += 1;
            if data.len() % 4 >= 2 && data.len() % 4 + pads >= 4 {
                padded = true;
                break;
            }
        } else if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' {
            data.push(c);
            pads = 0;
        }
    }
    match data.len() % 4 {
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
            data.len()
        )),
        2 | 3 if !padded => Err("Incorrect padding".into()),
        // Only alphabet characters in whole or padded groups: the crate accepts them.
        _ => LENIENT.decode(&data).map_err(|e| e.to_string()),
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
        // binascii.a2b_base64's non-strict rules, answers from Python 3.11:
        // bytes outside the alphabet are skipped, non-zero trailing bits are
        // ignored, and the pad that completes a group ends the input.
        let cases: &[(&str, Result<&[u8], &str>)] = &[
            ("YQ==YWJj", Ok(b"a")),
            ("YR==", Ok(b"a")),
            ("Y=Q==", Ok(b"a")),
            ("YQ===", Ok(b"a")),
            ("=YQ==", Ok(b"a")),
            ("YW=I=", Ok(b"ab")),
            ("Y Q = =", Ok(b"a")),
            ("YWJj!!YQ==", Ok(b"abca")),
            ("", Ok(b"")),
            ("====", Ok(b"")),
            ("YQ==Y", Ok(b"a")),
            ("YWI=YQ", Ok(b"ab")),
            ("YQ=YWJj", Err("Incorrect padding")),
            ("YWJjYQ", Err("Incorrect padding")),
            (
                "YWJjY=",
                Err(
                    "Invalid base64-encoded string: number of data characters (5) cannot be 1 more than a multiple of 4",
                ),
            ),
            (
                "YWJjYWJjY",
                Err(
                    "Invalid base64-encoded string: number of data characters (9) cannot be 1 more than a multiple of 4",
                ),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(decode(text).as_deref().map_err(String::as_str), *want, "{text:?}");
        }
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encodebytes(&data)).unwrap(), data);
    }
}
