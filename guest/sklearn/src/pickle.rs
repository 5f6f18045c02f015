//! A restricted unpickler: reads a pickled model (`model.pkl`, MLflow's `pickle`
//! and `cloudpickle` formats, pickle protocols 0–5) into the same inert [`Node`]
//! tree the skops reader produces, so every estimator works unchanged.
//!
//! It is a small stack machine over the opcodes pickle.py's `_Pickler` writes.
//! Nothing is ever called: a global is looked up in an allow-list when its GLOBAL /
//! STACK_GLOBAL opcode is read, and anything else (`os.system`, `builtins.eval`,
//! an unknown class) fails the load there, named; REDUCE, NEWOBJ and BUILD on the
//! allowed ones are emulated on inert values (see `globals`). Out-of-band buffers
//! (NEXT_BUFFER), persistent ids, the extension registry and INST/OBJ are refused.
//!
//! Written here rather than taken from a crate: serde-pickle (and its fork
//! `pickled`) resolve only a fixed handful of builtins and otherwise either fail
//! or replace a global by `None`, so they cannot keep an object's class, rebuild
//! numpy arrays and (structured) dtypes from `_reconstruct` / `_frombuffer` /
//! `__setstate__`, or give `sklearn.tree._tree.Tree` its `__reduce__` args; they
//! also expand memo references into copies (exponential on hostile input).
//!
//! Hostile input is bounded: lengths are checked against the bytes actually
//! present before anything is allocated, the stack, MARK nesting, memo and value
//! count are capped, and the conversion to [`Node`] is bounded in depth and size
//! (`value`). Every failure is a load error, never a panic.

mod globals;
mod literal;
mod value;

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{Error, load};
use crate::npy;
use crate::skops::Node;
use globals::JoblibData;
use literal::{long, python2_string, raw_unicode_escape};
use value::{Arena, FALSE, Id, NONE, TRUE, Value};

/// Most items on the stack at once.
const MAX_STACK: usize = 1 << 20;
/// Deepest MARK nesting.
const MAX_MARKS: usize = value::MAX_DEPTH;
/// Most memo entries.
const MAX_MEMO: usize = 1 << 22;
/// Highest pickle protocol read.
const HIGHEST_PROTOCOL: u8 = 5;

/// Reads a pickle; `allowed` says which `sklearn.*` classes may appear.
pub fn read(bytes: &[u8], allowed: &dyn Fn(&str) -> bool) -> Result<Node, Error> {
    // What copies and the converted tree may cost: far more than any real model needs.
    let budget = bytes.len().saturating_mul(4).saturating_add(1 << 20);
    let mut vm = Vm {
        input: bytes,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        arena: Arena::new(budget),
        allowed,
        joblib: true,
    };
    let result = vm.run().and_then(|root| vm.arena.to_node(root, budget));
    result.map_err(|e| {
        // Protocol 2+ pickles start with PROTO; 0 and 1 with the first value's opcode.
        let first = bytes.first().copied().unwrap_or(0);
        let hint = if first == op::PROTO || b"(cNIFLSVUTX]})GJKMld".contains(&first) {
            ""
        } else {
            " (the file does not start like a pickle)"
        };
        load(format!("{e}{hint}"))
    })
}

/// The opcodes, named as in pickletools.
mod op {
    macro_rules! opcodes {
        ($($name:ident = $byte:expr,)*) => {
            $(pub const $name: u8 = $byte;)*

            /// The name of an opcode, for error messages.
            pub fn name(op: u8) -> String {
                match op {
                    $($name => stringify!($name).to_string(),)*
                    other => format!("0x{other:02x}"),
                }
            }
        };
    }

    opcodes! {
        MARK = b'(',
        STOP = b'.',
        POP = b'0',
        POP_MARK = b'1',
        DUP = b'2',
        FLOAT = b'F',
        INT = b'I',
        BININT = b'J',
        BININT1 = b'K',
        LONG = b'L',
        BININT2 = b'M',
        NONE = b'N',
        PERSID = b'P',
        BINPERSID = b'Q',
        REDUCE = b'R',
        STRING = b'S',
        BINSTRING = b'T',
        SHORT_BINSTRING = b'U',
        UNICODE = b'V',
        BINUNICODE = b'X',
        APPEND = b'a',
        BUILD = b'b',
        GLOBAL = b'c',
        DICT = b'd',
        EMPTY_DICT = b'}',
        APPENDS = b'e',
        GET = b'g',
        BINGET = b'h',
        INST = b'i',
        LONG_BINGET = b'j',
        LIST = b'l',
        EMPTY_LIST = b']',
        OBJ = b'o',
        PUT = b'p',
        BINPUT = b'q',
        LONG_BINPUT = b'r',
        SETITEM = b's',
        TUPLE = b't',
        EMPTY_TUPLE = b')',
        SETITEMS = b'u',
        BINFLOAT = b'G',
        PROTO = 0x80,
        NEWOBJ = 0x81,
        EXT1 = 0x82,
        EXT2 = 0x83,
        EXT4 = 0x84,
        TUPLE1 = 0x85,
        TUPLE2 = 0x86,
        TUPLE3 = 0x87,
        NEWTRUE = 0x88,
        NEWFALSE = 0x89,
        LONG1 = 0x8a,
        LONG4 = 0x8b,
        BINBYTES = b'B',
        SHORT_BINBYTES = b'C',
        SHORT_BINUNICODE = 0x8c,
        BINUNICODE8 = 0x8d,
        BINBYTES8 = 0x8e,
        EMPTY_SET = 0x8f,
        ADDITEMS = 0x90,
        FROZENSET = 0x91,
        NEWOBJ_EX = 0x92,
        STACK_GLOBAL = 0x93,
        MEMOIZE = 0x94,
        FRAME = 0x95,
        BYTEARRAY8 = 0x96,
        NEXT_BUFFER = 0x97,
        READONLY_BUFFER = 0x98,
    }
}

struct Vm<'a, 'f> {
    input: &'a [u8],
    pos: usize,
    stack: Vec<Id>,
    /// Stack lengths at each open MARK.
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
    arena: Arena<'a>,
    allowed: &'f dyn Fn(&str) -> bool,
    /// Whether a joblib `NumpyArrayWrapper` reads its array from the stream (as
    /// joblib's `NumpyUnpickler` does; the nested pickle of an object array is
    /// read by a plain unpickler, so not there).
    joblib: bool,
}

impl<'a> Vm<'a, '_> {
    /// Runs to STOP; the id of the pickled object.
    fn run(&mut self) -> Result<Id, Error> {
        loop {
            let at = self.pos;
            let Some(&op) = self.input.get(at) else {
                return Err(load(format!("truncated pickle: no STOP opcode in {} bytes", self.input.len())));
            };
            self.pos += 1;
            match self.step(op) {
                Ok(Some(root)) => return Ok(root),
                Ok(None) => {}
                Err(Error::Load(m)) => return Err(load(format!("pickle byte {at} (opcode {}): {m}", op::name(op)))),
                Err(other) => return Err(other),
            }
        }
    }

    /// After the BUILD of a joblib `NumpyArrayWrapper` (`joblib.dump` files): reads
    /// the array stored right after it in the stream and puts it on the stack in
    /// the wrapper's place, as joblib's `NumpyUnpickler.load_build` does.
    fn joblib_array(&mut self, target: Id) -> Result<(), Error> {
        let array = match globals::joblib_array(&self.arena, target)? {
            None => return Ok(()),
            Some(JoblibData::Raw { shape, fortran, layout, aligned }) => {
                if aligned {
                    let padding = usize::from(self.take(1)?[0]);
                    self.take(padding)?;
                }
                let item = globals::item_size(&layout).ok_or_else(|| load("an object array has no raw bytes"))?;
                let size = npy::elements(&shape)
                    .and_then(|n| n.checked_mul(item))
                    .ok_or_else(|| load(format!("joblib array of shape {shape:?} is too large")))?;
                let bytes = self.take(size)?;
                let data = self.arena.push(Value::Bytes(Cow::Borrowed(bytes)))?;
                globals::array_over(&mut self.arena, shape, fortran, layout, data)?
            }
            Some(JoblibData::Nested) => {
                // A whole pickle of its own: fresh stack, marks and memo, shared arena.
                let stack = std::mem::take(&mut self.stack);
                let marks = std::mem::take(&mut self.marks);
                let memo = std::mem::take(&mut self.memo);
                self.joblib = false;
                let nested = self.run();
                (self.stack, self.marks, self.memo, self.joblib) = (stack, marks, memo, true);
                let array = nested?;
                if !matches!(self.arena.get(array), Value::Array(_)) {
                    return Err(load("the nested pickle of a joblib object array is not an array"));
                }
                array
            }
        };
        self.stack.pop();
        self.push(array)
    }

    /// One opcode; the result on STOP.
    fn step(&mut self, op: u8) -> Result<Option<Id>, Error> {
        match op {
            op::PROTO => {
                let version = self.take(1)?[0];
                if version > HIGHEST_PROTOCOL {
                    return Err(load(format!("pickle protocol {version} is not supported (0 to 5 are)")));
                }
            }
            op::FRAME => {
                // Frames only group opcodes; their bytes are read as they come.
                self.length(8)?;
            }
            op::STOP => return self.pop().map(Some),
            op::MARK => {
                if self.marks.len() >= MAX_MARKS {
                    return Err(load(format!("more than {MAX_MARKS} nested MARKs")));
                }
                self.marks.push(self.stack.len());
            }
            op::POP => {
                if self.stack.len() > self.floor() {
                    self.stack.pop();
                } else {
                    self.pop_mark()?;
                }
            }
            op::POP_MARK => {
                self.pop_mark()?;
            }
            op::DUP => {
                let top = self.top()?;
                self.push(top)?;
            }
            op::NONE => self.push(NONE)?,
            op::NEWTRUE => self.push(TRUE)?,
            op::NEWFALSE => self.push(FALSE)?,
            op::INT => match self.line()? {
                b"01" => self.push(TRUE)?,
                b"00" => self.push(FALSE)?,
                text => self.push_int_text(text)?,
            },
            op::LONG => {
                let text = self.line()?;
                self.push_int_text(text.strip_suffix(b"L").unwrap_or(text))?;
            }
            op::BININT => {
                let b = self.take(4)?;
                self.new_value(Value::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))))?;
            }
            op::BININT1 => {
                let b = self.take(1)?;
                self.new_value(Value::Int(i64::from(b[0])))?;
            }
            op::BININT2 => {
                let b = self.take(2)?;
                self.new_value(Value::Int(i64::from(u16::from_le_bytes([b[0], b[1]]))))?;
            }
            op::LONG1 | op::LONG4 => {
                let n = if op == op::LONG1 { self.length(1)? } else { self.signed_length()? };
                let bytes = self.take(n)?;
                self.new_value(long(bytes))?;
            }
            op::FLOAT => {
                let text = std::str::from_utf8(self.line()?).map_err(|_| load("FLOAT is not text"))?;
                let f = text.trim().parse::<f64>().map_err(|_| load(format!("bad FLOAT {text:?}")))?;
                self.new_value(Value::Float(f))?;
            }
            op::BINFLOAT => {
                let b = self.take(8)?;
                self.new_value(Value::Float(f64::from_be_bytes(b.try_into().expect("8 bytes"))))?;
            }
            op::STRING => {
                let text = self.line()?;
                let bytes = python2_string(text)?;
                self.push_ascii(bytes)?;
            }
            op::BINSTRING | op::SHORT_BINSTRING => {
                let n = if op == op::SHORT_BINSTRING { self.length(1)? } else { self.signed_length()? };
                let bytes = self.take(n)?.to_vec();
                self.push_ascii(bytes)?;
            }
            op::UNICODE => {
                let text = raw_unicode_escape(self.line()?)?;
                self.new_value(Value::Str(Cow::Owned(text)))?;
            }
            op::BINUNICODE | op::SHORT_BINUNICODE | op::BINUNICODE8 => {
                let n = self.length(match op {
                    op::SHORT_BINUNICODE => 1,
                    op::BINUNICODE => 4,
                    _ => 8,
                })?;
                let bytes = self.take(n)?;
                let text = std::str::from_utf8(bytes).map_err(|_| load("a string is not valid UTF-8"))?;
                self.new_value(Value::Str(Cow::Borrowed(text)))?;
            }
            op::SHORT_BINBYTES | op::BINBYTES | op::BINBYTES8 | op::BYTEARRAY8 => {
                let n = self.length(match op {
                    op::SHORT_BINBYTES => 1,
                    op::BINBYTES => 4,
                    _ => 8,
                })?;
                let bytes = self.take(n)?;
                self.new_value(Value::Bytes(Cow::Borrowed(bytes)))?;
            }
            op::NEXT_BUFFER => {
                return Err(load("out-of-band buffers are not supported: the pickle must hold its own data"));
            }
            op::READONLY_BUFFER => {
                let top = self.top()?;
                if !matches!(self.arena.get(top), Value::Bytes(_)) {
                    return Err(load("READONLY_BUFFER on something that is not a buffer"));
                }
            }
            op::EMPTY_TUPLE => self.new_value(Value::Tuple(Vec::new()))?,
            op::TUPLE => {
                let items = self.pop_mark()?;
                self.new_value(Value::Tuple(items))?;
            }
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let n = usize::from(op - op::TUPLE1 + 1);
                if self.stack.len() < self.floor() + n {
                    return Err(load("stack underflow"));
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.new_value(Value::Tuple(items))?;
            }
            op::EMPTY_LIST => self.new_value(Value::List(Vec::new()))?,
            op::LIST => {
                let items = self.pop_mark()?;
                self.new_value(Value::List(items))?;
            }
            op::APPEND => {
                let item = self.pop()?;
                self.extend(vec![item])?;
            }
            op::APPENDS => {
                let items = self.pop_mark()?;
                self.extend(items)?;
            }
            op::EMPTY_DICT => self.new_value(Value::Dict(Vec::new()))?,
            op::DICT => {
                let items = self.pop_mark()?;
                let pairs = pairs(items)?;
                self.new_value(Value::Dict(pairs))?;
            }
            op::SETITEM => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.set_items(vec![(key, value)])?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                self.set_items(pairs(items)?)?;
            }
            op::EMPTY_SET => self.new_value(Value::Set(Vec::new()))?,
            op::FROZENSET => {
                let items = self.pop_mark()?;
                self.new_value(Value::Set(items))?;
            }
            op::ADDITEMS => {
                let items = self.pop_mark()?;
                let top = self.top()?;
                match self.arena.get_mut(top) {
                    Value::Set(set) => set.extend(items),
                    other => return Err(load(format!("ADDITEMS on a {}", other.kind()))),
                }
            }
            op::GET | op::BINGET | op::LONG_BINGET => {
                let index = self.memo_index(op == op::GET, if op == op::BINGET { 1 } else { 4 })?;
                let id = *self.memo.get(&index).ok_or_else(|| load(format!("memo entry {index} is missing")))?;
                self.push(id)?;
            }
            op::PUT | op::BINPUT | op::LONG_BINPUT => {
                let index = self.memo_index(op == op::PUT, if op == op::BINPUT { 1 } else { 4 })?;
                self.memoize(index)?;
            }
            op::MEMOIZE => {
                let index = u32::try_from(self.memo.len()).map_err(|_| load("memo overflow"))?;
                self.memoize(index)?;
            }
            op::GLOBAL => {
                let module = self.text_line()?;
                let name = self.text_line()?;
                let global = globals::lookup(module, name, self.allowed)?;
                self.new_value(global)?;
            }
            op::STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(module), Some(name)) = (self.arena.str(module), self.arena.str(name)) else {
                    return Err(load("STACK_GLOBAL needs a module and a name that are strings"));
                };
                let global = globals::lookup(module, name, self.allowed)?;
                self.new_value(global)?;
            }
            op::REDUCE => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let id = globals::reduce(&mut self.arena, callable, args)?;
                self.push(id)?;
            }
            op::NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let id = globals::new_object(&mut self.arena, cls, args, None)?;
                self.push(id)?;
            }
            op::NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let id = globals::new_object(&mut self.arena, cls, args, Some(kwargs))?;
                self.push(id)?;
            }
            op::BUILD => {
                let state = self.pop()?;
                let target = self.top()?;
                globals::build(&mut self.arena, target, state)?;
                if self.joblib {
                    self.joblib_array(target)?;
                }
            }
            op::INST | op::OBJ => return Err(load("protocol 0/1 instance creation (INST/OBJ) is not supported")),
            op::PERSID | op::BINPERSID => return Err(load("persistent ids are not supported")),
            op::EXT1 | op::EXT2 | op::EXT4 => return Err(load("extension registry codes are not supported")),
            other => return Err(load(format!("unknown opcode 0x{other:02x}"))),
        }
        Ok(None)
    }

    /// The next `n` bytes, if present.
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let rest = self.input.len() - self.pos;
        if n > rest {
            return Err(load(format!("truncated pickle: {n} bytes needed, {rest} left")));
        }
        let bytes = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    /// A little-endian unsigned length of `width` bytes, no more than the bytes left.
    fn length(&mut self, width: usize) -> Result<usize, Error> {
        let mut raw = [0u8; 8];
        raw[..width].copy_from_slice(self.take(width)?);
        let n = u64::from_le_bytes(raw);
        let rest = (self.input.len() - self.pos) as u64;
        if n > rest {
            return Err(load(format!(
                "a length of {n} bytes is declared but only {rest} are left (truncated or corrupt)"
            )));
        }
        Ok(n as usize)
    }

    /// A 4-byte signed length (BINSTRING, LONG4).
    fn signed_length(&mut self) -> Result<usize, Error> {
        let b = self.take(4)?;
        let n = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let rest = self.input.len() - self.pos;
        usize::try_from(n).ok().filter(|&n| n <= rest).ok_or_else(|| {
            load(format!("a length of {n} bytes is declared but only {rest} are left (truncated or corrupt)"))
        })
    }

    /// A text argument up to the newline.
    fn line(&mut self) -> Result<&'a [u8], Error> {
        let rest = &self.input[self.pos..];
        let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| load("truncated pickle: no end of line"))?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    fn text_line(&mut self) -> Result<&'a str, Error> {
        std::str::from_utf8(self.line()?).map_err(|_| load("a global's name is not UTF-8"))
    }

    fn memo_index(&mut self, text: bool, width: usize) -> Result<u32, Error> {
        if text {
            let line = self.line()?;
            return std::str::from_utf8(line)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .ok_or_else(|| load("bad memo index"));
        }
        let mut raw = [0u8; 4];
        raw[..width].copy_from_slice(self.take(width)?);
        Ok(u32::from_le_bytes(raw))
    }

    fn memoize(&mut self, index: u32) -> Result<(), Error> {
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&index) {
            return Err(load(format!("more than {MAX_MEMO} memo entries")));
        }
        let top = self.top()?;
        self.memo.insert(index, top);
        Ok(())
    }

    /// The stack bottom above the innermost MARK.
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn push(&mut self, id: Id) -> Result<(), Error> {
        if self.stack.len() >= MAX_STACK {
            return Err(load(format!("more than {MAX_STACK} items on the stack")));
        }
        self.stack.push(id);
        Ok(())
    }

    fn new_value(&mut self, value: Value<'a>) -> Result<(), Error> {
        let id = self.arena.push(value)?;
        self.push(id)
    }

    fn pop(&mut self) -> Result<Id, Error> {
        if self.stack.len() <= self.floor() {
            return Err(load("stack underflow"));
        }
        Ok(self.stack.pop().expect("checked"))
    }

    fn top(&self) -> Result<Id, Error> {
        if self.stack.len() <= self.floor() {
            return Err(load("stack underflow"));
        }
        Ok(*self.stack.last().expect("checked"))
    }

    /// The items above the innermost MARK, which is closed.
    fn pop_mark(&mut self) -> Result<Vec<Id>, Error> {
        let mark = self.marks.pop().ok_or_else(|| load("no MARK to close"))?;
        Ok(self.stack.split_off(mark))
    }

    fn push_int_text(&mut self, text: &[u8]) -> Result<(), Error> {
        let text = std::str::from_utf8(text).map_err(|_| load("an INT is not text"))?.trim();
        let value = match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) if !text.is_empty() && text.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit()) => {
                Value::BigInt
            }
            Err(_) => return Err(load(format!("bad INT {text:?}"))),
        };
        self.new_value(value)
    }

    /// A Python 2 8-bit string, read as Python 3 does by default (ASCII).
    fn push_ascii(&mut self, bytes: Vec<u8>) -> Result<(), Error> {
        if !bytes.is_ascii() {
            return Err(load("a Python 2 string is not ASCII (Python 2 pickles are not supported)"));
        }
        let text = String::from_utf8(bytes).expect("ASCII");
        self.new_value(Value::Str(Cow::Owned(text)))
    }

    /// APPEND(S) onto the list under the items.
    fn extend(&mut self, items: Vec<Id>) -> Result<(), Error> {
        let top = self.top()?;
        match self.arena.get_mut(top) {
            Value::List(list) => list.extend(items),
            other => return Err(load(format!("APPEND to a {}", other.kind()))),
        }
        Ok(())
    }

    /// SETITEM(S) into the dict under the items.
    fn set_items(&mut self, pairs: Vec<(Id, Id)>) -> Result<(), Error> {
        let top = self.top()?;
        match self.arena.get_mut(top) {
            Value::Dict(dict) => dict.extend(pairs),
            other => return Err(load(format!("SETITEM on a {}", other.kind()))),
        }
        Ok(())
    }
}

/// Alternating keys and values.
fn pairs(items: Vec<Id>) -> Result<Vec<(Id, Id)>, Error> {
    if !items.len().is_multiple_of(2) {
        return Err(load("a dict has a key without a value"));
    }
    Ok(items.chunks_exact(2).map(|kv| (kv[0], kv[1])).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(bytes: &[u8]) -> Result<Node, Error> {
        super::read(bytes, &|class| class == "sklearn.preprocessing._data.StandardScaler")
    }

    #[test]
    fn reads_plain_values_of_every_protocol() {
        // Protocol 0: text ints, longs, floats, strings, True/False, a dict, a list.
        let p0 = b"(dp0\nVkey\\u00e9\np1\n(lp2\nI7\naL-12345678901234567890L\naF1.5\naS'a\\'b\\x41'\naI01\naI00\nas.";
        let node = read(p0).unwrap();
        let Some([seven, big, float, text, t, f]) = node.get("key\u{e9}").and_then(Node::as_list) else {
            panic!("{node:?}")
        };
        assert_eq!((seven.as_i64(), float.as_f64(), text.as_str()), (Some(7), Some(1.5), Some("a'bA")));
        assert_eq!((t.as_bool(), f.as_bool()), (Some(true), Some(false)));
        assert_eq!(big, &Node::Opaque("builtins.int".into()));
        // Protocol 4: LONG1, BINFLOAT NaN, frozenset, set with ADDITEMS, int dict keys, POP and DUP.
        let p4 =
            b"\x80\x04}(K\x01\x8a\x02\x00\x80K\x02G\x7f\xf8\x00\x00\x00\x00\x00\x00K\x03(K\x04\x91K\x05\x8f(K\x06\x90\
                   K\x06\x86K\x08K\x092\x86K\x070u.";
        let node = read(p4).unwrap();
        assert_eq!(node.get("1").and_then(Node::as_i64), Some(-32768));
        assert!(node.get("2").and_then(Node::as_f64).unwrap().is_nan());
        assert_eq!(node.get("3"), Some(&Node::List(vec![Node::Json(json!(4))])));
        let pair = node.get("5").and_then(Node::as_list).unwrap();
        assert_eq!(pair[0], Node::List(vec![Node::Json(json!(6))]));
        assert_eq!(pair[1], Node::Json(json!(6)));
        assert_eq!(node.get("8"), Some(&Node::List(vec![Node::Json(json!(9)), Node::Json(json!(9))])));
    }

    #[test]
    fn objects_take_their_build_state() {
        // StandardScaler via NEWOBJ, then BUILD twice (the second updates a key).
        let p = b"\x80\x04\x8c\x1bsklearn.preprocessing._data\x8c\x0eStandardScaler\x93)\x81}\x8c\x04copy\x88sb\
                  }(\x8c\x04copy\x89\x8c\x01nK\x03ub.";
        let node = read(p).unwrap();
        assert_eq!(node.class(), Some("sklearn.preprocessing._data.StandardScaler"));
        assert_eq!(node.get("copy").and_then(Node::as_bool), Some(false));
        assert_eq!(node.get("n").and_then(Node::as_i64), Some(3));
        // Another sklearn class is not on this allow-list.
        let other = b"\x80\x04\x8c\x14sklearn.svm._classes\x8c\x03SVC\x93.";
        let Err(Error::Load(m)) = read(other) else { panic!("SVC accepted") };
        assert!(m.contains("sklearn.svm._classes.SVC is not supported"), "{m}");
        // Constructor arguments are refused.
        let args = b"\x80\x04\x8c\x1bsklearn.preprocessing._data\x8c\x0eStandardScaler\x93K\x01\x85\x81.";
        assert!(read(args).is_err());
    }

    #[test]
    fn stack_discipline_follows_pickle_py() {
        // Items below a MARK are out of reach until it is closed.
        assert!(read(b"\x80\x04N(0.").is_ok(), "POP with an empty frame closes the MARK");
        assert!(read(b"\x80\x04N(\x85.").is_err(), "TUPLE1 cannot reach below the MARK");
        assert!(read(b"\x80\x04(N.").is_ok());
        assert!(read(b"\x80\x04N1.").is_err(), "POP_MARK without MARK");
        assert!(read(b"\x80\x04Na.").is_err(), "APPEND to None");
        assert!(read(b"\x80\x04}Ns.").is_err(), "SETITEM without a value");
        assert!(read(b"").is_err());
    }
}
