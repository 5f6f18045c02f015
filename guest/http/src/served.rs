//! The model this component serves: the MLmodel's signature and load request,
//! kept by `front.preload` in a snapshot or (with the `mounted` feature) read
//! from the mounted model directory on first use, and the flavor's loaded
//! `model`, kept for the instance's life.

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use wasmflow_protocol::{MlModel, ScoringError, Signature};

use crate::bindings::{LoadRequest, Model};
use crate::convert::error_from_wit;

/// Where the model is mounted unless `WASMFLOW_MODEL_DIR` says otherwise (the
/// `destination` of spin.toml's `files`).
pub const DEFAULT_MODEL_DIR: &str = "/model";

/// The flavor sections that are not a flavor a component serves.
const NOT_SERVING: &[&str] = &["python_function"];

/// What the MLmodel says: enough to parse requests and load the model.
struct Config {
    signature: Option<Signature>,
    load: LoadRequest,
}

/// A loaded model ready for requests.
pub struct Served {
    /// The model signature, enforced before the model is called.
    pub signature: Option<Signature>,
    /// The flavor's model.
    pub model: Model,
}

thread_local! {
    /// Set by `front.preload` (so kept in a snapshot); otherwise read on first use.
    static CONFIG: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
    /// Never in a snapshot: resource handles do not survive one.
    static SERVED: RefCell<Option<Rc<Served>>> = const { RefCell::new(None) };
}

/// `front.preload`: keeps the MLmodel of `model_dir`, given as JSON.
pub fn preload(model_dir: &str, flavor: &str, mlmodel_json: &str) -> Result<(), String> {
    let request = Preload { model_dir, flavor, mlmodel_json };
    let mut out: Option<Result<Config, String>> = None;
    let filled = read_config(ptr::from_ref(&request).cast(), ptr::from_mut(&mut out).cast());
    let config = match out {
        Some(config) if filled == 1 => config?,
        _ => return Err("this component was built with its model embedded and reads no other".into()),
    };
    CONFIG.with(|slot| *slot.borrow_mut() = Some(Rc::new(config)));
    Ok(())
}

/// The arguments of `front.preload`.
struct Preload<'a> {
    model_dir: &'a str,
    flavor: &'a str,
    mlmodel_json: &'a str,
}

/// The MLmodel of `front.preload` read into a [`Config`] (1 = `out` filled), as a
/// core export named as the guest SDK's loader (`wasmflow_guest::snapshot::LOAD_FROM_FILES`):
/// `wasmflow build` seals it in the front end it snapshots, which drops the
/// MLmodel and signature readers (host/src/edge/seal.rs). Never inlined, or
/// they would stay reachable from `preload`.
#[unsafe(export_name = "wasmflow-load-from-files")]
#[inline(never)]
extern "C" fn read_config(request: *const c_void, out: *mut c_void) -> u32 {
    // SAFETY: `preload` passes a `Preload` and an `Option<Result<Config, String>>`.
    let (request, out) = unsafe { (&*request.cast::<Preload>(), &mut *out.cast::<Option<Result<Config, String>>>()) };
    let Preload { model_dir, flavor, mlmodel_json } = *request;
    *out = Some(
        MlModel::from_json(mlmodel_json)
            .map_err(|e| format!("cannot read the model in {model_dir}: {e}"))
            .and_then(|mlmodel| Config::new(mlmodel, model_dir, Some(flavor), None)),
    );
    1
}

/// The served model, loading it on first use: the preloaded MLmodel or the one
/// under `WASMFLOW_MODEL_DIR`, the flavor `WASMFLOW_FLAVOR` (or the MLmodel's
/// first flavor other than `python_function`), `SERVING_MODEL_CONFIG` as
/// `mlflow models serve` reads it.
pub fn served() -> Result<Rc<Served>, ScoringError> {
    if let Some(served) = SERVED.with(|slot| slot.borrow().clone()) {
        return Ok(served);
    }
    let config = match CONFIG.with(|slot| slot.borrow().clone()) {
        Some(config) => config,
        None => Rc::new(Config::from_mounted_dir().map_err(ScoringError::Internal)?),
    };
    let model = Model::load(&config.load).map_err(error_from_wit)?;
    let served = Rc::new(Served { signature: config.signature.clone(), model });
    SERVED.with(|slot| *slot.borrow_mut() = Some(served.clone()));
    Ok(served)
}

impl Config {
    /// The MLmodel under `WASMFLOW_MODEL_DIR` (default `/model`), the flavor
    /// `WASMFLOW_FLAVOR` (or the MLmodel's first flavor other than `python_function`),
    /// `SERVING_MODEL_CONFIG` as `mlflow models serve` reads it.
    #[cfg(feature = "mounted")]
    fn from_mounted_dir() -> Result<Config, String> {
        let dir = std::env::var("WASMFLOW_MODEL_DIR").unwrap_or_else(|_| DEFAULT_MODEL_DIR.into());
        let flavor = std::env::var("WASMFLOW_FLAVOR").ok().filter(|f| !f.is_empty());
        let model_config = std::env::var("SERVING_MODEL_CONFIG").ok().filter(|c| !c.trim().is_empty());
        let mlmodel = MlModel::from_dir(std::path::Path::new(&dir))
            .map_err(|e| format!("cannot read the model in {dir}: {e}"))?;
        Config::new(mlmodel, &dir, flavor.as_deref(), model_config.as_deref())
    }

    /// Built for embedded models only (no `mounted` feature): `front.preload` was
    /// never called, so there is no model to serve.
    #[cfg(not(feature = "mounted"))]
    fn from_mounted_dir() -> Result<Config, String> {
        Err(format!(
            "this component was built to serve an embedded model and has none \
             (it cannot read a mounted {DEFAULT_MODEL_DIR}: build it with `wasmflow build --mount`)"
        ))
    }

    fn new(mlmodel: MlModel, dir: &str, flavor: Option<&str>, model_config: Option<&str>) -> Result<Config, String> {
        let flavor = match flavor {
            Some(flavor) => flavor.to_string(),
            None => mlmodel
                .flavors
                .keys()
                .find(|f| !NOT_SERVING.contains(&f.as_str()))
                .or_else(|| mlmodel.flavors.keys().next())
                .cloned()
                .ok_or_else(|| format!("the MLmodel in {dir} has no flavor"))?,
        };
        let model_config = model_config
            .map(serde_json::from_str::<serde_json::Value>)
            .transpose()
            .map_err(|e| format!("SERVING_MODEL_CONFIG is not valid JSON: {e}"))?;
        let sections = mlmodel
            .load_sections(&flavor, model_config.as_ref())
            .ok_or_else(|| format!("the MLmodel in {dir} has no {flavor} flavor"))?;
        let load = LoadRequest {
            model_dir: dir.to_string(),
            flavor_config: sections.flavor_config,
            pyfunc_config: sections.pyfunc_config,
            model_config: sections.model_config,
        };
        Ok(Config { signature: mlmodel.signature, load })
    }
}
