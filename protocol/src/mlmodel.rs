//! The `MLmodel` file: MLflow's YAML model descriptor (flavors, signature,
//! version, input example), read into typed fields.

use crate::schema::signature::Signature;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an MLmodel file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MlModelError {
    #[error("cannot read MLmodel file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("MLmodel is not valid YAML: {0}")]
    Yaml(String),
    #[error("MLmodel must be a YAML mapping")]
    NotAMapping,
    #[error("MLmodel has no 'flavors' mapping")]
    NoFlavors,
    #[error("MLmodel signature is invalid: {0}")]
    Signature(String),
}

/// Where an input example was saved (`saved_input_example_info`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputExampleInfo {
    pub artifact_path: Option<String>,
    /// `ndarray`, `dataframe`, `json_object`...
    pub kind: Option<String>,
    pub serving_input_path: Option<String>,
    /// `split`/`records` for DataFrame examples.
    pub pandas_orient: Option<String>,
    /// Everything, as written.
    pub raw: Value,
}

/// The MLmodel sections a flavor loads a model with (the WIT `load-request`
/// minus the directory), as JSON texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSections {
    pub flavor_config: String,
    pub pyfunc_config: String,
    pub model_config: String,
}

/// A parsed MLmodel file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MlModel {
    pub artifact_path: Option<String>,
    /// Flavor name (`python_function`, `onnx`, `sklearn`...) → its configuration.
    pub flavors: BTreeMap<String, Value>,
    pub signature: Option<Signature>,
    /// True when MLflow inferred the signature from a `predict` type hint.
    pub signature_from_type_hint: bool,
    pub model_config: Option<Value>,
    pub mlflow_version: Option<String>,
    pub model_uuid: Option<String>,
    pub model_id: Option<String>,
    pub run_id: Option<String>,
    pub model_size_bytes: Option<u64>,
    pub utc_time_created: Option<String>,
    pub saved_input_example_info: Option<InputExampleInfo>,
    pub metadata: Option<Value>,
    /// The whole document, as JSON.
    pub raw: Value,
}

fn opt_string(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// A signature part: MLflow writes a JSON string; tolerate an inline list too.
fn schema_text(sig: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match sig.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

impl MlModel {
    /// Reads `<dir>/MLmodel`.
    pub fn from_dir(dir: &Path) -> Result<MlModel, MlModelError> {
        let path = dir.join("MLmodel");
        let text = std::fs::read_to_string(&path).map_err(|source| MlModelError::Io { path: path.clone(), source })?;
        MlModel::from_yaml(&text)
    }

    /// What a flavor's `model.load` gets from this MLmodel, as JSON texts: the
    /// `flavor` section, the `python_function` section (`{}` if absent) and
    /// `model_config` (`{}` if absent), unless `model_config` overrides it.
    pub fn load_sections(&self, flavor: &str, model_config: Option<&Value>) -> Option<LoadSections> {
        let flavor_config = self.flavors.get(flavor)?.to_string();
        let pyfunc_config = self.flavors.get("python_function").map_or_else(|| "{}".into(), Value::to_string);
        let model_config = match model_config.or(self.model_config.as_ref()) {
            None | Some(Value::Null) => "{}".into(),
            Some(config) => config.to_string(),
        };
        Some(LoadSections { flavor_config, pyfunc_config, model_config })
    }

    /// Parses MLmodel YAML text.
    pub fn from_yaml(text: &str) -> Result<MlModel, MlModelError> {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| MlModelError::Yaml(e.to_string()))?;
        let raw: Value = serde_json::to_value(&yaml).map_err(|e| MlModelError::Yaml(e.to_string()))?;
        let map = raw.as_object().ok_or(MlModelError::NotAMapping)?;
        let flavors = match map.get("flavors") {
            Some(Value::Object(f)) => f.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => return Err(MlModelError::NoFlavors),
        };
        // MLflow 3 writes `is_signature_from_type_hint` at the top level.
        let signature_from_type_hint = map.get("is_signature_from_type_hint").and_then(Value::as_bool).unwrap_or(false);
        let signature = match map.get("signature") {
            None | Some(Value::Null) => None,
            Some(Value::Object(sig)) => {
                let inputs = schema_text(sig, "inputs");
                let outputs = schema_text(sig, "outputs");
                let params = schema_text(sig, "params");
                let signature = Signature::from_json_strs(inputs.as_deref(), outputs.as_deref(), params.as_deref())
                    .map_err(MlModelError::Signature)?;
                Some(Signature { from_type_hint: signature_from_type_hint, ..signature })
            }
            Some(_) => {
                return Err(MlModelError::Signature("'signature' must be a mapping".into()));
            }
        };
        let saved_input_example_info = match map.get("saved_input_example_info") {
            Some(Value::Object(info)) => Some(InputExampleInfo {
                artifact_path: opt_string(info, "artifact_path"),
                kind: opt_string(info, "type"),
                serving_input_path: opt_string(info, "serving_input_path"),
                pandas_orient: opt_string(info, "pandas_orient"),
                raw: Value::Object(info.clone()),
            }),
            _ => None,
        };
        Ok(MlModel {
            artifact_path: opt_string(map, "artifact_path"),
            flavors,
            signature,
            signature_from_type_hint,
            model_config: map.get("model_config").filter(|v| !v.is_null()).cloned(),
            mlflow_version: opt_string(map, "mlflow_version"),
            model_uuid: opt_string(map, "model_uuid"),
            model_id: opt_string(map, "model_id"),
            run_id: opt_string(map, "run_id"),
            model_size_bytes: map.get("model_size_bytes").and_then(Value::as_u64),
            utc_time_created: opt_string(map, "utc_time_created"),
            saved_input_example_info,
            metadata: map.get("metadata").filter(|v| !v.is_null()).cloned(),
            raw,
        })
    }

    /// The configuration of one flavor, if present.
    pub fn flavor(&self, name: &str) -> Option<&Value> {
        self.flavors.get(name)
    }

    /// The `python_function` flavor's `loader_module` (`mlflow.onnx`...).
    pub fn loader_module(&self) -> Option<&str> {
        self.flavor("python_function")?.get("loader_module")?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::signature::Schema;
    use crate::value::DType;

    const TYPICAL: &str = r#"artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers: [CUDAExecutionProvider, CPUExecutionProvider]
  python_function:
    data: model.onnx
    env: {conda: conda.yaml, virtualenv: python_env.yaml}
    loader_module: mlflow.onnx
    python_version: 3.11.7
mlflow_version: 3.17.2
model_size_bytes: 12345
model_uuid: 0d7abc
saved_input_example_info: {artifact_path: input_example.json, type: ndarray, serving_input_path: serving_input_example.json}
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}, "name": "label"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "probabilities"}]'
  params: null
utc_time_created: '2026-11-29 02:30:00.000000'
"#;

    #[test]
    fn typical_mlmodel() {
        let m = MlModel::from_yaml(TYPICAL).unwrap();
        assert_eq!(m.mlflow_version.as_deref(), Some("3.17.2"));
        assert_eq!(m.model_uuid.as_deref(), Some("0d7abc"));
        assert_eq!(m.model_size_bytes, Some(12345));
        assert_eq!(m.loader_module(), Some("mlflow.onnx"));
        assert_eq!(m.flavor("onnx").unwrap()["onnx_version"], Value::String("1.17.0".into()));
        let sig = m.signature.unwrap();
        let Some(Schema::Tensors(t)) = &sig.inputs else { panic!() };
        assert_eq!(t[0].dtype, DType::F32);
        assert!(sig.params.is_none());
        assert!(!m.signature_from_type_hint);
        let info = m.saved_input_example_info.unwrap();
        assert_eq!(info.kind.as_deref(), Some("ndarray"));
        assert_eq!(info.serving_input_path.as_deref(), Some("serving_input_example.json"));
    }

    #[test]
    fn errors_are_clear() {
        assert!(matches!(MlModel::from_yaml("flavors: [").unwrap_err(), MlModelError::Yaml(_)));
        assert!(matches!(MlModel::from_yaml("- a").unwrap_err(), MlModelError::NotAMapping));
        assert!(matches!(MlModel::from_yaml("mlflow_version: 1").unwrap_err(), MlModelError::NoFlavors));
        let e = MlModel::from_yaml("flavors: {}\nsignature:\n  inputs: '[{'\n").unwrap_err();
        assert!(e.to_string().starts_with("MLmodel signature is invalid: inputs:"), "{e}");
        let e = MlModel::from_dir(Path::new("/nonexistent/dir")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/dir/MLmodel"), "{e}");
    }

    #[test]
    fn no_signature_and_params() {
        let m = MlModel::from_yaml(
            "flavors: {python_function: {loader_module: x}}\nsignature:\n  inputs: '[{\"name\": \"a\", \"type\": \"double\"}]'\n  params: '[{\"name\": \"k\", \"type\": \"long\", \"default\": 3, \"shape\": null}]'\n",
        )
        .unwrap();
        let sig = m.signature.unwrap();
        assert!(sig.outputs.is_none());
        assert_eq!(sig.params.unwrap().params[0].name, "k");
        let m = MlModel::from_yaml("flavors: {python_function: {}}").unwrap();
        assert!(m.signature.is_none());
    }
}
