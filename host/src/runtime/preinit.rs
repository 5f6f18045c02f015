//! The component of per-request isolation: the flavor pre-initialised with
//! the model loaded (a wizer snapshot, see `crate::snapshot`), compiled and
//! cached. A snapshot's bytes differ from run to run, so the cache is keyed
//! on what determines them: the flavor component, the load request and every
//! file of the model directory (`model_digest`).

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};
use wasmflow_protocol::LoadSections;
use wasmtime::Engine;
use wasmtime::component::Component;

use super::compile_cache;
use super::limits::LoadLimits;
use super::model_digest;

/// The compiled snapshot of `flavor_bytes` with the model in `model_dir`
/// loaded by `sections`: from the cache, else made and compiled now.
pub fn snapshot_component(
    engine: &Engine,
    flavor: &str,
    flavor_bytes: &[u8],
    model_dir: &Path,
    sections: &LoadSections,
    limits: &LoadLimits,
    cache_dir: Option<&Path>,
) -> anyhow::Result<Component> {
    let digest = snapshot_digest(flavor_bytes, sections, model_dir, cache_dir)?;
    compile_cache::load_or_compile(engine, &format!("{flavor}-snapshot"), &digest, cache_dir, || {
        eprintln!("wasmflow: pre-initialising the {flavor} flavor with the model loaded (first run only)...");
        let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let bytes = tokio
            .block_on(super::snapshot::flavor(flavor_bytes, model_dir, sections, limits))
            .with_context(|| format!("cannot snapshot the {flavor} flavor with the model loaded"))?;
        Ok(Cow::Owned(bytes))
    })
}

/// SHA-256 of everything a snapshot is made of. Each part is length-prefixed,
/// so no two different inputs hash the same byte stream; the model files enter
/// through their own digest (`model_digest`, remembered in `cache_dir`).
fn snapshot_digest(
    flavor_bytes: &[u8],
    sections: &LoadSections,
    model_dir: &Path,
    cache_dir: Option<&Path>,
) -> anyhow::Result<Vec<u8>> {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(&compile_cache::component_digest(flavor_bytes));
    part(sections.flavor_config.as_bytes());
    part(sections.pyfunc_config.as_bytes());
    part(sections.model_config.as_bytes());
    part(&model_digest::files_digest(model_dir, cache_dir)?);
    Ok(hasher.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sections(model_config: &str) -> LoadSections {
        LoadSections {
            flavor_config: "{\"onnx_model\":\"model.onnx\"}".into(),
            pyfunc_config: "{}".into(),
            model_config: model_config.into(),
        }
    }

    #[test]
    fn digest_follows_the_component_the_request_and_every_model_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("data")).unwrap();
        fs::write(dir.path().join("MLmodel"), "flavors: {}").unwrap();
        fs::write(dir.path().join("data").join("weights.bin"), [1, 2, 3]).unwrap();
        let digest = |bytes: &[u8], config: &str| snapshot_digest(bytes, &sections(config), dir.path(), None).unwrap();

        let first = digest(b"flavor", "{}");
        assert_eq!(first, digest(b"flavor", "{}"));
        assert_ne!(first, digest(b"other flavor", "{}"));
        assert_ne!(first, digest(b"flavor", "{\"threads\":1}"));
        fs::write(dir.path().join("data").join("weights.bin"), [1, 2, 4]).unwrap();
        assert_ne!(first, digest(b"flavor", "{}"), "a changed nested file changes the digest");
    }
}
