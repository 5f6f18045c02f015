//! The on-disk cache of compiled components: the flavors, and the
//! pre-initialised snapshots of per-request isolation.
//!
//! Compiling a component that holds tract takes about 10 s with Cranelift;
//! loading the precompiled artifact is a file mapping (wasmtime's
//! `deserialize_file`: pages are read as the code runs, nothing is copied).
//! Artifacts are keyed by the component's SHA-256 (computed at build time for
//! the embedded ones: `wasmflow_components::known_digest`) and the engine's
//! compatibility hash, written atomically with a CRC-32 trailer, and rebuilt
//! if unreadable, truncated or corrupt: wasmtime checks an artifact's header,
//! not its machine code, so a flipped byte in a cached file would otherwise
//! run as code. (A CRC is for damage, not for an attacker: whoever can write
//! the user's cache directory can run code as the user anyway.) The trailer
//! sits after the ELF object's last byte, where an ELF reader never looks
//! (sections are found from the header), so the sealed file is mapped as is.

use std::borrow::Cow;
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

/// Where the cache in `dir` keeps component `name` compiled from the source
/// `source_digest` identifies (for `wasmflow inspect`, and the loader itself).
pub fn artifact_path(engine: &Engine, name: &str, source_digest: &[u8], dir: &Path) -> PathBuf {
    dir.join(format!("{name}-{}.cwasm", cache_key(engine, source_digest)))
}

/// Where the cache in `dir` keeps the compiled `bytes` of flavor `name`.
pub fn component_path(engine: &Engine, name: &str, bytes: &[u8], dir: &Path) -> PathBuf {
    artifact_path(engine, name, &component_digest(bytes), dir)
}

/// The SHA-256 of a component's bytes: known from the build for the
/// embedded components (hashing the ONNX flavor took ~15 ms of each start).
pub fn component_digest(bytes: &[u8]) -> [u8; 32] {
    wasmflow_components::known_digest(bytes).unwrap_or_else(|| Sha256::digest(bytes).into())
}

/// The compiled `bytes` of flavor `name`, from the cache when it holds them,
/// else compiled now (and stored when `cache_dir` is writable).
pub fn load_component(
    engine: &Engine,
    name: &str,
    bytes: &[u8],
    cache_dir: Option<&Path>,
) -> anyhow::Result<Component> {
    load_or_compile(engine, name, &component_digest(bytes), cache_dir, || Ok(Cow::Borrowed(bytes)))
}

/// The compiled component `name` whose source is identified by `source_digest`
/// (a SHA-256 of whatever determines its bytes), from the cache when it holds
/// it, else `make()`'s bytes compiled now (and stored when `cache_dir` is
/// writable). `make` runs only on a miss: it may be slow (a snapshot).
pub fn load_or_compile<'a>(
    engine: &Engine,
    name: &str,
    source_digest: &[u8],
    cache_dir: Option<&Path>,
    make: impl FnOnce() -> anyhow::Result<Cow<'a, [u8]>>,
) -> anyhow::Result<Component> {
    let Some(dir) = cache_dir else { return compile(engine, name, &make()?) };
    let path = artifact_path(engine, name, source_digest, dir);
    if path.is_file() {
        match load_cached(engine, &path) {
            Ok(Some(component)) => return Ok(component),
            Ok(None) => tracing::warn!("ignoring corrupt cached component {} (checksum)", path.display()),
            Err(e) => tracing::warn!("ignoring unreadable cached component {}: {e:#}", path.display()),
        }
    }
    let bytes = make()?;
    let started = Instant::now();
    announce_compile(name);
    let artifact = engine
        .precompile_component(&bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling the {name} component"))?;
    tracing::info!("compiled the {name} component in {:.1} s", started.elapsed().as_secs_f64());
    if let Err(e) = store(&path, &seal(&artifact)) {
        tracing::warn!("cannot cache the compiled {name} component in {}: {e:#}", dir.display());
    }
    // SAFETY: `artifact` was produced just now by this engine.
    Ok(unsafe { Component::deserialize(engine, &artifact) }?)
}

/// The component cached at `path`, or `None` if its CRC does not match.
fn load_cached(engine: &Engine, path: &Path) -> anyhow::Result<Option<Component>> {
    {
        let file = fs::File::open(path)?;
        // SAFETY: the mapping is read-only and dropped before this returns; a
        // file truncated meanwhile by someone else would fault (SIGBUS), as
        // wasmtime's own mapping of it would. The cache is the user's own.
        let mapped = unsafe { memmap2::Mmap::map(&file) }?;
        if unseal(&mapped).is_none() {
            return Ok(None);
        }
    }
    // SAFETY: the artifact was written by `precompile_component` of an engine
    // with the same compatibility hash (it is in the name), into the user's
    // own cache directory, and its CRC matches what was written; wasmtime
    // validates its header and ignores the trailer after the ELF object.
    Ok(Some(unsafe { Component::deserialize_file(engine, path) }?))
}

fn compile(engine: &Engine, name: &str, bytes: &[u8]) -> anyhow::Result<Component> {
    announce_compile(name);
    Component::new(engine, bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling the {name} component"))
}

fn announce_compile(name: &str) {
    eprintln!("wasmflow: compiling the {name} component for this machine (first run only, ~10 s)...");
}

/// Hex prefix of the source's digest plus the engine's compatibility hash.
fn cache_key(engine: &Engine, source_digest: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    format!("{}-{:016x}", hex::encode(&source_digest[..12]), hasher.finish())
}

/// What follows each cached artifact: its CRC-32 (little-endian), then this tag.
const TRAILER_TAG: &[u8; 8] = b"wfcrc32\0";

/// `artifact` followed by its trailer.
fn seal(artifact: &[u8]) -> Vec<u8> {
    let mut sealed = Vec::with_capacity(artifact.len() + 4 + TRAILER_TAG.len());
    sealed.extend_from_slice(artifact);
    sealed.extend_from_slice(&crc32fast::hash(artifact).to_le_bytes());
    sealed.extend_from_slice(TRAILER_TAG);
    sealed
}

/// The artifact of a cached file, if its trailer is there and its CRC matches.
fn unseal(file: &[u8]) -> Option<&[u8]> {
    let body = file.strip_suffix(TRAILER_TAG)?;
    let (artifact, crc) = body.split_at_checked(body.len().checked_sub(4)?)?;
    (crc32fast::hash(artifact).to_le_bytes() == crc).then_some(artifact)
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
        let key = |bytes: &[u8]| cache_key(&engine, &Sha256::digest(bytes));
        assert_eq!(key(b"a"), key(b"a"));
        assert_ne!(key(b"a"), key(b"b"));
    }

    #[test]
    fn sealed_artifacts_round_trip_and_damage_is_caught() {
        let sealed = seal(b"machine code");
        assert_eq!(unseal(&sealed), Some(&b"machine code"[..]));
        let mut flipped = sealed.clone();
        flipped[3] ^= 1;
        assert_eq!(unseal(&flipped), None, "a flipped bit");
        assert_eq!(unseal(&sealed[..sealed.len() - 1]), None, "truncated");
        assert_eq!(unseal(b"machine code"), None, "no trailer (an older cache)");
        assert_eq!(unseal(TRAILER_TAG), None, "a trailer alone");
    }

    #[test]
    fn store_is_atomic_and_creates_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("x.cwasm");
        store(&path, b"artifact").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"artifact");
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary file left");
    }
}
