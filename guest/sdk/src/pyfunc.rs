//! What MLflow's pyfunc loader hands a `PythonModel` in its `context`, read from a
//! [`LoadRequest`]: the artifacts (`context.artifacts`) and the model
//! configuration (`context.model_config`), so that a Rust port of a Python model
//! reads the same files and settings.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::exports::wasmflow::inference::predictor::{Error, LoadRequest};

/// The pyfunc section of the request.
fn section(request: &LoadRequest) -> Result<Value, Error> {
    serde_json::from_str(&request.pyfunc_config)
        .map_err(|e| Error::Load(format!("the python_function section is not JSON: {e}")))
}

/// `context.artifacts[name]`: the file MLflow copied into the model directory for
/// artifact `name` (`python_function.artifacts.<name>.path`).
pub fn artifact(request: &LoadRequest, name: &str) -> Result<PathBuf, Error> {
    let section = section(request)?;
    let path = section
        .get("artifacts")
        .and_then(|a| a.get(name))
        .and_then(|a| a.get("path"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
        Error::Load(format!("the model has no artifact named {name:?} (python_function.artifacts)"))
    })?;
    if path.split(['/', '\\']).any(|part| part == "..") || path.starts_with('/') {
        return Err(Error::Load(format!("artifact {name:?} is not inside the model directory: {path}")));
    }
    Ok(PathBuf::from(&request.model_dir).join(path))
}

/// `context.model_config`: the `config` saved in the pyfunc section (what
/// `log_model(model_config=...)` wrote), with the keys it already has overridden
/// by the served configuration (`SERVING_MODEL_CONFIG`), as MLflow's
/// `_get_overridden_pyfunc_model_config` does. Empty when the model saved none.
pub fn model_config(request: &LoadRequest) -> Result<Map<String, Value>, Error> {
    let mut config = match section(request)?.get("config") {
        Some(Value::Object(saved)) => saved.clone(),
        _ => Map::new(),
    };
    if let Ok(Value::Object(overrides)) = serde_json::from_str::<Value>(&request.model_config) {
        for (key, value) in overrides {
            if let Some(slot) = config.get_mut(&key) {
                *slot = value;
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pyfunc: &str, served: &str) -> LoadRequest {
        LoadRequest {
            model_dir: "/model".into(),
            flavor_config: "{}".into(),
            pyfunc_config: pyfunc.into(),
            model_config: served.into(),
        }
    }

    #[test]
    fn artifacts_resolve_inside_the_model_directory() {
        let r = request(r#"{"artifacts": {"a": {"path": "artifacts/a.pkl"}, "b": {"path": "../b"}}}"#, "{}");
        assert_eq!(artifact(&r, "a").unwrap(), PathBuf::from("/model/artifacts/a.pkl"));
        assert!(matches!(artifact(&r, "b"), Err(Error::Load(m)) if m.contains("not inside")));
        assert!(matches!(artifact(&r, "c"), Err(Error::Load(m)) if m.contains("\"c\"")));
    }

    #[test]
    fn served_config_overrides_only_saved_keys() {
        let r = request(r#"{"config": {"weights": [0.6, 0.4], "k": 1}}"#, r#"{"weights": [1, 0], "new": 2}"#);
        let config = model_config(&r).unwrap();
        assert_eq!(Value::Object(config), serde_json::json!({"weights": [1, 0], "k": 1}));
        assert!(model_config(&request("{}", r#"{"weights": [1]}"#)).unwrap().is_empty());
    }
}
