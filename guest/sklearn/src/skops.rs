//! Reads a skops file (`model.skops`, skops protocol 1–2): a zip holding
//! `schema.json`, a tree of typed nodes, and the `.npy` files its arrays name.
//!
//! The schema is data, never code: objects (`ObjectNode`) are kept only when their
//! `module.Class` is on the caller's allow-list, the node kinds that would call
//! functions (`FunctionNode`, `MethodNode`, `ReduceNode`, …) are refused, and the
//! result is an inert [`Node`] tree that `estimators` turns into Rust structs.

use std::io::{Cursor, Read};

use serde_json::Value;
use zip::ZipArchive;

use crate::error::{Error, load};
use crate::npy::{self, Data, NdArray};

/// The one function a skops file may name (inside a `functools.partial`).
const CHECK_ARRAY: &str = "sklearn.utils.validation.check_array";

/// Functions an estimator keeps as a parameter or attribute but never calls at
/// predict time (a selector's `score_func`, BisectingKMeans' `_kmeans_single`):
/// both readers keep them by name, and nothing calls them.
pub const INERT_FUNCTIONS: &[&str] = &[
    "sklearn.feature_selection._univariate_selection.f_classif",
    "sklearn.feature_selection._univariate_selection.f_regression",
    "sklearn.feature_selection._univariate_selection.chi2",
    "sklearn.feature_selection._univariate_selection.r_regression",
    "sklearn.feature_selection._mutual_info.mutual_info_classif",
    "sklearn.feature_selection._mutual_info.mutual_info_regression",
    "sklearn.cluster._kmeans._kmeans_single_lloyd",
    "sklearn.cluster._kmeans._kmeans_single_elkan",
    // FeatureAgglomeration's pooling_func (the mean is computed here, never called).
    "numpy.mean",
    "numpy._core.fromnumeric.mean",
    "numpy.core.fromnumeric.mean",
];

/// Whether `class` keeps a tuple state (Cython `__getstate__`), not a `__dict__`:
/// sklearn's binary trees (`KDTree`, `BallTree`) and distance metrics. Both readers
/// keep that state as one attribute, [`TUPLE_STATE_ATTR`] (the class must still be
/// allowed).
pub fn tuple_state(class: &str) -> bool {
    matches!(class, "sklearn.neighbors._kd_tree.KDTree" | "sklearn.neighbors._ball_tree.BallTree")
        || class.starts_with("sklearn.metrics._dist_metrics.")
}

/// The attribute holding the state of a [`tuple_state`] object.
pub const TUPLE_STATE_ATTR: &str = "__state__";

/// Largest single entry (schema or array) read from the zip.
const MAX_ENTRY_BYTES: u64 = 512 << 20;

/// An inert value of the object tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A JSON value (`JsonNode`: str, int, float, bool, None).
    Json(Value),
    /// A float JSON cannot hold (`NaN`, `inf`).
    Float(f64),
    /// A list, tuple or set.
    List(Vec<Node>),
    /// A dict with string keys, in file order.
    Dict(Vec<(String, Node)>),
    /// A numpy array or scalar.
    Array(NdArray),
    /// An allow-listed object: `module.Class` and its `__dict__`.
    Object { class: String, attrs: Vec<(String, Node)> },
    /// Raw bytes (`bytes`, `bytearray`): an XGBoost booster's saved model.
    Bytes(Vec<u8>),
    /// A value kept by name only (a type, a dtype, a slice): never reconstructed.
    Opaque(String),
}

/// Reads the object tree of a skops file; `allowed` says which `module.Class`
/// objects may appear.
pub fn read(bytes: &[u8], allowed: &dyn Fn(&str) -> bool) -> Result<Node, Error> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| load(format!("model.skops is not a zip: {e}")))?;
    let schema = entry(&mut zip, "schema.json")?;
    let schema: Value =
        serde_json::from_slice(&schema).map_err(|e| load(format!("model.skops: schema.json is not JSON: {e}")))?;
    let protocol = schema.get("protocol").and_then(Value::as_i64).unwrap_or(0);
    if !(1..=2).contains(&protocol) {
        return Err(load(format!("model.skops: skops protocol {protocol} is not supported (1 and 2 are)")));
    }
    Reader { zip: &mut zip, allowed }.node(&schema)
}

fn entry(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, Error> {
    let file = zip.by_name(name).map_err(|e| load(format!("model.skops: cannot open {name}: {e}")))?;
    if file.size() > MAX_ENTRY_BYTES {
        return Err(load(format!("model.skops: {name} is larger than {MAX_ENTRY_BYTES} bytes")));
    }
    let mut out = Vec::with_capacity(file.size().min(1 << 20) as usize);
    file.take(MAX_ENTRY_BYTES + 1).read_to_end(&mut out).map_err(|e| load(format!("model.skops: {name}: {e}")))?;
    if out.len() as u64 > MAX_ENTRY_BYTES {
        return Err(load(format!("model.skops: {name} is larger than {MAX_ENTRY_BYTES} bytes")));
    }
    Ok(out)
}

struct Reader<'z, 'b> {
    zip: &'z mut ZipArchive<Cursor<&'b [u8]>>,
    allowed: &'z dyn Fn(&str) -> bool,
}

impl Reader<'_, '_> {
    fn node(&mut self, value: &Value) -> Result<Node, Error> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("");
        let (loader, module, class) = (text("__loader__"), text("__module__"), text("__class__"));
        let content = value.get("content").unwrap_or(&Value::Null);
        match loader {
            "JsonNode" => json_node(content),
            "ListNode" | "TupleNode" | "SetNode" => self.list(content).map(Node::List),
            "DictNode" => self.dict(content).map(Node::Dict),
            "NdArrayNode" => self.array(value, content),
            "ObjectNode" => {
                let full = format!("{module}.{class}");
                if !(self.allowed)(&full) {
                    return Err(load(format!("model.skops: {full} is not supported by wasmflow's sklearn flavor")));
                }
                let attrs = match content {
                    Value::Null => Vec::new(),
                    state => match self.node(state)? {
                        Node::Dict(attrs) => attrs,
                        // An object without state (a loss's link).
                        Node::Json(Value::Null) => Vec::new(),
                        Node::List(items) if tuple_state(&full) => {
                            vec![(TUPLE_STATE_ATTR.to_string(), Node::List(items))]
                        }
                        _ => return Err(load(format!("model.skops: the state of {full} is not a dict"))),
                    },
                };
                Ok(Node::Object { class: full, attrs })
            }
            "TreeNode" if module == "sklearn.tree._tree" && class == "Tree" => self.tree(value, content),
            "TypeNode" | "DTypeNode" | "SliceNode" => Ok(Node::Opaque(format!("{module}.{class}"))),
            // Kept by name, as the unpickler keeps them: an estimator's loss
            // (sklearn's Cython loss objects) and random generators.
            "LossNode" if matches!(module, "sklearn._loss._loss" | "sklearn.linear_model._sgd_fast") => {
                Ok(Node::Opaque(format!("{module}.{class}")))
            }
            // HistGradientBoosting's fitted `_preprocessor` checks its numeric columns with
            // `partial(check_array, ...)`: kept by name, never called, and no other function.
            "FunctionNode" if format!("{module}.{class}") == CHECK_ARRAY => Ok(Node::Opaque(CHECK_ARRAY.into())),
            "FunctionNode" if INERT_FUNCTIONS.contains(&format!("{module}.{class}").as_str()) => {
                Ok(Node::Opaque(format!("{module}.{class}")))
            }
            "PartialNode" if module == "functools" && class == "partial" => {
                let func = content.get("func").map(|f| self.node(f)).transpose()?;
                if func != Some(Node::Opaque(CHECK_ARRAY.into())) {
                    return Err(load("model.skops: only functools.partial(check_array) is supported"));
                }
                for key in ["args", "kwds"] {
                    if let Some(v) = content.get(key) {
                        self.node(v)?;
                    }
                }
                Ok(Node::Opaque(format!("functools.partial({CHECK_ARRAY})")))
            }
            "BytesNode" | "BytearrayNode" => {
                let file = value.get("file").and_then(Value::as_str).unwrap_or("");
                Ok(Node::Bytes(entry(self.zip, file)?))
            }
            // `defaultdict(factory)`: its items (the factory is a type, kept by name).
            "DefaultDictNode" => match content.get("main") {
                Some(main) => self.node(main),
                None => Err(load("model.skops: a defaultdict has no items")),
            },
            "RandomStateNode" => Ok(Node::Opaque("numpy.random.RandomState".into())),
            "RandomGeneratorNode" => Ok(Node::Opaque("numpy.random.Generator".into())),
            other => Err(load(format!(
                "model.skops: {module}.{class} ({}) is not supported by wasmflow's sklearn flavor",
                if other.is_empty() { "no loader" } else { other }
            ))),
        }
    }

    fn list(&mut self, content: &Value) -> Result<Vec<Node>, Error> {
        let items = content.as_array().ok_or_else(|| load("model.skops: a list node has no list"))?;
        items.iter().map(|item| self.node(item)).collect()
    }

    fn dict(&mut self, content: &Value) -> Result<Vec<(String, Node)>, Error> {
        let items = content.as_object().ok_or_else(|| load("model.skops: a dict node has no dict"))?;
        items.iter().map(|(k, v)| Ok((k.clone(), self.node(v)?))).collect()
    }

    /// An array; an object array of objects is the flat list of its items.
    fn array(&mut self, value: &Value, content: &Value) -> Result<Node, Error> {
        match value.get("type").and_then(Value::as_str) {
            Some("numpy") => {
                let file =
                    value.get("file").and_then(Value::as_str).ok_or_else(|| load("model.skops: array without file"))?;
                npy::parse(&entry(self.zip, file)?).map(Node::Array)
            }
            Some("json") => {
                let shape = match value.get("shape").map(|s| self.node(s)).transpose()? {
                    Some(Node::List(dims)) => dims
                        .iter()
                        .map(|d| d.as_i64().and_then(|d| usize::try_from(d).ok()))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| load("model.skops: bad array shape"))?,
                    _ => return Err(load("model.skops: a JSON array has no shape")),
                };
                let mut items = self.list(content)?;
                // Object arrays of objects (GradientBoosting's `estimators_`) are
                // nested lists, row by row: flattened in C order, as the unpickler gives them.
                for _ in 1..shape.len() {
                    if !items.iter().all(|i| matches!(i, Node::List(_))) {
                        break;
                    }
                    items =
                        items.into_iter().flat_map(|i| if let Node::List(v) = i { v } else { Vec::new() }).collect();
                }
                if shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) != Some(items.len()) {
                    return Err(load("model.skops: a JSON array does not match its shape"));
                }
                // Objects, or arrays (KBinsDiscretizer's bin_edges_): kept as a list.
                if items.iter().any(|i| matches!(i, Node::Object { .. }) || is_array(i)) {
                    return Ok(Node::List(items));
                }
                Ok(Node::Array(NdArray { shape, data: object_array_data(&items)? }))
            }
            other => Err(load(format!("model.skops: array storage {other:?} is not supported"))),
        }
    }

    /// `sklearn.tree._tree.Tree`: its state plus `__reduce__` args
    /// `(n_features, n_classes, n_outputs)`.
    fn tree(&mut self, value: &Value, content: &Value) -> Result<Node, Error> {
        let mut attrs = match self.node(content)? {
            Node::Dict(attrs) => attrs,
            _ => return Err(load("model.skops: the state of a Tree is not a dict")),
        };
        let args =
            value.pointer("/__reduce__/args").ok_or_else(|| load("model.skops: Tree without __reduce__ args"))?;
        if let Node::List(args) = self.node(args)? {
            for (name, arg) in ["n_features", "n_classes", "n_outputs"].into_iter().zip(args) {
                attrs.push((name.to_string(), arg));
            }
        }
        Ok(Node::Object { class: "sklearn.tree._tree.Tree".into(), attrs })
    }
}

fn json_node(content: &Value) -> Result<Node, Error> {
    let text = content.as_str().ok_or_else(|| load("model.skops: a JSON node holds no text"))?;
    Ok(match text {
        "NaN" => Node::Float(f64::NAN),
        "Infinity" => Node::Float(f64::INFINITY),
        "-Infinity" => Node::Float(f64::NEG_INFINITY),
        _ => Node::Json(serde_json::from_str(text).map_err(|e| load(format!("model.skops: bad JSON node: {e}")))?),
    })
}

/// Whether `node` is an array with at least one dimension (not a numpy scalar).
pub(crate) fn is_array(node: &Node) -> bool {
    matches!(node, Node::Array(a) if !a.shape.is_empty())
}

/// The elements of an object array (stored as JSON by skops, as a list by
/// pickle): all strings, all numbers, or strings and missing values (None, NaN).
pub(crate) fn object_array_data(items: &[Node]) -> Result<Data, Error> {
    if let Some(strings) = items.iter().map(|n| n.as_str().map(str::to_string)).collect::<Option<Vec<_>>>() {
        return Ok(Data::Str(strings));
    }
    if let Some(ints) = items.iter().map(Node::as_i64).collect::<Option<Vec<_>>>() {
        return Ok(Data::I64(ints));
    }
    if let Some(floats) = items.iter().map(Node::as_f64).collect::<Option<Vec<_>>>() {
        return Ok(Data::F64(floats));
    }
    let text = |n: &Node| match n.as_str() {
        Some(s) => Some(Some(s.to_string())),
        None if n.is_none() || n.as_f64().is_some_and(f64::is_nan) => Some(None),
        None => None,
    };
    if let Some(items) = items.iter().map(text).collect::<Option<Vec<_>>>() {
        return Ok(Data::StrOrMissing(items));
    }
    Err(load("object arrays must hold only strings (and missing values) or only numbers"))
}

impl Node {
    /// The `module.Class` of an object.
    pub fn class(&self) -> Option<&str> {
        match self {
            Node::Object { class, .. } => Some(class),
            _ => None,
        }
    }

    /// An attribute of an object or an entry of a dict.
    pub fn get(&self, name: &str) -> Option<&Node> {
        match self {
            Node::Object { attrs, .. } | Node::Dict(attrs) => attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Json(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The value if it is an integer (Python int or a numpy integer scalar).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Json(v) => v.as_i64(),
            Node::Array(NdArray { data: Data::I64(v), .. }) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// The value if it is a number (Python or numpy scalar).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Json(v) => v.as_f64(),
            Node::Float(f) => Some(*f),
            Node::Array(NdArray { data: Data::F64(v), .. }) if v.len() == 1 => Some(v[0]),
            Node::Array(NdArray { data: Data::I64(v), .. }) if v.len() == 1 => Some(v[0] as f64),
            _ => None,
        }
    }

    /// The value if it is a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Json(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// True for Python `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Node::Json(Value::Null))
    }

    /// The items of a list, tuple or set.
    pub fn as_list(&self) -> Option<&[Node]> {
        match self {
            Node::List(items) => Some(items),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&NdArray> {
        match self {
            Node::Array(a) => Some(a),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn skops(schema: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut zip = zip::ZipWriter::new(Cursor::new(&mut out));
        zip.start_file("schema.json", zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(schema.as_bytes()).unwrap();
        zip.finish().unwrap();
        out
    }

    const ALLOW: &dyn Fn(&str) -> bool = &|c: &str| c == "sklearn.preprocessing._data.StandardScaler";

    #[test]
    fn reads_objects_and_json_values() {
        let file = skops(
            r#"{"__class__": "StandardScaler", "__module__": "sklearn.preprocessing._data", "__loader__": "ObjectNode",
                "protocol": 2, "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
                "content": {"with_mean": {"__loader__": "JsonNode", "__class__": "bool", "__module__": "builtins", "content": "true"},
                            "missing": {"__loader__": "JsonNode", "__class__": "float", "__module__": "builtins", "content": "NaN"}}}}"#,
        );
        let node = read(&file, ALLOW).unwrap();
        assert_eq!(node.class(), Some("sklearn.preprocessing._data.StandardScaler"));
        assert_eq!(node.get("with_mean").and_then(Node::as_bool), Some(true));
        assert!(node.get("missing").and_then(Node::as_f64).unwrap().is_nan());
    }

    #[test]
    fn refuses_classes_and_loaders_off_the_list() {
        let os = skops(
            r#"{"__class__": "system", "__module__": "os", "__loader__": "FunctionNode", "protocol": 2, "content": {}}"#,
        );
        let Err(Error::Load(message)) = read(&os, ALLOW) else { panic!("accepted os.system") };
        assert!(message.contains("os.system"), "{message}");
        let other = skops(
            r#"{"__class__": "SVC", "__module__": "sklearn.svm._classes", "__loader__": "ObjectNode", "protocol": 2}"#,
        );
        let Err(Error::Load(message)) = read(&other, ALLOW) else { panic!("accepted SVC") };
        assert!(message.contains("sklearn.svm._classes.SVC"), "{message}");
    }

    #[test]
    fn a_partial_may_only_wrap_check_array() {
        let partial = |module: &str, name: &str| {
            skops(&format!(
                r#"{{"__class__": "partial", "__module__": "functools", "__loader__": "PartialNode", "protocol": 2,
                    "content": {{"func": {{"__class__": "{name}", "__module__": "{module}", "__loader__": "FunctionNode"}}}}}}"#
            ))
        };
        let node = read(&partial("sklearn.utils.validation", "check_array"), ALLOW).unwrap();
        assert_eq!(node, Node::Opaque(format!("functools.partial({CHECK_ARRAY})")));
        let Err(Error::Load(m)) = read(&partial("os", "system"), ALLOW) else { panic!("accepted os.system") };
        assert!(m.contains("os.system"), "{m}");
    }

    #[test]
    fn malformed_files_are_load_errors() {
        assert!(matches!(read(b"PK\x03\x04garbage", ALLOW), Err(Error::Load(_))));
        assert!(matches!(read(&skops("{not json"), ALLOW), Err(Error::Load(_))));
        assert!(matches!(read(&skops(r#"{"protocol": 9}"#), ALLOW), Err(Error::Load(_))));
        let missing = skops(
            r#"{"__loader__": "NdArrayNode", "__class__": "ndarray", "__module__": "numpy", "type": "numpy", "file": "x.npy", "protocol": 2}"#,
        );
        assert!(matches!(read(&missing, ALLOW), Err(Error::Load(_))));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(read(&skops(&deep), ALLOW), Err(Error::Load(_))));
    }
}
