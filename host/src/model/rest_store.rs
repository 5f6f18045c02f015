//! An MLflow tracking server (`mlflow server`), through its REST API
//! (`/api/2.0/mlflow/…`) and its artifact proxy (`/api/2.0/mlflow-artifacts/…`).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::store::{ArtifactProxy, ModelVersion, Run, Store, no_such_model, no_such_version};
use super::uri::Selector;

/// Characters left as they are in one path segment of an artifact URL.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub struct RestStore {
    base: String,
    client: reqwest::blocking::Client,
}

/// An error answer of the server: MLflow's `error_code` and `message`.
struct ApiError {
    status: u16,
    code: String,
    message: String,
}

impl ApiError {
    fn not_found(&self) -> bool {
        self.status == 404 || self.code == "RESOURCE_DOES_NOT_EXIST"
    }
}

/// The innermost cause of a transport error ("Connection refused (os error 111)").
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_timeout() { format!("timed out ({cause})") } else { cause.to_string() }
}

/// How long one request to the tracking server may wait for its answer, or
/// for more of an artifact's bytes: MLflow's `MLFLOW_HTTP_REQUEST_TIMEOUT`
/// (seconds, default 120), so a server that hangs fails the start in bounded
/// time, as MLflow's client does.
fn request_timeout() -> Duration {
    std::env::var("MLFLOW_HTTP_REQUEST_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(120), Duration::from_secs)
}

impl RestStore {
    pub fn new(base: &str) -> anyhow::Result<RestStore> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(request_timeout())
            .user_agent(concat!("wasmflow/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(RestStore { base: base.trim_end_matches('/').to_string(), client })
    }

    /// `MLFLOW_TRACKING_TOKEN` (bearer) or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD` (basic), as MLflow's client.
    fn authorize(&self, request: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(token) = var("MLFLOW_TRACKING_TOKEN") {
            request.bearer_auth(token)
        } else if let Some(user) = var("MLFLOW_TRACKING_USERNAME") {
            request.basic_auth(user, var("MLFLOW_TRACKING_PASSWORD"))
        } else {
            request
        }
    }

    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
        what: &str,
    ) -> anyhow::Result<Result<reqwest::blocking::Response, ApiError>> {
        let response = self.authorize(request).send().map_err(|e| {
            anyhow::anyhow!("cannot reach the tracking server {}: {} ({what})", self.base, root_cause(&e))
        })?;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(Ok(response));
        }
        let text = response.text().unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        let message = body["message"].as_str().map(str::to_string).unwrap_or_else(|| {
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
            line.chars().take(200).collect()
        });
        let code = body["error_code"].as_str().unwrap_or_default().to_string();
        Ok(Err(ApiError { status, code, message }))
    }

    fn json(&self, request: reqwest::blocking::RequestBuilder, what: &str) -> anyhow::Result<Result<Value, ApiError>> {
        match self.send(request, what)? {
            Ok(response) => {
                let value = response.json::<Value>().map_err(|e| {
                    anyhow::anyhow!("the tracking server {} answered {what} with bad JSON: {e}", self.base)
                })?;
                Ok(Ok(value))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Result<Value, ApiError>> {
        self.json(self.client.get(format!("{}{path}", self.base)).query(query), &format!("GET {path}"))
    }

    fn post(&self, path: &str, body: &Value) -> anyhow::Result<Result<Value, ApiError>> {
        self.json(self.client.post(format!("{}{path}", self.base)).json(body), &format!("POST {path}"))
    }

    /// A server error as one line.
    fn failed(&self, what: &str, error: &ApiError) -> anyhow::Error {
        anyhow::anyhow!(
            "the tracking server {} refused {what}: {} {} {}",
            self.base,
            error.status,
            error.code,
            error.message
        )
    }

    fn registered_model(&self, name: &str) -> anyhow::Result<Value> {
        match self.get("/api/2.0/mlflow/registered-models/get", &[("name", name)])? {
            Ok(body) => Ok(body["registered_model"].clone()),
            Err(e) if e.not_found() => Err(no_such_model(name, &self.describe())),
            Err(e) => Err(self.failed(&format!("registered model '{name}'"), &e)),
        }
    }

    fn known_versions(&self, name: &str) -> Vec<String> {
        let filter = format!("name='{}'", name.replace('\'', "\\'"));
        let Ok(Ok(body)) = self.get("/api/2.0/mlflow/model-versions/search", &[("filter", &filter)]) else {
            return Vec::new();
        };
        let mut versions: Vec<u64> = body["model_versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| version_number(&v["version"]))
            .collect();
        versions.sort_unstable();
        versions.iter().map(u64::to_string).collect()
    }

    /// A version's download location (`get_model_version_download_uri`).
    fn complete(&self, name: &str, version: &Value) -> anyhow::Result<ModelVersion> {
        let number = version_number(&version["version"])
            .with_context(|| format!("the tracking server {} sent a model version without a number", self.base))?;
        let number_text = number.to_string();
        let download = match self
            .get("/api/2.0/mlflow/model-versions/get-download-uri", &[("name", name), ("version", &number_text)])?
        {
            Ok(body) => body["artifact_uri"].as_str().map(str::to_string),
            Err(_) => None,
        };
        Ok(ModelVersion {
            version: number,
            source: version["source"].as_str().unwrap_or_default().to_string(),
            storage_location: download.or_else(|| version["storage_location"].as_str().map(str::to_string)),
        })
    }
}

fn version_number(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

impl Store for RestStore {
    fn describe(&self) -> String {
        format!("the tracking server {}", self.base)
    }

    fn model_version(&self, name: &str, selector: &Selector) -> anyhow::Result<ModelVersion> {
        let version = match selector {
            Selector::Alias(alias) => {
                match self.get("/api/2.0/mlflow/registered-models/alias", &[("name", name), ("alias", alias)])? {
                    Ok(body) => body["model_version"].clone(),
                    Err(e) if e.not_found() || e.code == "INVALID_PARAMETER_VALUE" => {
                        let model = self.registered_model(name)?;
                        let known: Vec<String> = model["aliases"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| {
                                format!(
                                    "{} -> {}",
                                    a["alias"].as_str().unwrap_or_default(),
                                    a["version"].as_str().unwrap_or_default()
                                )
                            })
                            .collect();
                        return Err(no_such_version(name, selector, &self.describe(), &known));
                    }
                    Err(e) => return Err(self.failed(&format!("alias '{alias}' of '{name}'"), &e)),
                }
            }
            Selector::Version(v) => {
                let v = v.to_string();
                match self.get("/api/2.0/mlflow/model-versions/get", &[("name", name), ("version", &v)])? {
                    Ok(body) => body["model_version"].clone(),
                    Err(e) if e.not_found() => {
                        self.registered_model(name)?;
                        return Err(no_such_version(name, selector, &self.describe(), &self.known_versions(name)));
                    }
                    Err(e) => return Err(self.failed(&format!("version {v} of '{name}'"), &e)),
                }
            }
            Selector::Latest | Selector::Stage(_) => {
                let mut body = json!({"name": name});
                if let Selector::Stage(stage) = selector {
                    body["stages"] = json!([stage]);
                }
                let versions = match self.post("/api/2.0/mlflow/registered-models/get-latest-versions", &body)? {
                    Ok(body) => body["model_versions"].as_array().cloned().unwrap_or_default(),
                    Err(e) if e.not_found() => return Err(no_such_model(name, &self.describe())),
                    Err(e) => return Err(self.failed(&format!("the latest versions of '{name}'"), &e)),
                };
                match versions.into_iter().max_by_key(|v| version_number(&v["version"])) {
                    Some(version) => version,
                    None => return Err(no_such_version(name, selector, &self.describe(), &self.known_versions(name))),
                }
            }
        };
        self.complete(name, &version)
    }

    fn logged_model(&self, model_id: &str) -> anyhow::Result<String> {
        let path = format!("/api/2.0/mlflow/logged-models/{}", utf8_percent_encode(model_id, SEGMENT));
        match self.get(&path, &[])? {
            Ok(body) => body["model"]["info"]["artifact_uri"].as_str().map(str::to_string).with_context(|| {
                format!("the tracking server {} sent logged model '{model_id}' without artifact_uri", self.base)
            }),
            Err(e) if e.not_found() => bail!("logged model '{model_id}' not found in {}", self.describe()),
            Err(e) => Err(self.failed(&format!("logged model '{model_id}'"), &e)),
        }
    }

    fn run(&self, run_id: &str) -> anyhow::Result<Run> {
        match self.get("/api/2.0/mlflow/runs/get", &[("run_id", run_id)])? {
            Ok(body) => {
                let info = &body["run"]["info"];
                Ok(Run {
                    artifact_uri: info["artifact_uri"].as_str().unwrap_or_default().to_string(),
                    experiment_id: info["experiment_id"].as_str().unwrap_or_default().to_string(),
                })
            }
            Err(e) if e.not_found() => bail!("run '{run_id}' not found in {}", self.describe()),
            Err(e) => Err(self.failed(&format!("run '{run_id}'"), &e)),
        }
    }

    fn run_logged_model(&self, run_id: &str, run: &Run, name: &str) -> anyhow::Result<Option<String>> {
        let filter = format!("name = '{}'", name.replace('\'', "\\'"));
        let mut page_token: Option<String> = None;
        loop {
            let mut body = json!({"experiment_ids": [run.experiment_id], "filter": filter});
            if let Some(token) = &page_token {
                body["page_token"] = json!(token);
            }
            let page = match self.post("/api/2.0/mlflow/logged-models/search", &body)? {
                Ok(page) => page,
                Err(e) => return Err(self.failed(&format!("a search for logged model '{name}' of run '{run_id}'"), &e)),
            };
            for model in page["models"].as_array().into_iter().flatten() {
                let info = &model["info"];
                if info["source_run_id"].as_str() == Some(run_id)
                    && let Some(uri) = info["artifact_uri"].as_str()
                {
                    return Ok(Some(uri.to_string()));
                }
            }
            match page["next_page_token"].as_str() {
                Some(token) if !token.is_empty() => page_token = Some(token.to_string()),
                _ => return Ok(None),
            }
        }
    }

    fn server(&self) -> Option<&dyn ArtifactProxy> {
        Some(self)
    }
}

impl ArtifactProxy for RestStore {
    fn base(&self) -> &str {
        &self.base
    }

    /// Lists one artifact directory through the proxy: (name, is_dir) pairs.
    fn list_artifacts(&self, path: &str) -> anyhow::Result<Vec<(String, bool)>> {
        let body = match self.get("/api/2.0/mlflow-artifacts/artifacts", &[("path", path)])? {
            Ok(body) => body,
            Err(e) if e.not_found() => return Ok(Vec::new()),
            Err(e) => return Err(self.failed(&format!("listing artifacts at mlflow-artifacts:/{path}"), &e)),
        };
        let mut files = Vec::new();
        for file in body["files"].as_array().into_iter().flatten() {
            let name = file["path"].as_str().unwrap_or_default();
            let name = name.rsplit('/').next().unwrap_or_default();
            if name.is_empty() || name == "." || name == ".." {
                bail!("the tracking server {} listed an unsafe artifact name under {path}", self.base);
            }
            files.push((name.to_string(), file["is_dir"].as_bool().unwrap_or(false)));
        }
        Ok(files)
    }

    /// Downloads one artifact file through the proxy into `dest`.
    fn download_artifact(&self, path: &str, dest: &Path) -> anyhow::Result<()> {
        let encoded: Vec<String> = path.split('/').map(|s| utf8_percent_encode(s, SEGMENT).to_string()).collect();
        let url = format!("{}/api/2.0/mlflow-artifacts/artifacts/{}", self.base, encoded.join("/"));
        let what = format!("GET mlflow-artifacts:/{path}");
        let mut response = match self.send(self.client.get(url), &what)? {
            Ok(response) => response,
            Err(e) => return Err(self.failed(&format!("downloading artifact mlflow-artifacts:/{path}"), &e)),
        };
        let mut file = std::fs::File::create(dest).with_context(|| format!("cannot write {}", dest.display()))?;
        response.copy_to(&mut file).map_err(|e| {
            anyhow::anyhow!("download of mlflow-artifacts:/{path} from {} failed: {}", self.base, root_cause(&e))
        })?;
        file.flush()?;
        Ok(())
    }
}
