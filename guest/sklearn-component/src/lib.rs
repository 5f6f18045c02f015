//! The scikit-learn flavor component: wasmflow-flavor-sklearn exported through
//! the guest SDK's [`Model`] trait (MLflow's sklearn pyfunc: a DataFrame or an
//! ndarray in, one unnamed ndarray out).

use std::path::Path;

use wasmflow_guest::{Batch, Error, LoadRequest, Metadata, Model, Param};

use wasmflow_flavor_sklearn::estimators;
use wasmflow_flavor_sklearn::wit::{input_of, tensor_of, wit_error};

/// A loaded sklearn model.
struct Sklearn(estimators::Model);

impl Model for Sklearn {
    /// Reads the model's pickle or skops file into an estimator.
    fn load(request: &LoadRequest) -> Result<Self, Error> {
        wasmflow_flavor_sklearn::load_model(
            Path::new(&request.model_dir),
            &request.flavor_config,
            &request.pyfunc_config,
        )
        .map(Sklearn)
        .map_err(wit_error)
    }

    fn metadata(&self) -> Metadata {
        Metadata { flavor: "sklearn".into(), inputs: Vec::new(), outputs: Vec::new() }
    }

    fn predict(&self, input: Batch, _params: &[Param]) -> Result<Batch, Error> {
        let output = self.0.predict(input_of(input).map_err(wit_error)?).map_err(wit_error)?;
        Ok(Batch::Tensors(vec![tensor_of(output)]))
    }
}

// The export only links as a wasm component (its names are not native symbols).
#[cfg(target_arch = "wasm32")]
wasmflow_guest::export_model!(Sklearn);
