//! Parity of the sklearn flavor with MLflow's own sklearn pyfunc, over HTTP.
//! Fixtures: models/sklearn/<name> (saved by real MLflow 3.17 in the skops
//! format) and models/expected/sklearn-<name>.json (what
//! `mlflow.pyfunc.load_model(path).predict(DataFrame)` answered). Class labels
//! must be exact (and keep their type); floats agree within 1e-9 relative.
//! Hostile pickles are refused at start-up, naming what they asked for.

use serde_json::{Map, Value, json};

use crate::support::{Server, assert_json_close, read_json, repo, serve_fails};

const MODELS: &[&str] = &[
    "iris-rf",
    "iris-rf-proba",
    "iris-logreg-pipeline",
    "iris-logreg-proba",
    "iris-binary-strings",
    "iris-tree-strings",
    "diabetes-ridge",
    "diabetes-linear",
    "diabetes-linear-ndarray",
    "diabetes-tree",
    "diabetes-rf",
    "mixed-columntransformer",
    "diabetes-lasso",
    "diabetes-elasticnet",
    "iris-extratrees",
    "iris-extratrees-proba",
    "diabetes-extratrees",
    "diabetes-robust-ridge",
    "diabetes-maxabs-poly",
    "iris-poly3-interaction-proba",
    "mixed-ordinal-tree",
    "iris-gaussiannb-proba",
    "iris-gaussiannb",
    "synthetic-knn-proba",
    "synthetic-knn-distance",
    "diabetes-knn-distance",
    "diabetes-knn-uniform",
    // Saved with serialization_format="cloudpickle" (MLflow 2's default) or "pickle":
    // read by the restricted unpickler, nothing in them runs.
    "iris-rf-cloudpickle",
    "iris-logreg-pipeline-cloudpickle",
    "mixed-columntransformer-cloudpickle",
    "diabetes-robust-ridge-cloudpickle",
    "diabetes-ridge-pickle",
    // Boosting, SVM, MLP, SGD, isolation forest.
    "iris-gb-proba",
    "diabetes-gb",
    "iris-svc-rbf-proba",
    "diabetes-svr-rbf",
    "iris-mlp-relu-proba-cloudpickle",
    "iris-sgd-log-proba",
    "iris-iforest",
    "iris-nan-hgb-proba",
    "diabetes-nan-hgb",
    "synthetic-categorical-hgb-proba",
    "synthetic-categorical-hgb-proba-cloudpickle",
    "iris-ovr-logreg-proba",
    "iris-svc-linear",
    "iris-binary-mlp-logistic",
    // Written by MLflow 2.22 (default cloudpickle) with scikit-learn 1.5.2.
    "iris-rf-mlflow2",
    "iris-logreg-pipeline-mlflow2",
    // Issue 13: KD-tree / ball-tree neighbours and their metrics, text imputers,
    // HistGradientBoosting on text categories.
    "iris-knn-auto-proba",
    "diabetes-knn-balltree-manhattan-cloudpickle",
    "synthetic-knn-cosine-proba",
    "titanic-imputer-logreg",
    "titanic-imputer-constant-rf-proba",
    "synthetic-hgb-category-proba",
    "synthetic-hgb-category-proba-cloudpickle",
    // Issue 14: XGBoost / LightGBM scikit-learn estimators inside sklearn models,
    // on the trees flavors' engine (missing values, early stopping, text labels).
    "iris-xgb-proba",
    "iris-binary-xgb-pipeline-cloudpickle",
    "diabetes-nan-xgb-early-stopping",
    "iris-lgbm-strings",
    "iris-lgbm-strings-proba-cloudpickle",
    "diabetes-nan-lgbm-pipeline-cloudpickle",
];

/// sklearn models with answers recorded from `mlflow models serve`
/// (tests/conformance/sklearn-<name>, models/record_cases.py): sklearn's input
/// validation (NaN, infinity, no rows, feature names) as MLflow answers it.
pub const CONFORMANCE: &[&str] = &[
    "sklearn-diabetes-linear",
    "sklearn-diabetes-linear-nosig",
    "sklearn-diabetes-gb",
    "sklearn-diabetes-rf",
    "sklearn-iris-rf",
    "sklearn-diabetes-nan-hgb",
    "sklearn-iris-svc-rbf",
    "sklearn-titanic-imputer-logreg",
    "sklearn-iris-knn-auto",
];

#[test]
fn recorded_validation_answers_match_mlflow() {
    for model in CONFORMANCE {
        crate::conformance::replay(model);
    }
}

/// The fixture's rows in each format MLflow accepts for its signature: DataFrame
/// formats for named columns, array formats for a tensor signature (`columns: null`).
fn bodies(expected: &Value) -> Vec<(&'static str, Value)> {
    let rows = expected["data"].as_array().unwrap();
    let Some(columns) = expected["columns"].as_array() else {
        return vec![
            ("inputs", json!({"inputs": rows})),
            ("instances", json!({"instances": rows})),
            ("dataframe_split without columns", json!({"dataframe_split": {"data": rows}})),
        ];
    };
    let records: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Object(
                columns
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .zip(r.as_array().unwrap().iter().cloned())
                    .collect(),
            )
        })
        .collect();
    let by_column: Map<String, Value> = columns
        .iter()
        .enumerate()
        .map(|(j, c)| (c.as_str().unwrap().to_string(), Value::Array(rows.iter().map(|r| r[j].clone()).collect())))
        .collect();
    vec![
        ("dataframe_split", json!({"dataframe_split": {"columns": columns, "data": rows}})),
        ("dataframe_records", json!({"dataframe_records": records})),
        ("inputs (columns)", json!({"inputs": by_column})),
    ]
}

fn has_floats(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().any(has_floats),
        Value::Number(n) => n.is_f64(),
        _ => false,
    }
}

#[test]
fn every_fixture_matches_mlflow_in_every_dataframe_format() {
    for model in MODELS {
        let expected = read_json(format!("models/expected/sklearn-{model}.json"));
        let server = Server::start(&format!("models/sklearn/{model}"), &["-w", "1"]);
        let want = &expected["outputs"];
        for (format, body) in bodies(&expected) {
            let answer = server.invoke_json(&body);
            assert_eq!(answer.status, 200, "{model} {format}: {}", answer.body);
            let got = &answer.json()["predictions"];
            if has_floats(want) {
                assert_json_close(got, want, 1e-9);
            } else {
                assert_eq!(got, want, "{model} {format}: labels are exact and keep their type");
            }
        }
    }
}

#[test]
fn iris_rf_answers_one_row_at_a_time() {
    let expected = read_json("models/expected/sklearn-iris-rf.json");
    let server = Server::start("models/sklearn/iris-rf", &["-w", "1"]);
    let columns = &expected["columns"];
    for (i, row) in expected["data"].as_array().unwrap().iter().enumerate().step_by(15) {
        let answer = server.invoke_json(&json!({"dataframe_split": {"columns": columns, "data": [row]}}));
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["predictions"], json!([expected["outputs"][i]]));
    }
    // A bad column type is refused before it reaches the model, the server stays up.
    let bad = server.invoke_json(&json!({"dataframe_split": {"columns": columns, "data": [["x", 1, 2, 3]]}}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(server.get("/ping").status, 200);
}

#[test]
fn mixed_model_encodes_an_unseen_category_as_zeros() {
    let server = Server::start("models/sklearn/mixed-columntransformer", &["-w", "1"]);
    // An unseen category is encoded as zeros (handle_unknown="ignore"), as in sklearn.
    let answer = server.invoke_json(
        &json!({"dataframe_records": [{"color": "purple", "size": "M", "weight": 70.0, "height": 170.0}]}),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.json()["predictions"][0].is_string(), "{}", answer.body);
}

#[test]
fn a_pickle_that_calls_os_system_is_refused_at_start() {
    let model = repo().join("guest/sklearn/tests/fixtures/hostile/mlmodel-os-system");
    let (code, log) = serve_fails(&repo(), &[], model.to_str().unwrap(), &[]);
    assert_ne!(code, Some(0), "{log}");
    assert!(log.contains("system is refused"), "the load error names the global: {log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn the_registered_iris_forest_serves_by_alias() {
    // MLflow's walkthrough: mlflow.sklearn.log_model(..., registered_model_name="iris_rf"),
    // alias `champion` (models/make_stores.py), served from the SQLite registry.
    let store = repo().join("tests/fixtures/stores/sklearn-sqlite");
    let tracking = format!("sqlite:///{}", store.join("mlflow.db").display());
    let server = Server::start_in(&store, &[], "models:/iris_rf@champion", &["--tracking-uri", &tracking, "-w", "1"]);
    let expected = read_json("models/expected/sklearn-iris-rf.json");
    let body = json!({"dataframe_split": {"columns": expected["columns"], "data": expected["data"]}});
    let answer = server.invoke_json(&body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"], expected["outputs"], "labels exact, as MLflow's pyfunc answered");
}
