//! What wasmflow asks of an MLflow tracking / registry store, whatever keeps it.

use std::path::{Path, PathBuf};

use super::uri::Selector;

/// One registered model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    pub version: u64,
    /// Where the model came from: `models:/m-…`, `runs:/…` or an artifact location.
    pub source: String,
    /// Where MLflow keeps this version's artifacts, when the store records it.
    pub storage_location: Option<String>,
}

impl ModelVersion {
    /// The artifact location MLflow downloads a version from: the storage location,
    /// else the source (`get_model_version_download_uri`).
    pub fn location(&self) -> &str {
        self.storage_location.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.source)
    }
}

/// One run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub artifact_uri: String,
    pub experiment_id: String,
}

/// Read access to a tracking store (runs, logged models) and a model registry.
/// Errors are one line and say what was looked for in which store.
pub trait Store {
    /// "the SQLite store /…/mlflow.db" and the like.
    fn describe(&self) -> String;

    /// The registered model version `selector` picks.
    fn model_version(&self, name: &str, selector: &Selector) -> anyhow::Result<ModelVersion>;

    /// The artifact location of the logged model `model_id` (`m-…`).
    fn logged_model(&self, model_id: &str) -> anyhow::Result<String>;

    /// The run `run_id`.
    fn run(&self, run_id: &str) -> anyhow::Result<Run>;

    /// The artifact location of the logged model `name` that run `run_id` produced
    /// (how MLflow 3 answers `runs:/<run_id>/<name>`), if there is one.
    fn run_logged_model(&self, run_id: &str, run: &Run, name: &str) -> anyhow::Result<Option<String>>;

    /// Directories that relocated local artifact paths are looked up under
    /// (the store's root), most specific last.
    fn local_roots(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// The tracking server's artifact proxy, for `mlflow-artifacts:` locations.
    fn server(&self) -> Option<&dyn ArtifactProxy> {
        None
    }
}

/// A tracking server's artifact proxy (`mlflow server --serve-artifacts`).
pub trait ArtifactProxy {
    /// The server's base URL (`http://host:port`).
    fn base(&self) -> &str;

    /// The entries under `path`: (path relative to the artifact root, is a directory).
    fn list_artifacts(&self, path: &str) -> anyhow::Result<Vec<(String, bool)>>;

    /// Downloads the artifact `path` into the file `dest`.
    fn download_artifact(&self, path: &str, dest: &Path) -> anyhow::Result<()>;
}

/// The message for a version that is not there, listing what is.
pub fn no_such_version(name: &str, selector: &Selector, store: &str, known: &[String]) -> anyhow::Error {
    let what = match selector {
        Selector::Version(v) => format!("has no version {v}"),
        Selector::Alias(a) => format!("has no alias '{a}'"),
        Selector::Latest => "has no versions".to_string(),
        Selector::Stage(s) => format!("has no version in stage '{s}'"),
    };
    let known_what = if matches!(selector, Selector::Alias(_)) { "aliases" } else { "versions" };
    let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
    anyhow::anyhow!("registered model '{name}' {what} in {store} ({known_what}: {known})")
}

/// The message for a registered model that is not there.
pub fn no_such_model(name: &str, store: &str) -> anyhow::Error {
    anyhow::anyhow!("registered model '{name}' not found in {store}")
}
