//! Builds every flavor component for `wasm32-wasip2` with a nested cargo, in the
//! style of wasmtime's test-programs artifacts crate, and writes `gen.rs` with
//! their paths and bytes.
//!
//! - The nested build uses its own target dir (`<target>/guests`): sharing the
//!   outer one deadlocks on cargo's lock (rust-lang/cargo#8938). It is shared by
//!   every outer profile, so `cargo test` and `cargo build --release` build the
//!   guests once.
//! - `WASMFLOW_GUESTS_DIR=<dir>` skips the build and embeds prebuilt `.wasm` files.
//! - A missing `wasm32-wasip2` target is added through rustup, or the build stops
//!   with the exact command to run.
//! - The `python_function` flavor is not Rust: `build_python.rs` builds it with
//!   componentize-py into `<target>/guests/python`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

#[path = "build_python.rs"]
mod python;
#[path = "build_wasm_opt.rs"]
mod wasm_opt;

/// Flavor name → guest package. The artifact is `<package with _>.wasm`.
/// Several flavors may share one package (one component serves `xgboost` and `lightgbm`).
const FLAVORS: &[(&str, &str)] = &[
    ("onnx", "wasmflow-flavor-onnx"),
    ("sklearn", "wasmflow-flavor-sklearn-component"),
    ("xgboost", "wasmflow-flavor-trees"),
    ("lightgbm", "wasmflow-flavor-trees"),
];

/// The wasi:http front end (`wasmflow build` composes it with a flavor): its
/// bytes are embedded too.
const FRONT: (&str, &str) = ("http_front", "wasmflow-http");

/// The front end `wasmflow build` embeds a model in: the same crate without its
/// `mounted` feature (no YAML parser; the MLmodel comes through `front.preload`
/// as JSON). Artifact name, package.
const FRONT_EMBEDDED: (&str, &str) = ("wasmflow_http_embedded", "wasmflow-http");

/// The ONNX flavor with the `host-kernels` feature (`serve --kernels host`):
/// guest/onnx's sources as a package of its own (guest/onnx-hostk), so the
/// feature never reaches the plain ONNX component, which imports WASI only.
const HOST_KERNELS: (&str, &str) = ("onnx_host_kernels", "wasmflow-flavor-onnx-hostk");

/// Guests built for tests only: their paths are exported, their bytes are not
/// embedded in the host. `echo` and `ensemble` are the custom-model examples.
const TEST_GUESTS: &[(&str, &str)] =
    &[("fault", "wasmflow-flavor-fault"), ("echo", "wasmflow-model-echo"), ("ensemble", "wasmflow-model-ensemble")];

/// The flavor of MLflow's Python models (models from code), served by the
/// componentize-py component of guest/python.
const PYTHON_FLAVOR: &str = "python_function";

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";

/// Guests built for size (`guest-small`: opt-level "s", LTO, one codegen unit,
/// then `wasm-opt -Oz` where binaryen is installed: build_wasm_opt.rs),
/// because their size is what `wasmflow build` ships and their speed is not
/// compute-bound. The others keep `guest` (opt-level 3): tract and the tree
/// engine are, and LTO over tract would add minutes to every clean build.
/// Their artifacts are copied next to the others, into `<target>/guests/wasm32-wasip2/guest/`.
const SMALL: &[&str] = &["wasmflow-http", "wasmflow-flavor-sklearn-component"];
const SMALL_PROFILE: &str = "guest-small";

fn main() {
    println!("cargo:rerun-if-env-changed=WASMFLOW_GUESTS_DIR");
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().and_then(Path::parent).expect("guest/components sits two levels down");

    let (artifact_dir, python_path) = match env::var_os("WASMFLOW_GUESTS_DIR") {
        Some(dir) => (PathBuf::from(&dir), PathBuf::from(dir).join(python::FILE)),
        None => (build_guests(workspace), python::build(workspace, &guests_target_dir(workspace))),
    };

    let mut generated = Generated::default();
    let mut cases = String::new();
    for (flavor, package) in FLAVORS {
        let konst = flavor.to_uppercase();
        let first = FLAVORS.iter().find(|(_, p)| p == package).map_or(*flavor, |(f, _)| *f);
        if first != *flavor {
            // The same component as an earlier flavor: embedded once.
            let shared = first.to_uppercase();
            generated.text.push_str(&format!(
                "/// Path of the `{flavor}` flavor component (the `{first}` one).\npub const {konst}_PATH: &str = {shared}_PATH;\n\
                 /// Bytes of the `{flavor}` flavor component (shared with `{first}`).\npub static {konst}: &[u8] = {shared};\n\n"
            ));
            cases.push_str(&format!("        {flavor:?} => Some({konst}),\n"));
            continue;
        }
        generated.embed(
            &konst,
            &artifact_dir.join(format!("{}.wasm", package.replace('-', "_"))),
            &format!("the `{flavor}` flavor component"),
        );
        cases.push_str(&format!("        {flavor:?} => Some({konst}),\n"));
    }
    generated.embed(
        "PYTHON_FUNCTION",
        &python_path,
        &format!("the `{PYTHON_FLAVOR}` flavor component (guest/python: CPython and the model runtime)"),
    );
    cases.push_str(&format!("        {PYTHON_FLAVOR:?} => Some(PYTHON_FUNCTION),\n"));
    let (front, package) = FRONT;
    generated.embed(
        &front.to_uppercase(),
        &artifact_dir.join(format!("{}.wasm", package.replace('-', "_"))),
        "the wasi:http front end (`wasmflow build --mount`)",
    );
    let (file, _) = FRONT_EMBEDDED;
    generated.embed(
        "HTTP_FRONT_EMBEDDED",
        &artifact_dir.join(format!("{file}.wasm")),
        "the wasi:http front end without a YAML parser (`wasmflow build` without `--mount`)",
    );
    let (name, package) = HOST_KERNELS;
    generated.embed(
        &name.to_uppercase(),
        &artifact_dir.join(format!("{}.wasm", package.replace('-', "_"))),
        "the ONNX flavor that imports the host's kernels (`serve --kernels host`)",
    );
    for (name, package) in TEST_GUESTS {
        let path = artifact_dir.join(format!("{}.wasm", package.replace('-', "_")));
        assert!(path.is_file(), "test component {} is missing", path.display());
        generated.text.push_str(&format!(
            "/// Path of the `{name}` test component (not embedded).\npub const {}_PATH: &str = {path:?};\n\n",
            name.to_uppercase()
        ));
    }
    let names: Vec<String> = FLAVORS.iter().map(|(f, _)| *f).chain([PYTHON_FLAVOR]).map(|f| format!("{f:?}")).collect();
    let Generated { text: mut generated, digests } = generated;
    generated.push_str(&format!(
        "/// Every flavor with a built-in component.\npub const FLAVORS: &[&str] = &[{}];\n\n\
         /// The component that serves MLflow flavor `name`, if wasmflow has one.\n\
         pub fn by_flavor(name: &str) -> Option<&'static [u8]> {{\n    match name {{\n{cases}        _ => None,\n    }}\n}}\n",
        names.join(", ")
    ));
    generated.push_str(&known_digest_fn(&digests));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("gen.rs");
    fs::write(out, generated).unwrap();
}

/// The text of `gen.rs`, and the SHA-256 of each component embedded in it.
#[derive(Default)]
struct Generated {
    text: String,
    /// Constant name → digest.
    digests: Vec<(String, [u8; 32])>,
}

impl Generated {
    /// Embeds the component at `path` (`what` it is, for the docs and the
    /// panic when it is missing) as `{konst}_PATH` and `{konst}` (its bytes).
    fn embed(&mut self, konst: &str, path: &Path, what: &str) {
        assert!(path.is_file(), "{what} ({}) is missing", path.display());
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.digests.push((konst.to_string(), Sha256::digest(&bytes).into()));
        self.text.push_str(&format!(
            "/// Path of {what} at build time.\npub const {konst}_PATH: &str = {path:?};\n\
             /// Bytes of {what}.\npub static {konst}: &[u8] = include_bytes!({path:?});\n\n"
        ));
    }
}

/// `known_digest`: the build-time SHA-256 of an embedded component, found by
/// the address of its bytes, so the host keys its compile cache without
/// hashing ~17 MB at every start.
fn known_digest_fn(digests: &[(String, [u8; 32])]) -> String {
    let mut body = String::new();
    for (konst, digest) in digests {
        body.push_str(&format!("    if std::ptr::eq(bytes, {konst}) {{\n        return Some({digest:?});\n    }}\n"));
    }
    format!(
        "\n/// The SHA-256 of `bytes` if they are one of the embedded components\n\
         /// (computed when this crate was built), else `None`.\n\
         pub fn known_digest(bytes: &[u8]) -> Option<[u8; 32]> {{\n{body}    None\n}}\n"
    )
}

/// One nested `cargo build`.
struct GuestBuild<'a> {
    profile: &'a str,
    packages: &'a [&'a str],
    /// Extra cargo arguments.
    args: &'a [&'a str],
    /// The artifact's name, for a package built twice.
    renamed: Option<&'a str>,
}

/// Runs the nested `cargo build` and returns the directory holding the `.wasm` files.
fn build_guests(workspace: &Path) -> PathBuf {
    ensure_wasm_target();
    let target_dir = guests_target_dir(workspace);
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let mut packages: Vec<&str> = Vec::new();
    for (_, package) in FLAVORS.iter().chain(TEST_GUESTS).chain([&FRONT, &HOST_KERNELS]) {
        if !packages.contains(package) {
            packages.push(package);
        }
    }
    let artifact_dir = target_dir.join(TARGET).join(PROFILE);
    let (small, fast): (Vec<&str>, Vec<&str>) = packages.iter().partition(|package| SMALL.contains(package));
    let (front_embedded, front) = FRONT_EMBEDDED;
    let embedded = [front];
    let builds = [
        GuestBuild { profile: PROFILE, packages: &fast, args: &[], renamed: None },
        GuestBuild { profile: SMALL_PROFILE, packages: &small, args: &[], renamed: None },
        // Built alone: in one cargo run with the other, features would be unified.
        GuestBuild {
            profile: SMALL_PROFILE,
            packages: &embedded,
            args: &["--no-default-features"],
            renamed: Some(front_embedded),
        },
    ];
    for GuestBuild { profile, packages, args, renamed } in builds {
        run_cargo(workspace, &target_dir, &cargo, profile, packages, args);
        let built = target_dir.join(TARGET).join(profile);
        for package in packages {
            let file = package.replace('-', "_");
            if profile != PROFILE || renamed.is_some() {
                // Replaced, not written through: cargo may have hard-linked the old file.
                let name = renamed.unwrap_or(&file);
                let from = built.join(format!("{file}.wasm"));
                let into = artifact_dir.join(format!("{name}.wasm"));
                // Copied (and shrunk) by an earlier run from the same bytes: writing
                // it again would make cargo rerun this script at every build. (The
                // front end's two builds take turns at cargo's file, so its time
                // says nothing: the bytes are compared.)
                let source = fs::read(&from).expect("cannot read a guest component");
                let copied_from = artifact_dir.join(format!(".{name}.unshrunk"));
                if !into.is_file() || fs::read(&copied_from).ok().as_ref() != Some(&source) {
                    let _ = fs::remove_file(&into);
                    fs::create_dir_all(&artifact_dir).unwrap();
                    fs::write(&into, &source).expect("cannot copy a guest component");
                    if !wasm_opt::shrink(&into) {
                        println!(
                            "cargo:warning={name}.wasm is not shrunk: binaryen's wasm-opt is not installed \
                             (`apt-get install binaryen`); it works the same, only larger"
                        );
                    }
                    fs::write(&copied_from, &source).expect("cannot write beside a guest component");
                }
            }
            for source in read_dep_info(&built.join(format!("{file}.d"))) {
                println!("cargo:rerun-if-changed={}", source.display());
            }
        }
    }
    println!("cargo:rerun-if-changed={}", workspace.join("wit").display());
    println!("cargo:rerun-if-changed={}", workspace.join("Cargo.lock").display());
    println!("cargo:rerun-if-changed={}", workspace.join("Cargo.toml").display());
    artifact_dir
}

/// `cargo build` of `packages` for the guest target with `profile`.
fn run_cargo(
    workspace: &Path,
    target_dir: &Path,
    cargo: &std::ffi::OsStr,
    profile: &str,
    packages: &[&str],
    extra_args: &[&str],
) {
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args(["build", "--locked", "--target", TARGET, "--profile", profile])
        .args(packages.iter().flat_map(|package| ["-p", package]))
        .args(extra_args)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_BUILD_BUILD_DIR", target_dir)
        .env("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS", "-C target-feature=+simd128")
        // The outer build's flags and wrappers (clippy-driver under `cargo clippy`)
        // are not meant for the guests, and would make every outer command rebuild them.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER");
    eprintln!("running: {cmd:?}");
    let status = cmd.status().expect("cannot run cargo for the guest components");
    assert!(status.success(), "building the flavor components for {TARGET} ({profile}) failed (see the output above)");
}

/// The nested builds' target dir: `<target>/guests`.
fn guests_target_dir(workspace: &Path) -> PathBuf {
    let target_root = env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace.join("target"));
    target_root.join("guests")
}

/// The source files cargo's dep-info file lists for an artifact.
fn read_dep_info(path: &Path) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string(path) else { return Vec::new() };
    let Some((_, deps)) = text.lines().next().and_then(|line| line.split_once(": ")) else { return Vec::new() };
    // Paths are space-separated; a space inside a path is escaped as `\ `.
    deps.replace("\\ ", "\u{0}").split_whitespace().map(|p| PathBuf::from(p.replace('\u{0}', " "))).collect()
}

/// Makes sure the standard library for `wasm32-wasip2` is installed.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = |root: &Option<PathBuf>| root.as_ref().is_some_and(|r| r.join("lib/rustlib").join(TARGET).is_dir());
    if installed(&sysroot) {
        return;
    }
    eprintln!("the {TARGET} target is missing: running `rustup target add {TARGET}`");
    let added = Command::new("rustup").args(["target", "add", TARGET]).status().is_ok_and(|s| s.success());
    assert!(
        added && installed(&sysroot),
        "the Rust target {TARGET} is not installed and rustup could not add it; run:\n    rustup target add {TARGET}"
    );
}
