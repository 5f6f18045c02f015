//! The edge deployment: `wasmflow build` components (model embedded) and the
//! front end composed with a flavor over a mounted model directory (as Spin
//! composes spin.toml's component dependencies), each under the real
//! `wasmtime serve` (`edge_hosts`), must answer every recorded conformance request byte for
//! byte as `wasmflow serve` does: same status, content type and body.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wasmflow_protocol::testing::recorded::{Case, cases};

use crate::edge_hosts::{self, Sandbox};
use crate::support::{Answer, Server, answer, repo};

/// Where the tests write components.
fn out_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("edge");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// `wasmflow build -m <model> -o <out>/<name>.wasm …extra`; returns the path
/// and what the command printed (stdout, then stderr).
fn build(model: &str, name: &str, extra: &[&str]) -> (PathBuf, String) {
    let output = out_dir().join(format!("{name}.wasm"));
    let run = Command::new(env!("CARGO_BIN_EXE_wasmflow"))
        .current_dir(repo())
        .args(["build", "-m", model, "-o"])
        .arg(&output)
        .args(extra)
        .output()
        .expect("cannot run wasmflow build");
    let printed = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "wasmflow build {model} failed:\n{printed}");
    (output, printed)
}

/// Sends a recorded request to `base`.
fn send(client: &reqwest::blocking::Client, base: &str, case: &Case) -> Option<Answer> {
    let url = format!("{base}{}", case.request["path"].as_str().unwrap());
    let sent = match case.request["method"].as_str().unwrap() {
        "GET" => client.get(url),
        "POST" => {
            let mut post = client.post(url).body(case.body()?);
            if let Some(content_type) = case.content_type() {
                post = post.header("Content-Type", content_type);
            }
            post
        }
        _ => return None,
    };
    Some(answer(sent.send().expect("request failed")))
}

/// Replays every conformance case of `cases_of` against both servers.
fn same_answers(cases_of: &str, native: &Server, edge: &str) {
    let client = reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases(cases_of) {
        let Some(ours) = send(&client, &native.base, &case) else { continue };
        let edge_answer = send(&client, edge, &case).unwrap();
        checked += 1;
        if (edge_answer.status, &edge_answer.content_type, &edge_answer.body)
            != (ours.status, &ours.content_type, &ours.body)
        {
            failures.push(format!("{}:\n    native: {ours:?}\n    edge:   {edge_answer:?}", case.name));
        }
    }
    assert!(checked >= 5, "only {checked} cases for {cases_of}");
    assert!(failures.is_empty(), "{cases_of}: {} of {checked} cases differ:\n{}", failures.len(), failures.join("\n"));
}

/// Size in MB that `wasmflow build` reported, with the gzipped size.
fn reported_sizes(stdout: &str) -> (f64, f64) {
    let numbers: Vec<f64> = stdout.split([':', ',', ' ']).filter_map(|word| word.parse::<f64>().ok()).collect();
    assert!(numbers.len() >= 2, "no sizes in {stdout:?}");
    (numbers[0], numbers[1])
}

#[test]
fn a_built_onnx_model_answers_as_the_native_server() {
    let (component, stdout) = build("models/iris-onnx", "iris-onnx", &["--max-size", "cloudflare-free"]);
    let (size, gzipped) = reported_sizes(&stdout);
    let on_disk = std::fs::metadata(&component).unwrap().len() as f64 / 1e6;
    assert!((size - on_disk).abs() < 0.1, "reported {size} MB, wrote {on_disk} MB");
    // Cloudflare Workers take 10 MB compressed (3 MB on the free plan); Fastly 100 MB.
    assert!(gzipped < 10.0, "{stdout}");
    assert!(
        stdout.contains("warning: the component is")
            && stdout.contains("Cloudflare Workers' free plan (3.0 MB gzipped)"),
        "{stdout}"
    );
    // Self-contained: served with no directory and no environment.
    let edge = edge_hosts::serve(&component, Sandbox::default());
    let native = Server::start("models/iris-onnx", &["-w", "1"]);
    same_answers("iris-onnx", &native, &edge.base);
    // HEAD as GET, without a body, on both.
    let client = reqwest::blocking::Client::new();
    for base in [&native.base, &edge.base] {
        let head = answer(client.head(format!("{base}/ping")).send().unwrap());
        assert_eq!((head.status, head.body.as_str()), (200, ""), "{base}");
    }
}

#[test]
fn a_built_model_with_external_data_needs_no_files() {
    let (component, _) = build("models/mlp-onnx-external", "mlp-onnx-external", &[]);
    let edge = edge_hosts::serve(&component, Sandbox::default());
    let native = Server::start("models/mlp-onnx-external", &["-w", "1"]);
    // The same requests as the recorded MLP model (same signature).
    same_answers("mlp-onnx", &native, &edge.base);
}

#[test]
fn a_built_sklearn_model_answers_as_the_native_server() {
    let (component, stdout) = build("models/sklearn/iris-rf", "iris-rf", &["--max-size", "cloudflare-free"]);
    let (_, gzipped) = reported_sizes(&stdout);
    assert!(gzipped < 3.0 && !stdout.contains("warning"), "{stdout}");
    // Issue 19's goal, 2 MB raw (1,752,640 bytes when measured): met with the guests
    // shrunk by binaryen's wasm-opt (CI installs it) and the snapshots sealed
    // (host/src/edge/seal.rs; 2,246,613 bytes unsealed).
    let raw = std::fs::metadata(&component).unwrap().len();
    if Command::new("wasm-opt").arg("--version").output().is_ok() {
        assert!(raw <= 2_000_000, "the built iris-rf component is {raw} bytes, past 2 MB");
    }
    let edge = edge_hosts::serve(&component, Sandbox::default());
    let native = Server::start("models/sklearn/iris-rf", &["-w", "1"]);
    same_answers("iris-onnx", &native, &edge.base);
}

#[test]
fn a_built_model_answers_under_node_as_the_native_server() {
    // jco transpiles the component to JavaScript (core wasm + JS glue) and serves
    // it with Node's http module: what JavaScript hosts and CDN workers run.
    let (component, _) = build("models/sklearn/iris-rf", "iris-rf-node", &[]);
    let edge = edge_hosts::serve_node(&component);
    let native = Server::start("models/sklearn/iris-rf", &["-w", "1"]);
    same_answers("iris-onnx", &native, &edge.base);
}

#[test]
fn built_custom_models_answer_as_the_native_server() {
    let echo = format!("python_function={}", wasmflow_components::ECHO_PATH);
    for model in ["echo-columns", "echo-typehint", "echo-llm", "echo-named-tensors"] {
        let dir = format!("models/custom/{model}");
        let (component, _) = build(&dir, model, &["--flavor-component", &echo]);
        let edge = edge_hosts::serve(&component, Sandbox::default());
        let native = Server::start(&dir, &["--flavor-component", &echo, "-w", "1"]);
        same_answers(model, &native, &edge.base);
    }
}

#[test]
fn built_python_models_answer_as_the_native_server() {
    // Self-contained: the interpreter, the model file and what load_context read
    // (`lookup`'s JSON artifact) are in the snapshot and nothing is mounted;
    // `rules` answers a model exception with its traceback, whose lines come
    // from the snapshot too (loader.py, `_keep_sources`). `--mount` composes the
    // same way as every other flavor (spin.toml's test).
    for model in ["lookup", "rules"] {
        let dir = format!("models/python/{model}");
        let (component, _) = build(&dir, &format!("python-{model}"), &[]);
        let edge = edge_hosts::serve(&component, Sandbox::default());
        let native = Server::start(&dir, &["-w", "1"]);
        same_answers(&format!("python/{model}"), &native, &edge.base);
    }
}

/// A path of spin.toml (relative to the repository) names this built artifact
/// (`target/…` is wherever cargo's target directory is).
fn names_artifact(manifest_path: &str, artifact: &str) -> bool {
    let relative = manifest_path.strip_prefix("target/").expect("spin.toml names components under target/");
    Path::new(artifact).ends_with(relative)
}

#[test]
fn spin_toml_serves_the_bundled_model_as_the_native_server() {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(repo().join("spin.toml")).unwrap()).unwrap();
    assert_eq!(manifest["trigger"]["http"][0]["route"].as_str(), Some("/..."));
    let component = &manifest["component"]["wasmflow"];
    assert!(names_artifact(component["source"].as_str().unwrap(), wasmflow_components::HTTP_FRONT_PATH));
    let dependency = component["dependencies"]["wasmflow:inference/predictor@0.1.0"]["path"].as_str().unwrap();
    assert!(names_artifact(dependency, wasmflow_components::ONNX_PATH), "{dependency}");
    assert_eq!(component["dependencies_inherit_configuration"].as_bool(), Some(true));
    let files = &component["files"][0];
    let (model, destination) = (files["source"].as_str().unwrap(), files["destination"].as_str().unwrap());
    let env = component["environment"].as_table().unwrap();
    let env = env.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();

    // What Spin runs: the front end with the flavor plugged into its `predictor`
    // (`--mount` composes exactly these two components), the files mounted and
    // the environment set.
    let (composed, _) = build(model, "spin-app", &["--mount"]);
    let edge = edge_hosts::serve(&composed, Sandbox { dir: Some((repo().join(model), destination.into())), env });
    let native = Server::start(model, &["-w", "1"]);
    same_answers("iris-onnx", &native, &edge.base);
}

#[test]
fn a_mounted_front_end_without_its_model_says_so() {
    let (component, _) = build("models/iris-onnx", "onnx-unmounted", &["--mount"]);
    let served = edge_hosts::serve(&component, Sandbox::default());
    let edge = &served.base;
    let client = reqwest::blocking::Client::new();
    let ping = answer(client.get(format!("{edge}/ping")).send().unwrap());
    assert_eq!(ping.status, 404, "{ping:?}");
    let scored = answer(
        client
            .post(format!("{edge}/invocations"))
            .header("Content-Type", "application/json")
            .body(r#"{"inputs": [[1, 2, 3, 4]]}"#)
            .send()
            .unwrap(),
    );
    assert_eq!(scored.status, 500, "{scored:?}");
    assert_eq!(scored.error_code(), "INTERNAL_ERROR");
    assert!(scored.body.contains("/model"), "{scored:?}");
}
