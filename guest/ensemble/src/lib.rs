//! `ensemble`: MLflow's documented `EnsembleModel` custom pyfunc
//! (models/make_ensemble_model.py holds the Python class), written with the guest
//! SDK on the sklearn flavor's loaders and evaluators:
//!
//! - `load_context`: `joblib.load` of the `model_a`, `model_b` and `preprocessor`
//!   artifacts (joblib files are pickles with the arrays stored after the stream;
//!   the flavor's restricted reader reads them, nothing is executed), and
//!   `weights = context.model_config.get("weights", [0.5, 0.5])`;
//! - `predict`: `processed = preprocessor.transform(model_input)`, then
//!   `weights[0] * model_a.predict(processed) + weights[1] * model_b.predict(processed)`.

use wasmflow_flavor_sklearn::data::Input;
use wasmflow_flavor_sklearn::error::Error as SklearnError;
use wasmflow_flavor_sklearn::estimators::{Method, Model as Estimator, Transform};
use wasmflow_flavor_sklearn::npy::{Data, NdArray};
use wasmflow_flavor_sklearn::read_pickle;
use wasmflow_flavor_sklearn::wit::{input_of, tensor_of, wit_error};
use wasmflow_guest::{Batch, Error, LoadRequest, Model, Param, pyfunc};

/// The loaded ensemble.
pub struct Ensemble {
    preprocessor: Transform,
    model_a: Estimator,
    model_b: Estimator,
    weights: [f64; 2],
}

impl Model for Ensemble {
    fn load(request: &LoadRequest) -> Result<Self, Error> {
        let artifact = |name: &str| read_pickle(&pyfunc::artifact(request, name)?).map_err(wit_error);
        let estimator = |name: &str| Estimator::build(&artifact(name)?, Method::Predict).map_err(wit_error);
        // In `load_context`'s order, so the first missing artifact is the one Python names.
        let (model_a, model_b) = (estimator("model_a")?, estimator("model_b")?);
        let preprocessor = Transform::build(&artifact("preprocessor")?).map_err(wit_error)?;
        let weights = weights(pyfunc::model_config(request)?.get("weights"))?;
        Ok(Ensemble { preprocessor, model_a, model_b, weights })
    }

    fn predict(&self, input: Batch, _params: &[Param]) -> Result<Batch, Error> {
        let output = self.run(input_of(input).map_err(wit_error)?).map_err(wit_error)?;
        Ok(Batch::Tensors(vec![tensor_of(output)]))
    }
}

impl Ensemble {
    /// The weighted average of the two models on the preprocessed input.
    fn run(&self, input: Input) -> Result<NdArray, SklearnError> {
        let processed = self.preprocessor.apply(input)?;
        let a = self.model_a.predict(processed.clone())?;
        let b = self.model_b.predict(processed)?;
        if a.shape != b.shape {
            return Err(SklearnError::Evaluation(format!(
                "operands could not be broadcast together with shapes {:?} {:?}",
                a.shape, b.shape
            )));
        }
        let [wa, wb] = self.weights;
        // numpy's `w0 * a + w1 * b`, element by element in float64.
        let data = floats(&a.data)?.iter().zip(floats(&b.data)?).map(|(x, y)| wa * x + wb * y).collect();
        Ok(NdArray { shape: a.shape, data: Data::F64(data) })
    }
}

/// A prediction as float64 (integer or boolean labels widen as numpy's `float * int` does).
fn floats(data: &Data) -> Result<Vec<f64>, SklearnError> {
    match data {
        Data::F64(v) => Ok(v.clone()),
        Data::I64(v) => Ok(v.iter().map(|&x| x as f64).collect()),
        Data::Bool(v) => Ok(v.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect()),
        _ => Err(SklearnError::Evaluation("the ensemble averages numbers; a model predicted text labels".into())),
    }
}

/// `model_config.get("weights", [0.5, 0.5])`: the first two numbers of a list.
fn weights(config: Option<&serde_json::Value>) -> Result<[f64; 2], Error> {
    let Some(config) = config else { return Ok([0.5, 0.5]) };
    match config.as_array().map(|w| w.iter().map(serde_json::Value::as_f64).collect::<Vec<_>>()).as_deref() {
        Some([Some(a), Some(b), ..]) => Ok([*a, *b]),
        _ => Err(Error::Load(format!("model_config weights must be a list of two numbers, not {config}"))),
    }
}

// The export only links as a wasm component (its names are not native symbols).
#[cfg(target_arch = "wasm32")]
wasmflow_guest::export_model!(Ensemble);

#[cfg(test)]
mod tests {
    use super::*;

    /// A load request for models/ensemble with `pyfunc` as its python_function section.
    fn request(pyfunc: serde_json::Value) -> LoadRequest {
        LoadRequest {
            model_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/ensemble").into(),
            flavor_config: "{}".into(),
            pyfunc_config: pyfunc.to_string(),
            model_config: "{}".into(),
        }
    }

    fn artifacts() -> serde_json::Value {
        let path = |name: &str| serde_json::json!({"path": format!("artifacts/{name}.pkl")});
        serde_json::json!({"model_a": path("model_a"), "model_b": path("model_b"), "preprocessor": path("preprocessor")})
    }

    #[test]
    fn missing_artifacts_and_bad_weights_fail_the_load_with_one_line() {
        assert!(Ensemble::load(&request(serde_json::json!({"artifacts": artifacts()}))).is_ok());
        let Err(Error::Load(m)) = Ensemble::load(&request(serde_json::json!({}))) else { panic!("loaded") };
        assert!(m.contains("no artifact named \"model_a\""), "{m}");
        let mut swapped = artifacts();
        swapped["preprocessor"] = serde_json::json!({"path": "artifacts/model_a.pkl"});
        let Err(Error::Load(m)) = Ensemble::load(&request(serde_json::json!({"artifacts": swapped}))) else {
            panic!("a Ridge loaded as a preprocessor")
        };
        assert!(m.contains("Ridge"), "{m}");
        let bad = serde_json::json!({"artifacts": artifacts(), "config": {"weights": "heavy"}});
        let Err(Error::Load(m)) = Ensemble::load(&request(bad)) else { panic!("loaded") };
        assert!(m.contains("weights"), "{m}");
    }

    #[test]
    fn weights_come_from_model_config_with_mlflow_default() {
        assert_eq!(weights(None).unwrap(), [0.5, 0.5]);
        assert_eq!(weights(Some(&serde_json::json!([0.6, 0.4, 9]))).unwrap(), [0.6, 0.4]);
        assert!(matches!(weights(Some(&serde_json::json!([1]))), Err(Error::Load(m)) if m.contains("two numbers")));
    }
}
