//! LightGBM's scikit-learn estimators saved with `mlflow.lightgbm`
//! (models/lightgbm/lgb-sklearn-*, written by MLflow 3.17.2 with lightgbm 4.6.0
//! as skops, cloudpickle and pickle by models/make_tree_models.py). MLflow writes
//! and reads them with mlflow.sklearn's serializer, so the host hands their
//! `lightgbm` section to this component (host/src/flavors.rs, `reader_of`); they
//! answer what MLflow's lightgbm pyfunc answered (its `predict`: labels exactly,
//! typed as `classes_`; floats within 1e-6 relative), and a classifier's
//! probabilities are the estimator's own `predict_proba`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmflow_flavor_sklearn::data::{Column, Frame, Input};
use wasmflow_flavor_sklearn::load_model;
use wasmflow_flavor_sklearn::npy::{Data, NdArray};

const TOLERANCE: f64 = 1e-6;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// The MLmodel's `lightgbm` and `python_function` sections, as the host hands them over.
fn sections(dir: &Path) -> (Value, Value) {
    let mlmodel: Value = serde_saphyr::from_str(&std::fs::read_to_string(dir.join("MLmodel")).unwrap()).unwrap();
    (mlmodel["flavors"]["lightgbm"].clone(), mlmodel["flavors"]["python_function"].clone())
}

/// The recorded rows as a DataFrame (null is NaN).
fn frame(expected: &Value) -> Input {
    let names: Vec<String> =
        expected["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    let rows = expected["data"].as_array().unwrap();
    let columns = (0..names.len())
        .map(|j| Column::F64(rows.iter().map(|r| r[j].as_f64().unwrap_or(f64::NAN)).collect()))
        .collect();
    Input::Frame(Frame { names, columns })
}

/// Checks `got` against a recorded `{values, shape}`: strings and integers
/// exactly, floats within [`TOLERANCE`]; returns the worst relative error.
fn compare(name: &str, got: &NdArray, want: &Value) -> f64 {
    let shape: Vec<usize> = want["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    assert_eq!(got.shape, shape, "{name}: shape");
    let values = want["values"].as_array().unwrap();
    let mut worst = 0.0f64;
    match &got.data {
        Data::I64(v) => assert_eq!(v.iter().map(|&x| Value::from(x)).collect::<Vec<_>>(), *values, "{name}"),
        Data::Str(v) => assert_eq!(v.iter().map(|x| Value::from(x.as_str())).collect::<Vec<_>>(), *values, "{name}"),
        Data::F64(v) => {
            assert_eq!(v.len(), values.len(), "{name}");
            for (g, w) in v.iter().zip(values) {
                let w = w.as_f64().unwrap();
                let rel = (g - w).abs() / w.abs().max(1e-3);
                assert!(rel <= TOLERANCE, "{name}: {g} vs {w}");
                worst = worst.max(rel);
            }
        }
        other => panic!("{name}: unexpected output {other:?}"),
    }
    worst
}

#[test]
fn lightgbm_scikit_learn_models_match_mlflow() {
    let mut names: Vec<String> = std::fs::read_dir(models().join("lightgbm"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("lgb-sklearn-"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    let mut formats = Vec::new();
    for name in names {
        let dir = models().join("lightgbm").join(&name);
        let (section, pyfunc) = sections(&dir);
        assert!(section["model_class"].as_str().unwrap().starts_with("lightgbm.sklearn."), "{name}");
        formats.push(section["serialization_format"].as_str().unwrap().to_string());
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(models().join(format!("expected/trees-{name}.json"))).unwrap(),
        )
        .unwrap();
        let model =
            load_model(&dir, &section.to_string(), &pyfunc.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = model.predict(frame(&expected)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut worst = compare(&name, &out, &expected["outputs"]);
        if let Some(proba) = expected.get("predict_proba") {
            // The same file served with predict_fn: predict_proba (what the
            // estimator computes before decoding its labels).
            let proba_fn = serde_json::json!({"predict_fn": "predict_proba"}).to_string();
            let model = load_model(&dir, &section.to_string(), &proba_fn).unwrap();
            worst = worst.max(compare(&name, &model.predict(frame(&expected)).unwrap(), proba));
        }
        println!("{name} ({}): worst relative error {worst:.2e}", formats.last().unwrap());
    }
    formats.sort();
    assert_eq!(formats, ["cloudpickle", "pickle", "skops"]);
}
