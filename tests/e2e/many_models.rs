//! Many models in one server (`-m NAME=URI`, repeated): four flavors side by side
//! (ONNX, scikit-learn, XGBoost, a Python model), each answering MLflow's protocol
//! at `/models/NAME/invocations` exactly as it answers alone (the first also at
//! `/invocations`), and one that fails to load reported not ready without
//! stopping the others.

use serde_json::{Value, json};

use crate::support::{Server, read_json};
use crate::trees::nested;

/// The MLflow JSON body of `expected`'s columns and rows.
fn split(expected: &Value) -> String {
    json!({"dataframe_split": {"columns": expected["columns"], "data": expected["data"]}}).to_string()
}

#[test]
fn one_server_serves_several_models_by_name() {
    let server = Server::start(
        "models/iris-onnx",
        &[
            "-m",
            "rf=models/sklearn/iris-rf",
            "-m",
            "models/xgboost/xgb-classifier-multi",
            "-m",
            "models/python/lookup",
            "-m",
            "broken=models/python/imports-numpy",
            "-w",
            "1",
        ],
    );
    let json = Some("application/json");

    // The first model, under its directory's name and at MLflow's own route.
    let iris = read_json("models/expected/iris-onnx.json");
    let body = json!({"inputs": iris["inputs"]}).to_string();
    let named = server.post("/models/iris-onnx/invocations", json, body.clone());
    assert_eq!(named.status, 200, "{}", named.body);
    assert_eq!(named.json()["predictions"]["label"], iris["outputs"]["label"]);
    let first = server.invoke(json, body);
    assert_eq!((first.status, first.body), (200, named.body), "/invocations is the first model");

    let rf = read_json("models/expected/sklearn-iris-rf.json");
    let answer = server.post("/models/rf/invocations", json, split(&rf));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"], rf["outputs"]);

    let xgb = read_json("models/expected/trees-xgb-classifier-multi.json");
    let answer = server.post("/models/xgb-classifier-multi/invocations", json, split(&xgb));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["predictions"], nested(&xgb["outputs"]));

    let recorded = read_json("tests/conformance/python/lookup/split_codes.json");
    let answer =
        server.post("/models/lookup/invocations", json, recorded["request"]["body"].as_str().unwrap().to_owned());
    assert_eq!((answer.status, answer.body.as_str()), (200, recorded["response"]["body"].as_str().unwrap()));

    // Each model enforces its own signature: the iris rows are refused by the Python model.
    let answer = server.post("/models/lookup/invocations", json, split(&rf));
    assert_eq!(answer.status, 400, "{}", answer.body);

    // The model that failed to load: not ready; an unknown name: not found.
    let answer = server.post("/models/broken/invocations", json, split(&rf));
    assert_eq!((answer.status, answer.error_code().as_str()), (503, "TEMPORARILY_UNAVAILABLE"), "{}", answer.body);
    let answer = server.post("/models/nope/invocations", json, split(&rf));
    assert_eq!((answer.status, answer.error_code().as_str()), (404, "RESOURCE_DOES_NOT_EXIST"), "{}", answer.body);
    assert!(server.log().contains("model 'broken' (models/python/imports-numpy) is not served"), "{}", server.log());
    assert_eq!(server.get("/ping").status, 200, "the first model is ready");
}
