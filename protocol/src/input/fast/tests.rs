//! The fast path against the tree path: on a sweep of generated bodies (ints,
//! floats, exponents, `NaN`/`Infinity`, nulls, strings, nested and ragged
//! lists, odd whitespace, extra keys, broken JSON), for several signatures,
//! whenever the fast path answers, its answer is the tree path's.

use super::*;
use crate::input::request::parse_json_tree;

fn sig(inputs: Option<&str>, params: Option<&str>) -> Option<Signature> {
    Some(Signature::from_json_strs(inputs, None, params).unwrap())
}

const IRIS_COLUMNS: &str = r#"[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}, {"type": "double", "name": "c", "required": true}]"#;

fn signatures() -> Vec<(&'static str, Option<Signature>)> {
    vec![
        ("none", None),
        (
            "f32 [-1, 3]",
            sig(Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]"#), None),
        ),
        (
            "f64 [-1, -1]",
            sig(Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, -1]}}]"#), None),
        ),
        (
            "f32 [-1, 2, 2]",
            sig(Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2, 2]}}]"#), None),
        ),
        (
            "i64 [-1, 3]",
            sig(Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1, 3]}}]"#), None),
        ),
        (
            "named f32",
            sig(
                Some(r#"[{"type": "tensor", "name": "x", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]"#),
                None,
            ),
        ),
        ("double columns", sig(Some(IRIS_COLUMNS), None)),
        (
            "mixed columns",
            sig(
                Some(
                    r#"[{"type": "long", "name": "a"}, {"type": "float", "name": "b"}, {"type": "string", "name": "c", "required": false}]"#,
                ),
                None,
            ),
        ),
        ("unnamed columns", sig(Some(r#"[{"type": "double"}, {"type": "integer"}]"#), None)),
        (
            "f32 with params",
            sig(
                Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]"#),
                Some(r#"[{"name": "k", "type": "long", "default": 3, "shape": null}]"#),
            ),
        ),
    ]
}

/// xorshift64*: a fixed sweep, the same at every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "7",
    "-3",
    "42",
    "123456789012345678",
    "-999999999999999999",
    "1234567890123456789",
    "99999999999999999999999",
    "5.1",
    "3.5",
    "-0.0",
    "0.2",
    "1e5",
    "1E-5",
    "2.5e+3",
    "-1.5e-7",
    "1.5e300",
    "1e400",
    "-1e400",
    "1e-400",
    "0.1234567890123456789",
    "123456789012345678901234.5",
    "4.9e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "9007199254740993",
    "9007199254740993.0",
    "0.30000000000000004",
    "100.000000000000000001",
    "1.0000001192092896",
    "0.000001",
    "1e22",
    "1e23",
    "123456789012345.6",
    "1234567890123456.7",
    "NaN",
    "Infinity",
    "-Infinity",
    "3.4028235e38",
    "3.4028236e38",
];

const ODD_LEAVES: &[&str] = &[
    "null",
    "true",
    "false",
    "\"x\"",
    "\"5.1\"",
    "{}",
    "{\"a\": 1}",
    "[]",
    "01",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "1e+",
    "nan",
    "inf",
    "- 1",
    "1.5.2",
    "-NaN",
    "Infinityy",
    "0x10",
    "1_000",
];

const LABELS: &[&str] = &["\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"\u{e9}\"", "\"a\\\"b\"", "\"\"", "1", "null"];

const WS: &[&str] = &["", " ", "  ", "\n", "\t", "\r\n ", " \u{a0}"];

fn ws(rng: &mut Rng) -> &'static str {
    if rng.below(4) == 0 { rng.pick(WS) } else { "" }
}

fn leaf(rng: &mut Rng) -> String {
    if rng.below(25) == 0 { rng.pick(ODD_LEAVES).to_string() } else { rng.pick(NUMBERS).to_string() }
}

fn list(rng: &mut Rng, items: Vec<String>) -> String {
    let sep = if rng.below(3) == 0 { format!("{},{}", ws(rng), ws(rng)) } else { ", ".to_string() };
    format!("[{}{}{}]", ws(rng), items.join(&sep), ws(rng))
}

/// Nested lists of `dims`, now and then ragged or with an odd leaf.
fn array(rng: &mut Rng, dims: &[usize]) -> String {
    match dims {
        [] => leaf(rng),
        [n, rest @ ..] => {
            let mut n = *n;
            if rng.below(30) == 0 {
                n = n.saturating_sub(1);
            }
            let items = (0..n)
                .map(|_| if rng.below(60) == 0 && !rest.is_empty() { leaf(rng) } else { array(rng, rest) })
                .collect();
            list(rng, items)
        }
    }
}

fn shape(rng: &mut Rng) -> Vec<usize> {
    let rows = [0, 1, 1, 2, 3, 5][rng.below(6)];
    match rng.below(8) {
        0 => vec![rows],
        1 => vec![rows, 2, 2],
        2 => vec![rows, 1 + rng.below(4)],
        _ => vec![rows, 3],
    }
}

fn value(rng: &mut Rng, key: &str) -> String {
    let dims = shape(rng);
    if key != "dataframe_split" {
        return array(rng, &dims);
    }
    let width = dims.get(1).copied().unwrap_or(1);
    let mut labels: Vec<String> = (0..width).map(|i| ["\"a\"", "\"b\"", "\"c\"", "\"d\""][i % 4].to_string()).collect();
    if rng.below(10) == 0 {
        let at = rng.below(labels.len().max(1));
        if let Some(l) = labels.get_mut(at) {
            *l = rng.pick(LABELS).to_string();
        }
    }
    if rng.below(15) == 0 {
        labels.pop();
    }
    let columns = list(rng, labels);
    let data = array(rng, &dims);
    let mut entries = match rng.below(6) {
        0 => vec![format!("\"data\": {data}")],
        1 => vec![format!("\"data\": {data}"), format!("\"columns\": {columns}")],
        _ => vec![format!("\"columns\": {columns}"), format!("\"data\": {data}")],
    };
    match rng.below(20) {
        0 => entries.push("\"index\": [0]".into()),
        1 => entries.push("\"columns\": null".into()),
        2 => entries.push(format!("\"data\": {data}")),
        _ => {}
    }
    format!("{{{}{}}}", ws(rng), entries.join(", "))
}

fn body(rng: &mut Rng) -> String {
    let key = rng.pick(&["inputs", "inputs", "instances", "dataframe_split", "dataframe_split", "dataframe_records"]);
    let mut entries = vec![format!("\"{key}\":{}{}", ws(rng), value(rng, key))];
    match rng.below(15) {
        0 => entries.push("\"params\": {\"k\": 5}".into()),
        1 => entries.push(format!("\"{key}\": [[1, 2, 3]]")),
        2 => entries.insert(0, "\"inputs\": [[1, 2, 3]]".into()),
        _ => {}
    }
    let mut text = format!("{}{{{}{}{}}}{}", ws(rng), ws(rng), entries.join(", "), ws(rng), ws(rng));
    // Broken documents: cut short, a byte dropped or added, trailing data.
    match rng.below(12) {
        0 if !text.is_empty() => {
            let mut at = rng.below(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        1 if !text.is_empty() => {
            let at = rng.below(text.len());
            if text.is_char_boundary(at) && text.is_char_boundary(at + 1) {
                text.remove(at);
            }
        }
        2 => {
            let at = rng.below(text.len() + 1);
            if text.is_char_boundary(at) {
                text.insert(at, rng.pick(&["[", "]", ",", "\"", "{", "}", "1", "e", "-", ":"]).chars().next().unwrap());
            }
        }
        3 => text.push_str(rng.pick(&["x", " {}", "\n", ",", "]"])),
        _ => {}
    }
    text
}

/// Both paths, compared through `Debug` (so `NaN == NaN` and `-0.0 != 0.0`).
fn check(body: &[u8], name: &str, signature: Option<&Signature>) -> bool {
    answer(body, name, signature).is_some()
}

/// The fast path's answer (checked against the tree path's), if it gave one.
fn answer(body: &[u8], name: &str, signature: Option<&Signature>) -> Option<Result<Invocation, ScoringError>> {
    let fast = try_invocation(body, signature)?;
    let tree = parse_json_tree(body, signature);
    assert_eq!(
        format!("{fast:?}"),
        format!("{tree:?}"),
        "fast and tree paths differ for {} with signature {name}",
        String::from_utf8_lossy(body)
    );
    Some(fast)
}

#[test]
fn fast_path_agrees_with_tree_path() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let signatures = signatures();
    let (mut taken, mut refused, mut total) = (0, 0, 0);
    let mut taken_by: Vec<usize> = vec![0; signatures.len()];
    for _ in 0..6000 {
        let text = body(&mut rng);
        for (i, (name, signature)) in signatures.iter().enumerate() {
            total += 1;
            if let Some(answer) = answer(text.as_bytes(), name, signature.as_ref()) {
                refused += usize::from(answer.is_err());
                taken += 1;
                taken_by[i] += 1;
            }
        }
    }
    // The sweep must exercise the fast path, for every signature it serves.
    // (Tensor bodies only for an unnamed float tensor or no signature; frames for any.)
    assert!(taken * 20 > total, "the fast path took only {taken} of {total} bodies");
    // Enforcement errors (shapes, column types) on fast-path data, too.
    assert!(refused > 500, "only {refused} fast-path answers were errors");
    for ((name, _), n) in signatures.iter().zip(&taken_by) {
        assert!(*n > 100, "signature {name}: the fast path took only {n} bodies");
    }
}

#[test]
fn odd_bytes_agree() {
    let signature = sig(Some(IRIS_COLUMNS), None);
    let bodies: &[&[u8]] = &[
        b"\xef\xbb\xbf{\"inputs\": [[1, 2, 3]]}",
        b"{\"inputs\": [[1, 2, 3]]}\xff",
        b"{\"dataframe_split\": {\"columns\": [\"a\xff\"], \"data\": [[1]]}}",
        b"",
        b"{}",
        b"[]",
        b"{\"inputs\": []}",
        b"{\"inputs\": [[]]}",
        b"{\"inputs\": 5}",
        b"{\"dataframe_split\": {\"data\": []}}",
        b"{\"dataframe_split\": {\"columns\": [], \"data\": [[1]]}}",
    ];
    for body in bodies {
        for (name, signature) in [("columns", signature.as_ref()), ("none", None)] {
            check(body, name, signature);
        }
    }
}

#[test]
fn common_bodies_take_the_fast_path() {
    let iris = sig(Some(r#"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]"#), None);
    let columns = sig(Some(IRIS_COLUMNS), None);
    let cases: &[(&str, Option<&Signature>)] = &[
        (r#"{"inputs": [[5.1, 3.5, 1.4], [4.9, 3, -0.2]]}"#, iris.as_ref()),
        (r#"{"instances": [[5.1, 3.5, 1.4]]}"#, iris.as_ref()),
        (r#"{"inputs": [[1, 2], [3, 4]]}"#, None),
        (
            r#"{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[5.1, 3.5, 1.4], [1, 2, 3]]}}"#,
            columns.as_ref(),
        ),
        (r#" {"dataframe_split":{"data":[[1,2,NaN]],"columns":["a","b","c"]}} "#, columns.as_ref()),
    ];
    for (body, signature) in cases {
        assert!(check(body.as_bytes(), "common", *signature), "{body} did not take the fast path");
    }
    // A shape the model does not take: the fast path's array, enforcement's error.
    let body = br#"{"inputs": [[1, 2]]}"#;
    let err = try_invocation(body, iris.as_ref()).unwrap().unwrap_err();
    assert_eq!(Err(err), parse_json_tree(body, iris.as_ref()));
}

#[test]
fn numbers_parse_as_the_standard_library_does() {
    let mut rng = Rng(42);
    for _ in 0..200_000 {
        let int: u64 = rng.next() >> rng.below(64);
        let frac = rng.next() >> rng.below(64);
        let text = match rng.below(4) {
            0 => format!("{int}.{frac}"),
            1 => format!("-{}.{}e{}", int % 100_000, frac % 1000, rng.below(60) as i64 - 30),
            2 => format!("0.{:0width$}{}", 0, frac, width = rng.below(25)),
            _ => format!("{}", f64::from_bits(rng.next())),
        };
        if text.contains("inf") || text.contains("NaN") {
            continue;
        }
        let mut scan = Scan { text: &text, s: text.as_bytes(), i: 0 };
        let want: f64 = text.parse().unwrap();
        match scan.number() {
            Some(Num::Float(got)) => assert_eq!(got.to_bits(), want.to_bits(), "{text}"),
            Some(Num::Int(got)) => assert_eq!(got as f64, want, "{text}"),
            None => assert!(!text.contains(['.', 'e']), "{text}"),
        }
    }
}
