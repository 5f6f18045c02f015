//! The globals a pickle may name, and what REDUCE / NEWOBJ / BUILD mean for each.
//!
//! A global is looked up when GLOBAL / STACK_GLOBAL is read; anything not listed
//! here (or, for `sklearn.*`, not on the flavor's class allow-list) fails the load
//! right there, named. The listed ones are never called: their effect is emulated
//! on inert values — numpy array, dtype and scalar reconstruction, empty sklearn
//! objects filled by BUILD, `sklearn.tree._tree.Tree` from its `__reduce__` args,
//! numpy random generators (kept by name) and a few builtins (slice, set,
//! frozenset, complex, bytes).

use std::borrow::Cow;
use std::collections::HashMap;

use super::value::{Arena, Array, ArrayData, Dtype, Id, Layout, NONE, Object, Value};
use crate::error::{Error, load};
use crate::npy::{self, Scalar};
use crate::skops;

/// What calling an allow-listed global does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    /// `_reconstruct(numpy.ndarray, (0,), b'b')`: an empty array that BUILD fills in.
    Reconstruct,
    /// `_frombuffer(buffer, dtype, shape, order)` (numpy's protocol-5 reduction).
    FromBuffer,
    /// `scalar(dtype, bytes)`: a numpy scalar.
    Scalar,
    /// `dtype(typestr, align, copy)`, completed by BUILD.
    Dtype,
    /// `Tree(n_features, n_classes, n_outputs)`, completed by BUILD.
    Tree,
    /// `copyreg._reconstructor(cls, object, None)`: an empty instance.
    Reconstructor,
    /// `copyreg.__newobj__(cls)`: an empty instance.
    NewObj,
    Slice,
    Set,
    Complex,
    Bytes,
    /// `_codecs.encode(text, 'latin1')`: how protocols ≤ 2 write bytes.
    Encode,
    OrderedDict,
    /// `defaultdict(factory)`: an empty dict (the factory, a type, is never called).
    DefaultDict,
    /// numpy's random generators (an estimator's `random_state`), kept by name.
    Random(&'static str),
    /// `functools.partial(check_array)` (HistGradientBoosting's `_preprocessor`),
    /// kept by name; its BUILD state (args, keywords) is read and dropped.
    Partial,
    /// `Cy…Loss()` / `_sgd_fast.Hinge(1.0)`: sklearn's Cython loss objects (`_loss_function_`, `_loss.closs`),
    /// kept by name as the skops reader keeps its `LossNode`s.
    Loss(&'static str),
}

const TREE: &str = "sklearn.tree._tree.Tree";
/// What `joblib.dump` pickles in place of a numpy array; the array's bytes follow
/// its BUILD in the file (see [`joblib_array`]).
pub(super) const JOBLIB_WRAPPER: &str = "joblib.numpy_pickle.NumpyArrayWrapper";
/// sklearn's dict with attribute access, rebuilt as a plain dict.
const BUNCH: &str = "sklearn.utils._bunch.Bunch";

/// Allow-listed callables (numpy writes `numpy.core` before 2.0, `numpy._core` since).
const CALLS: &[(&str, Call)] = &[
    ("numpy.core.multiarray._reconstruct", Call::Reconstruct),
    ("numpy._core.multiarray._reconstruct", Call::Reconstruct),
    ("numpy.core.numeric._frombuffer", Call::FromBuffer),
    ("numpy._core.numeric._frombuffer", Call::FromBuffer),
    ("numpy.core.multiarray.scalar", Call::Scalar),
    ("numpy._core.multiarray.scalar", Call::Scalar),
    ("numpy.dtype", Call::Dtype),
    (TREE, Call::Tree),
    ("copyreg._reconstructor", Call::Reconstructor),
    ("copyreg.__newobj__", Call::NewObj),
    // `newObj(KDTree)` etc.: how the Cython binary trees and distance metrics pickle;
    // BUILD then sets their tuple state.
    ("sklearn.neighbors._kd_tree.newObj", Call::NewObj),
    ("sklearn.neighbors._ball_tree.newObj", Call::NewObj),
    ("sklearn.metrics._dist_metrics.newObj", Call::NewObj),
    ("builtins.slice", Call::Slice),
    ("builtins.set", Call::Set),
    ("builtins.frozenset", Call::Set),
    ("builtins.complex", Call::Complex),
    ("builtins.bytes", Call::Bytes),
    ("builtins.bytearray", Call::Bytes),
    ("_codecs.encode", Call::Encode),
    ("collections.OrderedDict", Call::OrderedDict),
    // LightGBM's Booster keeps `best_score` as `defaultdict(OrderedDict)`.
    ("collections.defaultdict", Call::DefaultDict),
    ("functools.partial", Call::Partial),
    ("numpy.random._pickle.__randomstate_ctor", Call::Random(RANDOM_STATE)),
    ("numpy.random._pickle.__generator_ctor", Call::Random("numpy.random.Generator")),
    ("numpy.random._pickle.__bit_generator_ctor", Call::Random("numpy.random.BitGenerator")),
    // A Generator's seed sequence (`__pyx_unpickle_SeedSequence(SeedSequence, checksum, None)`).
    ("numpy.random.bit_generator.__pyx_unpickle_SeedSequence", Call::Random("numpy.random.SeedSequence")),
    ("sklearn._loss._loss.CyHalfSquaredError", Call::Loss("sklearn._loss._loss.CyHalfSquaredError")),
    ("sklearn._loss._loss.CyAbsoluteError", Call::Loss("sklearn._loss._loss.CyAbsoluteError")),
    ("sklearn._loss._loss.CyPinballLoss", Call::Loss("sklearn._loss._loss.CyPinballLoss")),
    ("sklearn._loss._loss.CyHuberLoss", Call::Loss("sklearn._loss._loss.CyHuberLoss")),
    ("sklearn._loss._loss.CyHalfPoissonLoss", Call::Loss("sklearn._loss._loss.CyHalfPoissonLoss")),
    ("sklearn._loss._loss.CyHalfGammaLoss", Call::Loss("sklearn._loss._loss.CyHalfGammaLoss")),
    ("sklearn._loss._loss.CyHalfTweedieLoss", Call::Loss("sklearn._loss._loss.CyHalfTweedieLoss")),
    ("sklearn._loss._loss.CyHalfTweedieLossIdentity", Call::Loss("sklearn._loss._loss.CyHalfTweedieLossIdentity")),
    (
        "sklearn._loss._loss.__pyx_unpickle_CyHalfTweedieLossIdentity",
        Call::Loss("sklearn._loss._loss.CyHalfTweedieLossIdentity"),
    ),
    ("sklearn._loss._loss.CyHalfBinomialLoss", Call::Loss("sklearn._loss._loss.CyHalfBinomialLoss")),
    ("sklearn._loss._loss.CyExponentialLoss", Call::Loss("sklearn._loss._loss.CyExponentialLoss")),
    ("sklearn._loss._loss.CyHalfMultinomialLoss", Call::Loss("sklearn._loss._loss.CyHalfMultinomialLoss")),
    // Cython's pickling of the ones with state: `__pyx_unpickle_X(X, checksum, state)`.
    ("sklearn._loss._loss.__pyx_unpickle_CyHalfSquaredError", Call::Loss("sklearn._loss._loss.CyHalfSquaredError")),
    ("sklearn._loss._loss.__pyx_unpickle_CyAbsoluteError", Call::Loss("sklearn._loss._loss.CyAbsoluteError")),
    ("sklearn._loss._loss.__pyx_unpickle_CyPinballLoss", Call::Loss("sklearn._loss._loss.CyPinballLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyHuberLoss", Call::Loss("sklearn._loss._loss.CyHuberLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyHalfPoissonLoss", Call::Loss("sklearn._loss._loss.CyHalfPoissonLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyHalfGammaLoss", Call::Loss("sklearn._loss._loss.CyHalfGammaLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyHalfTweedieLoss", Call::Loss("sklearn._loss._loss.CyHalfTweedieLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyHalfBinomialLoss", Call::Loss("sklearn._loss._loss.CyHalfBinomialLoss")),
    ("sklearn._loss._loss.__pyx_unpickle_CyExponentialLoss", Call::Loss("sklearn._loss._loss.CyExponentialLoss")),
    (
        "sklearn._loss._loss.__pyx_unpickle_CyHalfMultinomialLoss",
        Call::Loss("sklearn._loss._loss.CyHalfMultinomialLoss"),
    ),
    // SGD*'s `loss_function_` for the losses sklearn._loss does not have.
    ("sklearn.linear_model._sgd_fast.Hinge", Call::Loss("sklearn.linear_model._sgd_fast.Hinge")),
    ("sklearn.linear_model._sgd_fast.SquaredHinge", Call::Loss("sklearn.linear_model._sgd_fast.SquaredHinge")),
    ("sklearn.linear_model._sgd_fast.ModifiedHuber", Call::Loss("sklearn.linear_model._sgd_fast.ModifiedHuber")),
    ("sklearn.linear_model._sgd_fast.Log", Call::Loss("sklearn.linear_model._sgd_fast.Log")),
    ("sklearn.linear_model._sgd_fast.SquaredLoss", Call::Loss("sklearn.linear_model._sgd_fast.SquaredLoss")),
    ("sklearn.linear_model._sgd_fast.Huber", Call::Loss("sklearn.linear_model._sgd_fast.Huber")),
    (
        "sklearn.linear_model._sgd_fast.EpsilonInsensitive",
        Call::Loss("sklearn.linear_model._sgd_fast.EpsilonInsensitive"),
    ),
    (
        "sklearn.linear_model._sgd_fast.SquaredEpsilonInsensitive",
        Call::Loss("sklearn.linear_model._sgd_fast.SquaredEpsilonInsensitive"),
    ),
];

const RANDOM_STATE: &str = "numpy.random.RandomState";

/// Types that may appear as values (an estimator's `dtype=np.float64`), never called.
const TYPES: &[&str] = &[
    "numpy.ndarray",
    "builtins.object",
    "builtins.float",
    "builtins.int",
    "builtins.str",
    "builtins.bool",
    "numpy.float64",
    "numpy.float32",
    "numpy.float16",
    "numpy.int64",
    "numpy.int32",
    "numpy.int16",
    "numpy.int8",
    "numpy.uint64",
    "numpy.uint32",
    "numpy.uint16",
    "numpy.uint8",
    "numpy.bool_",
    "numpy.object_",
    "numpy.str_",
    // Bit generators, the argument of the random constructors above.
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random.bit_generator.SeedSequence",
    // Only ever the function of a `functools.partial`, never called.
    CHECK_ARRAY,
];

const CHECK_ARRAY: &str = "sklearn.utils.validation.check_array";
/// What the skops reader also calls a `PartialNode` of `check_array`.
const PARTIAL: &str = "functools.partial(sklearn.utils.validation.check_array)";

/// The global `module.name`, or the load error that names it. Python 2 module
/// names (which protocols ≤ 2 write) are read as their Python 3 names.
pub(super) fn lookup(module: &str, name: &str, allowed: &dyn Fn(&str) -> bool) -> Result<Value<'static>, Error> {
    let module = match module {
        "__builtin__" => "builtins",
        "copy_reg" => "copyreg",
        other => other,
    };
    let full = format!("{module}.{name}");
    let listed = CALLS.iter().any(|(n, _)| *n == full)
        || TYPES.contains(&full.as_str())
        || skops::INERT_FUNCTIONS.contains(&full.as_str())
        || full == JOBLIB_WRAPPER;
    if listed || allowed(&full) {
        return Ok(Value::Global(full));
    }
    // The libraries whose estimators the flavor knows: name the class plainly.
    if ["sklearn.", "xgboost.", "lightgbm."].iter().any(|p| module.starts_with(p)) {
        return Err(load(format!("global {full} is not supported by wasmflow's sklearn flavor")));
    }
    Err(load(format!(
        "global {full} is refused: a pickle may only rebuild numpy arrays and allow-listed scikit-learn \
         classes (nothing in it is ever called)"
    )))
}

/// An allow-listed class (not the Tree, which is rebuilt by REDUCE).
fn class(arena: &Arena, id: Id) -> Result<String, Error> {
    match arena.get(id) {
        // Not the Tree, the losses or check_array: those are only ever REDUCEd or named.
        // Globals come only from `lookup`: listed callables and types, or allowed classes.
        Value::Global(name)
            if !CALLS.iter().any(|(n, _)| n == name)
                && !TYPES.contains(&name.as_str())
                && !skops::INERT_FUNCTIONS.contains(&name.as_str()) =>
        {
            Ok(name.clone())
        }
        other => Err(load(format!("cannot create an instance of {}", other.kind()))),
    }
}

/// `REDUCE`: `callable(*args)` for an allow-listed callable.
pub(super) fn reduce<'a>(arena: &mut Arena<'a>, callable: Id, args: Id) -> Result<Id, Error> {
    let name = match arena.get(callable) {
        Value::Global(name) => name.clone(),
        other => return Err(load(format!("REDUCE calls a {}, not an allow-listed global", other.kind()))),
    };
    let Some(&(_, call)) = CALLS.iter().find(|(n, _)| *n == name) else {
        return Err(load(format!("global {name} may not be called")));
    };
    let args = arena.tuple(args).ok_or_else(|| load(format!("{name}: the arguments are not a tuple")))?;
    arena.charge(args.len())?;
    let args = args.to_vec();
    let bad = |what: &str| load(format!("{name}: {what}"));
    let value = match (call, args.as_slice()) {
        (Call::Reconstruct, [cls, ..]) => match arena.get(*cls) {
            Value::Global(c) if c == "numpy.ndarray" => Value::Array(Box::new(Array {
                shape: vec![0],
                fortran: false,
                layout: Layout::Fields(vec![(String::new(), Scalar::I(1))]),
                data: ArrayData::Raw(Cow::Borrowed(&[])),
            })),
            other => return Err(bad(&format!("only numpy.ndarray can be reconstructed, not {}", other.kind()))),
        },
        (Call::FromBuffer, [buffer, dtype, shape, order]) => {
            let fortran = match arena.str(*order) {
                Some("C") => false,
                Some("F") => true,
                _ => return Err(bad("order is neither 'C' nor 'F'")),
            };
            let shape = arena.shape(*shape).ok_or_else(|| bad("the shape is not a tuple of sizes"))?;
            let layout = layout(arena, *dtype)?;
            Value::Array(Box::new(raw_array(arena, shape, fortran, layout, *buffer)?))
        }
        (Call::Scalar, [dtype, data]) => match layout(arena, *dtype)? {
            // An object scalar is the object itself.
            Layout::Object => return Ok(*data),
            layout => Value::Array(Box::new(raw_array(arena, Vec::new(), false, layout, *data)?)),
        },
        (Call::Dtype, [typestr, ..]) => {
            let typestr = arena.str(*typestr).ok_or_else(|| bad("the type is not a string"))?;
            Value::Dtype(Box::new(Dtype { typestr: typestr.to_string(), order: '=', records: None }))
        }
        (Call::Tree, [_, _, _]) => Object::value(name, args),
        (Call::Reconstructor, [cls, base, state]) => {
            if !matches!(arena.get(*base), Value::Global(b) if b == "builtins.object") || *state != NONE {
                return Err(bad("only plain objects (base object, no state) can be reconstructed"));
            }
            Object::value(class(arena, *cls)?, Vec::new())
        }
        (Call::NewObj, [cls]) => Object::value(class(arena, *cls)?, Vec::new()),
        (Call::Slice, [_] | [_, _] | [_, _, _]) => Value::Opaque("builtins.slice"),
        (Call::Complex, [_] | [_, _]) => Value::Opaque("builtins.complex"),
        (Call::Set, []) => Value::Set(Vec::new()),
        (Call::Set, [items]) => match arena.get(*items) {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                arena.charge(items.len())?;
                Value::Set(items.clone())
            }
            other => return Err(bad(&format!("cannot make a set of a {}", other.kind()))),
        },
        (Call::Bytes, []) => Value::Bytes(Cow::Borrowed(&[])),
        (Call::Bytes, [data]) => match arena.get(*data) {
            Value::Bytes(b) => {
                arena.charge(b.len())?;
                Value::Bytes(b.clone())
            }
            other => return Err(bad(&format!("cannot make bytes of a {}", other.kind()))),
        },
        (Call::Encode, [text, encoding]) if matches!(arena.str(*encoding), Some("latin1" | "latin-1")) => {
            let text = arena.str(*text).ok_or_else(|| bad("the text is not a string"))?;
            arena.charge(text.len())?;
            let bytes = text.chars().map(u8::try_from).collect::<Result<Vec<u8>, _>>();
            Value::Bytes(Cow::Owned(bytes.map_err(|_| bad("the text is not latin-1"))?))
        }
        (Call::OrderedDict, []) => Value::Dict(Vec::new()),
        (Call::DefaultDict, [] | [_]) => Value::Dict(Vec::new()),
        (Call::Partial, [func]) => match arena.get(*func) {
            Value::Global(f) if f == CHECK_ARRAY => Value::Opaque(PARTIAL),
            other => return Err(bad(&format!("only partial(check_array) is supported, not of a {}", other.kind()))),
        },
        (Call::Random(name), [] | [_] | [_, _] | [_, _, _]) => Value::Opaque(name),
        // Pinball / Huber / Tweedie losses take their parameter.
        (Call::Loss(name), [] | [_] | [_, _, _]) => Value::Opaque(name),
        _ => return Err(bad(&format!("unsupported arguments ({} given)", args.len()))),
    };
    arena.push(value)
}

/// `NEWOBJ` / `NEWOBJ_EX`: `cls.__new__(cls)` for an allow-listed sklearn class.
pub(super) fn new_object(arena: &mut Arena, cls: Id, args: Id, kwargs: Option<Id>) -> Result<Id, Error> {
    let class = class(arena, cls)?;
    if class == BUNCH {
        // A dict subclass (an ensemble's `named_estimators_`): its items follow.
        return arena.push(Value::Dict(Vec::new()));
    }
    let no_args = arena.tuple(args).is_some_and(<[Id]>::is_empty);
    let no_kwargs = kwargs.is_none_or(|k| matches!(arena.get(k), Value::Dict(d) if d.is_empty()));
    if !no_args || !no_kwargs {
        return Err(load(format!("{class} is created with constructor arguments, which sklearn never pickles")));
    }
    arena.push(Object::value(class, Vec::new()))
}

/// `BUILD`: `target.__setstate__(state)`.
pub(super) fn build(arena: &mut Arena, target: Id, state: Id) -> Result<(), Error> {
    let updated = match arena.get(target) {
        Value::Object(object) => {
            if !matches!(arena.get(state), Value::Dict(_) | Value::Tuple(_) | Value::None) {
                return Err(load(format!("the state of {} is a {}", object.class, arena.get(state).kind())));
            }
            if let Value::Object(object) = arena.get_mut(target) {
                object.states.push(state);
            }
            return Ok(());
        }
        // A generator's state (its seed) is read, to refuse what it names, and dropped.
        Value::Opaque(name) if name.starts_with("numpy.random.") || *name == PARTIAL => return Ok(()),
        // `Bunch.__setstate__` ignores its state.
        Value::Dict(_) => return Ok(()),
        Value::Array(_) => Value::Array(Box::new(array_state(arena, state)?)),
        Value::Dtype(dtype) => Value::Dtype(Box::new(dtype_state(arena, (**dtype).clone(), state)?)),
        other => return Err(load(format!("BUILD on a {} is not supported", other.kind()))),
    };
    *arena.get_mut(target) = updated;
    Ok(())
}

fn layout(arena: &Arena, dtype: Id) -> Result<Layout, Error> {
    match arena.get(dtype) {
        Value::Dtype(d) => {
            arena.charge(d.records.as_ref().map_or(1, Vec::len))?;
            d.layout()
        }
        other => Err(load(format!("expected a numpy.dtype, found a {}", other.kind()))),
    }
}

/// An array over raw bytes, which must be exactly what the shape and dtype need.
fn raw_array<'a>(
    arena: &Arena<'a>,
    shape: Vec<usize>,
    fortran: bool,
    layout: Layout,
    data: Id,
) -> Result<Array<'a>, Error> {
    let Layout::Fields(fields) = &layout else { return Err(load("an object array cannot be read from bytes")) };
    let Value::Bytes(bytes) = arena.get(data) else {
        return Err(load(format!("numpy array data is a {}, not bytes", arena.get(data).kind())));
    };
    let record: usize = fields.iter().map(|(_, s)| s.size()).sum();
    let needed = npy::elements(&shape).and_then(|n| n.checked_mul(record));
    if needed != Some(bytes.len()) {
        return Err(load(format!("numpy array of shape {shape:?} does not match its {} data bytes", bytes.len())));
    }
    if let Cow::Owned(copied) = bytes {
        arena.charge(copied.len())?;
    }
    Ok(Array { shape, fortran, layout, data: ArrayData::Raw(bytes.clone()) })
}

/// `ndarray.__setstate__((version, shape, dtype, is_fortran, data))`.
fn array_state<'a>(arena: &Arena<'a>, state: Id) -> Result<Array<'a>, Error> {
    let bad = || load("malformed numpy array state");
    let (shape, dtype, fortran, data) = match arena.tuple(state).ok_or_else(bad)? {
        [_, shape, dtype, fortran, data] | [shape, dtype, fortran, data] => (*shape, *dtype, *fortran, *data),
        _ => return Err(bad()),
    };
    let shape = arena.shape(shape).ok_or_else(bad)?;
    let fortran = arena.int(fortran).ok_or_else(bad)? != 0;
    match layout(arena, dtype)? {
        Layout::Object => {
            let (Value::List(items) | Value::Tuple(items)) = arena.get(data) else { return Err(bad()) };
            if npy::elements(&shape) != Some(items.len()) {
                return Err(load(format!("numpy object array of shape {shape:?} holds {} items", items.len())));
            }
            arena.charge(items.len())?;
            Ok(Array { shape, fortran, layout: Layout::Object, data: ArrayData::Items(items.clone()) })
        }
        layout => raw_array(arena, shape, fortran, layout, data),
    }
}

/// `dtype.__setstate__((3, order, subarray, names, fields, elsize, alignment, flags[, metadata]))`.
fn dtype_state(arena: &Arena, mut dtype: Dtype, state: Id) -> Result<Dtype, Error> {
    let bad = |what: &str| load(format!("numpy dtype '{}': {what}", dtype.typestr));
    let items = arena.tuple(state).ok_or_else(|| bad("the state is not a tuple"))?;
    let [_, order, subarray, names, fields, elsize, ..] = items else { return Err(bad("unsupported state")) };
    if !(8..=9).contains(&items.len()) {
        return Err(bad("unsupported state version"));
    }
    dtype.order = match arena.str(*order) {
        Some(o @ ("<" | ">" | "|" | "=")) => o.chars().next().expect("one char"),
        _ => return Err(bad("unknown byte order")),
    };
    if *subarray != NONE {
        return Err(bad("sub-array dtypes are not supported"));
    }
    if *names == NONE {
        return Ok(dtype);
    }
    let names = arena.tuple(*names).ok_or_else(|| bad("names are not a tuple"))?;
    let Value::Dict(entries) = arena.get(*fields) else { return Err(bad("fields are not a dict")) };
    arena.charge(names.len() + entries.len())?;
    let by_name: HashMap<&str, Id> = entries.iter().filter_map(|&(k, v)| Some((arena.str(k)?, v))).collect();
    let mut placed = Vec::with_capacity(names.len());
    for &name in names {
        let name = arena.str(name).ok_or_else(|| bad("a field name is not a string"))?;
        let field = by_name.get(name).and_then(|&f| arena.tuple(f)).ok_or_else(|| bad("a field is missing"))?;
        let [field_dtype, offset, ..] = field else { return Err(bad("malformed field")) };
        let offset = arena.int(*offset).and_then(|o| usize::try_from(o).ok()).ok_or_else(|| bad("bad offset"))?;
        let scalar = match layout(arena, *field_dtype)? {
            Layout::Fields(f) if f.len() == 1 && f[0].0.is_empty() => f[0].1,
            _ => return Err(bad(&format!("field '{name}' is not a plain number or text type"))),
        };
        placed.push((offset, name.to_string(), scalar));
    }
    placed.sort_by_key(|(offset, _, _)| *offset);
    let mut records = Vec::with_capacity(placed.len() + 1);
    let mut end = 0;
    for (offset, name, scalar) in placed {
        if offset < end {
            return Err(bad("fields overlap"));
        }
        if offset > end {
            records.push((String::new(), Scalar::Pad(offset - end)));
        }
        end = offset + scalar.size();
        records.push((name, scalar));
    }
    let size = arena.int(*elsize).and_then(|s| usize::try_from(s).ok()).ok_or_else(|| bad("bad item size"))?;
    if size < end {
        return Err(bad("fields do not fit the item size"));
    }
    if size > end {
        records.push((String::new(), Scalar::Pad(size - end)));
    }
    if end == 0 {
        return Err(bad("no fields"));
    }
    dtype.records = Some(records);
    Ok(dtype)
}

/// Where the data of a joblib array wrapper is, after its BUILD: its bytes
/// follow in the file, or (object arrays) a nested pickle does.
pub(super) enum JoblibData {
    /// `count` elements of `layout` in raw bytes, after a padding-length byte and
    /// that much padding when `aligned` (joblib ≥ 1.2).
    Raw { shape: Vec<usize>, fortran: bool, layout: Layout, aligned: bool },
    /// A nested pickle stream of the whole array (`pickle.dump(array, protocol=5)`).
    Nested,
}

/// The layout of the array a `NumpyArrayWrapper` stands for, from its BUILD state
/// (`subclass`, `shape`, `order`, `dtype`, `allow_mmap`, `numpy_array_alignment_bytes`),
/// as joblib's `NumpyArrayWrapper.read_array` reads it; `None` if `target` is
/// not a wrapper.
pub(super) fn joblib_array(arena: &Arena, target: Id) -> Result<Option<JoblibData>, Error> {
    let Value::Object(object) = arena.get(target) else { return Ok(None) };
    if object.class != JOBLIB_WRAPPER {
        return Ok(None);
    }
    let bad = |what: &str| load(format!("{JOBLIB_WRAPPER}: {what}"));
    let [state] = object.states.as_slice() else { return Err(bad("expected one state")) };
    let Value::Dict(entries) = arena.get(*state) else { return Err(bad("the state is not a dict")) };
    let field = |name: &str| entries.iter().find(|(k, _)| arena.str(*k) == Some(name)).map(|(_, v)| *v);
    let required = |name: &str| field(name).ok_or_else(|| bad(&format!("no {name}")));
    if !matches!(arena.get(required("subclass")?), Value::Global(c) if c == "numpy.ndarray") {
        return Err(bad("only plain numpy.ndarray arrays are supported"));
    }
    let layout = layout(arena, required("dtype")?)?;
    if layout == Layout::Object {
        return Ok(Some(JoblibData::Nested));
    }
    let shape = arena.shape(required("shape")?).ok_or_else(|| bad("the shape is not a tuple of sizes"))?;
    let fortran = match arena.str(required("order")?) {
        Some("C") => false,
        Some("F") => true,
        _ => return Err(bad("order is neither 'C' nor 'F'")),
    };
    let aligned = field("numpy_array_alignment_bytes").is_some_and(|a| !matches!(arena.get(a), Value::None));
    Ok(Some(JoblibData::Raw { shape, fortran, layout, aligned }))
}

/// The bytes one element of `layout` takes (`None` for object arrays).
pub(super) fn item_size(layout: &Layout) -> Option<usize> {
    match layout {
        Layout::Object => None,
        Layout::Fields(fields) => Some(fields.iter().map(|(_, s)| s.size()).sum()),
    }
}

/// An array of `shape` over `data` (a `bytes` value) that must be exactly the
/// bytes the shape and layout need.
pub(super) fn array_over<'a>(
    arena: &mut Arena<'a>,
    shape: Vec<usize>,
    fortran: bool,
    layout: Layout,
    data: Id,
) -> Result<Id, Error> {
    let array = raw_array(arena, shape, fortran, layout, data)?;
    arena.push(Value::Array(Box::new(array)))
}
