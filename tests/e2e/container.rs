//! The OCI image (deploy/image): built FROM scratch by `deploy/image/build` with
//! buildah, then run by podman as users run it, with a model mounted read-only,
//! and asked the same requests as the native server.
//!
//! podman runs are given `--runtime runc` and lowered `--ulimit`s when the
//! default runtime cannot start containers here: on the CI machines crun refuses
//! cgroups in hybrid v1/v2 mode, and raising a container's rlimits to podman's
//! defaults needs CAP_SYS_RESOURCE, which their root lacks. Without podman (a
//! developer machine) the test says so and passes; with `CI` set it fails.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{Server, free_port, repo, warm_cache_dir};

const IMAGE: &str = "localhost/wasmflow:e2e";
const MODEL: &str = "models/sklearn/iris-rf";

/// A container started with `podman run -d`, removed when dropped.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman").args(["rm", "--force", "--time", "1", &self.0]).output();
    }
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn podman_present() -> bool {
    let present = Command::new("podman").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(present || std::env::var_os("CI").is_none(), "CI must install podman and buildah (see .ci/run)");
    if !present {
        eprintln!("podman is not installed: the image test is skipped on this machine");
    }
    present
}

/// `podman run` flags this machine needs (see the module comment).
fn runtime_flags() -> Vec<&'static str> {
    let runc = Command::new("runc").arg("--version").output().is_ok_and(|o| o.status.success());
    let mut flags = vec!["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"];
    if runc {
        flags.extend(["--runtime", "runc"]);
    }
    flags
}

#[test]
fn the_image_serves_a_read_only_model_as_the_native_server_does() {
    if !podman_present() {
        return;
    }
    let built = run(Command::new(repo().join("deploy/image/build"))
        .arg(IMAGE)
        .env("WASMFLOW_BIN", env!("CARGO_BIN_EXE_wasmflow"))
        .env("WASMFLOW_CACHE_DIR", warm_cache_dir()));
    eprintln!("{}", String::from_utf8_lossy(&built.stdout));

    // Nothing but the server is in the image: no shell to run.
    let shell = Command::new("podman")
        .args(["run", "--rm"])
        .args(runtime_flags())
        .args(["--entrypoint", "/bin/sh", IMAGE, "-c", "true"])
        .output()
        .unwrap();
    assert!(!shell.status.success(), "the image has a shell");

    let port = free_port();
    let model = repo().join(MODEL);
    let id = run(Command::new("podman")
        .args(["run", "-d"])
        .args(runtime_flags())
        .args(["-p", &format!("127.0.0.1:{port}:8080"), "-v"])
        .arg(format!("{}:/model:ro", model.display()))
        .arg(IMAGE));
    let container = Container(String::from_utf8_lossy(&id.stdout).trim().to_string());

    let user = run(Command::new("podman").args(["top", &container.0, "huser"]));
    assert!(String::from_utf8_lossy(&user.stdout).contains("65532"), "not the image's non-root user");

    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client.get(format!("{base}/ping")).send().is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "the container never answered /ping: {:?}", logs(&container));
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = logs(&container);
    assert!(!log.contains("compiling"), "the image's compiled components were not used:\n{log}");

    let native = Server::start(MODEL, &[]);
    let body = r#"{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}}"#;
    for body in [body, r#"{"inputs": [[5.1, 3.5, 1.4, 0.2]]}"#] {
        let from_image = client
            .post(format!("{base}/invocations"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .unwrap();
        let expected = native.invoke(Some("application/json"), body);
        assert_eq!(from_image.status().as_u16(), expected.status, "{body}");
        assert_eq!(from_image.text().unwrap(), expected.body, "{body}");
    }
    drop(container);
    kserve_runtime_args_serve_v2_in_the_image(&client, &model);
    let _ = Command::new("podman").args(["rmi", "--force", IMAGE]).output();
}

/// The container arguments of deploy/kserve's ClusterServingRuntime, with
/// `{{.Name}}` filled as KServe fills it and the model where its storage
/// initializer puts it (/mnt/models), serve the model under that name over V2.
fn kserve_runtime_args_serve_v2_in_the_image(client: &reqwest::blocking::Client, model: &std::path::Path) {
    let manifest = std::fs::read_to_string(repo().join("deploy/kserve/cluster-serving-runtime.yaml")).unwrap();
    let runtime: serde_json::Value = serde_saphyr::from_str(&manifest).unwrap();
    let args: Vec<String> = runtime["spec"]["containers"][0]["args"]
        .as_array()
        .expect("the runtime's container has args")
        .iter()
        .map(|arg| arg.as_str().unwrap().replace("{{.Name}}", "iris"))
        .collect();
    let port = free_port();
    let id = run(Command::new("podman")
        .args(["run", "-d"])
        .args(runtime_flags())
        .args(["-p", &format!("127.0.0.1:{port}:8080"), "-v"])
        .arg(format!("{}:/mnt/models:ro", model.display()))
        .arg(IMAGE)
        .args(&args));
    let container = Container(String::from_utf8_lossy(&id.stdout).trim().to_string());
    let ready = format!("http://127.0.0.1:{port}/v2/models/iris/ready");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client.get(&ready).send().is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "{args:?}: never ready over V2: {}", logs(&container));
        std::thread::sleep(Duration::from_millis(200));
    }
    let columns = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];
    let inputs: Vec<serde_json::Value> = columns
        .iter()
        .zip([5.1, 3.5, 1.4, 0.2])
        .map(|(name, value)| serde_json::json!({"name": name, "shape": [1, 1], "datatype": "FP64", "data": [value]}))
        .collect();
    let infer = client
        .post(format!("http://127.0.0.1:{port}/v2/models/iris/infer"))
        .json(&serde_json::json!({ "inputs": inputs }))
        .send()
        .unwrap();
    assert_eq!(infer.status().as_u16(), 200);
    let answer: serde_json::Value = infer.json().unwrap();
    assert_eq!(answer["model_name"], "iris", "{answer}");
    assert_eq!(answer["outputs"][0]["data"], serde_json::json!([0]), "{answer}");
}

fn logs(container: &Container) -> String {
    let output = Command::new("podman").args(["logs", &container.0]).output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
