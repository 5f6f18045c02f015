//! The scikit-learn flavor component: loads an MLflow `sklearn` model saved in
//! the skops format or as a (cloud)pickle and evaluates it in Rust, with the
//! semantics of MLflow's sklearn pyfunc (`_SklearnModelWrapper`): a DataFrame or
//! an ndarray in, one unnamed ndarray out (class labels typed as `classes_`,
//! probabilities float64). Nothing in the model file is executed: both readers
//! produce the same inert object tree, and only allow-listed classes are rebuilt.
//!
//! A plain library: the component that exports it is guest/sklearn-component, so
//! that custom models (guest/ensemble) can build on the loaders and evaluators
//! without a second copy of the WIT exports.

pub mod data;
pub mod error;
pub mod estimators;
pub mod mlmodel;
pub mod npy;
pub mod pickle;
pub mod skops;
pub mod validate;
pub mod wit;

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
    let root = match artifact.format {
        Format::Skops => skops::read(&read_file(&path)?, &allowed)?,
        Format::Pickle => read_pickle(&path)?,
    };
    Model::build(&root, method)
}

/// Reads a pickle file (`pickle.dump`, `cloudpickle`, or `joblib.dump` without
/// compression) into the inert object tree, allowing the classes the flavor knows.
pub fn read_pickle(path: &Path) -> Result<skops::Node, Error> {
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    pickle::read(&read_file(path)?, &allowed).map_err(|e| load(format!("{name}: {e}")))
}

/// Whether a class may be rebuilt.
fn allowed(class: &str) -> bool {
    ALLOWED.contains(&class)
}

/// A model file's bytes, no more than [`MAX_MODEL_BYTES`].
fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let size = std::fs::metadata(path).map_err(|e| load(format!("cannot read {}: {e}", path.display())))?.len();
    if size > MAX_MODEL_BYTES {
        return Err(load(format!("{} is larger than {MAX_MODEL_BYTES} bytes", path.display())));
    }
    std::fs::read(path).map_err(|e| load(format!("cannot read {}: {e}", path.display())))
}
