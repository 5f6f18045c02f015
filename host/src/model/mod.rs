//! Model URIs and MLflow model directories: where the model is, which flavor
//! serves it, and the configuration handed to the flavor.
//!
//! A model URI is a directory, a `file:` URI, or one of MLflow's store URIs
//! (`models:/<name>/<version>`, `models:/<name>@<alias>`, `models:/<name>/latest`,
//! `models:/<model_id>`, `runs:/<run_id>/<path>`), looked up in the tracking store
//! (`uri::StoreUri`: SQLite, file store, or a tracking server) and turned into a
//! local directory: the store's own directory for local stores, a download into
//! the cache (`cache`) for a tracking server's artifact proxy.

mod download;
mod file_store;
mod rest_store;
mod sqlite_store;
mod store;
mod uri;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use wasmflow_protocol::MlModel;

use crate::flavors::FlavorComponents;
use rest_store::RestStore;
use store::{ArtifactProxy, Store};
use uri::{ModelUri, StoreUri};

/// Where model URIs are looked up (`--tracking-uri`, `--registry-uri`) and where
/// downloaded models are kept.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The tracking URI; `None` means MLflow's default.
    pub tracking_uri: Option<String>,
    /// The registry URI; `None` means the tracking URI.
    pub registry_uri: Option<String>,
    /// The cache directory (downloads go to `<dir>/models`).
    pub cache_dir: Option<PathBuf>,
}

/// A model directory ready to serve.
#[derive(Debug)]
pub struct ResolvedModel {
    /// The directory holding `MLmodel` and the artifacts.
    pub dir: PathBuf,
    /// The parsed `MLmodel` file.
    pub mlmodel: MlModel,
    /// The flavor whose component serves the model (e.g. `onnx`).
    pub flavor: String,
    /// The model's own component, for a custom model whose MLmodel has a
    /// `wasmflow` flavor (`component: <path in the model directory>`).
    pub own_component: Option<PathBuf>,
    /// `model_config` from `SERVING_MODEL_CONFIG` or the MLmodel file (`{}` if none).
    pub model_config: serde_json::Value,
    /// The registered model version a `models:/<name>…` URI resolved to.
    pub version: Option<String>,
}

impl ResolvedModel {
    /// The component that serves this model: its own (`flavors.wasmflow.component`)
    /// or the one `components` has for its flavor.
    pub fn component(&self, components: &FlavorComponents) -> anyhow::Result<Cow<'static, [u8]>> {
        match &self.own_component {
            Some(path) => Ok(Cow::Owned(
                std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))?,
            )),
            None => components.bytes(&self.flavor, self.mlmodel.flavors.get(&self.flavor)),
        }
    }
}

/// Resolves a model URI to a model directory and picks the flavor that serves it.
pub fn resolve(uri: &str, components: &FlavorComponents, sources: &Sources) -> anyhow::Result<ResolvedModel> {
    let (dir, version) = match ModelUri::parse(uri)? {
        ModelUri::Local(dir) => (dir, None),
        parsed => locate(uri, &parsed, sources)?,
    };
    if !dir.join("MLmodel").is_file() {
        bail!("no MLflow model at {}: {} does not exist", uri, dir.join("MLmodel").display());
    }
    let dir = dir.canonicalize().with_context(|| format!("cannot open {}", dir.display()))?;
    let mlmodel = MlModel::from_dir(&dir).with_context(|| format!("cannot read {}", dir.join("MLmodel").display()))?;
    let own_component = own_component(&dir, &mlmodel)?;
    let flavor = if own_component.is_some() { CUSTOM_FLAVOR.to_string() } else { pick_flavor(&mlmodel, components)? };
    let model_config = serving_model_config()?.or_else(|| mlmodel.model_config.clone()).unwrap_or_default();
    let model_config = if model_config.is_null() { serde_json::json!({}) } else { model_config };
    Ok(ResolvedModel { dir, mlmodel, flavor, own_component, model_config, version })
}

/// Opens the store a tracking or registry URI names; `origin` says where the URI
/// came from, for the error message.
fn open_store(uri: &str, origin: &str) -> anyhow::Result<Box<dyn Store>> {
    let opened: anyhow::Result<Box<dyn Store>> = match StoreUri::parse(uri)? {
        StoreUri::Sqlite(path) => sqlite_store::SqliteStore::open(&absolute(&path)).map(|s| Box::new(s) as _),
        StoreUri::File(path) => file_store::FileStore::open(&absolute(&path)).map(|s| Box::new(s) as _),
        StoreUri::Rest(base) => RestStore::new(&base).map(|s| Box::new(s) as _),
    };
    opened.map_err(|e| anyhow::anyhow!("{} ({origin} {uri})", one_line(e)))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The name a model is served under when `-m` gives none: the registered model's
/// name for `models:/<name>…`, the model ID for `models:/m-…`, else the last
/// part of the path (the model directory's name, `model` for `runs:/<id>/model`).
pub fn default_name(uri: &str) -> String {
    match ModelUri::parse(uri) {
        Ok(ModelUri::Registered { name, .. }) => name,
        Ok(ModelUri::Logged(id)) => id,
        Ok(ModelUri::Local(dir)) => {
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            let name = dir.components().next_back().map(|c| c.as_os_str().to_string_lossy().into_owned());
            name.unwrap_or_else(|| "model".into())
        }
        Ok(ModelUri::Run { run_id, path }) => path.rsplit('/').find(|p| !p.is_empty()).unwrap_or(&run_id).to_string(),
        Err(_) => uri.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or(uri).to_string(),
    }
}

/// Whether the version `uri` names can change while it is served: a registered
/// model by alias (`models:/name@alias`), its latest version or the latest in a
/// stage. Directories, `file:`, `runs:/`, `models:/name/N` and `models:/m-…`
/// name one thing for good.
pub fn movable(uri: &str) -> bool {
    matches!(
        ModelUri::parse(uri),
        Ok(ModelUri::Registered {
            selector: uri::Selector::Alias(_) | uri::Selector::Latest | uri::Selector::Stage(_),
            ..
        })
    )
}

/// The registered version `uri` names now, asked of the registry without
/// downloading anything (`None` for a URI that names no registered model).
pub fn registered_version(uri: &str, sources: &Sources) -> anyhow::Result<Option<String>> {
    let ModelUri::Registered { name, selector } = ModelUri::parse(uri)? else { return Ok(None) };
    let (tracking, registry) = open_stores(sources)?;
    let registry = registry.as_deref().unwrap_or(tracking.as_ref());
    Ok(Some(registry.model_version(&name, &selector)?.version.to_string()))
}

/// The tracking store, and the registry store when it is another one.
type Stores = (Box<dyn Store>, Option<Box<dyn Store>>);

/// The tracking store of `sources`, and the registry store when it is another one.
fn open_stores(sources: &Sources) -> anyhow::Result<Stores> {
    let (tracking_uri, origin) = match sources.tracking_uri.clone().filter(|u| !u.trim().is_empty()) {
        Some(uri) => (uri, "tracking URI"),
        None => (
            uri::default_tracking_uri(Path::new(".")),
            "MLflow's default tracking URI, as neither --tracking-uri nor MLFLOW_TRACKING_URI is set:",
        ),
    };
    let registry_uri = sources.registry_uri.clone().filter(|u| !u.trim().is_empty() && *u != tracking_uri);
    let tracking = open_store(&tracking_uri, origin)?;
    let registry = match &registry_uri {
        Some(registry_uri) => Some(open_store(registry_uri, "registry URI")?),
        None => None,
    };
    Ok((tracking, registry))
}

/// Finds the directory of a `models:/` or `runs:/` URI in the stores of `sources`,
/// and the registered version it names, if any.
fn locate(uri: &str, parsed: &ModelUri, sources: &Sources) -> anyhow::Result<(PathBuf, Option<String>)> {
    let (tracking, registry) = open_stores(sources)?;
    let cache = download::models_dir(sources.cache_dir.as_deref());
    let (location, store, registered) = match parsed {
        ModelUri::Registered { name, selector } => {
            let registry = registry.as_deref().unwrap_or(tracking.as_ref());
            let version = registry.model_version(name, selector)?;
            tracing::info!(
                "{uri}: version {} of '{name}' in {}, at {}",
                version.version,
                registry.describe(),
                version.location()
            );
            let location = version.location().to_string();
            let registered = Some(version.version.to_string());
            // A version recorded only by its source (`models:/m-…`, `runs:/…`) is looked up
            // in the tracking store, as MLflow does.
            match ModelUri::parse(&location) {
                Ok(inner @ (ModelUri::Logged(_) | ModelUri::Run { .. })) => {
                    (locate_in(&location, &inner, tracking.as_ref())?, tracking.as_ref(), registered)
                }
                _ => (location, registry, registered),
            }
        }
        _ => (locate_in(uri, parsed, tracking.as_ref())?, tracking.as_ref(), None),
    };
    Ok((materialize(uri, &location, store, &cache)?, registered))
}

/// The artifact location of a logged model or run model in `store`.
fn locate_in(uri: &str, parsed: &ModelUri, store: &dyn Store) -> anyhow::Result<String> {
    match parsed {
        ModelUri::Logged(model_id) => store.logged_model(model_id),
        ModelUri::Run { run_id, path } => {
            let run = store.run(run_id)?;
            let in_run = join(&run.artifact_uri, path);
            if has_model(&in_run, store)? {
                return Ok(in_run);
            }
            // MLflow 3 keeps a model logged in a run as a logged model named by the path's first part.
            let (name, rest) = path.split_once('/').unwrap_or((path, ""));
            if !name.is_empty()
                && let Some(location) = store.run_logged_model(run_id, &run, name)?
            {
                return Ok(join(&location, rest));
            }
            bail!(
                "{uri}: run '{run_id}' in {} has no model at '{path}': no MLmodel under {in_run} and no logged model \
                 named '{name}' from that run",
                store.describe()
            )
        }
        _ => bail!("{uri}: not a store URI"),
    }
}

fn join(location: &str, path: &str) -> String {
    if path.is_empty() { location.to_string() } else { format!("{}/{}", location.trim_end_matches('/'), path) }
}

/// Where an artifact location's files are.
enum Artifacts<'a> {
    Local(PathBuf),
    Proxy(ProxyServer<'a>, String),
}

enum ProxyServer<'a> {
    Store(&'a dyn ArtifactProxy),
    Other(RestStore),
}

impl ProxyServer<'_> {
    fn get(&self) -> &dyn ArtifactProxy {
        match self {
            ProxyServer::Store(server) => *server,
            ProxyServer::Other(server) => server,
        }
    }
}

/// Interprets an artifact location recorded in `store`: local paths and `file:` URIs
/// (relocated under the store's root when the recorded path does not exist, so a store
/// copied elsewhere still works), and `mlflow-artifacts:` (the tracking server's proxy).
fn artifacts<'a>(location: &str, store: &'a dyn Store) -> anyhow::Result<Artifacts<'a>> {
    if let Some(rest) = location.strip_prefix("mlflow-artifacts:") {
        if let Some(authority) = rest.strip_prefix("//") {
            let (host, path) = authority.split_once('/').unwrap_or((authority, ""));
            if !host.is_empty() {
                let scheme = store.server().and_then(|s| s.base().split_once("://")).map_or("http", |(s, _)| s);
                let server = RestStore::new(&format!("{scheme}://{host}"))?;
                return Ok(Artifacts::Proxy(ProxyServer::Other(server), path.trim_matches('/').to_string()));
            }
        }
        let Some(server) = store.server() else {
            bail!(
                "artifact location {location} is on a tracking server's artifact proxy, but the store is {}",
                store.describe()
            );
        };
        return Ok(Artifacts::Proxy(ProxyServer::Store(server), rest.trim_matches('/').to_string()));
    }
    let path = if location.starts_with("file:") {
        uri::file_uri_path(location)
    } else if let Some((scheme, _)) = location.split_once(":/")
        && scheme.len() > 1
    {
        bail!(
            "artifact location {location} (recorded in {}) uses '{scheme}:', which wasmflow cannot read; \
             serve artifacts through the tracking server's proxy (mlflow server --serve-artifacts) instead",
            store.describe()
        );
    } else {
        PathBuf::from(location)
    };
    Ok(Artifacts::Local(relocate(&path, &store.local_roots())))
}

/// `path` if it exists; else the longest tail of it (two parts or more) that exists
/// under one of `roots`; else `path`.
fn relocate(path: &Path, roots: &[PathBuf]) -> PathBuf {
    if path.exists() {
        return path.to_path_buf();
    }
    let parts: Vec<_> = path.components().filter(|c| matches!(c, std::path::Component::Normal(_))).collect();
    for skip in 0..parts.len().saturating_sub(1) {
        let tail: PathBuf = parts[skip..].iter().collect();
        for root in roots.iter().rev() {
            let candidate = root.join(&tail);
            if candidate.exists() {
                tracing::debug!("{} does not exist; using {} in the store", path.display(), candidate.display());
                return candidate;
            }
        }
    }
    path.to_path_buf()
}

/// Whether an MLmodel is at `location` (for `runs:/` URIs).
fn has_model(location: &str, store: &dyn Store) -> anyhow::Result<bool> {
    Ok(match artifacts(location, store)? {
        Artifacts::Local(dir) => dir.join("MLmodel").is_file(),
        Artifacts::Proxy(server, path) => {
            server.get().list_artifacts(&path)?.iter().any(|(name, is_dir)| name == "MLmodel" && !is_dir)
        }
    })
}

/// The local directory of an artifact location, downloading it into the cache if needed.
fn materialize(uri: &str, location: &str, store: &dyn Store, cache: &Path) -> anyhow::Result<PathBuf> {
    match artifacts(location, store)? {
        Artifacts::Local(dir) => {
            if !dir.is_dir() {
                bail!(
                    "the artifacts of {uri} are missing: {location} (recorded in {}) does not exist",
                    store.describe()
                );
            }
            Ok(dir)
        }
        Artifacts::Proxy(server, path) => {
            download::fetch(server.get(), &path, cache).map_err(|e| anyhow::anyhow!("cannot download {uri}: {e}"))
        }
    }
}

/// An error and its causes on one line.
fn one_line(error: anyhow::Error) -> anyhow::Error {
    let parts: Vec<String> = error.chain().map(ToString::to_string).collect();
    anyhow::anyhow!(parts.join(": "))
}

/// The MLmodel flavor of a custom model that carries its own component.
pub const CUSTOM_FLAVOR: &str = "wasmflow";

/// The component a custom model carries (`flavors.wasmflow.component`), checked to
/// be a file inside the model directory.
fn own_component(dir: &Path, mlmodel: &MlModel) -> anyhow::Result<Option<PathBuf>> {
    let Some(section) = mlmodel.flavors.get(CUSTOM_FLAVOR) else { return Ok(None) };
    let Some(relative) = section.get("component").and_then(|c| c.as_str()) else {
        bail!("the {CUSTOM_FLAVOR} flavor in {} names no component (`component: model.wasm`)", dir.display());
    };
    let path = dir.join(relative);
    let path = path.canonicalize().with_context(|| format!("cannot open the model's component {}", path.display()))?;
    if !path.starts_with(dir) || !path.is_file() {
        bail!("the model's component {relative} is not a file inside {}", dir.display());
    }
    Ok(Some(path))
}

/// MLflow's generic flavor: the Python model every other flavor also writes.
const PYFUNC_FLAVOR: &str = "python_function";

/// The first flavor in the MLmodel that a component serves; `python_function`
/// (which runs a Python model's code) only when no other flavor is served.
fn pick_flavor(mlmodel: &MlModel, components: &FlavorComponents) -> anyhow::Result<String> {
    let served = |f: &&String| components.serves(f);
    if let Some(flavor) = mlmodel.flavors.keys().filter(|f| *f != PYFUNC_FLAVOR).find(served) {
        return Ok(flavor.clone());
    }
    if let Some(flavor) = mlmodel.flavors.keys().find(served) {
        return Ok(flavor.clone());
    }
    let found: Vec<&str> = mlmodel.flavors.keys().map(String::as_str).collect();
    bail!(
        "wasmflow cannot serve this model: its flavors are {found:?}, and wasmflow has components for {:?}",
        components.names()
    )
}

/// `SERVING_MODEL_CONFIG` (JSON), as `mlflow models serve` reads it.
fn serving_model_config() -> anyhow::Result<Option<serde_json::Value>> {
    match std::env::var("SERVING_MODEL_CONFIG") {
        Ok(text) if !text.trim().is_empty() => {
            Ok(Some(serde_json::from_str(&text).context("SERVING_MODEL_CONFIG is not valid JSON")?))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_mlmodel_is_refused() {
        let err = resolve(env!("CARGO_MANIFEST_DIR"), &FlavorComponents::default(), &Sources::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no MLflow model"), "{err}");
    }

    #[test]
    fn moved_store_paths_are_found_under_the_store_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("tests/fixtures/stores/file");
        let recorded = Path::new("/elsewhere/scratch/mlruns/0/meta.yaml");
        assert_eq!(relocate(recorded, std::slice::from_ref(&root)), root.join("mlruns/0/meta.yaml"));
        let missing = Path::new("/elsewhere/nothing/here");
        assert_eq!(relocate(missing, &[root]), missing);
    }

    #[test]
    fn only_aliases_latest_and_stages_move() {
        for uri in ["models:/iris@production", "models:/iris/latest", "models:/iris/Staging"] {
            assert!(movable(uri), "{uri}");
        }
        for uri in ["models:/iris/3", "models:/m-0123", "runs:/abc/model", "models/iris-onnx", "file:///m", "models:/"]
        {
            assert!(!movable(uri), "{uri}");
        }
    }

    #[test]
    fn registered_versions_are_read_without_downloading() {
        let store = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("tests/fixtures/stores/sqlite");
        let tracking_uri = Some(format!("sqlite:///{}", store.join("mlflow.db").display()));
        let sources = Sources { tracking_uri, ..Sources::default() };
        let version = |uri: &str| registered_version(uri, &sources).unwrap();
        assert_eq!(version("models:/iris_classifier@production").as_deref(), Some("2"));
        assert_eq!(version("models:/iris_classifier/latest").as_deref(), Some("2"));
        assert_eq!(version("models/iris-onnx"), None);
        let err = registered_version("models:/iris_classifier@nope", &sources).unwrap_err().to_string();
        assert!(err.contains("no alias 'nope'"), "{err}");
    }

    #[test]
    fn unknown_stores_fail_in_one_line() {
        let sources = Sources { tracking_uri: Some("sqlite:////nonexistent/mlflow.db".into()), ..Sources::default() };
        let err = resolve("models:/iris/1", &FlavorComponents::default(), &sources).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("/nonexistent/mlflow.db") && !text.contains('\n'), "{text}");
    }
}
