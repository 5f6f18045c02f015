//! Shrinks the size-built guests (`guest-small`) with binaryen's `wasm-opt -Oz`
//! when it is installed (Debian's `binaryen`; CI installs it), and says so with a
//! cargo warning when it is not: the components then work the same, only larger.
//!
//! `wasm-opt` reads core modules, not components, so each large core module of the
//! component is taken out, optimised and put back in place. A component is a
//! sequence of length-prefixed sections, so this is a byte splice of the module
//! sections; nothing in a component refers to byte offsets. Written by hand because
//! it is twenty lines: wasm-tools' re-encoder would rewrite the whole component.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Core modules smaller than this (the adapter's fix-up shims) are left alone.
const WORTH_OPTIMISING: usize = 64 * 1024;

/// What the guests are built with (`+simd128` and Rust's wasm32 defaults); `wasm-opt`
/// must accept each one and emits nothing beyond them.
const FEATURES: &[&str] = &[
    "--enable-simd",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// Optimises the core modules of the component at `path` in place. Returns false
/// (and leaves the file as it was) when `wasm-opt` is not installed.
pub fn shrink(path: &Path) -> bool {
    if Command::new("wasm-opt").arg("--version").output().is_err() {
        return false;
    }
    let component = fs::read(path).expect("cannot read a guest component");
    let shrunk = rewrite_core_modules(&component, |module| optimise(module, path));
    fs::write(path, shrunk).expect("cannot write a guest component");
    true
}

/// `wasm-opt -Oz` of one core module, through temporary files beside `component`.
fn optimise(module: &[u8], component: &Path) -> Vec<u8> {
    let input = component.with_extension("core.wasm");
    let output = component.with_extension("core.oz.wasm");
    fs::write(&input, module).unwrap();
    let status = Command::new("wasm-opt")
        .arg("-Oz")
        .args(FEATURES)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .status()
        .expect("cannot run wasm-opt");
    assert!(status.success(), "wasm-opt failed on a core module of {}", component.display());
    let optimised = fs::read(&output).unwrap();
    let _ = fs::remove_file(input);
    let _ = fs::remove_file(output);
    optimised
}

/// The component with each large top-level core module (section id 1) replaced by `f(module)`.
fn rewrite_core_modules(component: &[u8], mut f: impl FnMut(&[u8]) -> Vec<u8>) -> Vec<u8> {
    const CORE_MODULE: u8 = 1;
    let mut out = component[..8].to_vec();
    let mut at = 8;
    while at < component.len() {
        let id = component[at];
        let (len, payload_at) = read_leb(component, at + 1);
        let payload = &component[payload_at..payload_at + len];
        if id == CORE_MODULE && len >= WORTH_OPTIMISING {
            let module = f(payload);
            out.push(id);
            write_leb(&mut out, module.len());
            out.extend_from_slice(&module);
        } else {
            out.extend_from_slice(&component[at..payload_at + len]);
        }
        at = payload_at + len;
    }
    out
}

fn read_leb(bytes: &[u8], mut at: usize) -> (usize, usize) {
    let (mut value, mut shift) = (0usize, 0);
    loop {
        let byte = bytes[at];
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 {
            return (value, at);
        }
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
