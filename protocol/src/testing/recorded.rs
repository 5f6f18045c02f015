//! The answers recorded from a real `mlflow models serve`
//! (`tests/conformance/<model>/<case>.json`, see tests/conformance/README.md) and
//! the cases where wasmflow answers differently on purpose, in one place for
//! both replayers: this crate's (parse, then re-encode MLflow's predictions byte
//! for byte, no server) and the end-to-end one over HTTP
//! (`tests/e2e/conformance.rs`, behind the `testing` feature).

use std::path::{Path, PathBuf};

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::Value;

/// One recorded request and MLflow's answer.
pub struct Case {
    /// The file's stem (`err_csv_empty`).
    pub name: String,
    /// `method`, `path`, `content_type`, `body` or `body_base64`.
    pub request: Value,
    /// `status`, `content_type`, `body`.
    pub response: Value,
}

impl Case {
    /// The request body's bytes, if the request has a body.
    pub fn body(&self) -> Option<Vec<u8>> {
        match (self.request["body"].as_str(), self.request["body_base64"].as_str()) {
            (Some(text), _) => Some(text.as_bytes().to_vec()),
            (None, Some(encoded)) => Some(BASE64_STANDARD.decode(encoded).expect("recorded bodies are base64")),
            (None, None) => None,
        }
    }

    /// The request's `Content-Type`, if it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.request["content_type"].as_str()
    }

    /// Whether this is a `POST /invocations`.
    pub fn is_invocation(&self) -> bool {
        self.request["method"] == "POST" && self.request["path"] == "/invocations"
    }

    /// MLflow's status code.
    pub fn status(&self) -> u16 {
        self.response["status"].as_u64().expect("recorded answers have a status") as u16
    }

    /// MLflow's response body.
    pub fn response_body(&self) -> &str {
        self.response["body"].as_str().unwrap_or_default()
    }
}

/// `tests/conformance` of this repository.
pub fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("conformance")
}

/// Every recorded case of `model` (a directory under `tests/conformance`, e.g.
/// `iris-onnx` or `xgboost/binary`), sorted by name; none if it has no recordings.
pub fn cases(model: &str) -> Vec<Case> {
    let Ok(entries) = std::fs::read_dir(conformance_dir().join(model)) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            Case {
                name: path.file_stem().unwrap().to_string_lossy().into(),
                request: case["request"].clone(),
                response: case["response"].clone(),
            }
        })
        .collect()
}

/// A case where wasmflow answers differently on purpose (README.md, "Differences from MLflow").
pub struct Divergence {
    /// Model directory, or `*` for every model.
    pub model: &'static str,
    pub case: &'static str,
    /// What wasmflow answers: status and `error_code` (empty for a success).
    pub status: u16,
    pub error_code: &'static str,
    pub why: &'static str,
}

const NO_CONTENT_TYPE: &str = "MLflow crashes with a bare 500; wasmflow answers 415 and names the header";
const CSV_TENSOR: &str = "MLflow 3.17 cannot read CSV for a tensor signature (\"TensorSpec only supports numpy types\"); \
                          wasmflow reads it as it reads dataframe_split";
const PANDAS_STRING_LABEL: &str = "pandas labels a string column `object` when read from CSV and `str` when built \
                                   from JSON; the model gets the same strings, and a component sees one string type";
const NUMBER_IN_STRING_COLUMN: &str = "a JSON number in a `string` column: MLflow hands the model the int in an object \
                                       column, wasmflow its text (`5` → \"5\"), as the signature says";
const DEEP_NESTING: &str = "JSON nested far past the limit: MLflow's parser raises unhandled (a bare 500); wasmflow \
                            answers the 400 MLflow gives for nesting just past its recursion limit";
const NO_PARAMS_SCHEMA: &str = "without a params schema MLflow passes `{}` when the request had params (or was \
                                LLM-style) and `None` otherwise; a component gets no params in both cases";

const fn diverges(
    model: &'static str,
    case: &'static str,
    status: u16,
    error_code: &'static str,
    why: &'static str,
) -> Divergence {
    Divergence { model, case, status, error_code, why }
}

/// Every deliberate difference among the recorded cases.
pub const DIVERGENCES: &[Divergence] = &[
    diverges("*", "err_no_content_type", 415, "", NO_CONTENT_TYPE),
    diverges("*", "err_nested_inputs_100000", 400, "BAD_REQUEST", DEEP_NESTING),
    diverges("iris-onnx", "csv_with_header", 200, "", CSV_TENSOR),
    diverges("iris-onnx", "csv_numeric_header", 200, "", CSV_TENSOR),
    // The first row is the header, as in pandas: two rows are scored.
    diverges("iris-onnx", "csv_no_header", 200, "", CSV_TENSOR),
    diverges("iris-onnx", "err_csv_empty", 400, "BAD_REQUEST", CSV_TENSOR),
    diverges("iris-onnx", "err_csv_non_numeric", 400, "BAD_REQUEST", CSV_TENSOR),
    diverges("iris-onnx", "err_csv_wrong_columns", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    // The named input `features` needs one list-valued column, as with dataframe_split.
    diverges("mlp-onnx", "csv_with_header", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    diverges("mlp-onnx", "csv_numeric_header", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    diverges("mlp-onnx", "csv_no_header", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    diverges("mlp-onnx", "err_csv_empty", 400, "BAD_REQUEST", CSV_TENSOR),
    diverges("mlp-onnx", "err_csv_non_numeric", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    diverges("mlp-onnx", "err_csv_wrong_columns", 400, "INVALID_PARAMETER_VALUE", CSV_TENSOR),
    diverges("echo-tensor", "csv_rows", 200, "", CSV_TENSOR),
    diverges("echo-columns", "csv_all_columns", 200, "", PANDAS_STRING_LABEL),
    diverges("echo-columns", "split_lenient_casts", 200, "", NUMBER_IN_STRING_COLUMN),
    diverges("echo-unnamed-columns", "split_number_into_string", 200, "", NUMBER_IN_STRING_COLUMN),
    // The model calls `code.upper()`: on MLflow's int that raises (400 BAD_REQUEST), on "5" it answers.
    diverges("python/lookup", "err_number_code", 200, "", NUMBER_IN_STRING_COLUMN),
    diverges("echo-tensor", "params_without_schema", 200, "", NO_PARAMS_SCHEMA),
    diverges("echo-nosig", "params_without_schema", 200, "", NO_PARAMS_SCHEMA),
    diverges("echo-nosig", "llm_prompt", 200, "", NO_PARAMS_SCHEMA),
    diverges("echo-nosig", "llm_messages", 200, "", NO_PARAMS_SCHEMA),
    diverges("echo-typehint", "inputs_with_params", 200, "", NO_PARAMS_SCHEMA),
];

/// The documented difference for `case` of `model`, if there is one.
pub fn divergence(model: &str, case: &str) -> Option<&'static Divergence> {
    DIVERGENCES.iter().find(|d| d.case == case && (d.model == "*" || d.model == model))
}

/// MLflow prints "extra inputs" from a Python set, in hash order: sorted here so
/// two messages compare.
pub fn sort_extra_inputs(message: &str) -> String {
    let marker = "extra inputs: [";
    let Some(start) = message.find(marker).map(|i| i + marker.len()) else { return message.to_string() };
    let Some(len) = message[start..].find(']') else { return message.to_string() };
    let mut items: Vec<&str> = message[start..start + len].split(", ").collect();
    items.sort_unstable();
    format!("{}{}{}", &message[..start], items.join(", "), &message[start + len..])
}
