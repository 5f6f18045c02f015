//! The `/invocations` entry point: content type → body decoding → format →
//! schema enforcement → the typed `Invocation` handed to the model flavor.

use crate::error::ScoringError;
use crate::input::content_type::{RequestFormat, parse_content_type};
use crate::input::csv::parse_csv;
use crate::input::json_formats::{
    SUPPORTED_FORMATS, cast_frame, format_keys_error, parse_format, required_input_format,
};
use crate::input::parquet::parse_parquet;
use crate::py::json::{self, DecodeErrorKind, Json};
use crate::py::repr::py_bytes_repr;
use crate::schema::enforce::{PyData, enforce, params_error};
use crate::schema::params::enforce_params;
use crate::schema::signature::{Schema, Signature};
use crate::schema::type_hint;
use crate::value::{Batch, Params};

/// Keys that switch MLflow to its unified LLM input handling.
pub const LLM_KEYS: [&str; 3] = ["messages", "prompt", "input"];

/// A parsed, validated scoring request.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The model input, enforced against the signature's inputs.
    pub input: Batch,
    /// Params validated against the params schema (empty without one).
    pub params: Params,
    /// Answer with the bare predictions instead of `{"predictions": ...}`
    /// (MLflow's unified LLM requests).
    pub unwrapped_response: bool,
}

/// Parses and validates one `/invocations` request.
pub fn parse_invocation(
    content_type: Option<&str>,
    body: &[u8],
    signature: Option<&Signature>,
) -> Result<Invocation, ScoringError> {
    let inputs_schema = signature.and_then(|s| s.inputs.as_ref());
    match parse_content_type(content_type)? {
        RequestFormat::Csv => {
            let frame = parse_csv(body, inputs_schema)?;
            if let Some(signature) = signature.filter(|s| s.from_type_hint) {
                let example = type_hint::frame_as_example(&frame);
                type_hint::check(&example, signature)?;
                let params = default_params(&PyData::Frame(frame), Some(signature))?;
                return Ok(Invocation { input: Batch::Json(example), params, unwrapped_response: false });
            }
            let frame = match inputs_schema {
                Some(Schema::Tensors(_)) => cast_frame(frame, inputs_schema)?,
                _ => frame,
            };
            let data = PyData::Frame(frame);
            let input = enforce(&data, inputs_schema)?;
            Ok(Invocation { input, params: default_params(&data, signature)?, unwrapped_response: false })
        }
        RequestFormat::Parquet => {
            // No lenient cast here: MLflow enforces the signature on the frame as read.
            let data = PyData::Frame(parse_parquet(body)?);
            let input = enforce(&data, inputs_schema)?;
            Ok(Invocation { input, params: default_params(&data, signature)?, unwrapped_response: false })
        }
        RequestFormat::Json => parse_json_invocation(body, signature),
    }
}

/// A type-hint model's invocation: the data checked against the hint and handed
/// over as is (moved, not copied), then the params.
fn hinted_invocation(
    data: Json,
    params: Option<&Json>,
    signature: &Signature,
    unwrapped_response: bool,
) -> Result<Invocation, ScoringError> {
    type_hint::check(&data, signature)?;
    let params =
        enforce_params(params, signature.params.as_ref()).map_err(|e| params_error(&PyData::Raw(data.clone()), &e))?;
    Ok(Invocation { input: Batch::Json(data), params, unwrapped_response })
}

/// CSV and parquet bodies carry no params: the model gets the schema's defaults.
fn default_params(data: &PyData, signature: Option<&Signature>) -> Result<Params, ScoringError> {
    enforce_params(None, signature.and_then(|s| s.params.as_ref())).map_err(|e| params_error(data, &e))
}

fn decode_body(body: &[u8]) -> Result<Json, ScoringError> {
    let decode_error = |repr: String| {
        ScoringError::bad_request(format!(
            "Invalid input. Ensure that input is a valid JSON formatted string. Error: '{repr}'\nInput: \n{}\n",
            py_bytes_repr(body)
        ))
    };
    // json.loads(bytes) strips a UTF-8 BOM.
    let bytes = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let pos = e.valid_up_to();
        decode_error(format!(
            "UnicodeDecodeError('utf-8', {}, {pos}, {}, 'invalid start byte')",
            py_bytes_repr(bytes),
            pos + 1
        ))
    })?;
    json::parse(text).map_err(|e| match e.kind {
        // MLflow's answer once its recursion over a deep document gives out
        // (deeper still, its own parser raises the error unhandled: a bare 500).
        DecodeErrorKind::TooDeep => ScoringError::bad_request(
            "Invalid input. Ensure that the input is a valid JSON-formatted string.\nError: \
             RecursionError('maximum recursion depth exceeded while calling a Python object')",
        ),
        DecodeErrorKind::Syntax => decode_error(e.py_repr()),
    })
}

fn parse_json_invocation(body: &[u8], signature: Option<&Signature>) -> Result<Invocation, ScoringError> {
    #[cfg(any(test, feature = "fast-decode"))]
    if let Some(answer) = crate::input::fast::try_invocation(body, signature) {
        return answer;
    }
    parse_json_tree(body, signature)
}

/// The general path: the body decoded as a document, then MLflow's format rules.
pub(crate) fn parse_json_tree(body: &[u8], signature: Option<&Signature>) -> Result<Invocation, ScoringError> {
    let inputs_schema = signature.and_then(|s| s.inputs.as_ref());
    let params_schema = signature.and_then(|s| s.params.as_ref());
    let doc = decode_body(body)?;
    let entries = match doc {
        Json::Dict(entries) => entries,
        Json::List(_) => {
            return Err(ScoringError::bad_request(format!(
                "Invalid input. {}. Received a list.",
                required_input_format()
            )));
        }
        other => {
            return Err(ScoringError::bad_request(format!(
                "Invalid input. {}. Received unexpected input type '<class '{}'>.",
                required_input_format(),
                other.py_type_name()
            )));
        }
    };

    // Unified LLM inputs: no format parsing, params by the params schema.
    if entries.iter().any(|(k, _)| LLM_KEYS.contains(&k.as_str())) {
        let is_param = |k: &str| params_schema.is_some_and(|p| p.get(k).is_some());
        let params_dict: Vec<(String, Json)> = entries.iter().filter(|(k, _)| is_param(k)).cloned().collect();
        let data: Vec<(String, Json)> = entries.into_iter().filter(|(k, _)| !is_param(k)).collect();
        let (data, params_dict) = (Json::Dict(data), Json::Dict(params_dict));
        if let Some(signature) = signature.filter(|s| s.from_type_hint) {
            return hinted_invocation(data, Some(&params_dict), signature, true);
        }
        let data = PyData::Raw(data);
        let input = enforce(&data, inputs_schema)?;
        let params = enforce_params(Some(&params_dict), params_schema).map_err(|e| params_error(&data, &e))?;
        return Ok(Invocation { input, params, unwrapped_response: true });
    }

    if let Some(signature) = signature.filter(|s| s.from_type_hint) {
        let mut entries = entries;
        let inputs = type_hint::take_inputs(&mut entries)?;
        let params = entries.iter().find(|(k, _)| k == "params").map(|(_, v)| v);
        return hinted_invocation(inputs, params, signature, false);
    }

    let formats: Vec<&str> =
        entries.iter().map(|(k, _)| k.as_str()).filter(|k| SUPPORTED_FORMATS.contains(k)).collect();
    if formats.len() != 1 {
        return Err(format_keys_error(&formats));
    }
    let key = formats[0];
    let value = entries.iter().find(|(k, _)| k == key).map(|(_, v)| v).expect("key found above");
    let data = parse_format(key, value, inputs_schema)?;
    let input = enforce(&data, inputs_schema)?;
    let params = enforce_params(entries.iter().find(|(k, _)| k == "params").map(|(_, v)| v), params_schema)
        .map_err(|e| params_error(&data, &e))?;
    Ok(Invocation { input, params, unwrapped_response: false })
}

#[cfg(test)]
mod tests;
