//! Model URIs and MLflow model directories: where the model is, which flavor
//! serves it, and the configuration handed to the flavor.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use wasmflow_protocol::MlModel;

use crate::flavors::FlavorComponents;

/// A model directory ready to serve.
#[derive(Debug)]
pub struct ResolvedModel {
    /// The directory holding `MLmodel` and the artifacts.
    pub dir: PathBuf,
    /// The parsed `MLmodel` file.
    pub mlmodel: MlModel,
    /// The flavor whose component serves the model (e.g. `onnx`).
    pub flavor: String,
    /// That flavor's section of `MLmodel`.
    pub flavor_config: serde_json::Value,
    /// `model_config` from `SERVING_MODEL_CONFIG` or the MLmodel file (`{}` if none).
    pub model_config: serde_json::Value,
}

/// Resolves a model URI (a path or a `file:` URI) to a model directory and picks
/// the flavor that serves it.
pub fn resolve(uri: &str, components: &FlavorComponents) -> anyhow::Result<ResolvedModel> {
    let dir = local_path(uri)?;
    if !dir.join("MLmodel").is_file() {
        bail!("no MLflow model at {}: {} does not exist", uri, dir.join("MLmodel").display());
    }
    let dir = dir.canonicalize().with_context(|| format!("cannot open {}", dir.display()))?;
    let mlmodel = MlModel::from_dir(&dir).with_context(|| format!("cannot read {}", dir.join("MLmodel").display()))?;
    let flavor = pick_flavor(&mlmodel, components)?;
    let flavor_config = mlmodel.flavors[&flavor].clone();
    let model_config = serving_model_config()?.or_else(|| mlmodel.model_config.clone()).unwrap_or_default();
    let model_config = if model_config.is_null() { serde_json::json!({}) } else { model_config };
    Ok(ResolvedModel { dir, mlmodel, flavor, flavor_config, model_config })
}

/// The local directory a URI names. Registry and run URIs are not served yet.
fn local_path(uri: &str) -> anyhow::Result<PathBuf> {
    if let Some(rest) = uri.strip_prefix("file://") {
        return Ok(PathBuf::from(rest));
    }
    if let Some(rest) = uri.strip_prefix("file:") {
        return Ok(PathBuf::from(rest));
    }
    if let Some((scheme, _)) = uri.split_once(":/")
        && scheme.len() > 1
        && !Path::new(uri).exists()
    {
        bail!("model URI scheme '{scheme}:' is not supported yet; pass a model directory or a file: URI");
    }
    Ok(PathBuf::from(uri))
}

/// The first flavor in the MLmodel that a component serves.
fn pick_flavor(mlmodel: &MlModel, components: &FlavorComponents) -> anyhow::Result<String> {
    if let Some(flavor) = mlmodel.flavors.keys().find(|f| components.serves(f)) {
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
    fn file_uris_and_paths_name_directories() {
        assert_eq!(local_path("file:///tmp/m").unwrap(), PathBuf::from("/tmp/m"));
        assert_eq!(local_path("file:models/iris").unwrap(), PathBuf::from("models/iris"));
        assert_eq!(local_path("models/iris").unwrap(), PathBuf::from("models/iris"));
    }

    #[test]
    fn registry_uris_are_refused_clearly() {
        let err = local_path("models:/iris@production").unwrap_err().to_string();
        assert!(err.contains("'models:'"), "{err}");
    }

    #[test]
    fn a_directory_without_mlmodel_is_refused() {
        let err = resolve(env!("CARGO_MANIFEST_DIR"), &FlavorComponents::default()).unwrap_err().to_string();
        assert!(err.contains("no MLflow model"), "{err}");
    }
}
