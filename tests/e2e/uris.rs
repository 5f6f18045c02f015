//! Model URIs resolved through MLflow stores: `models:/name/N`, `models:/name@alias`,
//! `models:/name/latest`, `models:/m-…`, `runs:/…/model`, against the SQLite and file
//! stores in tests/fixtures/stores (made by real MLflow, models/make_stores.py) and a real
//! `mlflow server` started here (REST API + artifact proxy).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::mlflow_server;
use crate::support::{Server, copy_dir, free_port, read_json, repo, serve_fails};

/// One committed store: its directory, tracking URI and the ids MLflow gave it.
struct Fixture {
    dir: PathBuf,
    tracking_uri: String,
    ids: Value,
}

fn fixture(kind: &str) -> Fixture {
    let dir = repo().join("tests/fixtures/stores").join(kind);
    let tracking_uri = match kind {
        "sqlite" => format!("sqlite:///{}", dir.join("mlflow.db").display()),
        _ => format!("file://{}", dir.join("mlruns").display()),
    };
    let ids = read_json(format!("tests/fixtures/stores/{kind}/ids.json"));
    Fixture { dir, tracking_uri, ids }
}

impl Fixture {
    fn id(&self, version: u32, what: &str) -> String {
        self.ids["versions"][version.to_string()][what].as_str().unwrap().to_string()
    }
}

/// A prediction on three iris rows matches onnxruntime's.
fn predicts_iris(server: &Server) {
    let expected = read_json("models/expected/iris-onnx.json");
    let rows: Vec<Value> = expected["inputs"].as_array().unwrap()[..3].to_vec();
    let answer = server.invoke_json(&json!({"inputs": rows}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let got = answer.json();
    let want_labels: Vec<Value> = expected["outputs"]["label"].as_array().unwrap()[..3].to_vec();
    assert_eq!(got["predictions"]["label"], json!(want_labels), "{}", answer.body);
    let probabilities = got["predictions"]["probabilities"].as_array().unwrap();
    for (row, want) in probabilities.iter().zip(expected["outputs"]["probabilities"].as_array().unwrap()) {
        for (a, e) in row.as_array().unwrap().iter().zip(want.as_array().unwrap()) {
            assert!((a.as_f64().unwrap() - e.as_f64().unwrap()).abs() < 1e-5, "{row} vs {want}");
        }
    }
}

/// The directory the server says it serves.
fn served_dir(server: &Server) -> String {
    let log = server.log();
    let line = log.lines().find(|l| l.contains("serving ")).unwrap_or_else(|| panic!("no serving line:\n{log}"));
    line.split("serving ").nth(1).unwrap().split(" (").next().unwrap().to_string()
}

/// Every URI form against one committed store: the right model version is served and predicts.
fn serves_every_form(kind: &str) {
    let store = fixture(kind);
    let tracking = ["--tracking-uri", store.tracking_uri.as_str()];
    let (model1, model2) = (store.id(1, "model_id"), store.id(2, "model_id"));
    let cases = [
        ("models:/iris_classifier/1".to_string(), &model1),
        ("models:/iris_classifier/2".to_string(), &model2),
        ("models:/iris_classifier@production".to_string(), &model2),
        ("models:/iris_classifier/latest".to_string(), &model2),
        (format!("models:/{model1}"), &model1),
        (format!("runs:/{}/model", store.id(1, "run_id")), &model1),
        (format!("runs:/{}/model", store.id(2, "run_id")), &model2),
    ];
    for (uri, model_id) in cases {
        let server = Server::start_in(&repo(), &[], &uri, &[&tracking[..], &["-w", "1"]].concat());
        let dir = served_dir(&server);
        assert!(dir.contains(model_id.as_str()), "{kind} {uri}: serves {dir}, expected {model_id}");
        assert!(dir.starts_with(&store.dir.canonicalize().unwrap().display().to_string()), "{kind} {uri}: {dir}");
        predicts_iris(&server);
    }
}

#[test]
fn sqlite_store_serves_every_uri_form() {
    serves_every_form("sqlite");
}

#[test]
fn file_store_serves_every_uri_form() {
    serves_every_form("file");
}

#[test]
fn tracking_uri_from_the_environment_and_mlflow_default() {
    // MLFLOW_TRACKING_URI, a plain file-store path.
    let file = fixture("file");
    let mlruns = file.dir.join("mlruns").display().to_string();
    let server =
        Server::start_in(&repo(), &[("MLFLOW_TRACKING_URI", &mlruns)], "models:/iris_classifier@production", &[]);
    assert!(served_dir(&server).contains(&file.id(2, "model_id")));
    predicts_iris(&server);
    // No tracking URI: MLflow 3's default, ./mlruns when it holds experiments ...
    let server = Server::start_in(&file.dir, &[], "models:/iris_classifier/1", &[]);
    assert!(served_dir(&server).contains(&file.id(1, "model_id")));
    // ... else sqlite:///mlflow.db.
    let sqlite = fixture("sqlite");
    let server = Server::start_in(&sqlite.dir, &[], "models:/iris_classifier/1", &[]);
    assert!(served_dir(&server).contains(&sqlite.id(1, "model_id")));
    // A registry URI of its own.
    let server = Server::start_in(
        &repo(),
        &[("MLFLOW_REGISTRY_URI", &sqlite.tracking_uri)],
        "models:/iris_classifier/2",
        &["--tracking-uri", &sqlite.tracking_uri],
    );
    assert!(served_dir(&server).contains(&sqlite.id(2, "model_id")));
}

/// Runs `serve` where it must fail and returns its one-line error.
fn error_of(cwd: &Path, model: &str, extra: &[&str]) -> String {
    let (code, stderr) = serve_fails(cwd, &[], model, extra);
    assert!(code.is_some_and(|c| c != 0), "{model}: exit code {code:?}\n{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 1, "{model}: one error line expected:\n{stderr}");
    assert!(!stderr.contains("Caused by"), "{model}: {stderr}");
    errors[0].to_string()
}

#[test]
fn unknown_names_versions_aliases_runs_fail_clearly() {
    for kind in ["sqlite", "file"] {
        let store = fixture(kind);
        let at = ["--tracking-uri", store.tracking_uri.as_str()];
        let where_ = if kind == "sqlite" { "the SQLite store" } else { "the file store" };
        let cases = [
            ("models:/iris_classifier@staging", vec!["no alias 'staging'", "production -> 2"]),
            ("models:/iris_classifier/7", vec!["has no version 7", "versions: 1, 2"]),
            ("models:/no_such_model/1", vec!["registered model 'no_such_model' not found"]),
            ("models:/no_such_model@production", vec!["registered model 'no_such_model' not found"]),
            ("models:/m-00000000000000000000000000000000", vec!["logged model 'm-0000"]),
            ("runs:/0123456789abcdef0123456789abcdef/model", vec!["run '0123456789abcdef0123456789abcdef' not found"]),
        ];
        for (uri, wanted) in cases {
            let error = error_of(&repo(), uri, &at);
            for want in wanted.iter().chain([&where_]) {
                assert!(error.contains(want), "{kind} {uri}: {error:?} lacks {want:?}");
            }
        }
        let run = store.id(1, "run_id");
        let error = error_of(&repo(), &format!("runs:/{run}/nothing"), &at);
        assert!(error.contains("has no model at 'nothing'"), "{error}");
    }
    let error = error_of(&repo(), "models:/iris_classifier/1", &["--tracking-uri", "sqlite:////nonexistent/mlflow.db"]);
    assert!(error.contains("no MLflow SQLite store at /nonexistent/mlflow.db"), "{error}");
    // An empty directory: MLflow's default (sqlite:///mlflow.db) is not there.
    let empty = scratch("empty");
    let error = error_of(&empty, "models:/iris_classifier/1", &[]);
    assert!(error.contains("mlflow.db") && error.contains("sqlite:///mlflow.db"), "{error}");
}

#[test]
fn missing_artifacts_and_unreachable_servers_fail_clearly() {
    // A copy of the SQLite store (its recorded paths point elsewhere; they are found
    // under the copy) with version 1's artifacts deleted.
    let copy = scratch("missing-artifacts");
    copy_dir(&fixture("sqlite").dir, &copy);
    let store = fixture("sqlite");
    let model1 = store.id(1, "model_id");
    let experiment = store.ids["experiment_id"].as_str().unwrap();
    std::fs::remove_dir_all(copy.join("mlruns").join(experiment).join("models").join(&model1)).unwrap();
    let tracking = format!("sqlite:///{}", copy.join("mlflow.db").display());
    let error = error_of(&repo(), "models:/iris_classifier/1", &["--tracking-uri", &tracking]);
    assert!(
        error.contains("the artifacts of models:/iris_classifier/1 are missing") && error.contains(&model1),
        "{error}"
    );
    // Version 2 still serves from the copy.
    let server = Server::start_in(&repo(), &[], "models:/iris_classifier/2", &["--tracking-uri", &tracking]);
    assert!(served_dir(&server).starts_with(&copy.canonicalize().unwrap().display().to_string()));

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let error = error_of(&repo(), "models:/iris_classifier@production", &["--tracking-uri", &url]);
    assert!(error.contains(&format!("cannot reach the tracking server {url}")), "{error}");
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("uris-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------- a real mlflow server

/// Logs the iris model to the server with MLflow's own client, as a user would:
/// version 1 from a run's artifacts (`log_artifacts` + `register_model("runs:/…")`),
/// version 2 as an MLflow 3 logged model; alias `production` -> 1. Prints the ids as JSON.
const REGISTER: &str = r#"
import json, sys, mlflow
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
url, model_dir = sys.argv[1], sys.argv[2]
mlflow.set_tracking_uri(url)
client = MlflowClient(url)
exp = client.create_experiment("iris")
with mlflow.start_run(experiment_id=exp) as run1:
    mlflow.log_artifacts(model_dir, "model")
mlflow.register_model(f"runs:/{run1.info.run_id}/model", "iris_classifier")
with mlflow.start_run(experiment_id=exp) as run2:
    logged = client.create_logged_model(exp, name="model", source_run_id=run2.info.run_id)
    client.log_model_artifacts(logged.model_id, model_dir)
    client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
client.create_model_version("iris_classifier", f"models:/{logged.model_id}", run_id=run2.info.run_id, model_id=logged.model_id)
client.set_registered_model_alias("iris_classifier", "production", "1")
print(json.dumps({"run1": run1.info.run_id, "run2": run2.info.run_id, "model2": logged.model_id}))
"#;

#[test]
fn a_real_mlflow_server_serves_registered_models_by_alias() {
    let Some(server) = mlflow_server::shared("the mlflow server URI test") else { return };
    let python =
        server.bin.parent().map(|d| d.join("python")).filter(|p| p.is_file()).unwrap_or_else(|| "python3".into());
    let output = Command::new(&python)
        .args(["-c", REGISTER, &server.url])
        .arg(repo().join("models/iris-onnx"))
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("cannot run python");
    assert!(output.status.success(), "registering failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ids: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let at = ["--tracking-uri", server.url.as_str()];
    let version_line =
        |s: &Server| s.log().lines().find(|l| l.contains("of 'iris_classifier'")).unwrap_or_default().to_string();

    // By alias: version 1, downloaded through the artifact proxy into the cache.
    let wasmflow = Server::start_in(&repo(), &[], "models:/iris_classifier@production", &at);
    assert!(version_line(&wasmflow).contains("version 1 of 'iris_classifier'"), "{}", wasmflow.log());
    assert!(wasmflow.log().contains("downloading mlflow-artifacts:/"), "{}", wasmflow.log());
    predicts_iris(&wasmflow);
    drop(wasmflow);

    // The alias moves; a restart serves what the registry says now.
    let moved = reqwest::blocking::Client::new()
        .post(format!("{}/api/2.0/mlflow/registered-models/alias", server.url))
        .json(&json!({"name": "iris_classifier", "alias": "production", "version": "2"}))
        .send()
        .unwrap();
    assert!(moved.status().is_success(), "{}", moved.text().unwrap());
    let wasmflow = Server::start_in(&repo(), &[], "models:/iris_classifier@production", &at);
    assert!(version_line(&wasmflow).contains("version 2 of 'iris_classifier'"), "{}", wasmflow.log());
    assert!(served_dir(&wasmflow).contains(ids["model2"].as_str().unwrap()), "{}", wasmflow.log());
    predicts_iris(&wasmflow);
    drop(wasmflow);

    // The other forms; a second start of the same model uses the cached copy.
    let model2 = ids["model2"].as_str().unwrap();
    for uri in [
        "models:/iris_classifier/1".to_string(),
        "models:/iris_classifier/latest".to_string(),
        format!("models:/{model2}"),
        format!("runs:/{}/model", ids["run1"].as_str().unwrap()),
        format!("runs:/{}/model", ids["run2"].as_str().unwrap()),
    ] {
        let wasmflow = Server::start_in(&repo(), &[], &uri, &at);
        predicts_iris(&wasmflow);
    }
    let wasmflow = Server::start_in(&repo(), &[], &format!("models:/{model2}"), &at);
    assert!(wasmflow.log().contains("using the cached copy"), "{}", wasmflow.log());
    drop(wasmflow);

    // Errors from the server, one line each.
    let error = error_of(&repo(), "models:/iris_classifier@staging", &at);
    assert!(error.contains("no alias 'staging'") && error.contains(&server.url), "{error}");
    let error = error_of(&repo(), "models:/iris_classifier/9", &at);
    assert!(error.contains("has no version 9"), "{error}");
    let error = error_of(&repo(), "models:/nope/1", &at);
    assert!(error.contains("registered model 'nope' not found"), "{error}");
    eprintln!("mlflow server test: {} served every URI form", server.url);
}
