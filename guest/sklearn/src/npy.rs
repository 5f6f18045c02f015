//! A reader for the `.npy` arrays inside a skops file.
//!
//! Written here rather than taken from a crate: the `npy`/`ndarray-npy` crates
//! either pull in `ndarray` and its BLAS-free but large dependency tree, or do not
//! read *structured* dtypes (`sklearn.tree._tree.Tree` stores its nodes as a
//! record array `[('left_child', '<i8'), …, ('', '|V7')]`). `npyz`, the maintained
//! fork (re-checked 2026-12), reads a structured dtype only into a struct deriving
//! `npyz::Deserialize` whose fields match the header's names, which the unnamed
//! padding field and the layout's changes across scikit-learn versions (the
//! `missing_go_to_left` field since 1.3) rule out. The format is a magic
//! string, a Python-literal header and raw little-endian data; reading it is ~150
//! lines, bounded by the bytes actually present (no allocation from a header length).

use crate::error::Error;

/// The elements of an array, widened to one Rust type per kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Floats (`<f8`, `<f4`).
    F64(Vec<f64>),
    /// Signed or unsigned integers (`<i8` … `|u1`).
    I64(Vec<i64>),
    /// Booleans (`|b1`).
    Bool(Vec<bool>),
    /// Strings (object arrays, which skops stores as JSON, not as npy).
    Str(Vec<String>),
    /// Strings with missing values (`None` / NaN) among them: an encoder's
    /// `categories_` fitted on text with missing values (NaN sorts last).
    StrOrMissing(Vec<Option<String>>),
    /// A structured (record) array: one column per named field.
    Records(Vec<(String, Data)>),
}

/// An n-dimensional array, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    pub shape: Vec<usize>,
    pub data: Data,
}

impl NdArray {
    /// Number of elements (records for a structured array).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One scalar field type of a dtype descriptor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar {
    F(usize),
    I(usize),
    U(usize),
    B,
    /// Fixed-width UTF-32 text (`<U3`): the size in characters.
    Text(usize),
    Pad(usize),
}

impl Scalar {
    pub(crate) fn size(self) -> usize {
        match self {
            Scalar::F(n) | Scalar::I(n) | Scalar::U(n) | Scalar::Pad(n) => n,
            Scalar::B => 1,
            Scalar::Text(n) => 4 * n,
        }
    }

    /// `<f8`, `|u1`, `<U3`, `|V7`, … (big-endian multi-byte types are refused).
    pub(crate) fn parse(descr: &str) -> Result<Scalar, Error> {
        let bad = || Error::Load(format!("unsupported numpy dtype '{descr}'"));
        let (order, rest) = descr.split_at_checked(1).ok_or_else(bad)?;
        let (kind, size) = rest.split_at_checked(1).ok_or_else(bad)?;
        let size: usize = size.parse().map_err(|_| bad())?;
        if order == ">" && (size > 1 || kind == "U") {
            return Err(Error::Load(format!("big-endian numpy dtype '{descr}' is not supported")));
        }
        Ok(match (kind, size) {
            ("f", 4 | 8) => Scalar::F(size),
            ("i", 1 | 2 | 4 | 8) => Scalar::I(size),
            ("u", 1 | 2 | 4 | 8) => Scalar::U(size),
            ("b", 1) => Scalar::B,
            ("U", 1..=4096) => Scalar::Text(size),
            ("V", 1..=64) => Scalar::Pad(size),
            _ => return Err(bad()),
        })
    }
}

/// Parses one `.npy` file.
pub fn parse(bytes: &[u8]) -> Result<NdArray, Error> {
    let bad = |what: &str| Error::Load(format!("malformed .npy file: {what}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no NUMPY magic"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            let raw = bytes.get(8..12).ok_or_else(|| bad("truncated header"))?;
            (u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize, 12)
        }
        v => return Err(bad(&format!("version {v}"))),
    };
    let end = start.checked_add(header_len).filter(|&e| e <= bytes.len()).ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text"))?;
    let (fields, fortran, shape) = parse_header(header)?;
    decode(&fields, fortran, shape, &bytes[end..]).map_err(|e| bad(&e.to_string()))
}

/// Decodes raw little-endian array data (`fields` of one record, as in a .npy
/// header or a pickled dtype); `body` must hold at least the bytes the shape needs.
pub(crate) fn decode(
    fields: &[(String, Scalar)],
    fortran: bool,
    shape: Vec<usize>,
    body: &[u8],
) -> Result<NdArray, Error> {
    if fortran && shape.len() > 2 {
        return Err(Error::Load("Fortran-ordered arrays of more than 2 dimensions are not supported".into()));
    }
    let overflow = || Error::Load(format!("array shape {shape:?} overflows"));
    let count = elements(&shape).ok_or_else(overflow)?;
    let record: usize = fields.iter().map(|(_, s)| s.size()).sum();
    if record == 0 {
        return Err(Error::Load("array dtype has no fields".into()));
    }
    let needed = count.checked_mul(record).ok_or_else(overflow)?;
    if body.len() < needed {
        return Err(Error::Load(format!("{needed} data bytes expected, {} present", body.len())));
    }
    let mut offset = 0;
    let mut columns = Vec::new();
    for (name, scalar) in fields {
        if !matches!(scalar, Scalar::Pad(_)) {
            columns.push((name.clone(), read_field(body, count, record, offset, *scalar)));
        }
        offset += scalar.size();
    }
    let mut data = match (fields, columns.len()) {
        ([(name, _)], 1) if name.is_empty() => columns.pop().expect("one column").1,
        _ => Data::Records(columns),
    };
    if let (true, [rows, cols]) = (fortran, shape.as_slice()) {
        data = to_row_major(data, *rows, *cols);
    }
    Ok(NdArray { shape, data })
}

/// The number of elements of a shape, `None` on overflow.
pub(crate) fn elements(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// A column-major `rows × cols` array in row-major order.
pub(crate) fn to_row_major(data: Data, rows: usize, cols: usize) -> Data {
    fn t<T: Clone>(v: Vec<T>, rows: usize, cols: usize) -> Vec<T> {
        (0..rows * cols).map(|k| v[(k % cols) * rows + k / cols].clone()).collect()
    }
    match data {
        Data::F64(v) => Data::F64(t(v, rows, cols)),
        Data::I64(v) => Data::I64(t(v, rows, cols)),
        Data::Bool(v) => Data::Bool(t(v, rows, cols)),
        Data::Str(v) => Data::Str(t(v, rows, cols)),
        Data::StrOrMissing(v) => Data::StrOrMissing(t(v, rows, cols)),
        Data::Records(fields) => {
            Data::Records(fields.into_iter().map(|(n, d)| (n, to_row_major(d, rows, cols))).collect())
        }
    }
}

fn read_field(body: &[u8], count: usize, stride: usize, offset: usize, scalar: Scalar) -> Data {
    let at = |i: usize, n: usize| &body[i * stride + offset..i * stride + offset + n];
    match scalar {
        Scalar::F(8) => Data::F64((0..count).map(|i| f64::from_le_bytes(at(i, 8).try_into().unwrap())).collect()),
        Scalar::F(_) => {
            Data::F64((0..count).map(|i| f32::from_le_bytes(at(i, 4).try_into().unwrap()) as f64).collect())
        }
        Scalar::I(n) => Data::I64(
            (0..count)
                .map(|i| {
                    let b = at(i, n);
                    let mut raw = [if b[n - 1] & 0x80 != 0 { 0xff } else { 0 }; 8];
                    raw[..n].copy_from_slice(b);
                    i64::from_le_bytes(raw)
                })
                .collect(),
        ),
        Scalar::U(n) => Data::I64(
            (0..count)
                .map(|i| {
                    let mut raw = [0u8; 8];
                    raw[..n].copy_from_slice(at(i, n));
                    u64::from_le_bytes(raw).min(i64::MAX as u64) as i64
                })
                .collect(),
        ),
        Scalar::B => Data::Bool((0..count).map(|i| at(i, 1)[0] != 0).collect()),
        Scalar::Text(n) => Data::Str(
            (0..count)
                .map(|i| {
                    at(i, 4 * n)
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .take_while(|&c| c != 0)
                        .map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect()
                })
                .collect(),
        ),
        Scalar::Pad(_) => unreachable!("padding is skipped"),
    }
}

/// `{'descr': …, 'fortran_order': …, 'shape': (…), }` → fields, order, shape.
type Header = (Vec<(String, Scalar)>, bool, Vec<usize>);

fn parse_header(header: &str) -> Result<Header, Error> {
    let bad = || Error::Load(format!("malformed .npy header: {}", header.trim()));
    let descr_at = header.find("'descr':").ok_or_else(bad)? + "'descr':".len();
    let rest = header[descr_at..].trim_start();
    let fields = if rest.starts_with('[') {
        let close = rest.find("],").or_else(|| rest.find(']')).ok_or_else(bad)?;
        parse_record_descr(&rest[1..close])?
    } else {
        vec![(String::new(), Scalar::parse(quoted(rest).ok_or_else(bad)?)?)]
    };
    let fortran = header.contains("'fortran_order': True");
    let shape_at = header.find("'shape':").ok_or_else(bad)? + "'shape':".len();
    let shape_text = header[shape_at..].trim_start();
    let close = shape_text.find(')').ok_or_else(bad)?;
    let shape = shape_text
        .get(1..close)
        .ok_or_else(bad)?
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| match d.trim_end_matches('L').parse::<u64>() {
            Ok(d) => usize::try_from(d).map_err(|_| Error::Load(format!("array dimension {d} is too large"))),
            Err(_) => Err(bad()),
        })
        .collect::<Result<_, _>>()?;
    Ok((fields, fortran, shape))
}

/// `('left_child', '<i8'), ('threshold', '<f8'), ('', '|V7')` → fields.
fn parse_record_descr(text: &str) -> Result<Vec<(String, Scalar)>, Error> {
    let bad = || Error::Load(format!("unsupported structured numpy dtype [{text}]"));
    let mut fields = Vec::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')').ok_or_else(bad)? + open;
        let inner = &rest[open + 1..close];
        let (name, ty) = inner.split_once(',').ok_or_else(bad)?;
        let name = quoted(name.trim()).ok_or_else(bad)?;
        let ty = quoted(ty.trim()).ok_or_else(bad)?;
        fields.push((name.to_string(), Scalar::parse(ty)?));
        rest = &rest[close + 1..];
    }
    if fields.is_empty() { Err(bad()) } else { Ok(fields) }
}

/// The text of a leading `'…'` literal.
fn quoted(text: &str) -> Option<&str> {
    let body = text.strip_prefix('\'')?;
    Some(&body[..body.find('\'')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, body: &[u8]) -> Vec<u8> {
        let mut header = header.to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header.as_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn reads_plain_arrays() {
        let body: Vec<u8> = [1.5f64, -2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = parse(&npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", &body)).unwrap();
        assert_eq!(a, NdArray { shape: vec![2], data: Data::F64(vec![1.5, -2.0]) });
        let body: Vec<u8> = (-3i32).to_le_bytes().to_vec();
        let a = parse(&npy("{'descr': '<i4', 'fortran_order': False, 'shape': (), }", &body)).unwrap();
        assert_eq!(a, NdArray { shape: vec![], data: Data::I64(vec![-3]) });
    }

    #[test]
    fn reads_record_arrays_skipping_padding() {
        let mut body = Vec::new();
        body.extend(7i64.to_le_bytes());
        body.extend(0.25f64.to_le_bytes());
        body.push(1);
        body.extend([0u8; 7]);
        let a = parse(&npy(
            "{'descr': [('left_child', '<i8'), ('threshold', '<f8'), ('missing_go_to_left', '|u1'), ('', '|V7')], \
             'fortran_order': False, 'shape': (1,), }",
            &body,
        ))
        .unwrap();
        assert_eq!(
            a.data,
            Data::Records(vec![
                ("left_child".into(), Data::I64(vec![7])),
                ("threshold".into(), Data::F64(vec![0.25])),
                ("missing_go_to_left".into(), Data::I64(vec![1])),
            ])
        );
    }

    #[test]
    fn reads_fortran_order_as_row_major() {
        let body: Vec<u8> = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = parse(&npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", &body)).unwrap();
        assert_eq!(a.data, Data::F64(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    }

    #[test]
    fn refuses_lies_and_garbage_without_panicking() {
        // A huge shape with no data behind it: refused, nothing allocated.
        let huge = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", &[]);
        assert!(matches!(parse(&huge), Err(Error::Load(_))));
        let short = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", &[0; 16]);
        assert!(matches!(parse(&short), Err(Error::Load(_))));
        assert!(parse(&npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", &[0; 8])).is_err());
        for cut in 0..20 {
            let _ = parse(&huge[..cut]);
        }
        assert!(parse(b"not numpy at all").is_err());
    }
}
