//! Broken and hostile model files fail at load with a one-line error that names
//! the file; nothing panics. Each case is made at test time from a real fixture
//! (models/xgboost, models/lightgbm) by cutting or editing it.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wasmflow_flavor_trees::error::Error;
use wasmflow_flavor_trees::load_model;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// The load error of `bytes` saved as `file` and served as `flavor`.
fn refusal(flavor: &str, file: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), bytes).unwrap();
    let config = json!({"data": file}).to_string();
    match load_model(dir.path(), flavor, &config) {
        Err(Error::Load(message)) => {
            assert!(!message.contains('\n'), "not one line: {message}");
            assert!(message.starts_with(&format!("{file}: ")), "does not name {file}: {message}");
            message
        }
        Err(other) => panic!("not a load error: {other:?}"),
        Ok(_) => panic!("{file} loaded"),
    }
}

fn xgb_json() -> Value {
    serde_json::from_slice(&std::fs::read(models().join("xgboost/xgb-booster-softmax/model.json")).unwrap()).unwrap()
}

/// `edit` applied to the first tree of the softmax model's JSON, then loaded.
fn xgb_edited(edit: impl Fn(&mut Value)) -> String {
    let mut doc = xgb_json();
    edit(&mut doc["learner"]["gradient_booster"]["model"]["trees"][0]);
    refusal("xgboost", "model.json", &serde_json::to_vec(&doc).unwrap())
}

#[test]
fn truncated_ubjson_is_refused_at_every_cut() {
    let bytes = std::fs::read(models().join("xgboost/xgb-classifier-binary/model.ubj")).unwrap();
    for cut in (0..bytes.len()).step_by(37) {
        let message = refusal("xgboost", "model.ubj", &bytes[..cut]);
        assert!(
            message.contains("truncated") || message.contains("old binary") || message.contains("expected"),
            "cut at {cut}: {message}"
        );
    }
}

#[test]
fn truncated_json_is_refused() {
    let bytes = std::fs::read(models().join("xgboost/xgb-booster-softmax/model.json")).unwrap();
    let message = refusal("xgboost", "model.json", &bytes[..bytes.len() / 2]);
    assert!(message.contains("not a valid XGBoost JSON model"), "{message}");
}

/// An edit of one tree's JSON.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn broken_xgboost_trees_are_refused() {
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|t| t["left_children"][0] = json!(9999)), "has child 9999, but the tree has"),
        (Box::new(|t| t["left_children"][0] = json!(-7)), "node 0 has child -7"),
        (Box::new(|t| t["left_children"][1] = json!(0)), "is reached twice"),
        (Box::new(|t| t["split_indices"][0] = json!(100000)), "splits on feature 100000"),
        (Box::new(|t| t["tree_param"]["num_nodes"] = json!("9999")), "entries for 9999 nodes"),
        (Box::new(|t| t["tree_param"]["num_nodes"] = json!("4000000000000")), "more than the"),
        (Box::new(|t| t["split_conditions"] = json!("x")), "`split_conditions` is not an array"),
        (Box::new(|t| t["tree_param"]["size_leaf_vector"] = json!("3")), "multi-output trees"),
    ];
    for (edit, needle) in cases {
        let message = xgb_edited(edit);
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn hostile_categories_are_refused() {
    let bytes = std::fs::read(models().join("xgboost/xgb-booster-categorical-onehot/model.json")).unwrap();
    let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
    let trees = doc["learner"]["gradient_booster"]["model"]["trees"].as_array_mut().unwrap();
    let tree = trees.iter_mut().find(|t| !t["categories"].as_array().unwrap().is_empty()).expect("a categorical split");
    tree["categories"][0] = json!(1u64 << 40);
    let message = refusal("xgboost", "model.json", &serde_json::to_vec(&doc).unwrap());
    assert!(message.contains("category 1099511627776 is out of range"), "{message}");
}

#[test]
fn the_old_binary_format_and_other_files_are_named() {
    let message = refusal("xgboost", "model.xgb", b"binf\x00\x00\x00\x3f\x05\x00\x00\x00");
    assert!(message.contains("old binary model format"), "{message}");
    let message = refusal("xgboost", "model.json", br#"{"learner": {"objective": {"name": "reg:unknown"}}}"#);
    assert!(message.contains("reg:unknown"), "{message}");
    let gblinear = xgb_json();
    let mut doc = gblinear;
    doc["learner"]["gradient_booster"]["name"] = json!("gblinear");
    let message = refusal("xgboost", "model.json", &serde_json::to_vec(&doc).unwrap());
    assert!(message.contains("gblinear"), "{message}");
}

fn lgb_text() -> String {
    std::fs::read_to_string(models().join("lightgbm/lgb-binary/model.lgb")).unwrap()
}

#[test]
fn broken_lightgbm_models_are_refused() {
    let text = lgb_text();
    let cases: Vec<(String, &str)> = vec![
        (text[..text.len() / 2].to_string(), "truncated"),
        (text.replacen("num_leaves=7", "num_leaves=100000000", 1), "num_leaves=100000000 is not between"),
        (text.replacen("left_child=1 ", "left_child=40 ", 1), "child 40 is out of range"),
        (text.replacen("left_child=1 ", "left_child=0 ", 1), "is reached twice"),
        (text.replacen("split_feature=0 ", "split_feature=9 ", 1), "splits on feature 9"),
        (text.replacen("decision_type=10 ", "decision_type=14 ", 1), "unknown missing type 3"),
        (text.replacen("leaf_value=", "leaf_value=1 ", 1), "`leaf_value` has 8 values, expected 7"),
        (text.replacen("objective=binary", "objective=mystery", 1), "objective \"mystery\""),
        ("not a model".to_string(), "does not start with `tree`"),
    ];
    for (bytes, needle) in cases {
        let message = refusal("lightgbm", "model.lgb", bytes.as_bytes());
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    let message = refusal("lightgbm", "model.lgb", &[0xff, 0xfe, 0x00]);
    assert!(message.contains("not UTF-8"), "{message}");
}

#[test]
fn broken_linear_trees_are_refused() {
    let text = std::fs::read_to_string(models().join("lightgbm/lgb-linear-tree/model.lgb")).unwrap();
    let cases = [
        (text.replacen("leaf_features=0 ", "leaf_features=77 ", 1), "feature 77"),
        (text.replacen("num_features=", "num_features=5 ", 1), "`num_features` has 8 values, expected 7"),
        (text.replacen("leaf_coeff=", "leaf_coeff=1 ", 1), "`leaf_coeff` has"),
    ];
    for (bytes, needle) in cases {
        let message = refusal("lightgbm", "model.lgb", bytes.as_bytes());
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn a_data_path_outside_the_model_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for data in ["../model.json", "/etc/passwd"] {
        let config = json!({"data": data}).to_string();
        let message = load_model(dir.path(), "xgboost", &config).unwrap_err().to_string();
        assert!(message.contains("is not a plain relative path"), "{message}");
    }
}

#[test]
fn unsupported_model_classes_are_named() {
    let dir = models().join("lightgbm/lgb-binary");
    let config = json!({"data": "model.lgb", "model_class": "lightgbm.sklearn.LGBMClassifier"}).to_string();
    let message = load_model(&dir, "lightgbm", &config).unwrap_err().to_string();
    assert!(
        message.contains("lightgbm.sklearn.LGBMClassifier") && message.contains("the sklearn component"),
        "{message}"
    );
    let dir = models().join("xgboost/xgb-booster-softmax");
    let config = json!({"data": "model.json", "model_class": "xgboost.dask.DaskXGBClassifier"}).to_string();
    let message = load_model(&dir, "xgboost", &config).unwrap_err().to_string();
    assert!(message.contains("DaskXGBClassifier"), "{message}");
}
