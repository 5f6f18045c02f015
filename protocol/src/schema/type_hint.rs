//! Models whose signature MLflow derived from `predict`'s type hints
//! (`is_signature_from_type_hint: true` in MLmodel): the request must use
//! `inputs`, whose value reaches the model as raw JSON (no DataFrame, no casting),
//! checked against the hint. The hint itself lives in the pickled Python class;
//! what the signature tells of it is enough for the common `list[<scalar>]` hints,
//! which are checked as MLflow checks them. Other hints are handed over unchecked.

use crate::error::ScoringError;
use crate::py::json::Json;
use crate::py::pandas::Frame;
use crate::py::repr::py_str_repr;
use crate::schema::signature::{ColType, Schema, Signature};

/// Takes the `inputs` value out of a type-hint request, or gives MLflow's error
/// naming the keys found.
pub fn take_inputs(entries: &mut Vec<(String, Json)>) -> Result<Json, ScoringError> {
    match entries.iter().position(|(k, _)| k == "inputs") {
        Some(i) => Ok(entries.remove(i).1),
        None => {
            let keys: Vec<String> = entries.iter().map(|(k, _)| py_str_repr(k)).collect();
            Err(ScoringError::InvalidParameter(format!(
                "Request payload must be a dictionary with 'inputs' key when the model contains a valid type hint. Found keys in payload: dict_keys([{}]).",
                keys.join(", ")
            )))
        }
    }
}

/// A CSV body for a type-hint model: MLflow turns the DataFrame into the hint's
/// example form, the one column's values (several columns: records).
pub fn frame_as_example(frame: &Frame) -> Json {
    let columns: Vec<Vec<Json>> = frame.columns.iter().map(|c| c.data.cells()).collect();
    if let [single] = columns.as_slice() {
        return Json::List(single.clone());
    }
    Json::List(
        (0..frame.nrows)
            .map(|r| {
                Json::Dict(
                    frame.columns.iter().zip(&columns).map(|(c, cells)| (c.label.name(), cells[r].clone())).collect(),
                )
            })
            .collect(),
    )
}

/// Checks `json` against the hint the signature describes.
pub fn check(json: &Json, signature: &Signature) -> Result<(), ScoringError> {
    match list_hint(signature) {
        Some(element) => check_list(json, element).map_err(|detail| {
            ScoringError::InvalidParameter(format!("Failed to predict data '{}'. \nError: {detail}", json.py_str()))
        }),
        None => Ok(()),
    }
}

/// `list[T]` for a signature of one unnamed scalar column: the Python name of `T`.
fn list_hint(signature: &Signature) -> Option<&'static str> {
    let Some(Schema::Columns(cols)) = &signature.inputs else { return None };
    let [col] = cols.as_slice() else { return None };
    if col.name.is_some() {
        return None;
    }
    Some(match col.ty {
        ColType::String => "str",
        ColType::Long | ColType::Integer => "int",
        ColType::Double | ColType::Float => "float",
        ColType::Boolean => "bool",
        _ => return None,
    })
}

fn check_list(data: &Json, element: &str) -> Result<(), String> {
    let Json::List(items) = data else {
        return Err(format!("Expected list, but got {}", data.py_type_name()));
    };
    let fits = |item: &Json| {
        matches!(
            (element, item),
            ("str", Json::Str(_))
                | ("int", Json::Int(_))
                | ("bool", Json::Bool(_))
                | ("float", Json::Float(_) | Json::Int(_))
        )
    };
    let invalid: Vec<String> = items
        .iter()
        .filter(|item| !fits(item))
        .map(|item| {
            format!(
                "({}, {})",
                py_str_repr(&item.py_str()),
                py_str_repr(&format!("Expected type {element}, but got {}", item.py_type_name()))
            )
        })
        .collect();
    if invalid.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Failed to validate data against type hint `list[{element}]`, invalid elements: [{}]",
            invalid.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;

    fn list_of_strings() -> Signature {
        Signature {
            inputs: Some(Schema::from_json_str(r#"[{"type": "string", "required": true}]"#).unwrap()),
            from_type_hint: true,
            ..Signature::default()
        }
    }

    fn check_body(body: &str) -> Result<(), ScoringError> {
        check(&parse(body).unwrap(), &list_of_strings())
    }

    #[test]
    fn lists_are_checked_against_the_hint() {
        assert!(check_body(r#"["a", "bb"]"#).is_ok());
        assert_eq!(
            check_body("[1, 2]").unwrap_err().message(),
            "Failed to predict data '[1, 2]'. \nError: Failed to validate data against type hint `list[str]`, invalid elements: [('1', 'Expected type str, but got int'), ('2', 'Expected type str, but got int')]"
        );
        let e = check_body(r#""a""#).unwrap_err();
        assert_eq!(e.message(), "Failed to predict data 'a'. \nError: Expected list, but got str");
        assert_eq!(e.error_code(), "INVALID_PARAMETER_VALUE");
    }

    #[test]
    fn requests_need_inputs() {
        let body = parse(r#"{"dataframe_split": {"data": [["a"]]}}"#).unwrap();
        let Json::Dict(mut entries) = body else { panic!() };
        assert_eq!(
            take_inputs(&mut entries).unwrap_err().message(),
            "Request payload must be a dictionary with 'inputs' key when the model contains a valid type hint. Found keys in payload: dict_keys(['dataframe_split'])."
        );
    }
}
