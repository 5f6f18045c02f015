//! numpy/pandas rendering checked against `testdata/repr_fixtures.json`,
//! printed by real numpy 2.4 / pandas 3.1 (`testdata/make_repr_fixtures.py`).

use crate::py::dtypes::dtype_from_numpy;
use crate::py::json::{Json, parse};
use crate::py::numpy::{CastMode, from_json};
use crate::py::pandas::Frame;

const FIXTURES: &str = include_str!("../../testdata/repr_fixtures.json");

fn field<'a>(case: &'a Json, key: &str) -> &'a Json {
    case.get(key).unwrap_or(&Json::Null)
}

#[test]
fn pandas_frames_print_like_pandas() {
    let doc = parse(FIXTURES).unwrap();
    let Json::List(frames) = field(&doc, "frames") else { panic!() };
    let mut bad = Vec::new();
    for case in frames {
        let columns = case.get("columns");
        let index = case.get("index");
        let frame = Frame::from_split(field(case, "data"), columns, index).unwrap();
        let Json::Str(want) = field(case, "str") else { panic!() };
        let got = frame.pd_str();
        if &got != want {
            bad.push(format!("ours:\n{got}\npandas:\n{want}\n"));
        }
    }
    assert!(bad.is_empty(), "{} of {} differ:\n{}", bad.len(), frames.len(), bad.join("\n"));
}

#[test]
fn numpy_arrays_print_like_numpy() {
    let doc = parse(FIXTURES).unwrap();
    let Json::List(arrays) = field(&doc, "arrays") else { panic!() };
    let mut bad = Vec::new();
    for case in arrays {
        let Json::Str(dtype) = field(case, "dtype") else { panic!() };
        let a = from_json(field(case, "data"), dtype_from_numpy(dtype), CastMode::Construct).unwrap();
        let (Json::Str(s), Json::Str(r)) = (field(case, "str"), field(case, "repr")) else { panic!() };
        if &a.np_str() != s {
            bad.push(format!("str ours:\n{}\nnumpy:\n{s}\n", a.np_str()));
        }
        if &a.np_repr() != r {
            bad.push(format!("repr ours:\n{}\nnumpy:\n{r}\n", a.np_repr()));
        }
    }
    assert!(bad.is_empty(), "{} differ:\n{}", bad.len(), bad.join("\n"));
}
