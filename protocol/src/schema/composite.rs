//! MLflow's enforcement of composite column types, cell by cell
//! (`_enforce_array`, `_enforce_object`, `_enforce_map`, and `_enforce_datatype`
//! for their scalar elements): shapes and property sets are checked, values are
//! handed to the model as the JSON they came as.

use crate::py::json::Json;
use crate::py::repr::py_str_repr;
use crate::schema::signature::ColType;

/// Checks one value against a composite (or, inside one, scalar) type.
pub fn enforce_value(data: &Json, ty: &ColType, required: bool) -> Result<Json, String> {
    let missing = matches!(data, Json::Null) || matches!(data, Json::Float(f) if f.is_nan());
    if !required && missing {
        return Ok(Json::Null);
    }
    match ty {
        ColType::Any => Ok(data.clone()),
        ColType::Array(items) => match data {
            Json::List(elements) => {
                elements.iter().map(|e| enforce_value(e, items, required)).collect::<Result<_, _>>().map(Json::List)
            }
            other => Err(format!("Expected data to be list or numpy array, got {}", other.py_type_name())),
        },
        ColType::Object(props) => {
            let Json::Dict(entries) = data else {
                return Err(format!(
                    "Failed to enforce schema of '{}' with type '{}'. Expected data to be dictionary, got {}",
                    data.py_str(),
                    ty.str_form(),
                    data.py_type_name()
                ));
            };
            let missing: Vec<&str> = props
                .iter()
                .filter(|p| p.required && !entries.iter().any(|(k, _)| *k == p.name))
                .map(|p| p.name.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(format!("Missing required properties: {}", py_set(&missing)));
            }
            let unknown: Vec<&str> =
                entries.iter().map(|(k, _)| k.as_str()).filter(|k| !props.iter().any(|p| p.name == *k)).collect();
            if !unknown.is_empty() {
                return Err(format!("Invalid properties not defined in the schema found: {}", py_set(&unknown)));
            }
            entries
                .iter()
                .map(|(k, v)| {
                    let prop = props.iter().find(|p| p.name == *k).expect("unknown keys refused above");
                    enforce_value(v, &prop.ty, prop.required).map(|v| (k.clone(), v)).map_err(|_| {
                        format!(
                            "Failed to enforce schema for key `{k}`. Expected type {}, received type {}",
                            prop.ty.name(),
                            v.py_type_name()
                        )
                    })
                })
                .collect::<Result<_, _>>()
                .map(Json::Dict)
        }
        ColType::Map(values) => match data {
            Json::Dict(entries) => entries
                .iter()
                .map(|(k, v)| enforce_value(v, values, required).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()
                .map(Json::Dict),
            other => Err(format!("Expected data to be a dict, got {}", other.py_type_name())),
        },
        scalar => {
            let fits = matches!(
                (scalar, data),
                (ColType::String | ColType::Binary | ColType::Datetime, Json::Str(_))
                    | (ColType::Boolean, Json::Bool(_))
                    | (ColType::Long | ColType::Integer, Json::Int(_))
                    | (ColType::Double | ColType::Float, Json::Float(_) | Json::Int(_))
            );
            if fits {
                Ok(data.clone())
            } else {
                Err(format!("Failed to enforce schema of data `{}` with dtype `{}`", data.py_str(), scalar.name()))
            }
        }
    }
}

/// A Python set of strings as `str()` prints it (sorted: Python's order is a hash order).
fn py_set(items: &[&str]) -> String {
    let mut items: Vec<String> = items.iter().map(|s| py_str_repr(s)).collect();
    items.sort();
    format!("{{{}}}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;
    use crate::schema::signature::Schema;

    fn messages() -> ColType {
        let schema = Schema::from_json_str(
            r#"[{"type": "array", "items": {"type": "object", "properties": {"content": {"type": "string", "required": true}, "role": {"type": "string", "required": true}}}, "name": "messages", "required": true}]"#,
        )
        .unwrap();
        let Schema::Columns(cols) = schema else { panic!() };
        cols[0].ty.clone()
    }

    fn check(text: &str) -> Result<Json, String> {
        enforce_value(&parse(text).unwrap(), &messages(), true)
    }

    #[test]
    fn arrays_of_objects() {
        assert!(check(r#"[{"role": "user", "content": "hi"}]"#).is_ok());
        assert_eq!(check(r#"[{"content": "hi"}]"#).unwrap_err(), "Missing required properties: {'role'}");
        assert_eq!(
            check(r#"[{"role": "u", "content": "hi", "name": "x"}]"#).unwrap_err(),
            "Invalid properties not defined in the schema found: {'name'}"
        );
        assert_eq!(check(r#""hi""#).unwrap_err(), "Expected data to be list or numpy array, got str");
        assert_eq!(
            check(r#"[[{"role": "u"}]]"#).unwrap_err(),
            "Failed to enforce schema of '[{'role': 'u'}]' with type '{content: string (required), role: string (required)}'. Expected data to be dictionary, got list"
        );
        assert_eq!(
            check(r#"[{"role": 1, "content": "hi"}]"#).unwrap_err(),
            "Failed to enforce schema for key `role`. Expected type string, received type int"
        );
    }

    #[test]
    fn maps_and_optional_values() {
        let map = ColType::Map(Box::new(ColType::Double));
        assert!(enforce_value(&parse(r#"{"a": 1.5, "b": 2}"#).unwrap(), &map, true).is_ok());
        assert_eq!(
            enforce_value(&parse("[1]").unwrap(), &map, true).unwrap_err(),
            "Expected data to be a dict, got list"
        );
        assert_eq!(enforce_value(&Json::Null, &map, false).unwrap(), Json::Null);
    }
}
