//! `joblib.dump` files (models/ensemble/artifacts, written by
//! models/make_ensemble_model.py with joblib 1.6): pickles whose numpy arrays are
//! `NumpyArrayWrapper`s with the array's bytes (or, for object arrays, a nested
//! pickle) right after them in the stream. The restricted reader rebuilds them,
//! and a cut or a lying wrapper is a load error, never a panic.

use std::path::{Path, PathBuf};

use wasmflow_flavor_sklearn::data::{Column, Frame, Input};
use wasmflow_flavor_sklearn::error::Error;
use wasmflow_flavor_sklearn::estimators::{ALLOWED, Method, Model, Transform};
use wasmflow_flavor_sklearn::npy::Data;
use wasmflow_flavor_sklearn::{pickle, read_pickle};

fn artifact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/ensemble/artifacts").join(name)
}

#[test]
fn joblib_files_load_and_evaluate() {
    let scaler = Transform::build(&read_pickle(&artifact("preprocessor.pkl")).unwrap()).unwrap();
    let names: Vec<String> = ["age", "bmi", "bp", "s5"].map(String::from).to_vec();
    // feature_names_in_ (an object array: the nested pickle) is checked by transform.
    let frame = |names: Vec<String>| {
        Input::Frame(Frame { names, columns: (0..4).map(|_| Column::F64(vec![0.01, -0.02])).collect() })
    };
    let processed = scaler.apply(frame(names.clone())).unwrap();
    let Input::Matrix(m) = &processed else { panic!("a matrix: {processed:?}") };
    assert_eq!((m.rows, m.cols), (2, 4));
    assert!(scaler.apply(frame(vec!["x".into(); 4])).is_err(), "column names are checked");
    for name in ["model_a.pkl", "model_b.pkl"] {
        let model = Model::build(&read_pickle(&artifact(name)).unwrap(), Method::Predict).unwrap();
        let out = model.predict(processed.clone()).unwrap();
        let Data::F64(values) = &out.data else { panic!("{name}: {out:?}") };
        assert_eq!(out.shape, vec![2]);
        assert!(values.iter().all(|v| v.is_finite() && *v > 0.0), "{name}: {values:?}");
    }
}

#[test]
fn cut_joblib_files_are_load_errors() {
    for name in ["preprocessor.pkl", "model_a.pkl", "model_b.pkl"] {
        let bytes = std::fs::read(artifact(name)).unwrap();
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            match pickle::read(&bytes[..cut], &|class| ALLOWED.contains(&class)) {
                Err(Error::Load(_)) => {}
                other => panic!("{name} cut at {cut}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_wrapper_declaring_more_data_than_the_file_holds_is_refused() {
    let mut bytes = std::fs::read(artifact("model_a.pkl")).unwrap();
    // model_a (Ridge) has coef_ of shape (4,): make the first wrapper declare (4000000,).
    let at = bytes.windows(3).position(|w| w == [b'K', 4, 0x85]).expect("a BININT1 4, TUPLE1 shape");
    bytes.splice(at..at + 2, [b'J', 0x00, 0x09, 0x3d, 0x00]);
    match pickle::read(&bytes, &|class| ALLOWED.contains(&class)) {
        Err(Error::Load(m)) => assert!(m.contains("truncated pickle") || m.contains("bytes"), "{m}"),
        other => panic!("accepted: {other:?}"),
    }
}
