//! Adaptive batching (`--max-batch-size`, `--max-batch-time-ms`): bursts of
//! concurrent one-row requests against a server that merges them answer byte
//! for byte what a server without batching answers to the same requests one at
//! a time, for tensors (ONNX MLP, also over V2), a table (scikit-learn) and two
//! outputs (iris ONNX); a row the model refuses and a body that fails to parse
//! inside a burst get their own MLflow errors while the others succeed; a model
//! whose answer has no row per input row (a Python model's dict) falls back and
//! is not batched again; a request waiting in a batch is answered 504 at its own
//! deadline. `/metrics` shows that merges happened, so none of this can pass
//! with batching silently off.
//!
//! Every burst has exactly `--max-batch-size` batchable requests and the batch
//! time is long (3 s), so a burst is one batch that runs as soon as it is full:
//! deterministic on a loaded machine; the four tests take about 4 s together.

use serde_json::json;

use crate::support::{Answer, Server};

/// Requests per burst, and `--max-batch-size`.
const BURST: usize = 12;

fn batched(model: &str, extra: &[&str]) -> Server {
    let size = BURST.to_string();
    let mut args = vec!["-w", "2", "--max-batch-size", size.as_str(), "--max-batch-time-ms", "3000"];
    args.extend_from_slice(extra);
    Server::start(model, &args)
}

fn plain(model: &str, extra: &[&str]) -> Server {
    let mut args = vec!["-w", "2"];
    args.extend_from_slice(extra);
    Server::start(model, &args)
}

/// POSTs every body to `path` at once (one thread each), answers in order.
fn burst(server: &Server, path: &str, bodies: &[String]) -> Vec<Answer> {
    let barrier = std::sync::Barrier::new(bodies.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = bodies
            .iter()
            .map(|body| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    server.post(path, Some("application/json"), body.clone())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The same bodies one at a time.
fn one_by_one(server: &Server, path: &str, bodies: &[String]) -> Vec<Answer> {
    bodies.iter().map(|body| server.post(path, Some("application/json"), body.clone())).collect()
}

fn assert_same(what: &str, batched: &[Answer], alone: &[Answer]) {
    for (i, (b, a)) in batched.iter().zip(alone).enumerate() {
        assert_eq!((b.status, &b.body), (a.status, &a.body), "{what}: request {i} answered differently when batched");
    }
}

/// A deterministic value in [-2, 2) for row `i`, feature `j`.
fn feature(i: usize, j: usize) -> f64 {
    (((i * 7919 + j * 104_729) % 4000) as f64) / 1000.0 - 2.0
}

/// The value of the sample `name{labels}` in `/metrics` (0 when absent).
fn sample(server: &Server, name: &str, labels: &str) -> f64 {
    let text = server.get("/metrics").body;
    let key = format!("{name}{{{labels}}} ");
    text.lines().find_map(|l| l.strip_prefix(key.as_str())).map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Requests merged per predict call of `model`: (sum, count) of the histogram.
fn batch_sizes(server: &Server, model: &str) -> (f64, f64) {
    let labels = format!("model=\"{model}\"");
    (sample(server, "wasmflow_batch_size_sum", &labels), sample(server, "wasmflow_batch_size_count", &labels))
}

const IRIS_COLUMNS: [&str; 4] = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];

fn iris_row(i: usize) -> Vec<f64> {
    (0..4).map(|j| (((feature(i, j) + 2.0) * 1.5 + 0.5 * j as f64) * 1000.0).round() / 1000.0).collect()
}

#[test]
fn concurrent_rows_answer_as_alone() {
    let models = ["-m", "rf=models/sklearn/iris-rf", "-m", "iris=models/iris-onnx"];
    let on = batched("mlp=models/mlp-onnx", &models);
    let off = plain("mlp=models/mlp-onnx", &models);

    let mlp: Vec<String> = (0..BURST)
        .map(|i| json!({"inputs": {"features": [(0..8).map(|j| feature(i, j)).collect::<Vec<_>>()]}}).to_string())
        .collect();
    let path = "/models/mlp/invocations";
    assert_same("mlp", &burst(&on, path, &mlp), &one_by_one(&off, path, &mlp));
    let answers: std::collections::HashSet<String> = burst(&on, path, &mlp).into_iter().map(|a| a.body).collect();
    assert_eq!(answers.len(), BURST, "each row has its own answer");

    let v2: Vec<String> = (0..BURST)
        .map(|i| {
            let row: Vec<f64> = (0..8).map(|j| feature(i + 100, j)).collect();
            json!({"inputs": [{"name": "features", "shape": [1, 8], "datatype": "FP32", "data": row}]}).to_string()
        })
        .collect();
    let path = "/v2/models/mlp/infer";
    assert_same("mlp over V2", &burst(&on, path, &v2), &one_by_one(&off, path, &v2));

    let rf: Vec<String> = (0..BURST)
        .map(|i| json!({"dataframe_split": {"columns": IRIS_COLUMNS, "data": [iris_row(i)]}}).to_string())
        .collect();
    let path = "/models/rf/invocations";
    assert_same("rf", &burst(&on, path, &rf), &one_by_one(&off, path, &rf));

    let iris: Vec<String> = (0..BURST).map(|i| json!({"inputs": [iris_row(i)]}).to_string()).collect();
    let path = "/models/iris/invocations";
    assert_same("iris", &burst(&on, path, &iris), &one_by_one(&off, path, &iris));

    for model in ["mlp", "rf", "iris"] {
        let (sum, count) = batch_sizes(&on, model);
        assert!(sum > count, "{model}: no predict call merged requests (sum {sum}, count {count})");
    }
    assert_eq!(batch_sizes(&off, "mlp"), (0.0, 0.0), "batching is off by default");
}

#[test]
fn bad_requests_in_a_burst_get_their_own_errors() {
    let models = ["-m", "lookup=models/python/lookup"];
    let on = batched("rf=models/sklearn/iris-rf", &models);
    let off = plain("rf=models/sklearn/iris-rf", &models);

    // BURST batchable requests, one of them a row sklearn refuses (infinity),
    // plus one that fails schema enforcement and never enters a batch.
    let mut rf: Vec<String> = (0..BURST)
        .map(|i| json!({"dataframe_split": {"columns": IRIS_COLUMNS, "data": [iris_row(i)]}}).to_string())
        .collect();
    rf[5] = format!(
        r#"{{"dataframe_split": {{"columns": {}, "data": [[5.1, Infinity, 1.4, 0.2]]}}}}"#,
        json!(IRIS_COLUMNS)
    );
    rf.push(json!({"dataframe_split": {"columns": IRIS_COLUMNS, "data": [[5.1, "x", 1.4, 0.2]]}}).to_string());
    let path = "/models/rf/invocations";
    let (batched_answers, alone) = (burst(&on, path, &rf), one_by_one(&off, path, &rf));
    assert_same("rf with bad rows", &batched_answers, &alone);
    assert_eq!(batched_answers[5].status, 400);
    assert_eq!(batched_answers[5].error_code(), "BAD_REQUEST", "{}", batched_answers[5].body);
    assert_eq!(batched_answers[BURST].error_code(), "BAD_REQUEST", "{}", batched_answers[BURST].body);
    let good = batched_answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(good, BURST - 1);
    let fallbacks = sample(&on, "wasmflow_batch_fallbacks_total", r#"model="rf",reason="error""#);
    assert!(fallbacks >= 1.0, "the merged call with the bad row fell back to one by one");
    assert_eq!(batch_sizes(&on, "rf"), (BURST as f64, 1.0), "one batch of the batchable requests");

    // A Python model answering a dict that is not one row per input row: the
    // answers are still each request's own, and the model is not batched again.
    let lookup: Vec<String> = ["fr", "de", "zz", "it", "es", "pt", "nl", "be", "ch", "at", "se", "no"]
        .iter()
        .map(|code| json!({"dataframe_split": {"columns": ["code"], "data": [[code]]}}).to_string())
        .collect();
    let path = "/models/lookup/invocations";
    assert_same("lookup", &burst(&on, path, &lookup), &one_by_one(&off, path, &lookup));
    let unsplittable = sample(&on, "wasmflow_batch_fallbacks_total", r#"model="lookup",reason="unsplittable""#);
    assert_eq!(unsplittable, 1.0);
    assert_same("lookup again", &burst(&on, path, &lookup), &one_by_one(&off, path, &lookup));
    assert_eq!(batch_sizes(&on, "lookup"), (BURST as f64, 1.0), "not batched after the unsplittable answer");
}

/// `--max-batch-time-ms 0` (the default): no waiting; a request runs at once
/// when an instance is idle, and requests arriving while every instance is busy
/// are merged. With one instance and a burst of 48, merges are all but certain
/// but not guaranteed, so only the answers are asserted (the merge itself is
/// shown by the tests above, which share the merge, split and fallback code).
#[test]
fn batching_without_waiting_answers_as_alone() {
    let on = Server::start("mlp=models/mlp-onnx", &["-w", "1", "--max-batch-size", "16"]);
    let off = plain("mlp=models/mlp-onnx", &[]);
    let bodies: Vec<String> = (0..48)
        .map(|i| json!({"inputs": {"features": [(0..8).map(|j| feature(i + 200, j)).collect::<Vec<_>>()]}}).to_string())
        .collect();
    let path = "/models/mlp/invocations";
    assert_same("mlp, T = 0", &burst(&on, path, &bodies), &one_by_one(&off, path, &bodies));
    let (sum, count) = batch_sizes(&on, "mlp");
    assert!(count >= 1.0 && sum == 48.0, "every request went through the batcher (sum {sum}, count {count})");
    eprintln!("T = 0: 48 requests in {count} predict calls");
}

/// A request waiting in a batch keeps its own deadline (`-t 1`): alone in a
/// batch that would run only after 3 s, it is answered 504 at 1 s, as a request
/// past its deadline is without batching.
#[test]
fn a_request_waiting_in_a_batch_keeps_its_deadline() {
    let on = batched("mlp=models/mlp-onnx", &["-t", "1"]);
    let body = json!({"inputs": {"features": [vec![0.5; 8]]}}).to_string();
    let started = std::time::Instant::now();
    let answer = on.post("/models/mlp/invocations", Some("application/json"), body.clone());
    let took = started.elapsed();
    assert_eq!((answer.status, answer.error_code().as_str()), (504, "DEADLINE_EXCEEDED"), "{}", answer.body);
    assert!(took < std::time::Duration::from_millis(2500), "answered after {took:?}, not at its deadline");
    // The batch ran later without it; the next request is served.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(batch_sizes(&on, "mlp"), (1.0, 1.0));
    let again = burst(&on, "/models/mlp/invocations", &vec![body; BURST]);
    assert!(again.iter().all(|a| a.status == 200), "{:?}", again[0]);
}
