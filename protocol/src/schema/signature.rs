//! MLflow model signatures: the input/output schemas (tensor or column based)
//! and the params schema, parsed from the JSON strings MLflow stores in MLmodel.

use crate::py::dtypes::{DATETIME64_NS, OBJECT, dtype_from_numpy};
use crate::py::repr::{py_shape_repr, py_str_repr};
use crate::value::DType;
use serde_json::Value;

/// A model signature.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signature {
    pub inputs: Option<Schema>,
    pub outputs: Option<Schema>,
    pub params: Option<ParamSchema>,
    /// MLflow derived the signature from the `predict` type hints
    /// (`is_signature_from_type_hint`): requests must use `inputs`, handed over raw.
    pub from_type_hint: bool,
}

/// An input or output schema: all tensors or all columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    Tensors(Vec<TensorSpec>),
    Columns(Vec<ColSpec>),
}

/// One tensor of a tensor-based schema.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    pub name: Option<String>,
    pub dtype: DType,
    /// `-1` = variable dimension.
    pub shape: Vec<i64>,
    /// The numpy dtype name as written in the signature (`object` maps to
    /// `DType::String` but keeps its name here for messages).
    pub dtype_name: String,
}

/// One column of a column-based schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ColSpec {
    pub name: Option<String>,
    pub ty: ColType,
    pub required: bool,
}

/// MLflow column types (`DataType` plus the composite `Array`/`Object`/`Map`/`Any`).
#[derive(Debug, Clone, PartialEq)]
pub enum ColType {
    Boolean,
    Integer,
    Long,
    Float,
    Double,
    String,
    Binary,
    Datetime,
    /// `{"type": "array", "items": ...}`.
    Array(Box<ColType>),
    /// `{"type": "object", "properties": {...}}`.
    Object(Vec<Property>),
    /// `{"type": "map", "values": ...}`.
    Map(Box<ColType>),
    /// `{"type": "any"}`.
    Any,
}

/// One property of an `Object` column type.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub ty: ColType,
    pub required: bool,
}

/// The params schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamSchema {
    pub params: Vec<ParamSpec>,
}

/// One inference parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub ty: ColType,
    pub default: Value,
    /// `None` = scalar; `Some([-1])` = 1-D list.
    pub shape: Option<Vec<i64>>,
}

impl ColType {
    /// MLflow's type name (`double`, `string`, `array`...).
    pub fn name(&self) -> &'static str {
        match self {
            ColType::Boolean => "boolean",
            ColType::Integer => "integer",
            ColType::Long => "long",
            ColType::Float => "float",
            ColType::Double => "double",
            ColType::String => "string",
            ColType::Binary => "binary",
            ColType::Datetime => "datetime",
            ColType::Array(_) => "array",
            ColType::Object(_) => "object",
            ColType::Map(_) => "map",
            ColType::Any => "any",
        }
    }

    /// The element type a column of this type is handed to the model as
    /// (datetimes travel as ISO 8601 strings); `None` for composite types.
    pub fn dtype(&self) -> Option<DType> {
        Some(match self {
            ColType::Boolean => DType::Bool,
            ColType::Integer => DType::I32,
            ColType::Long => DType::I64,
            ColType::Float => DType::F32,
            ColType::Double => DType::F64,
            ColType::String | ColType::Datetime => DType::String,
            ColType::Binary => DType::Bytes,
            _ => return None,
        })
    }

    /// numpy's name of the dtype a column of this type is checked against
    /// (`_enforce_mlflow_datatype`): `str`, `bytes`, `datetime64[ns]`, `int32`...
    pub fn numpy_name(&self) -> &'static str {
        match self {
            ColType::Datetime => DATETIME64_NS,
            other => other.dtype().map_or(OBJECT, DType::numpy_name),
        }
    }

    /// The pandas dtype name MLflow prints for a column of this type
    /// (`object` for strings and bytes).
    pub fn pandas_name(&self) -> &'static str {
        match self {
            ColType::Datetime => DATETIME64_NS,
            other => other.dtype().map_or(OBJECT, DType::pandas_name),
        }
    }

    /// True for `array`, `object`, `map` and `any`.
    pub fn is_composite(&self) -> bool {
        self.dtype().is_none()
    }

    /// MLflow's `str()` of the type, as nested inside `Array(...)`/`Map(...)` and in
    /// composite enforcement messages: an object is `{content: string (required), ...}`,
    /// properties sorted by name.
    pub fn str_form(&self) -> String {
        match self {
            ColType::Object(props) => {
                let mut parts: Vec<String> = props
                    .iter()
                    .map(|p| {
                        format!(
                            "{}: {} ({})",
                            p.name,
                            p.ty.str_form(),
                            if p.required { "required" } else { "optional" }
                        )
                    })
                    .collect();
                parts.sort();
                format!("{{{}}}", parts.join(", "))
            }
            other => other.repr(),
        }
    }

    /// MLflow's `repr()` of the type (`double`, `Array(string)`...).
    pub fn repr(&self) -> String {
        match self {
            ColType::Array(items) => format!("Array({})", items.str_form()),
            ColType::Map(values) => format!("Map(str -> {})", values.str_form()),
            ColType::Object(props) => {
                let parts: Vec<String> = props
                    .iter()
                    .map(|p| {
                        format!(
                            "{}: {} ({})",
                            py_str_repr(&p.name),
                            p.ty.repr(),
                            if p.required { "required" } else { "optional" }
                        )
                    })
                    .collect();
                format!("Object({})", parts.join(", "))
            }
            ColType::Any => "Any".into(),
            other => other.name().into(),
        }
    }

    fn from_json(v: &Value) -> Result<ColType, String> {
        let ty = v.get("type").and_then(Value::as_str).ok_or_else(|| format!("missing 'type' in {v}"))?;
        Ok(match ty {
            "array" => {
                ColType::Array(Box::new(ColType::from_json(v.get("items").ok_or("array type without 'items'")?)?))
            }
            "map" => ColType::Map(Box::new(ColType::from_json(v.get("values").ok_or("map type without 'values'")?)?)),
            "object" => {
                let props = v.get("properties").and_then(Value::as_object).ok_or("object type without 'properties'")?;
                let mut out = Vec::new();
                for (name, pv) in props {
                    out.push(Property {
                        name: name.clone(),
                        ty: ColType::from_json(pv)?,
                        required: pv.get("required").and_then(Value::as_bool).unwrap_or(true),
                    });
                }
                ColType::Object(out)
            }
            other => ColType::from_name(other).ok_or_else(|| format!("unsupported type '{other}'"))?,
        })
    }

    /// Parses a scalar type name (`double`, `long`...).
    pub fn from_name(name: &str) -> Option<ColType> {
        Some(match name {
            "boolean" => ColType::Boolean,
            "integer" => ColType::Integer,
            "long" => ColType::Long,
            "float" => ColType::Float,
            "double" => ColType::Double,
            "string" => ColType::String,
            "binary" => ColType::Binary,
            "datetime" => ColType::Datetime,
            "any" => ColType::Any,
            _ => return None,
        })
    }
}

impl TensorSpec {
    /// MLflow's `repr()`: `Tensor('float32', (-1, 4))`, `'x': Tensor(...)` when named.
    pub fn repr(&self) -> String {
        let info = format!("Tensor({}, {})", py_str_repr(&self.dtype_name), py_shape_repr(&self.shape));
        match &self.name {
            Some(n) => format!("{}: {}", py_str_repr(n), info),
            None => info,
        }
    }
}

impl ColSpec {
    /// MLflow's `repr()`: `'a': double (required)`.
    pub fn repr(&self) -> String {
        let req = if self.required { "required" } else { "optional" };
        match &self.name {
            Some(n) => format!("{}: {} ({req})", py_str_repr(n), self.ty.repr()),
            None => format!("{} ({req})", self.ty.repr()),
        }
    }
}

impl Schema {
    /// Parses the JSON string MLflow stores as `signature.inputs`/`outputs`.
    pub fn from_json_str(text: &str) -> Result<Schema, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Schema::from_json(&v)
    }

    /// Parses a schema from its JSON list form.
    pub fn from_json(v: &Value) -> Result<Schema, String> {
        let items = v.as_array().ok_or("a schema must be a JSON list")?;
        let is_tensor = |x: &Value| x.get("type").and_then(Value::as_str) == Some("tensor");
        if items.iter().all(is_tensor) && !items.is_empty() {
            let mut specs = Vec::new();
            for x in items {
                let ts = x.get("tensor-spec").ok_or("tensor without 'tensor-spec'")?;
                let dtype_name = ts.get("dtype").and_then(Value::as_str).ok_or("tensor-spec without 'dtype'")?;
                let dtype =
                    dtype_from_numpy(dtype_name).ok_or_else(|| format!("unsupported tensor dtype '{dtype_name}'"))?;
                let shape = ts
                    .get("shape")
                    .and_then(Value::as_array)
                    .ok_or("tensor-spec without 'shape'")?
                    .iter()
                    .map(|d| d.as_i64().ok_or("tensor shape must hold integers"))
                    .collect::<Result<Vec<i64>, _>>()?;
                specs.push(TensorSpec {
                    name: x.get("name").and_then(Value::as_str).map(str::to_string),
                    dtype,
                    shape,
                    dtype_name: dtype_name.to_string(),
                });
            }
            Ok(Schema::Tensors(specs))
        } else if items.iter().any(is_tensor) {
            Err("a schema cannot mix tensors and columns".into())
        } else {
            let mut cols = Vec::new();
            for x in items {
                cols.push(ColSpec {
                    name: x.get("name").and_then(Value::as_str).map(str::to_string),
                    ty: ColType::from_json(x)?,
                    required: x.get("required").and_then(Value::as_bool).unwrap_or(true),
                });
            }
            Ok(Schema::Columns(cols))
        }
    }

    /// True when the inputs are named.
    pub fn has_names(&self) -> bool {
        match self {
            Schema::Tensors(t) => t.first().is_some_and(|t| t.name.is_some()),
            Schema::Columns(c) => c.first().is_some_and(|c| c.name.is_some()),
        }
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        match self {
            Schema::Tensors(t) => t.len(),
            Schema::Columns(c) => c.len(),
        }
    }

    /// True when the schema has no inputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Input names (unnamed inputs give their index).
    pub fn names(&self) -> Vec<String> {
        match self {
            Schema::Tensors(t) => {
                t.iter().enumerate().map(|(i, t)| t.name.clone().unwrap_or_else(|| i.to_string())).collect()
            }
            Schema::Columns(c) => {
                c.iter().enumerate().map(|(i, c)| c.name.clone().unwrap_or_else(|| i.to_string())).collect()
            }
        }
    }

    /// MLflow's `repr()` of the schema, as it appears in error messages.
    pub fn repr(&self) -> String {
        let parts: Vec<String> = match self {
            Schema::Tensors(t) => t.iter().map(TensorSpec::repr).collect(),
            Schema::Columns(c) => c.iter().map(ColSpec::repr).collect(),
        };
        format!("[{}]", parts.join(", "))
    }
}

impl ParamSchema {
    /// Parses the JSON string MLflow stores as `signature.params`.
    pub fn from_json_str(text: &str) -> Result<ParamSchema, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        ParamSchema::from_json(&v)
    }

    /// Parses a params schema from its JSON list form.
    pub fn from_json(v: &Value) -> Result<ParamSchema, String> {
        let items = v.as_array().ok_or("a params schema must be a JSON list")?;
        let mut params = Vec::new();
        for x in items {
            let name = x.get("name").and_then(Value::as_str).ok_or("param without 'name'")?.to_string();
            let ty_name =
                x.get("type").and_then(Value::as_str).ok_or_else(|| format!("param '{name}' without 'type'"))?;
            let ty = ColType::from_name(ty_name)
                .ok_or_else(|| format!("param '{name}' has unsupported type '{ty_name}'"))?;
            let shape = match x.get("shape") {
                None | Some(Value::Null) => None,
                Some(Value::Array(dims)) => Some(
                    dims.iter()
                        .map(|d| d.as_i64().ok_or("param shape must hold integers"))
                        .collect::<Result<Vec<i64>, _>>()?,
                ),
                Some(other) => return Err(format!("param '{name}' has invalid shape {other}")),
            };
            params.push(ParamSpec { name, ty, default: x.get("default").cloned().unwrap_or(Value::Null), shape });
        }
        Ok(ParamSchema { params })
    }

    /// Looks a param up by name.
    pub fn get(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }
}

impl Signature {
    /// Builds a signature from the three JSON strings of MLmodel's `signature`.
    pub fn from_json_strs(
        inputs: Option<&str>,
        outputs: Option<&str>,
        params: Option<&str>,
    ) -> Result<Signature, String> {
        Ok(Signature {
            inputs: inputs.map(Schema::from_json_str).transpose().map_err(|e| format!("inputs: {e}"))?,
            outputs: outputs.map(Schema::from_json_str).transpose().map_err(|e| format!("outputs: {e}"))?,
            params: params.map(ParamSchema::from_json_str).transpose().map_err(|e| format!("params: {e}"))?,
            from_type_hint: false,
        })
    }
}

#[cfg(test)]
mod tests;
