//! The unpickler's inert values and their conversion into the skops [`Node`] tree.
//!
//! Values live in an [`Arena`] and refer to each other by [`Id`], so memo
//! references, shared objects and even cycles cost nothing while the stream is
//! read. Numpy arrays keep their raw bytes (borrowed from the file) until the
//! conversion decodes them. The conversion is bounded in depth (cycles and deep
//! nesting fail) and in output size (a value shared a million times fails rather
//! than expanding).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;

use crate::error::{Error, load};
use crate::npy::{self, NdArray, Scalar};
use crate::skops::{self, Node, TUPLE_STATE_ATTR, tuple_state};

/// An index into the arena.
pub(super) type Id = u32;

/// The ids of `None`, `True` and `False`, present in every arena.
pub(super) const NONE: Id = 0;
pub(super) const TRUE: Id = 1;
pub(super) const FALSE: Id = 2;

/// Most values one pickle may create (every opcode creates at most one).
const MAX_VALUES: usize = 1 << 22;
/// Deepest nesting of containers and objects converted.
pub(super) const MAX_DEPTH: usize = 200;

/// One unpickled value.
#[derive(Debug, Clone)]
pub(super) enum Value<'a> {
    None,
    Bool(bool),
    Int(i64),
    /// A Python int beyond 64 bits: kept by name only.
    BigInt,
    Float(f64),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    /// An allow-listed global (`module.name`), not yet called.
    Global(String),
    Dtype(Box<Dtype>),
    Array(Box<Array<'a>>),
    Object(Box<Object>),
    /// A harmless value kept by name only (a slice, a complex number).
    Opaque(&'static str),
}

impl Value<'_> {
    /// The Python type, for error messages.
    pub(super) fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::Bytes(_) => "bytes".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::List(_) => "list".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Global(name) => name.clone(),
            Value::Dtype(_) => "numpy.dtype".into(),
            Value::Array(_) => "numpy.ndarray".into(),
            Value::Object(object) => object.class.clone(),
            Value::Opaque(name) => (*name).into(),
        }
    }
}

/// An allow-listed sklearn object: its class, `__reduce__` args (for
/// `sklearn.tree._tree.Tree`) and the states BUILD gave it, in order.
#[derive(Debug, Clone)]
pub(super) struct Object {
    pub class: String,
    pub args: Vec<Id>,
    pub states: Vec<Id>,
}

impl Object {
    /// A new, empty instance as a value.
    pub(super) fn value(class: String, args: Vec<Id>) -> Value<'static> {
        Value::Object(Box::new(Object { class, args, states: Vec::new() }))
    }
}

/// A numpy dtype: its type string (`f8`, `U3`, `O8`, `V64`) and byte order,
/// plus the record layout BUILD gave a structured dtype.
#[derive(Debug, Clone)]
pub(super) struct Dtype {
    pub typestr: String,
    pub order: char,
    pub records: Option<Vec<(String, Scalar)>>,
}

/// How an array's elements are stored.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Layout {
    /// Python objects (`dtype('O')`): the items are values.
    Object,
    /// Raw bytes, one record of these fields per element (one unnamed field for plain dtypes).
    Fields(Vec<(String, Scalar)>),
}

impl Dtype {
    /// The element layout; unsupported dtypes fail here, when an array uses them.
    pub(super) fn layout(&self) -> Result<Layout, Error> {
        if let Some(fields) = &self.records {
            return Ok(Layout::Fields(fields.clone()));
        }
        match self.typestr.as_bytes().first() {
            Some(b'O') => Ok(Layout::Object),
            Some(b'V') => Err(load(format!("numpy dtype '{}' without fields is not supported", self.typestr))),
            _ => {
                let order = if self.order == '=' { '<' } else { self.order };
                Ok(Layout::Fields(vec![(String::new(), Scalar::parse(&format!("{order}{}", self.typestr))?)]))
            }
        }
    }
}

/// A numpy array: shape, order, element layout and data (raw bytes or values).
#[derive(Debug, Clone)]
pub(super) struct Array<'a> {
    pub shape: Vec<usize>,
    pub fortran: bool,
    pub layout: Layout,
    pub data: ArrayData<'a>,
}

#[derive(Debug, Clone)]
pub(super) enum ArrayData<'a> {
    Raw(Cow<'a, [u8]>),
    Items(Vec<Id>),
}

/// All values of one pickle.
pub(super) struct Arena<'a> {
    values: Vec<Value<'a>>,
    /// What copying may still cost (items, bytes): opcodes that copy a memoized
    /// value (`set(list)`, an array's state) could otherwise cost quadratic time.
    copies: Cell<usize>,
}

impl<'a> Arena<'a> {
    /// An arena whose copies may cost `copies` items in all.
    pub(super) fn new(copies: usize) -> Self {
        Arena { values: vec![Value::None, Value::Bool(true), Value::Bool(false)], copies: Cell::new(copies) }
    }

    /// Pays for copying `n` items.
    pub(super) fn charge(&self, n: usize) -> Result<(), Error> {
        let left = self.copies.get().checked_sub(n).ok_or_else(|| load("the pickle copies its values too often"))?;
        self.copies.set(left);
        Ok(())
    }

    pub(super) fn push(&mut self, value: Value<'a>) -> Result<Id, Error> {
        if self.values.len() >= MAX_VALUES {
            return Err(load(format!("the pickle holds more than {MAX_VALUES} values")));
        }
        self.values.push(value);
        Ok((self.values.len() - 1) as Id)
    }

    pub(super) fn get(&self, id: Id) -> &Value<'a> {
        &self.values[id as usize]
    }

    pub(super) fn get_mut(&mut self, id: Id) -> &mut Value<'a> {
        &mut self.values[id as usize]
    }

    pub(super) fn str(&self, id: Id) -> Option<&str> {
        match self.get(id) {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn int(&self, id: Id) -> Option<i64> {
        match self.get(id) {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    pub(super) fn tuple(&self, id: Id) -> Option<&[Id]> {
        match self.get(id) {
            Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// A tuple of non-negative ints (an array shape, at most 64 dimensions as in numpy).
    pub(super) fn shape(&self, id: Id) -> Option<Vec<usize>> {
        self.tuple(id)
            .filter(|dims| dims.len() <= 64)?
            .iter()
            .map(|&d| self.int(d).and_then(|d| usize::try_from(d).ok()))
            .collect()
    }

    /// Converts the value `root` and everything it refers to into a [`Node`]
    /// tree of at most `budget` nodes and array elements.
    pub(super) fn to_node(&self, root: Id, budget: usize) -> Result<Node, Error> {
        Converter { arena: self, budget }.node(root, 0)
    }
}

struct Converter<'r, 'a> {
    arena: &'r Arena<'a>,
    budget: usize,
}

impl Converter<'_, '_> {
    fn spend(&mut self, n: usize) -> Result<(), Error> {
        self.budget = self
            .budget
            .checked_sub(n)
            .ok_or_else(|| load("the pickle expands to too many values (a value shared too many times, or a cycle)"))?;
        Ok(())
    }

    fn node(&mut self, id: Id, depth: usize) -> Result<Node, Error> {
        if depth > MAX_DEPTH {
            return Err(load(format!("the pickle nests deeper than {MAX_DEPTH} levels (or is cyclic)")));
        }
        self.spend(1)?;
        Ok(match self.arena.get(id) {
            Value::None => Node::Json(serde_json::Value::Null),
            Value::Bool(b) => Node::Json((*b).into()),
            Value::Int(i) => Node::Json((*i).into()),
            Value::BigInt => Node::Opaque("builtins.int".into()),
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => Node::Json(serde_json::Value::Number(n)),
                None => Node::Float(*f),
            },
            Value::Str(s) => Node::Json(serde_json::Value::String(s.to_string())),
            Value::Bytes(b) => {
                // An XGBoost booster's saved model (`Booster.__getstate__`'s `handle`).
                self.spend(b.len() / 8)?;
                Node::Bytes(b.to_vec())
            }
            Value::Tuple(items) | Value::List(items) | Value::Set(items) => Node::List(self.list(items, depth)?),
            Value::Dict(items) => Node::Dict(self.dict(items, depth)?),
            Value::Global(name) => Node::Opaque(name.clone()),
            Value::Dtype(_) => Node::Opaque("numpy.dtype".into()),
            Value::Opaque(name) => Node::Opaque((*name).into()),
            Value::Array(array) => self.array(array, depth)?,
            Value::Object(object) => self.object(&object.class, &object.args, &object.states, depth)?,
        })
    }

    /// An object's attributes: its BUILD states (`__dict__`, or `(__dict__, slots)`)
    /// merged in order, then the Tree's `__reduce__` args named as skops names them.
    fn object(&mut self, class: &str, args: &[Id], states: &[Id], depth: usize) -> Result<Node, Error> {
        let mut entries = Vec::new();
        for &state in states {
            self.spend(1)?;
            let parts = match self.arena.get(state) {
                Value::Tuple(items) if tuple_state(class) => {
                    let items = items.clone();
                    entries.push((TUPLE_STATE_ATTR.to_string(), Node::List(self.list(&items, depth)?)));
                    continue;
                }
                Value::Tuple(parts) if parts.len() == 2 => parts.as_slice(),
                _ => std::slice::from_ref(&state),
            };
            for &part in parts {
                match self.arena.get(part) {
                    Value::Dict(items) => entries.extend(self.entries(items, depth)?),
                    Value::None => {}
                    other => return Err(load(format!("the state of {class} is a {}", other.kind()))),
                }
            }
        }
        let mut attrs = Vec::with_capacity(entries.len());
        merge(&mut attrs, entries);
        for (name, &arg) in ["n_features", "n_classes", "n_outputs"].into_iter().zip(args) {
            attrs.push((name.to_string(), self.node(arg, depth + 1)?));
        }
        Ok(Node::Object { class: class.to_string(), attrs })
    }

    fn list(&mut self, items: &[Id], depth: usize) -> Result<Vec<Node>, Error> {
        items.iter().map(|&item| self.node(item, depth + 1)).collect()
    }

    /// A dict's entries; a repeated key keeps its first place and its last value.
    fn dict(&mut self, items: &[(Id, Id)], depth: usize) -> Result<Vec<(String, Node)>, Error> {
        let entries = self.entries(items, depth)?;
        let mut merged = Vec::with_capacity(entries.len());
        merge(&mut merged, entries);
        Ok(merged)
    }

    /// A dict's entries as they come, with string keys (ints, bools and None
    /// spelled as Python prints them).
    fn entries(&mut self, items: &[(Id, Id)], depth: usize) -> Result<Vec<(String, Node)>, Error> {
        let mut out = Vec::new();
        for &(key, value) in items {
            let key = match self.arena.get(key) {
                Value::Str(s) => s.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
                Value::None => "None".to_string(),
                // A numpy scalar key (LightGBM's `_class_map`): named by position, never read.
                Value::Array(_) => format!("<array key {}>", out.len()),
                other => return Err(load(format!("dict keys of type {} are not supported", other.kind()))),
            };
            out.push((key, self.node(value, depth + 1)?));
        }
        Ok(out)
    }

    /// An array; an object array of objects is the flat list of its items (C order).
    fn array(&mut self, array: &Array, depth: usize) -> Result<Node, Error> {
        let count = npy::elements(&array.shape).ok_or_else(|| load("numpy array shape overflows"))?;
        self.spend(count)?;
        match (&array.layout, &array.data) {
            (Layout::Fields(fields), ArrayData::Raw(raw)) => {
                npy::decode(fields, array.fortran, array.shape.clone(), raw)
                    .map(Node::Array)
                    .map_err(|e| load(format!("numpy array: {e}")))
            }
            (Layout::Object, ArrayData::Items(items)) => {
                let nodes = self.list(items, depth)?;
                if nodes.iter().any(|n| matches!(n, Node::Object { .. }) || skops::is_array(n)) {
                    if array.fortran && array.shape.len() > 1 {
                        return Err(load("Fortran-ordered arrays of objects are not supported"));
                    }
                    return Ok(Node::List(nodes));
                }
                let mut data = skops::object_array_data(&nodes)?;
                match (array.fortran, array.shape.as_slice()) {
                    (true, [rows, cols]) => data = npy::to_row_major(data, *rows, *cols),
                    (true, [_, _, _, ..]) => {
                        return Err(load("Fortran-ordered arrays of more than 2 dimensions are not supported"));
                    }
                    _ => {}
                }
                Ok(Node::Array(NdArray { shape: array.shape.clone(), data }))
            }
            _ => Err(load("numpy array data does not match its dtype")),
        }
    }
}

/// Appends `new` to the empty `attrs`, a repeated key replacing the value it
/// had (Python dict update order).
fn merge(attrs: &mut Vec<(String, Node)>, new: Vec<(String, Node)>) {
    let mut at: HashMap<String, usize> = HashMap::with_capacity(new.len());
    for (key, value) in new {
        match at.get(&key) {
            Some(&i) => attrs[i].1 = value,
            None => {
                at.insert(key.clone(), attrs.len());
                attrs.push((key, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_are_bounded_and_cycles_fail() {
        let mut arena = Arena::new(1 << 20);
        // A list holding itself.
        let list = arena.push(Value::List(Vec::new())).unwrap();
        *arena.get_mut(list) = Value::List(vec![list]);
        let Err(Error::Load(m)) = arena.to_node(list, 1 << 20) else { panic!("cycle accepted") };
        assert!(m.contains("deeper"), "{m}");
        // Each level refers twice to the one below: 2^60 nodes if expanded.
        let mut inner = NONE;
        for _ in 0..60 {
            inner = arena.push(Value::Tuple(vec![inner, inner])).unwrap();
        }
        let Err(Error::Load(m)) = arena.to_node(inner, 1 << 20) else { panic!("expansion accepted") };
        assert!(m.contains("too many values"), "{m}");
    }

    #[test]
    fn values_stay_small() {
        // Every opcode byte may create a value: keep the arena's cost per byte low.
        assert!(std::mem::size_of::<Value>() <= 32, "{}", std::mem::size_of::<Value>());
    }

    #[test]
    fn dict_updates_keep_first_place_last_value() {
        let mut arena = Arena::new(1 << 20);
        let a = arena.push(Value::Str("a".into())).unwrap();
        let b = arena.push(Value::Str("b".into())).unwrap();
        let one = arena.push(Value::Int(1)).unwrap();
        let dict = arena.push(Value::Dict(vec![(a, one), (b, one), (a, TRUE)])).unwrap();
        let node = arena.to_node(dict, 100).unwrap();
        assert_eq!(node, Node::Dict(vec![("a".into(), Node::Json(true.into())), ("b".into(), Node::Json(1.into()))]));
    }
}
