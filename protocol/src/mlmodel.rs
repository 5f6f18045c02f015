//! The `MLmodel` file: MLflow's YAML model descriptor (flavors, signature,
//! version, input example), read into typed fields.

use crate::schema::signature::Signature;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;
#[cfg(feature = "yaml")]
use std::path::Path;
use std::path::PathBuf;

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
    #[error("MLmodel handed over as JSON is not valid JSON: {0}")]
    Json(String),
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

/// The MLmodel fields wasmflow reads, as MLflow writes them. Fields are
/// lenient like MLflow's reader: a missing or `null` field is `None`, a
/// scalar where text is expected is read as its JSON text (`mlflow_version:
/// 2.10` → `"2.1"`), and a wrongly typed optional field is ignored.
#[derive(Deserialize)]
struct Document {
    #[serde(default, deserialize_with = "text")]
    artifact_path: Option<String>,
    flavors: BTreeMap<String, Value>,
    #[serde(default)]
    signature: Option<SignatureSection>,
    /// MLflow 3 writes `is_signature_from_type_hint` at the top level.
    #[serde(default, deserialize_with = "flag")]
    is_signature_from_type_hint: bool,
    #[serde(default)]
    model_config: Option<Value>,
    #[serde(default, deserialize_with = "text")]
    mlflow_version: Option<String>,
    #[serde(default, deserialize_with = "text")]
    model_uuid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    model_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    run_id: Option<String>,
    #[serde(default, deserialize_with = "count")]
    model_size_bytes: Option<u64>,
    #[serde(default, deserialize_with = "text")]
    utc_time_created: Option<String>,
    #[serde(default, deserialize_with = "mapping")]
    saved_input_example_info: Option<InputExampleSection>,
    #[serde(default)]
    metadata: Option<Value>,
}

/// `signature:`: each part is a JSON string (MLflow's form) or, tolerated, inline YAML.
#[derive(Deserialize)]
struct SignatureSection {
    #[serde(default, deserialize_with = "text")]
    inputs: Option<String>,
    #[serde(default, deserialize_with = "text")]
    outputs: Option<String>,
    #[serde(default, deserialize_with = "text")]
    params: Option<String>,
}

#[derive(Deserialize)]
struct InputExampleSection {
    #[serde(default, deserialize_with = "text")]
    artifact_path: Option<String>,
    #[serde(default, deserialize_with = "text", rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "text")]
    serving_input_path: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pandas_orient: Option<String>,
}

/// A string as itself, another non-null value as its JSON text.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// A boolean; anything else is `false`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Value::deserialize(d)?.as_bool().unwrap_or(false))
}

/// A non-negative integer; anything else is `None`.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Value::deserialize(d)?.as_u64())
}

/// A mapping read as `T`; anything else is `None`.
fn mapping<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    match Value::deserialize(d)? {
        map @ Value::Object(_) => serde_json::from_value(map).map(Some).map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

impl MlModel {
    /// Reads `<dir>/MLmodel`.
    #[cfg(feature = "yaml")]
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
    #[cfg(feature = "yaml")]
    pub fn from_yaml(text: &str) -> Result<MlModel, MlModelError> {
        // serde-saphyr's default budget bounds untrusted documents (events,
        // depth, aliases); as serde_yaml 0.9 did, non-finite floats become
        // `null` (serde_json cannot hold them) and only `true`/`false` are
        // booleans (YAML 1.2); errors stay on one line (no source snippet).
        let options = serde_saphyr::options! {
            non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
            with_snippet: false,
            strict_booleans: true,
        };
        let raw: Value =
            serde_saphyr::from_str_with_options(text, options).map_err(|e| MlModelError::Yaml(e.to_string()))?;
        MlModel::from_value(raw)
    }

    /// Reads an MLmodel handed over as JSON: the [`MlModel::raw`] document of one
    /// read from YAML, which this gives back unchanged.
    pub fn from_json(text: &str) -> Result<MlModel, MlModelError> {
        MlModel::from_value(serde_json::from_str(text).map_err(|e| MlModelError::Json(e.to_string()))?)
    }

    /// The MLmodel of a parsed document.
    fn from_value(raw: Value) -> Result<MlModel, MlModelError> {
        let map = raw.as_object().ok_or(MlModelError::NotAMapping)?;
        if !matches!(map.get("flavors"), Some(Value::Object(_))) {
            return Err(MlModelError::NoFlavors);
        }
        if map.get("signature").is_some_and(|s| !s.is_null() && !s.is_object()) {
            return Err(MlModelError::Signature("'signature' must be a mapping".into()));
        }
        let doc = Document::deserialize(&raw).map_err(|e| MlModelError::Yaml(e.to_string()))?;
        let from_type_hint = doc.is_signature_from_type_hint;
        let signature = match doc.signature {
            None => None,
            Some(SignatureSection { inputs, outputs, params }) => {
                let signature = Signature::from_json_strs(inputs.as_deref(), outputs.as_deref(), params.as_deref())
                    .map_err(MlModelError::Signature)?;
                Some(Signature { from_type_hint, ..signature })
            }
        };
        let saved_input_example_info = doc.saved_input_example_info.map(|info| InputExampleInfo {
            artifact_path: info.artifact_path,
            kind: info.kind,
            serving_input_path: info.serving_input_path,
            pandas_orient: info.pandas_orient,
            raw: map["saved_input_example_info"].clone(),
        });
        Ok(MlModel {
            artifact_path: doc.artifact_path,
            flavors: doc.flavors,
            signature,
            signature_from_type_hint: from_type_hint,
            model_config: doc.model_config,
            mlflow_version: doc.mlflow_version,
            model_uuid: doc.model_uuid,
            model_id: doc.model_id,
            run_id: doc.run_id,
            model_size_bytes: doc.model_size_bytes,
            utc_time_created: doc.utc_time_created,
            saved_input_example_info,
            metadata: doc.metadata,
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
    use std::path::Path;

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

    /// `wasmflow build` hands the front end its MLmodel as JSON (`raw`): every
    /// MLmodel in the repository's fixtures must read back the same from it.
    #[test]
    fn every_fixture_reads_the_same_from_its_json_hand_over() {
        let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
        let mut dirs = vec![models];
        let mut seen = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.file_name().is_some_and(|name| name == "MLmodel") {
                    let Ok(from_yaml) = MlModel::from_dir(&dir) else { continue };
                    let from_json = MlModel::from_json(&from_yaml.raw.to_string()).unwrap();
                    assert_eq!(from_json, from_yaml, "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 50, "only {seen} MLmodel files under models/");
        assert!(matches!(MlModel::from_json("{").unwrap_err(), MlModelError::Json(_)));
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

    #[test]
    fn fields_are_lenient_as_mlflow_is() {
        let m = MlModel::from_yaml(
            "flavors: {x: {nan: .nan, answer: yes, hex: 0x1f}}\nmlflow_version: 2.10\nrun_id: 12\nmodel_size_bytes: -1\nsaved_input_example_info: 3\nmodel_config: null\nis_signature_from_type_hint: 1\n",
        )
        .unwrap();
        // Non-finite floats become null and only true/false are booleans, as with serde_yaml 0.9.
        assert_eq!(m.flavors["x"], serde_json::json!({"nan": null, "answer": "yes", "hex": 31}));
        assert_eq!(m.mlflow_version.as_deref(), Some("2.1"));
        assert_eq!(m.run_id.as_deref(), Some("12"));
        assert_eq!(m.model_size_bytes, None);
        assert!(m.saved_input_example_info.is_none() && m.model_config.is_none() && !m.signature_from_type_hint);
        let e = MlModel::from_yaml("flavors: {}\nsignature: 5").unwrap_err();
        assert_eq!(e.to_string(), "MLmodel signature is invalid: 'signature' must be a mapping");
        let e = MlModel::from_yaml("flavors: {x: 1}\nflavors: {y: 2}").unwrap_err();
        assert!(e.to_string().contains("duplicate mapping key: flavors") && !e.to_string().contains('\n'), "{e}");
    }
}
