//! Seals a snapshotted component for `wasmflow build`: drops the code that only
//! loading a model from files runs, which a component with its model embedded
//! never runs again.
//!
//! Components built with the guest SDK read model files only through one core
//! export, `wasmflow-load-from-files` (`wasmflow_guest::snapshot::LOAD_FROM_FILES`,
//! type `(i32, i32) -> i32`; 1 = filled); the front end reads the MLmodel
//! through an export of the same name and type (guest/http/src/served.rs). Sealing gives it the body "return 0",
//! which the SDK answers with a load error, then replaces the body of every
//! function no export, start function, table element or global reaches any more
//! with `unreachable`. Function indices, types and every other section stay as
//! they are, so nothing else needs rewriting. The readers of the sklearn flavor
//! (pickle, skops, zip) were about half of its code.
//!
//! A component without that export (the Python flavor, other custom components)
//! is left as it is.

use std::collections::HashSet;

use anyhow::Context;
use wasm_encoder::{CodeSection, Component, Function, Instruction, Module, RawSection};
use wasmparser::{
    BinaryReader, ElementItems, ExternalKind, FuncType, Operator, OperatorsReader, Parser, Payload, ValType, Validator,
    WasmFeatures,
};

/// The SDK's export through which every load from files goes.
const LOAD_FROM_FILES: &str = "wasmflow-load-from-files";

/// Section id of a core module inside a component.
const CORE_MODULE: u8 = 1;
/// Section id of the code section inside a core module.
const CODE: u8 = 10;

/// `component` with its core modules sealed (see the module doc), or as it is
/// when none exports [`LOAD_FROM_FILES`].
pub fn seal(component: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut sealed = Component::new();
    let mut changed = false;
    for (id, payload) in sections(component)? {
        let module = if id == CORE_MODULE { seal_module(payload)? } else { None };
        changed |= module.is_some();
        sealed.section(&RawSection { id, data: module.as_deref().unwrap_or(payload) });
    }
    Ok(if changed { sealed.finish() } else { component.to_vec() })
}

/// The top-level sections of a component or module: (id, payload).
fn sections(bytes: &[u8]) -> anyhow::Result<Vec<(u8, &[u8])>> {
    anyhow::ensure!(bytes.len() >= 8 && bytes.starts_with(b"\0asm"), "not a WebAssembly binary");
    let mut reader = BinaryReader::new(&bytes[8..], 8);
    let mut sections = Vec::new();
    while !reader.eof() {
        let id = reader.read_u8()?;
        let len = reader.read_var_u32()?;
        sections.push((id, reader.read_bytes(len as usize)?));
    }
    Ok(sections)
}

/// The module with its [`LOAD_FROM_FILES`] export sealed and the code only it
/// reached replaced by `unreachable`; `None` when it has no such export.
fn seal_module(module: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
    let types = Validator::new_with_features(WasmFeatures::all())
        .validate_all(module)
        .context("a core module of the component is not valid")?;
    let types = types.as_ref();
    let mut roots = Vec::new();
    let mut sealed = None;
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        match payload? {
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export?;
                    if export.kind != ExternalKind::Func {
                        continue;
                    }
                    if export.name == LOAD_FROM_FILES {
                        sealed = Some(export.index);
                    } else {
                        roots.push(export.index);
                    }
                }
            }
            Payload::StartSection { func, .. } => roots.push(func),
            Payload::ElementSection(elements) => {
                for element in elements {
                    match element?.items {
                        ElementItems::Functions(functions) => {
                            for function in functions {
                                roots.push(function?);
                            }
                        }
                        ElementItems::Expressions(_, expressions) => {
                            for expression in expressions {
                                referenced(expression?.get_operators_reader(), &mut roots)?;
                            }
                        }
                    }
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals {
                    referenced(global?.init_expr.get_operators_reader(), &mut roots)?;
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body),
            _ => {}
        }
    }
    let Some(sealed) = sealed else { return Ok(None) };
    let expected = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
    let sealed_type = types[types.core_function_at(sealed)].unwrap_func();
    anyhow::ensure!(*sealed_type == expected, "`{LOAD_FROM_FILES}` is not of type (i32, i32) -> i32");

    // Functions reached from the roots, the sealed one's old body excluded.
    let imported = types.function_count() - u32::try_from(bodies.len())?;
    let mut live: HashSet<u32> = HashSet::from([sealed]);
    while let Some(function) = roots.pop() {
        if !live.insert(function) || function < imported {
            continue;
        }
        let body = &bodies[(function - imported) as usize];
        referenced(body.get_operators_reader()?, &mut roots)?;
    }

    let mut code = CodeSection::new();
    for (at, body) in bodies.iter().enumerate() {
        let function = imported + u32::try_from(at)?;
        if function == sealed {
            code.function(&body_of(&[Instruction::I32Const(0)]));
        } else if live.contains(&function) {
            code.raw(body.as_bytes());
        } else {
            code.function(&body_of(&[Instruction::Unreachable]));
        }
    }

    let mut out = Module::new();
    for (id, payload) in sections(module)? {
        if id == CODE {
            out.section(&code);
        } else {
            out.section(&RawSection { id, data: payload });
        }
    }
    Ok(Some(out.finish()))
}

/// A function body without locals.
fn body_of(instructions: &[Instruction<'_>]) -> Function {
    let mut function = Function::new(std::iter::empty::<(u32, wasm_encoder::ValType)>());
    for instruction in instructions {
        function.instruction(instruction);
    }
    function.instruction(&Instruction::End);
    function
}

/// Adds the functions that `operators` call or take a reference to.
fn referenced(operators: OperatorsReader<'_>, into: &mut Vec<u32>) -> anyhow::Result<()> {
    for operator in operators {
        match operator? {
            Operator::Call { function_index }
            | Operator::ReturnCall { function_index }
            | Operator::RefFunc { function_index } => into.push(function_index),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        ConstExpr, ElementSection, Elements, ExportKind, ExportSection, FunctionSection, RefType, TableSection,
        TableType, TypeSection, ValType as Val,
    };

    use super::*;

    /// Functions: 0 `run` → 1; 2 = the loader export → 3 → 4; 5 in the table only.
    fn module(loader_name: &str) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], [Val::I32]);
        types.ty().function([Val::I32, Val::I32], [Val::I32]);
        let mut functions = FunctionSection::new();
        for ty in [0, 0, 1, 0, 0, 0] {
            functions.function(ty);
        }
        let mut tables = TableSection::new();
        tables.table(TableType {
            element_type: RefType::FUNCREF,
            minimum: 1,
            maximum: None,
            table64: false,
            shared: false,
        });
        let mut exports = ExportSection::new();
        exports.export("run", ExportKind::Func, 0).export(loader_name, ExportKind::Func, 2);
        let mut elements = ElementSection::new();
        elements.active(Some(0), &ConstExpr::i32_const(0), Elements::Functions([5].as_slice().into()));
        let mut code = CodeSection::new();
        code.function(&body_of(&[Instruction::Call(1)]))
            .function(&body_of(&[Instruction::I32Const(7)]))
            .function(&body_of(&[Instruction::Call(3), Instruction::Drop, Instruction::LocalGet(0)]))
            .function(&body_of(&[Instruction::Call(4)]))
            .function(&body_of(&[Instruction::I32Const(9)]))
            .function(&body_of(&[Instruction::I32Const(5)]));
        let mut module = Module::new();
        module.section(&types).section(&functions).section(&tables).section(&exports).section(&elements).section(&code);
        module.finish()
    }

    fn component(module: &[u8]) -> Vec<u8> {
        let mut component = Component::new();
        component.section(&RawSection { id: CORE_MODULE, data: module });
        component.finish()
    }

    fn bodies(module: &[u8]) -> Vec<Vec<u8>> {
        Parser::new(0)
            .parse_all(module)
            .filter_map(|payload| match payload.unwrap() {
                Payload::CodeSectionEntry(body) => Some(body.as_bytes().to_vec()),
                _ => None,
            })
            .collect()
    }

    fn encoded(instructions: &[Instruction<'_>]) -> Vec<u8> {
        let mut bytes = Vec::new();
        wasm_encoder::Encode::encode(&body_of(instructions), &mut bytes);
        bytes[1..].to_vec()
    }

    #[test]
    fn the_loader_answers_not_filled_and_only_the_code_it_reached_goes() {
        let original = module(LOAD_FROM_FILES);
        let sealed = seal(&component(&original)).unwrap();
        Validator::new_with_features(WasmFeatures::all()).validate_all(&sealed).unwrap();
        let (_, sealed_module) = sections(&sealed).unwrap().into_iter().find(|(id, _)| *id == CORE_MODULE).unwrap();
        let (before, after) = (bodies(&original), bodies(sealed_module));
        // `run` and what it calls, and the table's function, are kept byte for byte.
        for kept in [0, 1, 5] {
            assert_eq!(after[kept], before[kept], "function {kept}");
        }
        assert_eq!(after[2], encoded(&[Instruction::I32Const(0)]));
        for dropped in [3, 4] {
            assert_eq!(after[dropped], encoded(&[Instruction::Unreachable]), "function {dropped}");
        }
    }

    #[test]
    fn a_component_without_the_loader_export_is_left_as_it_is() {
        let component = component(&module("another-export"));
        assert_eq!(seal(&component).unwrap(), component);
    }

    #[test]
    fn a_loader_of_another_type_is_refused() {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut exports = ExportSection::new();
        exports.export(LOAD_FROM_FILES, ExportKind::Func, 0);
        let mut code = CodeSection::new();
        code.function(&body_of(&[]));
        let mut module = Module::new();
        module.section(&types).section(&functions).section(&exports).section(&code);
        let error = seal(&component(&module.finish())).unwrap_err();
        assert!(error.to_string().contains("is not of type"), "{error}");
    }
}
