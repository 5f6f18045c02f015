//! Builds the `python_function` flavor (guest/python: CPython with the model
//! runtime) into a component with componentize-py, for `build.rs`.
//!
//! - componentize-py (pinned, [`VERSION`]) is pip-installed once into
//!   `<target>/guests/componentize-py-<version>` if it is not there yet; the
//!   build needs `python3` with pip for that, nothing else.
//! - The component is rebuilt only when its inputs change: a digest of the
//!   componentize-py version, `guest/python/src` and `wit/` is kept beside it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The componentize-py release the component is built with.
pub const VERSION: &str = "0.25.1";

/// File name of the component (as the Rust guests: `<package with _>.wasm`).
pub const FILE: &str = "wasmflow_flavor_python.wasm";

/// Builds (or reuses) the component under `guests_dir/python`; returns its path.
pub fn build(workspace: &Path, guests_dir: &Path) -> PathBuf {
    let src = workspace.join("guest/python/src");
    let wit = workspace.join("wit");
    let out_dir = guests_dir.join("python");
    let out = out_dir.join(FILE);
    let stamp_file = out_dir.join("inputs.digest");
    let mut inputs = Vec::new();
    collect(&src, &mut inputs);
    collect(&wit, &mut inputs);
    inputs.sort();
    // File by file: a directory would be rescanned, and a `__pycache__` in it
    // would rerun this script for nothing.
    for input in &inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let stamp = digest(workspace, &inputs);
    if out.is_file() && fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp) {
        return out;
    }

    let (python, package_dir) = componentize_py(guests_dir);
    fs::create_dir_all(&out_dir).unwrap();
    let partial = out_dir.join(format!("{FILE}.partial"));
    let mut cmd = Command::new(&python);
    cmd.env("PYTHONPATH", &package_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args([
            "-c",
            "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())",
        ])
        .arg("-d")
        .arg(&wit)
        .args(["-w", "snapshot-flavor", "componentize", "-p"])
        .arg(&src)
        .args(["app", "-o"])
        .arg(&partial);
    eprintln!("running: {cmd:?}");
    let status = cmd.status().expect("cannot run componentize-py");
    assert!(status.success(), "componentize-py failed to build the python_function flavor (see the output above)");
    fs::rename(&partial, &out).unwrap();
    fs::write(&stamp_file, stamp).unwrap();
    out
}

/// The Python interpreter and the directory holding componentize-py, installed
/// with pip on first use.
fn componentize_py(guests_dir: &Path) -> (PathBuf, PathBuf) {
    println!("cargo:rerun-if-env-changed=WASMFLOW_PYTHON");
    let python = std::env::var_os("WASMFLOW_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let package_dir = guests_dir.join(format!("componentize-py-{VERSION}"));
    if package_dir.join("componentize_py").is_dir() {
        return (python, package_dir);
    }
    let partial = guests_dir.join(format!("componentize-py-{VERSION}.partial"));
    let _ = fs::remove_dir_all(&partial);
    let mut cmd = Command::new(pip_python(&python, guests_dir));
    cmd.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--target"])
        .arg(&partial)
        .arg(format!("componentize-py=={VERSION}"));
    eprintln!("componentize-py {VERSION} is missing: running {cmd:?}");
    let ok = cmd.status().is_ok_and(|s| s.success());
    assert!(
        ok,
        "cannot install componentize-py {VERSION} with `{} -m pip` (needed once to build the python_function \
         flavor); install Python 3 with pip, or set WASMFLOW_PYTHON to an interpreter that has pip",
        python.display()
    );
    fs::rename(&partial, &package_dir).unwrap();
    (python, package_dir)
}

/// An interpreter with pip: `python` itself, or a venv made from it (a system
/// Python such as Debian's often has `venv` but no `pip` module).
fn pip_python(python: &Path, guests_dir: &Path) -> PathBuf {
    let has_pip =
        |p: &Path| Command::new(p).args(["-m", "pip", "--version"]).output().is_ok_and(|o| o.status.success());
    if has_pip(python) {
        return python.to_path_buf();
    }
    let venv = guests_dir.join("pip-venv");
    let venv_python = venv.join("bin/python3");
    if !has_pip(&venv_python) {
        eprintln!("{} has no pip: making a venv in {}", python.display(), venv.display());
        let _ = Command::new(python).arg("-m").arg("venv").arg(&venv).status();
    }
    venv_python
}

/// Every file under `dir` (no `__pycache__`).
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "__pycache__") {
                collect(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a (64 bits) over the componentize-py version and each input's path and bytes.
fn digest(workspace: &Path, inputs: &[PathBuf]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(VERSION.as_bytes());
    for input in inputs {
        feed(input.strip_prefix(workspace).unwrap_or(input).to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&fs::read(input).unwrap_or_default());
        feed(&[0]);
    }
    format!("{hash:016x}")
}
