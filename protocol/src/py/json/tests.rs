//! `json.loads`/`json.dumps` checked against Python's answers.

use super::*;

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
        // Offsets count chars, not UTF-8 bytes (Python's answers).
        ("\"é\" x", "Extra data: line 1 column 5 (char 4)"),
        ("[\"é😀\", ]", "Expecting value: line 1 column 8 (char 7)"),
        ("{\"é\":\n \"ü\" 1}", "Expecting ',' delimiter: line 2 column 6 (char 11)"),
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
