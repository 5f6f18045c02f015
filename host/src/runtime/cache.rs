//! The on-disk cache of compiled flavor components.
//!
//! Compiling a component that holds tract takes about 10 s with Cranelift;
//! loading the precompiled artifact takes about half a millisecond (it is
//! mmapped). Artifacts are keyed by the component's SHA-256 and the engine's
//! compatibility hash, written atomically, and rebuilt if unreadable.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled components live: `$WASMFLOW_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/wasmflow`, else `~/.cache/wasmflow`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WASMFLOW_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("wasmflow"))
}

/// The compiled `bytes` of flavor `name`, from the cache when it holds them,
/// else compiled now (and stored when `cache_dir` is writable).
pub fn load_component(
    engine: &Engine,
    name: &str,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> anyhow::Result<Component> {
    let Some(dir) = cache_dir else { return compile(engine, name, bytes) };
    let path = dir.join(format!("{name}-{}.cwasm", cache_key(engine, bytes)));
    if path.is_file() {
        // SAFETY: the file was written by `precompile_component` of an engine
        // with the same compatibility hash (it is in the name), into the
        // user's own cache directory; wasmtime validates its header.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => tracing::warn!("ignoring unreadable cached component {}: {e}", path.display()),
        }
    }
    let started = Instant::now();
    announce_compile(name);
    let artifact = engine
        .precompile_component(bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling the {name} flavor"))?;
    tracing::info!("compiled the {name} flavor in {:.1} s", started.elapsed().as_secs_f64());
    if let Err(e) = store(&path, &artifact) {
        tracing::warn!("cannot cache the compiled {name} flavor in {}: {e:#}", dir.display());
    }
    // SAFETY: `artifact` was produced just now by this engine.
    Ok(unsafe { Component::deserialize(engine, &artifact) }?)
}

fn compile(engine: &Engine, name: &str, bytes: &[u8]) -> anyhow::Result<Component> {
    announce_compile(name);
    Component::new(engine, bytes).map_err(anyhow::Error::from).with_context(|| format!("compiling the {name} flavor"))
}

fn announce_compile(name: &str) {
    eprintln!("wasmflow: compiling the {name} flavor component for this machine (first run only, ~10 s)...");
}

/// Hex SHA-256 prefix of the component plus the engine's compatibility hash.
fn cache_key(engine: &Engine, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    format!("{}-{:016x}", hex::encode(&digest[..12]), hasher.finish())
}

/// Writes `artifact` to `path` atomically (temporary file, then rename).
fn store(path: &Path, artifact: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("cache path has no directory")?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{}.{}.tmp", path.file_name().unwrap().to_string_lossy(), std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(artifact)?;
    file.sync_all()?;
    fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_changes_with_the_component() {
        let engine = Engine::default();
        assert_eq!(cache_key(&engine, b"a"), cache_key(&engine, b"a"));
        assert_ne!(cache_key(&engine, b"a"), cache_key(&engine, b"b"));
    }

    #[test]
    fn store_is_atomic_and_creates_the_directory() {
        let dir = std::env::temp_dir().join(format!("wasmflow-cache-test-{}", std::process::id()));
        let path = dir.join("nested").join("x.cwasm");
        store(&path, b"artifact").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"artifact");
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary file left");
        fs::remove_dir_all(dir).unwrap();
    }
}
