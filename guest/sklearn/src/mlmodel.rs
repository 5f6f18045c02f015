//! The two MLmodel settings this flavor needs, both handed over by the host as
//! JSON: the artifact and serialization format (skops, or pickle / cloudpickle;
//! the `sklearn` section, or the `lightgbm` section of a LightGBM scikit-learn
//! model, which MLflow writes with the same serializer) and the pyfunc
//! `predict_fn` (the `python_function` section).

use crate::error::{Error, load};

/// How the model file is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `skops` (MLflow 3's default): a zip of a JSON schema and `.npy` arrays.
    Skops,
    /// `pickle` or `cloudpickle` (MLflow 2's default): read by the restricted unpickler.
    Pickle,
}

/// What the `sklearn` flavor section says about the artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// File name inside the model directory (`pickled_model`; `data` in a `lightgbm` section).
    pub file: String,
    /// `serialization_format`.
    pub format: Format,
}

/// Reads the `sklearn` (or `lightgbm`) flavor section (`serialization_format` is
/// `cloudpickle` when absent, as in both MLflow flavors).
pub fn artifact(flavor_config: &str) -> Result<Artifact, Error> {
    let config: serde_json::Value =
        serde_json::from_str(flavor_config).map_err(|e| load(format!("flavor configuration is not JSON: {e}")))?;
    let (format, default_file) = match config.get("serialization_format").and_then(|f| f.as_str()) {
        Some("skops") => (Format::Skops, "model.skops"),
        Some("cloudpickle" | "pickle") | None => (Format::Pickle, "model.pkl"),
        Some(other) => {
            return Err(load(format!(
                "sklearn models saved with serialization_format '{other}' are not supported \
                 (wasmflow reads 'skops', 'cloudpickle' and 'pickle')"
            )));
        }
    };
    let file = ["pickled_model", "data"]
        .iter()
        .find_map(|key| config.get(key).and_then(|f| f.as_str()))
        .unwrap_or(default_file);
    if file.contains("..") || file.starts_with('/') {
        return Err(load(format!("pickled_model '{file}' is not a file inside the model directory")));
    }
    Ok(Artifact { file: file.to_string(), format })
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
    fn skops_and_pickles_inside_the_directory() {
        assert_eq!(
            artifact(r#"{"serialization_format": "skops", "pickled_model": "model.skops"}"#).unwrap(),
            Artifact { file: "model.skops".into(), format: Format::Skops }
        );
        for format in ["cloudpickle", "pickle"] {
            let config = format!(r#"{{"serialization_format": "{format}", "pickled_model": "model.pkl"}}"#);
            assert_eq!(artifact(&config).unwrap(), Artifact { file: "model.pkl".into(), format: Format::Pickle });
        }
        assert_eq!(artifact("{}").unwrap(), Artifact { file: "model.pkl".into(), format: Format::Pickle });
        // mlflow.lightgbm's section of an LGBMClassifier names the file `data`.
        let lightgbm = r#"{"data": "model.skops", "model_class": "lightgbm.sklearn.LGBMClassifier", "serialization_format": "skops"}"#;
        assert_eq!(artifact(lightgbm).unwrap(), Artifact { file: "model.skops".into(), format: Format::Skops });
        assert!(artifact(r#"{"serialization_format": "joblib"}"#).is_err());
        assert!(artifact(r#"{"serialization_format": "skops", "pickled_model": "../x"}"#).is_err());
        assert!(artifact(r#"{"serialization_format": "pickle", "pickled_model": "/etc/passwd"}"#).is_err());
    }
}
