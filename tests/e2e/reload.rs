//! Hot reload (`serve --watch`, issue 18 item 3) over real sockets: a model
//! served by alias from a real `mlflow server` is swapped for the version the
//! alias moves to while client threads post without pause; a version that
//! fails to load leaves the old one serving; a registry that cannot be read
//! changes nothing; URIs that cannot move are not watched.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::mlflow_server;
use crate::support::{Server, copy_dir, repo, warm_cache_dir};

/// The rows every client posts: a setosa and a virginica.
fn body() -> Value {
    let columns = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];
    json!({"dataframe_split": {"columns": columns, "data": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}})
}

/// The same rows as an Open Inference Protocol request: one input per column.
fn v2_body() -> Value {
    let columns = body()["dataframe_split"]["columns"].clone();
    let data = body()["dataframe_split"]["data"].clone();
    let inputs: Vec<Value> = (0..4)
        .map(|c| {
            let column: Vec<Value> = data.as_array().unwrap().iter().map(|row| row[c].clone()).collect();
            json!({"name": columns[c], "datatype": "FP64", "shape": [2, 1], "data": column})
        })
        .collect();
    json!({"inputs": inputs})
}

/// What `wasmflow predict` (no server, no registry) answers for `body()` with the model directory `model`.
fn reference_answer(model: &str) -> Value {
    let input = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reload-body-{}.json", std::process::id()));
    std::fs::write(&input, body().to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_wasmflow"))
        .args(["predict", "-m"])
        .arg(repo().join(model))
        .arg("-i")
        .arg(&input)
        .arg("--cache-dir")
        .arg(warm_cache_dir())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// MLflow's REST API, as a client of the registry would call it.
struct Rest {
    url: String,
    client: reqwest::blocking::Client,
}

impl Rest {
    fn post(&self, path: &str, body: Value) -> Value {
        let response = self.client.post(format!("{}/api/2.0/mlflow/{path}", self.url)).json(&body).send().unwrap();
        let status = response.status();
        let text = response.text().unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Uploads `files` (name, bytes) through the artifact proxy under `path`.
    fn upload(&self, path: &str, files: &[(&str, Vec<u8>)]) {
        for (name, bytes) in files {
            let url = format!("{}/api/2.0/mlflow-artifacts/artifacts/{path}/{name}", self.url);
            let response = self.client.put(url).body(bytes.clone()).send().unwrap();
            assert!(response.status().is_success(), "upload {path}/{name}: {}", response.status());
        }
    }

    fn move_alias(&self, model: &str, alias: &str, version: &str) {
        self.post("registered-models/alias", json!({"name": model, "alias": alias, "version": version}));
    }
}

fn files_of(model: &str) -> Vec<(&'static str, Vec<u8>)> {
    let dir = repo().join(model);
    ["MLmodel", "model.skops"].into_iter().map(|name| (name, std::fs::read(dir.join(name)).unwrap())).collect()
}

fn log_has(server: &Server, text: &str) -> bool {
    server.log().contains(text)
}

/// A sample of `/metrics`: the value of the series `series`, 0 if absent.
fn metric(server: &Server, series: &str) -> f64 {
    let text = server.get("/metrics").body;
    text.lines().find_map(|l| l.strip_prefix(series)?.trim().parse().ok()).unwrap_or(0.0)
}

/// Polls `condition` every 50 ms for at most `within`; whether it held.
fn wait_for(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// One answer a client got: when it was sent and received, and which model
/// answered (1 or 2; 0 for anything else, which fails the test).
struct Got {
    sent: Instant,
    received: Instant,
    which: u8,
    what: String,
}

#[test]
fn a_moved_alias_is_swapped_in_under_load_and_a_broken_version_is_not() {
    let Some(mlflow) = mlflow_server::shared("the hot reload test") else { return };
    let started = Instant::now();
    let rest = Rest { url: mlflow.url.clone(), client: reqwest::blocking::Client::new() };
    let name = format!("reload_{}", std::process::id());
    // Three versions in one run's artifacts, registered through MLflow's REST API:
    // 1 a random forest (labels), 2 a logistic regression (probabilities), 3 broken.
    let experiment =
        rest.post("experiments/create", json!({"name": name}))["experiment_id"].as_str().unwrap().to_owned();
    let run = rest.post("runs/create", json!({"experiment_id": experiment}));
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_owned();
    let artifacts =
        run["run"]["info"]["artifact_uri"].as_str().unwrap().trim_start_matches("mlflow-artifacts:/").to_owned();
    let mut broken = files_of("models/sklearn/iris-rf");
    broken[1].1 = b"not a skops file".to_vec();
    rest.upload(&format!("{artifacts}/v1"), &files_of("models/sklearn/iris-rf"));
    rest.upload(&format!("{artifacts}/v2"), &files_of("models/sklearn/iris-logreg-proba"));
    rest.upload(&format!("{artifacts}/broken"), &broken);
    rest.post("registered-models/create", json!({"name": name}));
    for path in ["v1", "v2", "broken"] {
        let source = format!("mlflow-artifacts:/{artifacts}/{path}");
        rest.post("model-versions/create", json!({"name": name, "source": source, "run_id": run_id}));
    }
    rest.move_alias(&name, "champion", "1");
    rest.move_alias(&name, "late", "3");
    let (v1, v2) = (reference_answer("models/sklearn/iris-rf"), reference_answer("models/sklearn/iris-logreg-proba"));
    assert_ne!(v1, v2);

    // A second model starts on the broken version: not ready, until its alias moves.
    let uri = format!("champion=models:/{name}@champion");
    let late = format!("late=models:/{name}@late");
    let extra = ["-m", &late, "--tracking-uri", mlflow.url.as_str(), "--watch-interval", "1", "-w", "2"];
    let server =
        Arc::new(Server::start_in(&repo(), &[("WASMFLOW_LOG", "wasmflow=info,wasmflow::request=off")], &uri, &extra));
    assert!(server.log().contains("--watch: checking champion"), "{}", server.log());
    assert_eq!(server.get("/v2/models/late/ready").status, 503);

    // Four clients post to /invocations without pause, each on its own
    // connection, and a fifth to V2's infer, whose answer names the version.
    let stop = Arc::new(AtomicBool::new(false));
    let v2_client = {
        let (server, stop) = (Arc::clone(&server), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut got: Vec<(String, Value)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let answer = server.post("/v2/models/champion/infer", Some("application/json"), v2_body().to_string());
                assert_eq!(answer.status, 200, "{}", answer.body);
                let value = answer.json();
                got.push((value["model_version"].as_str().unwrap_or_default().to_owned(), value["outputs"].clone()));
            }
            got
        })
    };
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (server, stop, body, v1, v2) = (Arc::clone(&server), Arc::clone(&stop), body(), v1.clone(), v2.clone());
            std::thread::spawn(move || {
                let mut got = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let answer = server.invoke_json(&body);
                    let value: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
                    let which = match (answer.status, value) {
                        (200, v) if v == v1 => 1,
                        (200, v) if v == v2 => 2,
                        _ => 0,
                    };
                    got.push(Got {
                        sent,
                        received: Instant::now(),
                        which,
                        what: format!("{} {}", answer.status, answer.body),
                    });
                }
                got
            })
        })
        .collect();
    let failures = "wasmflow_model_reloads_total{model=\"champion\",result=\"failure\"}";
    let successes = "wasmflow_model_reloads_total{model=\"champion\",result=\"success\"}";

    // The alias moves to the broken version: it fails to load, version 1 serves on.
    std::thread::sleep(Duration::from_millis(1000));
    rest.move_alias(&name, "champion", "3");
    assert!(wait_for(Duration::from_secs(10), || metric(&server, failures) >= 1.0), "{}", server.log());
    let broken_seen = Instant::now();
    // Polls go on retrying it (counted), with one line in the log.
    assert!(wait_for(Duration::from_secs(10), || metric(&server, failures) >= 2.0), "{}", server.log());
    // Then to version 2: swapped in.
    rest.move_alias(&name, "champion", "2");
    let moved = Instant::now();
    rest.move_alias(&name, "late", "1");
    assert!(wait_for(Duration::from_secs(10), || metric(&server, successes) >= 1.0), "{}", server.log());
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<Vec<Got>> = clients.into_iter().map(|c| c.join().unwrap()).collect();

    // V2: the version named and the outputs always agree, and move from 1 to 2 once.
    let v2_answers = v2_client.join().unwrap();
    let versions: Vec<&str> = v2_answers.iter().map(|(v, _)| v.as_str()).collect();
    let switch = versions.iter().position(|v| *v == "2").expect("V2 never answered version 2");
    assert!(versions[..switch].iter().all(|v| *v == "1") && versions[switch..].iter().all(|v| *v == "2"));
    let (first, last) = (&v2_answers[0].1, &v2_answers[v2_answers.len() - 1].1);
    assert_ne!(first, last);
    assert!(v2_answers.iter().all(|(v, outputs)| outputs == if v == "1" { first } else { last }));

    let all: Vec<&Got> = answers.iter().flatten().collect();
    let odd: Vec<&str> = all.iter().filter(|g| g.which == 0).map(|g| g.what.as_str()).take(3).collect();
    assert!(odd.is_empty(), "answers that are neither version's: {odd:?}");
    // Each client's answers switch once, from 1 to 2, and never go back.
    for got in &answers {
        let switch = got.iter().position(|g| g.which == 2).expect("a client never got version 2");
        assert!(got[..switch].iter().all(|g| g.which == 1) && got[switch..].iter().all(|g| g.which == 2));
        assert!(got[switch].received > moved, "version 2 answered before the alias moved to it");
    }
    let before_broken = all.iter().filter(|g| g.sent < broken_seen).count();
    let while_broken = all.iter().filter(|g| g.sent >= broken_seen && g.received < moved).count();
    assert!(
        while_broken > 0 && all.iter().filter(|g| g.sent >= broken_seen && g.received < moved).all(|g| g.which == 1)
    );
    let first_v2 = all.iter().filter(|g| g.which == 2).map(|g| g.received).min().unwrap();
    let (v1_count, v2_count) =
        (all.iter().filter(|g| g.which == 1).count(), all.iter().filter(|g| g.which == 2).count());

    // The model that failed at start-up serves once its alias names a version that loads.
    assert!(
        wait_for(Duration::from_secs(10), || server.get("/v2/models/late/ready").status == 200),
        "{}",
        server.log()
    );
    let late_answer = server.post("/models/late/invocations", Some("application/json"), body().to_string());
    assert_eq!((late_answer.status, late_answer.json()), (200, v1.clone()));
    assert!(log_has(&server, "late: reloaded") && log_has(&server, "now serving version 1 (was no version)"));

    // What the server says: the version served, the log lines, the metrics.
    let metadata = server.get("/v2/models/champion").json();
    assert_eq!(metadata["versions"], json!(["2"]), "{metadata}");
    assert_eq!(server.get("/v2/models/champion/versions/1").status, 404);
    assert_eq!(metric(&server, "wasmflow_model_version{model=\"champion\"}"), 2.0);
    assert_eq!(metric(&server, successes), 1.0);
    let log = server.log();
    let swap =
        log.lines().find(|l| l.contains("now serving version 2 (was version 1)")).unwrap_or_else(|| panic!("{log}"));
    let failed = log.lines().filter(|l| l.contains("@champion failed to load")).count();
    assert!(failed == 1 && log.contains("still serving version 1"), "{log}");
    let attempts = metric(&server, failures);
    eprintln!(
        "hot reload: {} requests by 4 clients (and {} V2 infer requests), none failed: {before_broken} before the broken version, {while_broken} \
         while it failed to load ({attempts} attempts, logged once), {v1_count} answered by version 1 and {v2_count} by version 2; \
         first answer of version 2 {} ms after the alias moved (poll every 1 s); {}; {:.1} s in all",
        all.len(),
        v2_answers.len(),
        first_v2.duration_since(moved).as_millis(),
        swap.split("reloaded ").nth(1).unwrap_or(swap),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_registry_that_cannot_be_read_changes_nothing_and_fixed_uris_are_not_watched() {
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reload-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    copy_dir(&repo().join("tests/fixtures/stores/sqlite"), &store);
    let db = store.join("mlflow.db");
    let tracking = format!("sqlite:///{}", db.display());
    let extra = [
        &["-m", "rf=models/sklearn/iris-rf", "-m", "latest=models:/iris_classifier/latest"][..],
        &["--tracking-uri", &tracking, "--watch-interval", "1", "-w", "1"],
    ]
    .concat();
    let server = Server::start_in(&repo(), &[], "models:/iris_classifier@production", &extra);
    let log = server.log();
    assert!(log.contains("--watch: not watching rf (models/sklearn/iris-rf)"), "{log}");
    let watched = "--watch: checking iris_classifier (models:/iris_classifier@production), latest \
                   (models:/iris_classifier/latest)";
    assert!(log.contains(watched), "{log}");
    let rows = json!({"inputs": [[5.1, 3.5, 1.4, 0.2]]});
    let before = server.invoke_json(&rows);
    assert_eq!(before.status, 200, "{}", before.body);

    // The store disappears: polls fail, the model serves on, one line is logged.
    std::fs::rename(&db, store.join("gone.db")).unwrap();
    let errors = "wasmflow_model_watch_errors_total{model=\"iris_classifier\"}";
    assert!(wait_for(Duration::from_secs(8), || metric(&server, errors) >= 2.0), "{}", server.log());
    let during = server.invoke_json(&rows);
    assert_eq!((during.status, &during.body), (200, &before.body));
    assert_eq!(server.get("/v2/models/iris_classifier").json()["versions"], json!(["2"]));
    let warned = server.log().lines().filter(|l| l.contains("cannot check models:/iris_classifier@production")).count();
    assert_eq!(warned, 1, "{}", server.log());
    // It comes back: noted, nothing reloaded (the alias did not move).
    std::fs::rename(store.join("gone.db"), &db).unwrap();
    assert!(
        wait_for(Duration::from_secs(8), || server.log().contains("the registry answers again")),
        "{}",
        server.log()
    );
    assert_eq!(metric(&server, "wasmflow_model_reloads_total{model=\"iris_classifier\",result=\"success\"}"), 0.0);
    assert!(!server.log().contains("panicked"));
}
