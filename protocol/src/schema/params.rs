//! Inference params (`"params": {...}`): MLflow's `_enforce_params_schema` —
//! defaults, unknown keys dropped, allowed type conversions, scalar or 1-D shape.

use crate::py::json::Json;
use crate::py::repr::{py_shape_repr, py_str_repr};
use crate::schema::signature::{ColType, ParamSchema, ParamSpec};
use crate::value::{ParamValue, Params, Scalar};

/// Validates the request's params against the model's params schema, like
/// MLflow's `_enforce_params_schema`. Without a params schema MLflow ignores
/// whatever was sent. `Err` is MLflow's message (the caller adds the
/// `Failed to predict data ...` prefix). The result lists the params that
/// were sent (in request order), then the defaults of the others.
pub fn enforce_params(params: Option<&Json>, schema: Option<&ParamSchema>) -> Result<Params, String> {
    let Some(schema) = schema else {
        return Ok(Vec::new());
    };
    let provided: &[(String, Json)] = match params {
        None | Some(Json::Null) => &[],
        Some(Json::Dict(entries)) => entries,
        Some(other) => {
            return Err(format!("Parameters must be a dictionary. Got type '{}'.", other.py_type_name()));
        }
    };
    let mut out = Vec::new();
    let mut invalid: Vec<(String, String)> = Vec::new();
    for (name, value) in provided {
        let Some(spec) = schema.get(name) else { continue };
        match validate(value, spec) {
            Ok(Some(v)) => out.push((name.clone(), v)),
            Ok(None) => {}
            Err(msg) => invalid.push((name.clone(), msg)),
        }
    }
    if !invalid.is_empty() {
        // MLflow prints a Python set; we keep schema order.
        invalid.sort_by_key(|(n, _)| schema.params.iter().position(|p| p.name == *n));
        let parts: Vec<String> =
            invalid.iter().map(|(n, m)| format!("({}, {})", py_str_repr(n), py_str_repr(m))).collect();
        return Err(format!("Invalid parameters found: {{{}}}", parts.join(", ")));
    }
    for spec in &schema.params {
        if provided.iter().any(|(k, _)| *k == spec.name) {
            continue;
        }
        // Defaults are passed as declared.
        if let Ok(Some(v)) = validate(&Json::from_serde(&spec.default), spec) {
            out.push((spec.name.clone(), v));
        }
    }
    Ok(out)
}

/// `repr(ParamSpec)`: `'temperature': float (default: 0.5)`.
fn spec_repr(spec: &ParamSpec) -> String {
    let default = match (&spec.ty, &spec.default) {
        // MLflow holds a datetime default as a Python datetime: `str()` prints it with a space.
        (ColType::Datetime, serde_json::Value::String(iso)) => iso.replacen('T', " ", 1),
        (_, default) => Json::from_serde(default).py_repr(),
    };
    let mut s = format!("{}: {} (default: {default})", py_str_repr(&spec.name), spec.ty.name());
    if let Some(shape) = &spec.shape {
        s.push_str(&format!(" (shape: {})", py_shape_repr(shape)));
    }
    s
}

fn type_repr(ty: &ColType) -> String {
    format!("DataType.{}", ty.name())
}

fn py_class(v: &Json) -> String {
    format!("<class '{}'>", v.py_type_name())
}

/// numpy's `ndim` of a JSON value (ragged lists count their regular prefix).
fn ndim(v: &Json) -> usize {
    match crate::py::numpy::nested_shape(v) {
        Ok((shape, _)) => shape.len(),
        Err(_) => 1,
    }
}

/// `ParamSpec.validate_type_and_shape`; `Ok(None)` for a `null` value.
fn validate(value: &Json, spec: &ParamSpec) -> Result<Option<ParamValue>, String> {
    let wrap = |e: String| format!("Failed to validate type and shape for {}, error: {e}", spec_repr(spec));
    match spec.shape.as_deref() {
        None => Ok(convert(value, &spec.ty).map_err(wrap)?.map(ParamValue::Scalar)),
        Some([-1]) => {
            let Json::List(items) = value else {
                return Err(format!(
                    "Value must be a 1D array with shape (-1,) for param {}, received {} with ndim {}",
                    spec_repr(spec),
                    value.py_type_name(),
                    ndim(value)
                ));
            };
            if ndim(value) != 1 {
                return Err(format!(
                    "Value must be a 1D array with shape (-1,) for param {}, received list with ndim {}",
                    spec_repr(spec),
                    ndim(value)
                ));
            }
            let mut out = Vec::new();
            for v in items {
                if let Some(s) = convert(v, &spec.ty).map_err(wrap)? {
                    out.push(s);
                }
            }
            Ok(Some(ParamValue::List(out)))
        }
        Some(shape) => Err(format!(
            "Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ParamSpec {}), received {}",
            spec_repr(spec),
            py_shape_repr(shape)
        )),
    }
}

fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit) && (b.len() == 4 || b[4] == b'-')
}

/// `_enforce_param_datatype`: exact Python types, plus int → long/float/double,
/// float → double and anything → datetime.
fn convert(value: &Json, ty: &ColType) -> Result<Option<Scalar>, String> {
    if matches!(value, Json::Null) {
        return Ok(None);
    }
    let unsafe_convert = || {
        format!("Can not safely convert `{}` to `{}` for value `{}`", py_class(value), type_repr(ty), value.py_str())
    };
    if matches!(ty, ColType::Datetime) {
        return match value {
            Json::Str(s) if looks_like_datetime(s) => Ok(Some(Scalar::Datetime(s.clone()))),
            other => Err(format!(
                "Failed to convert value `{}` from type `{}` to `{}`",
                other.py_str(),
                py_class(other),
                type_repr(ty)
            )),
        };
    }
    if matches!(value, Json::List(_) | Json::Dict(_)) {
        return Err(format!("Value must be a scalar for type `{}`, got `{}`", type_repr(ty), value.py_repr()));
    }
    Ok(Some(match (ty, value) {
        (ColType::Boolean, Json::Bool(b)) => Scalar::Bool(*b),
        // Python ints are unbounded: MLflow accepts any int for integer/long.
        (ColType::Integer, Json::Int(i)) => match i32::try_from(*i) {
            Ok(v) => Scalar::I32(v),
            Err(_) => Scalar::I64(i64::try_from(*i).map_err(|_| unsafe_convert())?),
        },
        (ColType::Long, Json::Int(i)) => Scalar::I64(i64::try_from(*i).map_err(|_| unsafe_convert())?),
        (ColType::Float, Json::Int(i)) => Scalar::F32(*i as f32),
        (ColType::Float, Json::Float(f)) => Scalar::F32(*f as f32),
        (ColType::Double, Json::Int(i)) => Scalar::F64(*i as f64),
        (ColType::Double, Json::Float(f)) => Scalar::F64(*f),
        (ColType::String, Json::Str(s)) => Scalar::String(s.clone()),
        _ => return Err(unsafe_convert()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;

    fn schema() -> ParamSchema {
        ParamSchema::from_json_str(
            r#"[{"name": "temperature", "type": "float", "default": 0.5, "shape": null},
                {"name": "max_tokens", "type": "long", "default": 10, "shape": null},
                {"name": "stop", "type": "string", "default": ["\n"], "shape": [-1]},
                {"name": "flag", "type": "boolean", "default": false, "shape": null},
                {"name": "when", "type": "datetime", "default": "2024-01-01", "shape": null},
                {"name": "n", "type": "integer", "default": 1, "shape": null},
                {"name": "d", "type": "double", "default": 1.5, "shape": null}]"#,
        )
        .unwrap()
    }

    #[test]
    fn no_schema_ignores_everything() {
        assert_eq!(enforce_params(Some(&parse("[1]").unwrap()), None).unwrap(), vec![]);
        assert_eq!(enforce_params(Some(&parse(r#"{"a": 1}"#).unwrap()), None).unwrap(), vec![]);
    }

    #[test]
    fn defaults_conversions_and_unknowns() {
        let p = enforce_params(
            Some(&parse(r#"{"temperature": 1, "stop": ["a", "b"], "zzz": 3, "d": 2}"#).unwrap()),
            Some(&schema()),
        )
        .unwrap();
        assert_eq!(
            p,
            vec![
                // Sent params first, in request order; then defaults in schema order.
                ("temperature".into(), ParamValue::Scalar(Scalar::F32(1.0))),
                ("stop".into(), ParamValue::List(vec![Scalar::String("a".into()), Scalar::String("b".into())])),
                ("d".into(), ParamValue::Scalar(Scalar::F64(2.0))),
                ("max_tokens".into(), ParamValue::Scalar(Scalar::I64(10))),
                ("flag".into(), ParamValue::Scalar(Scalar::Bool(false))),
                ("when".into(), ParamValue::Scalar(Scalar::Datetime("2024-01-01".into()))),
                ("n".into(), ParamValue::Scalar(Scalar::I32(1))),
            ]
        );
        let all_defaults = enforce_params(None, Some(&schema())).unwrap();
        assert_eq!(all_defaults.len(), 7);
    }

    #[test]
    fn errors() {
        let e = enforce_params(Some(&parse("[1]").unwrap()), Some(&schema())).unwrap_err();
        assert_eq!(e, "Parameters must be a dictionary. Got type 'list'.");
        let e = enforce_params(Some(&parse(r#"{"max_tokens": 1.5}"#).unwrap()), Some(&schema())).unwrap_err();
        assert!(e.starts_with("Invalid parameters found: {('max_tokens', "), "{}", e);
        assert!(e.contains("Failed to validate type and shape for 'max_tokens': long (default: 10), error: Can not safely convert `<class 'float'>` to `DataType.long` for value `1.5`"), "{e}");
        let e = enforce_params(Some(&parse(r#"{"when": 1.0}"#).unwrap()), Some(&schema())).unwrap_err();
        assert!(e.contains("Failed to convert value `1.0` from type `<class 'float'>` to `DataType.datetime`"), "{e}");
        let e = enforce_params(Some(&parse(r#"{"stop": "x"}"#).unwrap()), Some(&schema())).unwrap_err();
        assert!(e.contains("Value must be a 1D array with shape (-1,)"));
        let e = enforce_params(Some(&parse(r#"{"flag": 1}"#).unwrap()), Some(&schema())).unwrap_err();
        assert!(e.contains("Can not safely convert `<class 'int'>` to `DataType.boolean` for value `1`"), "{e}");
    }
}
