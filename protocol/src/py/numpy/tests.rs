//! numpy's array construction, casts and printing checked against numpy's answers.

use super::*;
use crate::py::json::parse;

fn arr(text: &str, dtype: Option<DType>) -> NdArray {
    from_json(&parse(text).unwrap(), dtype, CastMode::Construct).unwrap()
}

#[test]
fn more_than_64_dimensions_are_refused_as_numpy_does() {
    let nested = |depth: usize, leaf: &str| parse(&format!("{}{leaf}{}", "[".repeat(depth), "]".repeat(depth)));
    assert_eq!(nested_shape(&nested(64, "1").unwrap()).unwrap().0, vec![1; 64]);
    assert_eq!(nested_shape(&nested(64, "").unwrap()).unwrap().0.len(), 64);
    for leaf in ["1", ""] {
        assert_eq!(
            nested_shape(&nested(65, leaf).unwrap()).unwrap_err(),
            "setting an array element with a sequence. The requested array would exceed the maximum number of dimension of 64."
        );
    }
}

#[test]
fn shapes_and_ragged_errors() {
    assert_eq!(arr("[[1, 2], [3, 4], [5, 6]]", None).shape, vec![3, 2]);
    assert_eq!(arr("5", None).shape, Vec::<usize>::new());
    assert_eq!(arr("[]", None).shape, vec![0]);
    assert_eq!(arr("[[], []]", None).shape, vec![2, 0]);
    let e =
        from_json(&parse("[[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7]]").unwrap(), Some(DType::F32), CastMode::Construct)
            .unwrap_err();
    assert_eq!(
        e,
        "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions. The detected shape was (2,) + inhomogeneous part."
    );
    let e = from_json(&parse("[[1], 2]").unwrap(), None, CastMode::Construct).unwrap_err();
    assert!(e.contains("after 1 dimensions. The detected shape was (2,)"), "{e}");
}

#[test]
fn inference() {
    assert_eq!(arr("[1, 2]", None).values, Values::I64(vec![1, 2]));
    assert_eq!(arr("[1, 2.5]", None).values, Values::F64(vec![1.0, 2.5]));
    assert_eq!(arr("[true, false]", None).values, Values::Bool(vec![true, false]));
    assert_eq!(arr(r#"["a", 1]"#, None).values, Values::String(vec!["a".into(), "1".into()]));
    assert_eq!(arr("[1, null]", None).values, Values::String(vec!["1".into(), "None".into()]));
    assert_eq!(arr("[]", None).values, Values::F64(vec![]));
}

#[test]
fn casts_like_numpy() {
    assert_eq!(arr("[[5, 4.5]]", Some(DType::F32)).values, Values::F32(vec![5.0, 4.5]));
    assert_eq!(arr("[1.9, -1.9]", Some(DType::I32)).values, Values::I32(vec![1, -1]));
    assert_eq!(arr(r#"["1.5"]"#, Some(DType::F64)).values, Values::F64(vec![1.5]));
    let Values::F32(v) = arr("[null, NaN]", Some(DType::F32)).values else { panic!() };
    assert!(v[0].is_nan() && v[1].is_nan());
    let err = |text: &str, dt| from_json(&parse(text).unwrap(), Some(dt), CastMode::Construct).unwrap_err();
    assert_eq!(err(r#"[["a"]]"#, DType::F32), "could not convert string to float: 'a'");
    assert_eq!(err(r#"["1.5"]"#, DType::I64), "invalid literal for int() with base 10: '1.5'");
    assert_eq!(err("[300]", DType::U8), "Python integer 300 out of bounds for uint8");
    assert_eq!(err("[NaN]", DType::I64), "cannot convert float NaN to integer");
    // pandas astype wraps / uses C casts.
    let v = from_json(&parse("[9007199254740991.0, 300]").unwrap(), Some(DType::I32), CastMode::Astype).unwrap();
    assert_eq!(v.values, Values::I32(vec![-2147483648, 300]));
    let v = from_json(&parse(r#"[1.5, 0, "some arbitrary string"]"#).unwrap(), Some(DType::Bool), CastMode::Astype)
        .unwrap();
    assert_eq!(v.values, Values::Bool(vec![true, false, true]));
}

#[test]
fn numpy_str_and_repr() {
    let a = arr("[[5.1, 3.5, 1.4]]", Some(DType::F32));
    assert_eq!(a.np_str(), "[[5.1 3.5 1.4]]");
    let a = arr("[[[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]]]", Some(DType::F32));
    assert_eq!(a.np_str(), "[[[5.1 3.5 1.4 0.2]\n  [7.  3.2 4.7 1.4]\n  [6.3 3.3 6.  2.5]]]");
    assert_eq!(arr("[5.1, 3.5, 1.4, 0.2]", Some(DType::F32)).np_str(), "[5.1 3.5 1.4 0.2]");
    let a = arr("[0.154, 0.214, -1.143, 0.385, 0.173, -1.246, 0.058, -0.884]", Some(DType::F32));
    assert_eq!(
        a.np_repr(),
        "array([ 0.154,  0.214, -1.143,  0.385,  0.173, -1.246,  0.058, -0.884],\n      dtype=float32)"
    );
    let a = arr(
        "[[[0.154, 0.214, -1.143, 0.385, 0.173, -1.246, 0.058, -0.884], [-0.433, 1.168, -0.421, -0.412, 0.338, 0.254, 0.394, -0.488], [0.973, -0.627, -1.57, -0.562, 0.708, 1.812, 0.622, 0.632]]]",
        Some(DType::F32),
    );
    assert_eq!(
        a.np_repr(),
        "array([[[ 0.154,  0.214, -1.143,  0.385,  0.173, -1.246,  0.058, -0.884],\n        [-0.433,  1.168, -0.421, -0.412,  0.338,  0.254,  0.394, -0.488],\n        [ 0.973, -0.627, -1.57 , -0.562,  0.708,  1.812,  0.622,  0.632]]],\n      dtype=float32)"
    );
    assert_eq!(arr("[]", Some(DType::F32)).np_repr(), "array([], dtype=float32)");
    assert_eq!(arr("[1, 2]", None).np_repr(), "array([1, 2])");
    assert_eq!(arr("[1, 22]", Some(DType::I32)).np_str(), "[ 1 22]");
    assert_eq!(arr("5", Some(DType::F32)).np_str(), "5.0");
    assert_eq!(arr("0.1", Some(DType::F32)).np_str(), "0.1");
    assert_eq!(arr("[[1.5, 2.0]]", Some(DType::F64)).np_repr(), "array([[1.5, 2. ]])");
}

#[test]
fn numpy_summarises_large_arrays() {
    let rows: Vec<String> = (0..400).map(|i| format!("[{i}, 1, 2]")).collect();
    let a = arr(&format!("[{}]", rows.join(", ")), Some(DType::I64));
    assert_eq!(
        a.np_str(),
        "[[  0   1   2]\n [  1   1   2]\n [  2   1   2]\n ...\n [397   1   2]\n [398   1   2]\n [399   1   2]]"
    );
    let flat: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
    let a = arr(&format!("[{}]", flat.join(", ")), Some(DType::I32));
    assert_eq!(a.np_str(), "[   0    1    2 ... 1997 1998 1999]");
    assert_eq!(a.np_repr(), "array([   0,    1,    2, ..., 1997, 1998, 1999],\n      shape=(2000,), dtype=int32)");
}
