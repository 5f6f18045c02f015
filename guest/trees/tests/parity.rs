//! Parity with the libraries: every model under models/xgboost and
//! models/lightgbm (written by real MLflow 3.17.2 with xgboost 3.2.0 and lightgbm
//! 4.6.0, by models/make_tree_models.py) predicts its recorded rows as MLflow's
//! pyfunc did (same shape and dtype; labels exactly, floats within 1e-6 relative)
//! and its raw margins as the library's own `predict(output_margin / raw_score)`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wasmflow_flavor_trees::error::Error;
use wasmflow_flavor_trees::output::Data;
use wasmflow_flavor_trees::{Model, load_model};

const TOLERANCE: f64 = 1e-6;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn flavor_config(dir: &Path, flavor: &str) -> String {
    let text = std::fs::read_to_string(dir.join("MLmodel")).unwrap();
    let mlmodel: Value = serde_saphyr::from_str(&text).unwrap();
    serde_json::to_string(&mlmodel["flavors"][flavor]).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= TOLERANCE * want.abs().max(1e-3)
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

/// Loads `name` and checks outputs and margins; returns the worst relative error.
fn check(flavor: &str, name: &str) -> f64 {
    let dir = models().join(flavor).join(name);
    let model = load_model(&dir, flavor, &flavor_config(&dir, flavor)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(models().join(format!("expected/trees-{name}.json"))).unwrap())
            .unwrap();
    let names: Vec<String> =
        expected["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    let data: Vec<f64> = expected["data"].as_array().unwrap().iter().flat_map(numbers).collect();
    let out = model.predict(Some(&names), &data, names.len()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let want = &expected["outputs"];
    let shape: Vec<usize> = want["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    assert_eq!(out.shape, shape, "{name}: shape");
    assert_eq!(out.dtype(), want["dtype"].as_str().unwrap(), "{name}: dtype");
    let mut worst = 0.0f64;
    let labels = matches!(out.data, Data::I64(_) | Data::I32(_));
    for (i, (g, w)) in out.as_f64().iter().zip(numbers(&want["values"])).enumerate() {
        if labels {
            assert_eq!(*g, w, "{name}: label {i}");
        } else {
            assert!(close(*g, w), "{name}: value {i}: {g} vs {w}");
            worst = worst.max((g - w).abs() / w.abs().max(1e-3));
        }
    }
    let margins = match &model {
        Model::Xgboost(m) => m.margins(&data).unwrap().iter().map(|&x| x as f64).collect::<Vec<_>>(),
        Model::Lightgbm(m) => m.raw_scores(&data).unwrap(),
    };
    for (i, (g, w)) in margins.iter().zip(numbers(&expected["margin"]["values"])).enumerate() {
        assert!(close(*g, w), "{name}: margin {i}: {g} vs {w}");
        worst = worst.max((g - w).abs() / w.abs().max(1e-3));
    }
    assert_eq!(margins.len(), numbers(&expected["margin"]["values"]).len(), "{name}: margin count");
    worst
}

/// The fixtures of `flavor` this component reads: not LightGBM's scikit-learn
/// estimators (lgb-sklearn-*), which the sklearn component reads
/// (guest/sklearn/tests/lightgbm_flavor.rs).
fn all(flavor: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(models().join(flavor))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| {
            let config: Value =
                serde_json::from_str(&flavor_config(&models().join(flavor).join(name), flavor)).unwrap();
            !config["model_class"].as_str().is_some_and(|c| c.starts_with("lightgbm.sklearn."))
        })
        .collect();
    names.sort();
    names
}

#[test]
fn xgboost_models_match_mlflow_and_xgboost() {
    let names = all("xgboost");
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let worst = check("xgboost", &name);
        println!("{name}: worst relative error {worst:.2e}");
    }
}

/// The fixtures exercise what they are named for: early stopping truncates the
/// scikit-learn API's forest but not the Booster's, categorical splits exist, and
/// the rows hold missing values.
#[test]
fn xgboost_fixtures_cover_what_they_claim() {
    let load = |name: &str| {
        let dir = models().join("xgboost").join(name);
        match load_model(&dir, "xgboost", &flavor_config(&dir, "xgboost")).unwrap() {
            Model::Xgboost(m) => m,
            Model::Lightgbm(_) => unreachable!(),
        }
    };
    for name in ["xgb-classifier-early", "xgb-regressor-early"] {
        let m = load(name);
        assert!(m.forest.trees().len() < m.n_trees_in_file, "{name}: {} trees", m.forest.trees().len());
    }
    let booster = load("xgb-booster-squarederror-early");
    assert_eq!(booster.forest.trees().len(), booster.n_trees_in_file);
    let cat = load("xgb-booster-categorical");
    assert!(cat.forest.nodes().iter().any(|n| n.kind == wasmflow_tree_engine::KIND_CATEGORICAL));
    let expected = std::fs::read_to_string(models().join("expected/trees-xgb-classifier-binary.json")).unwrap();
    assert!(expected.contains("null"), "no missing values in the rows");
}

#[test]
fn lightgbm_models_match_mlflow_and_lightgbm() {
    let names = all("lightgbm");
    assert!(names.len() >= 19, "{names:?}");
    for name in names {
        let worst = check("lightgbm", &name);
        println!("{name}: worst relative error {worst:.2e}");
    }
}

/// Columns are checked as the libraries check them (MLflow's recorded answers in
/// tests/conformance/{xgboost,lightgbm} show the same): XGBoost wants its feature
/// names in order, and a Booster refuses an unnamed array; LightGBM goes by position.
#[test]
fn columns_are_checked_as_each_library_checks_them() {
    let load = |flavor: &str, name: &str| {
        let dir = models().join(flavor).join(name);
        load_model(&dir, flavor, &flavor_config(&dir, flavor)).unwrap()
    };
    let names: Vec<String> = (0..5).map(|i| format!("x{i}")).collect();
    let reversed: Vec<String> = names.iter().rev().cloned().collect();
    let row = [0.1, -0.2, 0.3, 0.4, 2.0];
    let evaluation = |r: Result<wasmflow_flavor_trees::output::Output, Error>| match r {
        Err(Error::Evaluation(m)) => m,
        other => panic!("not an evaluation error: {other:?}"),
    };

    let booster = load("xgboost", "xgb-booster-softprob");
    assert!(booster.predict(Some(&names), &row, 5).is_ok());
    assert!(evaluation(booster.predict(Some(&reversed), &row, 5)).contains("feature_names mismatch"));
    assert!(evaluation(booster.predict(None, &row, 5)).contains("no column names"));
    assert!(evaluation(booster.predict(Some(&names[..4]), &row[..4], 4)).contains("feature_names mismatch"));

    let classifier = load("xgboost", "xgb-classifier-binary");
    assert_eq!(classifier.predict(None, &row, 5).unwrap(), classifier.predict(Some(&names), &row, 5).unwrap());
    assert!(evaluation(classifier.predict(None, &row[..4], 4)).contains("expects 5 features"));

    let lightgbm = load("lightgbm", "lgb-binary");
    assert!(lightgbm.predict(Some(&reversed), &row, 5).is_ok());
    assert!(lightgbm.predict(None, &row, 5).is_ok());
    assert!(evaluation(lightgbm.predict(Some(&names[..4]), &row[..4], 4)).contains("expects 5 features"));
}
