//! Lookup operators: `LabelEncoder` (opsets 1–2), `CategoryMapper` (string ↔
//! int64 by position) and `OneHotEncoder` (one float32 column per category).

use std::collections::HashMap;

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::{Kernel, MlOp, tensor, values};

/// A key as looked up: strings, integers, or floats by bit pattern (NaN keys
/// match any NaN).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Str(String),
    Int(i64),
    Float(u32),
}

fn float_key(v: f32) -> Key {
    Key::Float(if v.is_nan() { f32::NAN.to_bits() } else { (v + 0.0).to_bits() })
}

/// The values of a lookup, one per key, and the default for unknown keys.
#[derive(Debug)]
enum Mapped {
    Str(Vec<String>, String),
    Int(Vec<i64>, i64),
    Float(Vec<f32>, f32),
}

impl Mapped {
    fn datum_type(&self) -> DatumType {
        match self {
            Mapped::Str(..) => DatumType::String,
            Mapped::Int(..) => DatumType::I64,
            Mapped::Float(..) => DatumType::F32,
        }
    }

    fn len(&self) -> usize {
        match self {
            Mapped::Str(v, _) => v.len(),
            Mapped::Int(v, _) => v.len(),
            Mapped::Float(v, _) => v.len(),
        }
    }
}

#[derive(Debug)]
struct Lookup {
    name: &'static str,
    key_type: DatumType,
    index: HashMap<Key, usize>,
    values: Mapped,
}

fn index(keys: Vec<Key>) -> HashMap<Key, usize> {
    let mut index = HashMap::with_capacity(keys.len());
    for (i, k) in keys.into_iter().enumerate() {
        index.entry(k).or_insert(i);
    }
    index
}

fn str_keys(v: Vec<String>) -> Vec<Key> {
    v.into_iter().map(Key::Str).collect()
}

fn int_keys(v: Vec<i64>) -> Vec<Key> {
    v.into_iter().map(Key::Int).collect()
}

fn default_string(node: &NodeProto) -> TractResult<String> {
    Ok(node.get_attr_opt::<String>("default_string")?.unwrap_or_else(|| "_Unused".into()))
}

fn default_int(node: &NodeProto) -> TractResult<i64> {
    Ok(node.get_attr_opt::<i64>("default_int64")?.unwrap_or(-1))
}

pub fn label_encoder(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    // Opset 1: `classes_strings`, string → index or index → string.
    if let Some(classes) = node.get_attr_opt_vec::<String>("classes_strings")? {
        let ints_in = node.get_attr_opt::<String>("default_string")?.is_some();
        let n = classes.len() as i64;
        let op = if ints_in {
            Lookup {
                name: "LabelEncoder",
                key_type: DatumType::I64,
                index: index(int_keys((0..n).collect())),
                values: Mapped::Str(classes, default_string(node)?),
            }
        } else {
            Lookup {
                name: "LabelEncoder",
                key_type: DatumType::String,
                index: index(str_keys(classes)),
                values: Mapped::Int((0..n).collect(), default_int(node)?),
            }
        };
        return Ok(MlOp::boxed(op));
    }
    let (key_type, keys) = if let Some(k) = node.get_attr_opt_vec::<String>("keys_strings")? {
        (DatumType::String, str_keys(k))
    } else if let Some(k) = node.get_attr_opt_vec::<i64>("keys_int64s")? {
        (DatumType::I64, int_keys(k))
    } else if let Some(k) = node.get_attr_opt_vec::<f32>("keys_floats")? {
        (DatumType::F32, k.into_iter().map(float_key).collect())
    } else {
        bail!("LabelEncoder: no keys_strings, keys_int64s or keys_floats (keys_tensor is not supported)")
    };
    let values = if let Some(v) = node.get_attr_opt_vec::<String>("values_strings")? {
        Mapped::Str(v, default_string(node)?)
    } else if let Some(v) = node.get_attr_opt_vec::<i64>("values_int64s")? {
        Mapped::Int(v, default_int(node)?)
    } else if let Some(v) = node.get_attr_opt_vec::<f32>("values_floats")? {
        Mapped::Float(v, node.get_attr_opt::<f32>("default_float")?.unwrap_or(-0.0))
    } else {
        bail!("LabelEncoder: no values_strings, values_int64s or values_floats (values_tensor is not supported)")
    };
    ensure!(keys.len() == values.len(), "LabelEncoder: {} keys for {} values", keys.len(), values.len());
    Ok(MlOp::boxed(Lookup { name: "LabelEncoder", key_type, index: index(keys), values }))
}

pub fn category_mapper(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let strings: Vec<String> = node.get_attr_vec("cats_strings")?;
    let ints: Vec<i64> = node.get_attr_vec("cats_int64s")?;
    ensure!(strings.len() == ints.len(), "CategoryMapper: {} strings for {} integers", strings.len(), ints.len());
    // The direction is the input's type; both lookups are built, the rules pick one.
    Ok(MlOp::boxed(CategoryMapper {
        to_int: Lookup {
            name: "CategoryMapper",
            key_type: DatumType::String,
            index: index(str_keys(strings.clone())),
            values: Mapped::Int(ints.clone(), default_int(node)?),
        },
        to_str: Lookup {
            name: "CategoryMapper",
            key_type: DatumType::I64,
            index: index(int_keys(ints)),
            values: Mapped::Str(strings, default_string(node)?),
        },
    }))
}

impl Lookup {
    fn keys_of(&self, x: &Tensor) -> TractResult<Vec<Key>> {
        Ok(match self.key_type {
            DatumType::String => str_keys(values::<String>(x)?),
            DatumType::I64 => int_keys(values::<i64>(x)?),
            _ => values::<f32>(x)?.into_iter().map(float_key).collect(),
        })
    }

    fn map(&self, x: &Tensor) -> TractResult<TValue> {
        let keys = self.keys_of(x)?;
        let found = keys.iter().map(|k| self.index.get(k).copied());
        match &self.values {
            Mapped::Str(v, d) => {
                tensor(x.shape(), found.map(|i| i.map_or_else(|| d.clone(), |i| v[i].clone())).collect())
            }
            Mapped::Int(v, d) => tensor(x.shape(), found.map(|i| i.map_or(*d, |i| v[i])).collect()),
            Mapped::Float(v, d) => tensor(x.shape(), found.map(|i| i.map_or(*d, |i| v[i])).collect()),
        }
    }
}

impl Kernel for Lookup {
    fn name(&self) -> &'static str {
        self.name
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        s.equals(&outputs[0].datum_type, self.values.datum_type())?;
        s.equals(&outputs[0].shape, &inputs[0].shape)
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(self.values.datum_type().fact(inputs[0].shape.iter())))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        Ok(tvec!(self.map(&inputs[0])?))
    }
}

#[derive(Debug)]
struct CategoryMapper {
    to_int: Lookup,
    to_str: Lookup,
}

impl Kernel for CategoryMapper {
    fn name(&self) -> &'static str {
        "CategoryMapper"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        s.equals(&outputs[0].shape, &inputs[0].shape)?;
        s.given(&inputs[0].datum_type, move |s, dt| {
            let out = if dt == DatumType::String { DatumType::I64 } else { DatumType::String };
            s.equals(&outputs[0].datum_type, out)
        })
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let out = if inputs[0].datum_type == DatumType::String { DatumType::I64 } else { DatumType::String };
        Ok(tvec!(out.fact(inputs[0].shape.iter())))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let lookup = if x.datum_type() == DatumType::String { &self.to_int } else { &self.to_str };
        Ok(tvec!(lookup.map(x)?))
    }
}

#[derive(Debug)]
struct OneHotEncoder {
    index: HashMap<Key, usize>,
    strings: bool,
    n: usize,
    zeros: bool,
}

pub fn one_hot_encoder(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let zeros = node.get_attr_opt::<i64>("zeros")?.unwrap_or(1) != 0;
    let (strings, keys) = if let Some(s) = node.get_attr_opt_vec::<String>("cats_strings")? {
        (true, str_keys(s))
    } else {
        (false, int_keys(node.get_attr_vec::<i64>("cats_int64s")?))
    };
    Ok(MlOp::boxed(OneHotEncoder { n: keys.len(), index: index(keys), strings, zeros }))
}

impl Kernel for OneHotEncoder {
    fn name(&self) -> &'static str {
        "OneHotEncoder"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        s.equals(&outputs[0].datum_type, DatumType::F32)?;
        s.given(&inputs[0].shape, move |s, shape| {
            s.equals(&outputs[0].rank, shape.len() as i64 + 1)?;
            for (i, d) in shape.iter().enumerate() {
                s.equals(&outputs[0].shape[i], d.clone())?;
            }
            s.equals(&outputs[0].shape[shape.len()], self.n.to_dim())
        })
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let shape: TVec<TDim> = inputs[0].shape.iter().cloned().chain([self.n.to_dim()]).collect();
        Ok(tvec!(f32::fact(shape)))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let x = &inputs[0];
        let keys = if self.strings {
            str_keys(values::<String>(x)?)
        } else if x.datum_type().is_float() {
            values::<f64>(x)?.into_iter().map(|v| Key::Int(v as i64)).collect()
        } else {
            int_keys(values::<i64>(x)?)
        };
        let mut out = vec![0f32; keys.len() * self.n];
        for (r, k) in keys.iter().enumerate() {
            match self.index.get(k) {
                Some(&j) => out[r * self.n + j] = 1.0,
                None if self.zeros => {}
                None => bail!("Unknown Category and zeros = 0."),
            }
        }
        let shape: Vec<usize> = x.shape().iter().copied().chain([self.n]).collect();
        Ok(tvec!(tensor(&shape, out)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> TValue {
        tensor(&[v.len()], v.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn label_encoder_and_category_mapper_map_strings_and_integers_with_defaults() {
        let to_int = Lookup {
            name: "LabelEncoder",
            key_type: DatumType::String,
            index: index(str_keys(vec!["a".into(), "b".into()])),
            values: Mapped::Int(vec![10, 20], -1),
        };
        let out = to_int.eval(tvec!(strings(&["b", "z", "a"]))).unwrap();
        assert_eq!(values::<i64>(&out[0]).unwrap(), [20, -1, 10]);
        let mapper = CategoryMapper {
            to_int,
            to_str: Lookup {
                name: "CategoryMapper",
                key_type: DatumType::I64,
                index: index(int_keys(vec![10, 20])),
                values: Mapped::Str(vec!["a".into(), "b".into()], "_Unused".into()),
            },
        };
        let back = mapper.eval(tvec!(tensor(&[3], vec![20i64, 10, 7]).unwrap())).unwrap();
        assert_eq!(values::<String>(&back[0]).unwrap(), ["b", "a", "_Unused"]);
    }

    #[test]
    fn one_hot_encoder_adds_an_axis_and_refuses_unknowns_when_zeros_is_off() {
        let mut op =
            OneHotEncoder { index: index(str_keys(vec!["x".into(), "y".into()])), strings: true, n: 2, zeros: true };
        let out = op.eval(tvec!(strings(&["y", "q"]))).unwrap();
        assert_eq!(out[0].shape(), [2, 2]);
        assert_eq!(values::<f32>(&out[0]).unwrap(), [0.0, 1.0, 0.0, 0.0]);
        op.zeros = false;
        assert!(op.eval(tvec!(strings(&["q"]))).is_err());
    }
}
