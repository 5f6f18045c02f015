//! The `xgboost` and `lightgbm` flavors: MLflow XGBoost models (`model.ubj`,
//! `model.json`, `model.xgb`) and LightGBM models (`model.lgb`) read into
//! [`wasmflow_tree_engine::Forest`]s and predicted with the semantics of MLflow's
//! pyfunc wrappers (`_XGBModelWrapper`, `_LGBModelWrapper`): a DataFrame or an
//! ndarray in, one ndarray out, typed as the library types it. The loaders
//! compile natively too, so their parity tests run with `cargo test`.

// The readers live in wasmflow-tree-formats (the sklearn flavor links them too).
pub use wasmflow_tree_formats::{error, json, lightgbm, output, ubjson, xgboost};

// The WIT export glue only links as a wasm component; everything else also
// builds and tests natively.
#[cfg(target_arch = "wasm32")]
mod component;

use std::path::Path;

use error::{Error, load};
use output::Output;

/// Largest model file read.
const MAX_MODEL_BYTES: u64 = 1 << 30;

/// A loaded model of either flavor.
#[derive(Debug, Clone)]
pub enum Model {
    Xgboost(xgboost::XgbModel),
    Lightgbm(lightgbm::LgbModel),
}

/// Loads the model in `dir` given the MLmodel's flavor name and section (as JSON).
pub fn load_model(dir: &Path, flavor: &str, flavor_config: &str) -> Result<Model, Error> {
    let config: serde_json::Value = serde_json::from_str(flavor_config)
        .map_err(|e| load(format!("the {flavor} flavor section is not JSON: {e}")))?;
    let data = config
        .get("data")
        .and_then(|d| d.as_str())
        .ok_or_else(|| load(format!("the {flavor} flavor in MLmodel names no `data` file")))?;
    if Path::new(data).components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(load(format!("the {flavor} model file {data:?} is not a plain relative path")));
    }
    let path = dir.join(data);
    let size = std::fs::metadata(&path).map_err(|e| load(format!("cannot read {data}: {e}")))?.len();
    if size > MAX_MODEL_BYTES {
        return Err(load(format!("{data} is larger than {MAX_MODEL_BYTES} bytes")));
    }
    let bytes = std::fs::read(&path).map_err(|e| load(format!("cannot read {data}: {e}")))?;
    let model_class = config.get("model_class").and_then(|c| c.as_str());
    match flavor {
        "xgboost" => {
            let api = xgboost::Api::of_class(model_class.unwrap_or("xgboost.core.Booster"))?;
            Ok(Model::Xgboost(xgboost::load_model(&bytes, data, api)?))
        }
        "lightgbm" => match model_class.unwrap_or("lightgbm.basic.Booster") {
            "lightgbm.basic.Booster" => Ok(Model::Lightgbm(lightgbm::load_model(&bytes, data, &Default::default())?)),
            // The host hands these to the sklearn component (host/src/flavors.rs,
            // `reader_of`): MLflow saves them with mlflow.sklearn's serializer.
            class => Err(load(format!(
                "lightgbm model class {class} ({data}) is a scikit-learn model: the sklearn component reads it, \
                 this one reads Booster models (model.lgb)"
            ))),
        },
        other => Err(load(format!("flavor {other} is not served by the trees component"))),
    }
}

impl Model {
    /// The number of features a row must have.
    pub fn n_features(&self) -> usize {
        match self {
            Model::Xgboost(m) => m.forest.n_features(),
            Model::Lightgbm(m) => m.forest.n_features(),
        }
    }

    /// Predicts rows given as row-major `data` of `cols` columns (named `names` for
    /// a DataFrame); NaN is a missing value.
    pub fn predict(&self, names: Option<&[String]>, data: &[f64], cols: usize) -> Result<Output, Error> {
        self.check_columns(names, data, cols)?;
        match self {
            Model::Xgboost(m) => m.predict(data),
            Model::Lightgbm(m) => m.predict(data),
        }
    }

    /// Checks the caller's columns as the library's `predict` does. XGBoost
    /// (`validate_features=True`, MLflow's choice) wants a DataFrame's columns to be
    /// its feature names in order, and refuses an unnamed array for a `Booster` that
    /// has names (the scikit-learn API takes it by position); LightGBM takes columns
    /// by position. Either way the width must be the model's.
    fn check_columns(&self, names: Option<&[String]>, data: &[f64], cols: usize) -> Result<(), Error> {
        let n_features = self.n_features();
        if cols == 0 || !data.len().is_multiple_of(cols) {
            return Err(Error::Evaluation(format!("{} values do not form rows of {cols} columns", data.len())));
        }
        if let Model::Xgboost(m) = self {
            let known = &m.feature_names;
            match names {
                Some(names) if !known.is_empty() && names != known.as_slice() => {
                    return Err(Error::Evaluation(format!(
                        "feature_names mismatch: the model expects {known:?}, the input has {names:?}"
                    )));
                }
                None if !known.is_empty() && m.api == xgboost::Api::Booster => {
                    return Err(Error::Evaluation(format!(
                        "the input has no column names; the model expects the columns {known:?}"
                    )));
                }
                _ => {}
            }
        }
        if cols != n_features {
            return Err(Error::Evaluation(format!(
                "the model expects {n_features} features, the input has {cols} columns"
            )));
        }
        Ok(())
    }
}
