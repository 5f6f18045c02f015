//! Native parity with scikit-learn: every fixture in models/sklearn (saved by real
//! MLflow as skops, cloudpickle or pickle) against the predictions MLflow's own
//! pyfunc made (models/expected/sklearn-*.json), plus the pickled ones dumped again
//! with every pickle protocol. Labels exact, floats within 1e-9 relative. Each
//! pickled model also reads as exactly the tree of its skops twin.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmflow_flavor_sklearn::data::{Column, Frame, Input, Matrix};
use wasmflow_flavor_sklearn::error::Error;
use wasmflow_flavor_sklearn::estimators::{ALLOWED, Method, Model};
use wasmflow_flavor_sklearn::npy::Data;
use wasmflow_flavor_sklearn::skops::{self, Node};
use wasmflow_flavor_sklearn::{load_model, pickle};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(repo().join("models/expected"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let model = name.strip_prefix("sklearn-")?.strip_suffix(".json")?.to_string();
            let text = std::fs::read_to_string(repo().join("models/expected").join(&name)).unwrap();
            Some((model, serde_json::from_str(&text).unwrap()))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The rows as a DataFrame, or as a float64 matrix when the fixture has no column names.
fn input(expected: &Value) -> Input {
    let rows = expected["data"].as_array().unwrap();
    let Some(names) = expected["columns"].as_array() else {
        let cols = rows[0].as_array().unwrap().len();
        let data = rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(cell)).collect();
        return Input::Matrix(Matrix { rows: rows.len(), cols, data });
    };
    let names: Vec<String> = names.iter().map(|n| n.as_str().unwrap().to_string()).collect();
    let columns = (0..names.len())
        .map(|j| {
            if rows[0][j].is_string() {
                Column::Str(rows.iter().map(|r| r[j].as_str().unwrap().to_string()).collect())
            } else {
                Column::F64(rows.iter().map(|r| cell(&r[j])).collect())
            }
        })
        .collect();
    Input::Frame(Frame { names, columns })
}

/// A numeric cell; null is a missing value (NaN).
fn cell(v: &Value) -> f64 {
    if v.is_null() { f64::NAN } else { v.as_f64().unwrap() }
}

/// The MLmodel's `sklearn` and `python_function` sections as JSON, as the host hands them over.
fn configs(model: &str) -> (String, String) {
    let text = std::fs::read_to_string(repo().join("models/sklearn").join(model).join("MLmodel")).unwrap();
    let mlmodel: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    (mlmodel["flavors"]["sklearn"].to_string(), mlmodel["flavors"]["python_function"].to_string())
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        other => out.push(other.clone()),
    }
}

/// Checks `loaded` against the recorded outputs: labels exact, floats within 1e-9 relative.
fn check(model: &str, loaded: &Model, expected: &Value) {
    let got = loaded.predict(input(expected)).unwrap_or_else(|e| panic!("{model}: {e}"));
    let mut want = Vec::new();
    flatten(&expected["outputs"], &mut want);
    let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
    match &got.data {
        Data::F64(v) => {
            assert_eq!(v.len(), want.len(), "{model}");
            for (a, e) in v.iter().zip(&want) {
                let e = e.as_f64().unwrap();
                let abs = (a - e).abs();
                max_abs = max_abs.max(abs);
                max_rel = max_rel.max(abs / e.abs().max(1e-300));
                assert!(abs <= 1e-9 * e.abs().max(1.0), "{model}: {a} vs {e}");
            }
        }
        Data::I64(v) => assert_eq!(v.iter().map(|&x| Value::from(x)).collect::<Vec<_>>(), want, "{model}"),
        Data::Str(v) => assert_eq!(v.iter().map(|x| Value::from(x.as_str())).collect::<Vec<_>>(), want, "{model}"),
        other => panic!("{model}: unexpected output {other:?}"),
    }
    println!("{model}: {} values, max abs diff {max_abs:.3e}, max rel diff {max_rel:.3e}", want.len());
}

#[test]
fn every_fixture_matches_mlflow_pyfunc() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 8, "fixtures missing: {}", fixtures.len());
    for (model, expected) in fixtures {
        let (flavor, pyfunc) = configs(&model);
        let loaded = load_model(&repo().join("models/sklearn").join(&model), &flavor, &pyfunc)
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        check(&model, &loaded, &expected);
    }
}

/// The same models dumped again with every pickle protocol, 0 to 5, and one with
/// a numpy RandomState (tests/fixtures/protocols, from tests/fixtures/make_pickles.py).
#[test]
fn every_pickle_protocol_matches_mlflow_pyfunc() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/protocols");
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files.len(), 19, "{files:?}");
    for file in files {
        let model = file.rsplit_once("-p").unwrap().0;
        let expected = &fixtures().into_iter().find(|(m, _)| m == model).unwrap().1;
        let root = pickle::read(&std::fs::read(dir.join(&file)).unwrap(), &|class| ALLOWED.contains(&class))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let method = Method::parse(expected["predict_fn"].as_str().unwrap()).unwrap();
        check(&file, &Model::build(&root, method).unwrap_or_else(|e| panic!("{file}: {e}")), expected);
    }
}

#[test]
fn unsupported_and_broken_models_fail_at_load() {
    let dir = std::env::temp_dir().join(format!("wasmflow-sklearn-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = r#"{"serialization_format": "skops", "pickled_model": "model.skops"}"#;
    std::fs::write(dir.join("model.skops"), b"PK\x03\x04 truncated").unwrap();
    assert!(matches!(load_model(&dir, config, "{}"), Err(Error::Load(_))));
    // A truncated copy of a real model never panics.
    let real = std::fs::read(repo().join("models/sklearn/iris-rf/model.skops")).unwrap();
    for cut in [10, 1000, real.len() / 2, real.len() - 10] {
        std::fs::write(dir.join("model.skops"), &real[..cut]).unwrap();
        assert!(matches!(load_model(&dir, config, "{}"), Err(Error::Load(_))), "cut at {cut}");
    }
    // The same for a pickle, cut at every byte of a small one.
    let pickle = r#"{"serialization_format": "cloudpickle", "pickled_model": "model.pkl"}"#;
    let real = std::fs::read(repo().join("models/sklearn/diabetes-linear-cloudpickle/model.pkl")).unwrap();
    for cut in 0..real.len() {
        std::fs::write(dir.join("model.pkl"), &real[..cut]).unwrap();
        let Err(Error::Load(m)) = load_model(&dir, pickle, "{}") else { panic!("cut at {cut} accepted") };
        assert!(m.starts_with("model.pkl: "), "{m}");
    }
    let Err(Error::Load(m)) = load_model(&dir, r#"{"serialization_format": "joblib"}"#, "{}") else {
        panic!("joblib accepted")
    };
    assert!(m.contains("joblib"), "{m}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Dicts and objects with their entries sorted (skops keeps JSON object keys sorted).
fn sorted(node: Node) -> Node {
    let sort = |attrs: Vec<(String, Node)>| {
        let mut attrs: Vec<(String, Node)> = attrs.into_iter().map(|(k, v)| (k, sorted(v))).collect();
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        attrs
    };
    match node {
        Node::Dict(attrs) => Node::Dict(sort(attrs)),
        Node::Object { class, attrs } => Node::Object { class, attrs: sort(attrs) },
        Node::List(items) => Node::List(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Where two trees first differ (NaN equals NaN).
fn difference(a: &Node, b: &Node, path: String) -> Option<String> {
    let entries = |x: &[(String, Node)], y: &[(String, Node)]| {
        let (kx, ky): (Vec<&String>, Vec<&String>) =
            (x.iter().map(|e| &e.0).collect(), y.iter().map(|e| &e.0).collect());
        if kx != ky {
            return Some(format!("{path}: keys {kx:?} vs {ky:?}"));
        }
        x.iter().zip(y).find_map(|((k, u), (_, v))| difference(u, v, format!("{path}.{k}")))
    };
    match (a, b) {
        (Node::Float(x), Node::Float(y)) if x.is_nan() && y.is_nan() => None,
        (Node::Dict(x), Node::Dict(y)) => entries(x, y),
        (Node::Object { class: c, attrs: x }, Node::Object { class: d, attrs: y }) if c == d => entries(x, y),
        (Node::List(x), Node::List(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| difference(u, v, format!("{path}[{i}]")))
        }
        (Node::Array(x), Node::Array(y)) if format!("{x:?}") == format!("{y:?}") => None,
        _ if a == b => None,
        _ => Some(format!("{path}: {a:?} vs {b:?}").chars().take(600).collect()),
    }
}

#[test]
fn pickles_read_as_the_same_tree_as_their_skops_twins() {
    let allowed = |class: &str| ALLOWED.contains(&class);
    let mut compared = 0;
    for (model, _) in fixtures() {
        let Some(twin) = model.strip_suffix("-cloudpickle").or_else(|| model.strip_suffix("-pickle")) else {
            continue;
        };
        let dir = repo().join("models/sklearn");
        if !dir.join(twin).join("model.skops").exists() {
            continue; // saved as a pickle only
        }
        let from_pickle = pickle::read(&std::fs::read(dir.join(&model).join("model.pkl")).unwrap(), &allowed).unwrap();
        let from_skops = skops::read(&std::fs::read(dir.join(twin).join("model.skops")).unwrap(), &allowed).unwrap();
        if let Some(diff) = difference(&sorted(from_pickle), &sorted(from_skops), model.clone()) {
            panic!("{diff}");
        }
        compared += 1;
    }
    assert!(compared >= 8, "{compared} pickled fixtures");
}
