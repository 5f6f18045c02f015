//! The two MLmodel settings this flavor needs, both handed over by the host as
//! JSON: the artifact and serialization format (the `sklearn` section) and the
//! pyfunc `predict_fn` (the `python_function` section).

use crate::error::{Error, load};

/// What the `sklearn` flavor section says about the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// File name inside the model directory (`pickled_model`).
    pub file: String,
}

/// Reads the `sklearn` flavor section; only the skops format is supported yet.
pub fn artifact(flavor_config: &str) -> Result<Artifact, Error> {
    let config: serde_json::Value =
        serde_json::from_str(flavor_config).map_err(|e| load(format!("flavor configuration is not JSON: {e}")))?;
    let format = config.get("serialization_format").and_then(|f| f.as_str()).unwrap_or("cloudpickle");
    if format != "skops" {
        return Err(load(format!(
            "sklearn models saved with serialization_format '{format}' are not supported yet; wasmflow reads 'skops'"
        )));
    }
    let file = config.get("pickled_model").and_then(|f| f.as_str()).unwrap_or("model.skops");
    if file.contains("..") || file.starts_with('/') {
        return Err(load(format!("pickled_model '{file}' is not a file inside the model directory")));
    }
    Ok(Artifact { file: file.to_string() })
}

/// The pyfunc `predict_fn` (from the `python_function` section); `predict` when absent.
pub fn predict_fn(pyfunc_config: &str) -> Result<String, Error> {
    let config: serde_json::Value = serde_json::from_str(pyfunc_config)
        .map_err(|e| load(format!("python_function configuration is not JSON: {e}")))?;
    Ok(config.get("predict_fn").and_then(|f| f.as_str()).unwrap_or("predict").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predict_fn_comes_from_the_pyfunc_section() {
        assert_eq!(
            predict_fn(r#"{"loader_module": "mlflow.sklearn", "predict_fn": "predict_proba"}"#).unwrap(),
            "predict_proba"
        );
        assert_eq!(predict_fn("{}").unwrap(), "predict");
        assert!(predict_fn("not json").is_err());
    }

    #[test]
    fn only_skops_inside_the_directory() {
        assert_eq!(
            artifact(r#"{"serialization_format": "skops", "pickled_model": "model.skops"}"#).unwrap().file,
            "model.skops"
        );
        assert!(artifact(r#"{"serialization_format": "cloudpickle", "pickled_model": "model.pkl"}"#).is_err());
        assert!(artifact(r#"{"serialization_format": "skops", "pickled_model": "../x"}"#).is_err());
    }
}
