//! Parsing of model URIs (`models:/…`, `runs:/…`, paths, `file:`) and tracking
//! URIs (`sqlite:///…`, `file:…`, paths, `http(s)://…`), with MLflow's defaults.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Which version of a registered model a `models:/` URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `models:/name/3`
    Version(u64),
    /// `models:/name@alias`
    Alias(String),
    /// `models:/name/latest`
    Latest,
    /// `models:/name/Production` (MLflow's deprecated stages)
    Stage(String),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Version(v) => write!(f, "version {v}"),
            Selector::Alias(a) => write!(f, "alias '{a}'"),
            Selector::Latest => write!(f, "latest version"),
            Selector::Stage(s) => write!(f, "latest version in stage '{s}'"),
        }
    }
}

/// A parsed model URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelUri {
    /// A model directory (a path or a `file:` URI).
    Local(PathBuf),
    /// `models:/<name>/<version|latest|stage>` or `models:/<name>@<alias>`.
    Registered { name: String, selector: Selector },
    /// `models:/<model_id>`: an MLflow 3 logged model (`m-…`).
    Logged(String),
    /// `runs:/<run_id>/<path>`.
    Run { run_id: String, path: String },
}

impl ModelUri {
    pub fn parse(uri: &str) -> anyhow::Result<ModelUri> {
        if let Some(rest) = uri.strip_prefix("models:") {
            return parse_models(uri, rest);
        }
        if let Some(rest) = uri.strip_prefix("runs:") {
            let Some(rest) = rest.strip_prefix('/').filter(|r| !r.starts_with('/')) else {
                bail!("invalid model URI '{uri}': expected runs:/<run_id>/<path>");
            };
            let (run_id, path) = rest.split_once('/').unwrap_or((rest, ""));
            if run_id.is_empty() {
                bail!("invalid model URI '{uri}': expected runs:/<run_id>/<path>");
            }
            return Ok(ModelUri::Run { run_id: run_id.to_string(), path: path.trim_matches('/').to_string() });
        }
        if uri.starts_with("file:") {
            return Ok(ModelUri::Local(file_uri_path(uri)));
        }
        if let Some((scheme, _)) = uri.split_once(":/")
            && scheme.len() > 1
            && !Path::new(uri).exists()
        {
            bail!(
                "model URI scheme '{scheme}:' is not supported: pass a model directory, a file: URI, \
                 models:/<name>/<version>, models:/<name>@<alias>, models:/<model_id> or runs:/<run_id>/<path>"
            );
        }
        Ok(ModelUri::Local(PathBuf::from(uri)))
    }
}

fn parse_models(uri: &str, rest: &str) -> anyhow::Result<ModelUri> {
    let usage =
        "expected models:/<name>/<version>, models:/<name>/latest, models:/<name>@<alias> or models:/<model_id>";
    if rest.starts_with("//") {
        bail!("model URI '{uri}' names a registry profile (models://…), which wasmflow does not support; {usage}");
    }
    let Some(rest) = rest.strip_prefix('/') else { bail!("invalid model URI '{uri}': {usage}") };
    let rest = rest.trim_end_matches('/');
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [one] if !one.is_empty() => {
            if let Some((name, alias)) = one.split_once('@') {
                if name.is_empty() || alias.is_empty() {
                    bail!("invalid model URI '{uri}': {usage}");
                }
                return Ok(ModelUri::Registered { name: name.into(), selector: Selector::Alias(alias.into()) });
            }
            if one.starts_with("m-") {
                return Ok(ModelUri::Logged((*one).into()));
            }
            bail!("invalid model URI '{uri}': no version, alias or 'latest' after the model name; {usage}")
        }
        [name, which] if !name.is_empty() && !which.is_empty() => {
            let selector = if let Ok(version) = which.parse::<u64>() {
                Selector::Version(version)
            } else if which.eq_ignore_ascii_case("latest") {
                Selector::Latest
            } else {
                Selector::Stage((*which).into())
            };
            Ok(ModelUri::Registered { name: (*name).into(), selector })
        }
        _ => bail!("invalid model URI '{uri}': {usage}"),
    }
}

/// The path of a `file:` URI (`file:///abs`, `file:/abs`, `file:rel`), percent-decoded.
pub fn file_uri_path(uri: &str) -> PathBuf {
    let rest = uri.strip_prefix("file:").unwrap_or(uri);
    let rest = match rest.strip_prefix("//") {
        // file://host/path: only the empty host and localhost are local.
        Some(after) => after.strip_prefix("localhost").unwrap_or(after),
        None => rest,
    };
    PathBuf::from(decode(rest))
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Where MLflow keeps runs, logged models and registered models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUri {
    /// `sqlite:///path/to/mlflow.db`
    Sqlite(PathBuf),
    /// `file:///path/to/mlruns` or a plain path.
    File(PathBuf),
    /// `http(s)://host:port[/prefix]`
    Rest(String),
}

impl std::fmt::Display for StoreUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreUri::Sqlite(path) => write!(f, "the SQLite store {}", path.display()),
            StoreUri::File(path) => write!(f, "the file store {}", path.display()),
            StoreUri::Rest(base) => write!(f, "the tracking server {base}"),
        }
    }
}

impl StoreUri {
    pub fn parse(uri: &str) -> anyhow::Result<StoreUri> {
        if let Some(rest) = uri.strip_prefix("sqlite://") {
            // SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db; no path is in-memory.
            let path = rest.strip_prefix('/').unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                bail!("tracking URI '{uri}' is an in-memory SQLite database; wasmflow needs a database file");
            }
            return Ok(StoreUri::Sqlite(PathBuf::from(decode(path))));
        }
        if uri.starts_with("http://") || uri.starts_with("https://") {
            return Ok(StoreUri::Rest(uri.trim_end_matches('/').to_string()));
        }
        if uri.starts_with("file:") {
            return Ok(StoreUri::File(file_uri_path(uri)));
        }
        if uri == "databricks" || uri.starts_with("databricks") && uri.contains(':') || uri == "databricks-uc" {
            bail!(
                "tracking URI '{uri}' (Databricks) is not supported; use sqlite:///<path>, a file store or http(s)://"
            );
        }
        if let Some((scheme, _)) = uri.split_once(':')
            && scheme.len() > 1
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            bail!(
                "tracking URI scheme '{scheme}:' ({uri}) is not supported: use sqlite:///<path>, a file store \
                 path or file: URI, or http(s)://<tracking server>"
            );
        }
        Ok(StoreUri::File(PathBuf::from(uri)))
    }
}

/// MLflow 3's default tracking URI when none is set: `./mlruns` if it already holds
/// experiments (a directory named by digits with a `meta.yaml`), else `sqlite:///mlflow.db`
/// (mlflow/tracking/_tracking_service/utils.py, `_get_default_tracking_uri`).
pub fn default_tracking_uri(cwd: &Path) -> String {
    let mlruns = cwd.join("mlruns");
    let has_experiments = std::fs::read_dir(&mlruns).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) && e.path().join("meta.yaml").exists()
        })
    });
    if has_experiments { "./mlruns".to_string() } else { "sqlite:///mlflow.db".to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(name: &str, selector: Selector) -> ModelUri {
        ModelUri::Registered { name: name.into(), selector }
    }

    #[test]
    fn model_uris_parse() {
        let p = |u: &str| ModelUri::parse(u).unwrap();
        assert_eq!(p("models:/iris/2"), registered("iris", Selector::Version(2)));
        assert_eq!(p("models:/iris@production"), registered("iris", Selector::Alias("production".into())));
        assert_eq!(p("models:/iris/latest"), registered("iris", Selector::Latest));
        assert_eq!(p("models:/iris/Production"), registered("iris", Selector::Stage("Production".into())));
        assert_eq!(p("models:/m-0123abc"), ModelUri::Logged("m-0123abc".into()));
        assert_eq!(p("runs:/abc/model"), ModelUri::Run { run_id: "abc".into(), path: "model".into() });
        assert_eq!(p("runs:/abc/sub/model/"), ModelUri::Run { run_id: "abc".into(), path: "sub/model".into() });
        assert_eq!(p("file:///tmp/m"), ModelUri::Local("/tmp/m".into()));
        assert_eq!(p("file:models/iris"), ModelUri::Local("models/iris".into()));
        assert_eq!(p("file:///tmp/a%20b"), ModelUri::Local("/tmp/a b".into()));
        assert_eq!(p("models/iris"), ModelUri::Local("models/iris".into()));
    }

    #[test]
    fn bad_model_uris_are_refused_clearly() {
        for uri in ["models:/iris", "models:/", "models:iris/1", "models:/a/b/c", "runs:/", "models://p@databricks/x/1"]
        {
            assert!(ModelUri::parse(uri).is_err(), "{uri}");
        }
        let err = ModelUri::parse("s3://bucket/model").unwrap_err().to_string();
        assert!(err.contains("'s3:'"), "{err}");
    }

    #[test]
    fn tracking_uris_parse() {
        let p = |u: &str| StoreUri::parse(u).unwrap();
        assert_eq!(p("sqlite:///mlflow.db"), StoreUri::Sqlite("mlflow.db".into()));
        assert_eq!(p("sqlite:////tmp/x/mlflow.db"), StoreUri::Sqlite("/tmp/x/mlflow.db".into()));
        assert_eq!(p("file:///tmp/mlruns"), StoreUri::File("/tmp/mlruns".into()));
        assert_eq!(p("./mlruns"), StoreUri::File("./mlruns".into()));
        assert_eq!(p("http://127.0.0.1:5000/"), StoreUri::Rest("http://127.0.0.1:5000".into()));
        assert!(StoreUri::parse("postgresql://u@h/db").unwrap_err().to_string().contains("'postgresql:'"));
        assert!(StoreUri::parse("databricks").unwrap_err().to_string().contains("Databricks"));
    }

    #[test]
    fn default_is_sqlite_unless_mlruns_holds_experiments() {
        let dir = std::env::temp_dir().join(format!("wasmflow-default-uri-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("mlruns/0")).unwrap();
        assert_eq!(default_tracking_uri(&dir), "sqlite:///mlflow.db");
        std::fs::write(dir.join("mlruns/0/meta.yaml"), "name: Default\n").unwrap();
        assert_eq!(default_tracking_uri(&dir), "./mlruns");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
