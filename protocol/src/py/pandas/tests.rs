//! DataFrame construction, casts and printing checked against pandas' answers.

use super::*;
use crate::py::json::parse;

#[test]
fn split_builds_like_pandas() {
    let f = Frame::from_split(&parse("[[5.1, 3.5, 1.4]]").unwrap(), None, None).unwrap();
    assert_eq!(f.nrows, 1);
    assert_eq!(f.columns.len(), 3);
    assert_eq!(f.columns[2].label, Label::Int(2));
    assert_eq!(f.pd_str(), "     0    1    2\n0  5.1  3.5  1.4");
    let e = Frame::from_split(&parse("[[1, 2], [3, 4], [5, 6]]").unwrap(), None, Some(&parse("[0, 1]").unwrap()))
        .unwrap_err();
    assert_eq!(e, "Length of values (3) does not match length of index (2)");
    let e =
        Frame::from_split(&parse("[[1, 2]]").unwrap(), Some(&parse(r#"["a", "b", "c"]"#).unwrap()), None).unwrap_err();
    assert_eq!(e, "3 columns passed, passed data had 2 columns");
}

#[test]
fn records_build_like_pandas() {
    let f = Frame::from_records(&parse(r#"[{"a": 1, "b": "x"}, {"c": 2.5, "a": 2}]"#).unwrap()).unwrap();
    let labels: Vec<String> = f.columns.iter().map(|c| c.label.name()).collect();
    assert_eq!(labels, vec!["a", "b", "c"]);
    assert_eq!(f.columns[0].data, ColData::Typed(Values::I64(vec![1, 2])));
    assert!(matches!(f.columns[1].data, ColData::Object(_)));
    let ColData::Typed(Values::F64(c)) = &f.columns[2].data else { panic!() };
    assert!(c[0].is_nan());
}

#[test]
fn pandas_str_matches() {
    let f = Frame::from_split(
        &parse("[[0.154, 0.214, -1.143], [-0.433, 1.168, -0.421], [0.973, -0.627, -1.57]]").unwrap(),
        Some(&parse(r#"["c0", "c1", "c2"]"#).unwrap()),
        None,
    )
    .unwrap();
    assert_eq!(
        f.pd_str(),
        "      c0     c1     c2\n0  0.154  0.214 -1.143\n1 -0.433  1.168 -0.421\n2  0.973 -0.627 -1.570"
    );
    // Wide and long frames: see testdata/repr_fixtures.json.
    let f = Frame::from_records(&parse(r#"[{"a": 1, "s": "x"}, {"a": 22, "s": "yy"}]"#).unwrap()).unwrap();
    assert_eq!(f.pd_str(), "    a   s\n0   1   x\n1  22  yy");
}

#[test]
fn astype_is_lenient() {
    let mut f = Frame::from_records(
        &parse(r#"[{"i": 9007199254740991.0, "s": 1, "b": 1.5}, {"i": 1.0, "s": 2, "b": 0}]"#).unwrap(),
    )
    .unwrap();
    f.astype_column(0, DType::I32).unwrap();
    f.astype_column(1, DType::String).unwrap();
    f.astype_column(2, DType::Bool).unwrap();
    assert_eq!(f.columns[0].data, ColData::Typed(Values::I32(vec![-2147483648, 1])));
    assert_eq!(f.columns[1].data, ColData::Typed(Values::String(vec!["1".into(), "2".into()])));
    assert_eq!(f.columns[2].data, ColData::Typed(Values::Bool(vec![true, false])));
}
