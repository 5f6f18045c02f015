//! The xgboost and lightgbm flavors over HTTP: models/xgboost/<name> and
//! models/lightgbm/<name> (written by real MLflow 3.17.2 with xgboost 3.2.0 and
//! lightgbm 4.6.0, models/make_tree_models.py) answer what
//! `mlflow.pyfunc.load_model(path).predict(DataFrame)` answered
//! (models/expected/trees-<name>.json): labels exact and typed, floats within 1e-6
//! relative. A broken model file stops start-up with an error naming it.
//! LightGBM's scikit-learn estimators saved with `mlflow.lightgbm` (skops,
//! cloudpickle, pickle) serve too, their labels decoded from `classes_`.

use serde_json::{Value, json};

use crate::support::{Server, assert_json_close, read_json, repo, serve_fails};

const MODELS: &[(&str, &str)] = &[
    ("xgboost", "xgb-classifier-binary"),
    ("xgboost", "xgb-classifier-multi"),
    ("xgboost", "xgb-regressor-early"),
    ("xgboost", "xgb-regressor-quantiles"),
    ("xgboost", "xgb-booster-softprob"),
    ("xgboost", "xgb-booster-categorical"),
    ("lightgbm", "lgb-binary"),
    ("lightgbm", "lgb-multiclass"),
    ("lightgbm", "lgb-categorical"),
    ("lightgbm", "lgb-zero-as-missing"),
    // LightGBM's scikit-learn estimators, which MLflow writes with mlflow.sklearn's
    // serializer: the host hands their `lightgbm` section to the sklearn component.
    ("lightgbm", "lgb-sklearn-classifier"),
    ("lightgbm", "lgb-sklearn-classifier-strings"),
    ("lightgbm", "lgb-sklearn-regressor-early"),
];

/// The recorded flat values in the recorded shape, as MLflow's JSON nests them.
pub fn nested(outputs: &Value) -> Value {
    let values = outputs["values"].as_array().unwrap();
    match outputs["shape"].as_array().unwrap().as_slice() {
        [_] => Value::Array(values.clone()),
        [_, cols] => Value::Array(values.chunks(cols.as_u64().unwrap() as usize).map(|r| json!(r)).collect()),
        other => panic!("unexpected shape {other:?}"),
    }
}

#[test]
fn tree_models_match_mlflow_over_http() {
    for (flavor, model) in MODELS {
        let expected = read_json(format!("models/expected/trees-{model}.json"));
        let server = Server::start(&format!("models/{flavor}/{model}"), &["-w", "1"]);
        let want = nested(&expected["outputs"]);
        let body = json!({"dataframe_split": {"columns": expected["columns"], "data": expected["data"]}});
        let answer = server.invoke_json(&body);
        assert_eq!(answer.status, 200, "{model}: {}", answer.body);
        let got = &answer.json()["predictions"];
        let dtype = expected["outputs"]["dtype"].as_str().unwrap();
        if dtype.starts_with("int") || dtype == "object" {
            assert_eq!(got, &want, "{model}: labels are exact and keep their type");
        } else {
            assert_json_close(got, &want, 1e-6);
        }
    }
}

#[test]
fn a_row_of_the_wrong_width_is_refused_and_the_server_stays_up() {
    let server = Server::start("models/xgboost/xgb-booster-softprob", &["-w", "1"]);
    let answer = server.invoke_json(&json!({"inputs": [[1.0, 2.0]]}));
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(server.get("/ping").status, 200);
}

#[test]
fn a_truncated_model_file_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = repo().join("models/xgboost/xgb-classifier-binary");
    std::fs::copy(source.join("MLmodel"), dir.path().join("MLmodel")).unwrap();
    let bytes = std::fs::read(source.join("model.ubj")).unwrap();
    std::fs::write(dir.path().join("model.ubj"), &bytes[..bytes.len() / 3]).unwrap();
    let (code, log) = serve_fails(&repo(), &[], dir.path().to_str().unwrap(), &[]);
    assert_ne!(code, Some(0), "{log}");
    assert!(log.contains("model.ubj") && log.contains("truncated UBJSON"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

/// Requests recorded from a real `mlflow models serve` on eleven of the models
/// (models/record_tree_cases.py → tests/conformance/<flavor>/<model>/): every
/// DataFrame format, CSV, an unnamed array with None, reordered and missing columns.
#[test]
fn tree_models_answer_recorded_requests_as_mlflow() {
    let mut replayed = 0;
    for flavor in ["xgboost", "lightgbm"] {
        let dir = repo().join("tests/conformance").join(flavor);
        let mut models: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        models.sort();
        for model in models {
            crate::conformance::replay(&format!("{flavor}/{model}"));
            replayed += 1;
        }
    }
    assert!(replayed >= 11, "{replayed} models replayed");
}
