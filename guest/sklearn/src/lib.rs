//! The scikit-learn flavor component: loads an MLflow `sklearn` model saved in
//! the skops format or as a (cloud)pickle and evaluates it in Rust, with the
//! semantics of MLflow's sklearn pyfunc (`_SklearnModelWrapper`): a DataFrame or
//! an ndarray in, one unnamed ndarray out (class labels typed as `classes_`,
//! probabilities float64). Nothing in the model file is executed: both readers
//! produce the same inert object tree, and only allow-listed classes are rebuilt.

pub mod data;
pub mod error;
pub mod estimators;
pub mod mlmodel;
pub mod npy;
pub mod pickle;
pub mod skops;
pub mod validate;

// The WIT export glue only links as a wasm component (its export names are not
// valid native symbol names); everything else also builds and tests natively.
#[cfg(target_arch = "wasm32")]
mod component;

use std::path::Path;

use error::{Error, load};
use estimators::{ALLOWED, Method, Model};
use mlmodel::Format;

/// Largest model file read.
const MAX_MODEL_BYTES: u64 = 2 << 30;

/// Loads the model in `dir` given the MLmodel's `sklearn` and `python_function`
/// sections (as JSON).
pub fn load_model(dir: &Path, flavor_config: &str, pyfunc_config: &str) -> Result<Model, Error> {
    let artifact = mlmodel::artifact(flavor_config)?;
    let method = Method::parse(&mlmodel::predict_fn(pyfunc_config)?)?;
    let path = dir.join(&artifact.file);
    let size = std::fs::metadata(&path).map_err(|e| load(format!("cannot read {}: {e}", path.display())))?.len();
    if size > MAX_MODEL_BYTES {
        return Err(load(format!("{} is larger than {MAX_MODEL_BYTES} bytes", path.display())));
    }
    let bytes = std::fs::read(&path).map_err(|e| load(format!("cannot read {}: {e}", path.display())))?;
    let allowed = |class: &str| ALLOWED.contains(&class);
    let root = match artifact.format {
        Format::Skops => skops::read(&bytes, &allowed)?,
        Format::Pickle => pickle::read(&bytes, &allowed).map_err(|e| load(format!("{}: {e}", artifact.file)))?,
    };
    Model::build(&root, method)
}
