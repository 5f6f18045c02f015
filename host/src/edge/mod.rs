//! `wasmflow build`: one self-contained wasi:http component per model.
//!
//! The flavor and the wasi:http front end are each pre-initialised with the
//! model (`snapshot`): the flavor reads every artifact and loads the model, the
//! front end reads the MLmodel and signature, and both are snapshotted with
//! wizer, so the model lives in their data segments and no file is read at
//! run time; `seal` then drops the code that only reading those files ran
//! (the flavor's model readers, the front end's MLmodel reader). Then `compose` links the front end's `predictor` import to the
//! flavor's export. The result imports only WASI and exports
//! `wasi:http/incoming-handler`.

mod compose;
mod seal;
mod size_limit;

pub use size_limit::SizeLimit;

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use crate::flavors::FlavorComponents;
use crate::model::ResolvedModel;
use crate::runtime::{LoadLimits, snapshot};

/// What `wasmflow build` made.
#[derive(Debug)]
pub struct Built {
    /// Size of the component, in bytes.
    pub size: usize,
    /// Size of the component gzip-compressed (as edge platforms count it).
    pub gzip_size: usize,
    /// Time taken, in seconds.
    pub seconds: f64,
}

/// What goes into the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// The model, snapshotted in: a self-contained component.
    Embedded,
    /// The front end and the flavor only: the model directory is mounted at
    /// run time (`WASMFLOW_MODEL_DIR`, default `/model`), as in spin.toml.
    Mounted,
}

/// Builds the component of `model` into `output`.
pub fn build(
    model: &ResolvedModel,
    components: &FlavorComponents,
    contents: Contents,
    limits: &LoadLimits,
    output: &Path,
) -> anyhow::Result<Built> {
    let started = Instant::now();
    let flavor_bytes = model.component(components)?;
    anyhow::ensure!(
        !crate::runtime::kernels::bytes_import_kernels(&flavor_bytes)?,
        "the flavor component imports the host's kernels ({}), which wasmtime serve, jco and Spin do not offer: \
         build with a component that does not (the built-in onnx flavor does not)",
        crate::runtime::kernels::INTERFACE
    );
    // The front end asks the flavor for exactly this request at run time: the
    // MLmodel's sections, as `front.preload` reads them (no SERVING_MODEL_CONFIG).
    let sections = model
        .mlmodel
        .load_sections(&model.flavor, None)
        .with_context(|| format!("the MLmodel has no {} flavor", model.flavor))?;
    let (flavor, front) = match contents {
        Contents::Embedded => snapshots(model, &flavor_bytes, &sections, limits)?,
        Contents::Mounted => (flavor_bytes.to_vec(), wasmflow_components::HTTP_FRONT.to_vec()),
    };
    let composed = compose::compose(&front, &flavor)?;
    std::fs::write(output, &composed).with_context(|| format!("cannot write {}", output.display()))?;
    Ok(Built { size: composed.len(), gzip_size: gzip_size(&composed)?, seconds: started.elapsed().as_secs_f64() })
}

/// The flavor and the front end, each snapshotted with the model loaded.
fn snapshots(
    model: &ResolvedModel,
    flavor_bytes: &[u8],
    sections: &wasmflow_protocol::LoadSections,
    limits: &LoadLimits,
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    tokio.block_on(async {
        let flavor = snapshot::flavor(flavor_bytes, &model.dir, sections, limits)
            .await
            .with_context(|| format!("cannot snapshot the {} flavor with the model loaded", model.flavor))?;
        let flavor = seal::seal(&flavor).context("cannot seal the snapshotted flavor")?;
        // The front end built without a YAML parser: the MLmodel is handed over as JSON.
        let mlmodel = model.mlmodel.raw.to_string();
        let front =
            snapshot::front(wasmflow_components::HTTP_FRONT_EMBEDDED, &model.dir, &model.flavor, mlmodel, limits)
                .await
                .context("cannot snapshot the wasi:http front end with the MLmodel read")?;
        let front = seal::seal(&front).context("cannot seal the snapshotted front end")?;
        anyhow::Ok((flavor, front))
    })
}

fn gzip_size(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}
