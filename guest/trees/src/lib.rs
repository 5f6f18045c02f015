//! The `xgboost` and `lightgbm` flavors: MLflow XGBoost models (`model.ubj`,
//! `model.json`, `model.xgb`) and LightGBM models (`model.lgb`) read into
//! [`wasmflow_tree_engine::Forest`]s and predicted with the semantics of MLflow's
//! pyfunc wrappers (`_XGBModelWrapper`, `_LGBModelWrapper`): a DataFrame or an
//! ndarray in, one ndarray out, typed as the library types it. The loaders
//! compile natively too, so their parity tests run with `cargo test`.

pub mod error;
pub mod json;
pub mod lightgbm;
pub mod output;
pub mod ubjson;
pub mod xgboost;

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
            class => Err(load(format!(
                "lightgbm model class {class} ({data}) is not supported yet: only Booster models (model.lgb)"
            ))),
        },
        other => Err(load(format!("flavor {other} is not served by the trees component"))),
    }
}

impl Model {
    /// The feature names the model was trained with (empty if none).
    pub fn feature_names(&self) -> &[String] {
        match self {
            Model::Xgboost(m) => &m.feature_names,
            // LightGBM's predict matches columns by position (validate_features=False).
            Model::Lightgbm(_) => &[],
        }
    }

    /// The number of features a row must have.
    pub fn n_features(&self) -> usize {
        match self {
            Model::Xgboost(m) => m.forest.n_features(),
            Model::Lightgbm(m) => m.forest.n_features(),
        }
    }

    /// Predicts rows given as row-major `data` of `names.len()` (or, unnamed,
    /// `cols`) columns; NaN is a missing value. Named columns are matched to the
    /// model's feature names when it has them.
    pub fn predict(&self, names: Option<&[String]>, data: &[f64], cols: usize) -> Result<Output, Error> {
        let rows = self.features(names, data, cols)?;
        match self {
            Model::Xgboost(m) => m.predict(&rows),
            Model::Lightgbm(m) => m.predict(&rows),
        }
    }

    /// The model's features, in its order, from the caller's columns.
    fn features(&self, names: Option<&[String]>, data: &[f64], cols: usize) -> Result<Vec<f64>, Error> {
        let n_features = self.n_features();
        let known = self.feature_names();
        if cols == 0 || !data.len().is_multiple_of(cols) {
            return Err(Error::InvalidInput(format!("{} values do not form rows of {cols} columns", data.len())));
        }
        let order: Vec<usize> = match names {
            Some(names) if !known.is_empty() && known.len() == n_features => {
                let missing: Vec<&str> = known.iter().filter(|k| !names.contains(k)).map(String::as_str).collect();
                let extra: Vec<&str> = names.iter().filter(|n| !known.contains(n)).map(String::as_str).collect();
                if !missing.is_empty() || !extra.is_empty() {
                    return Err(Error::InvalidInput(format!(
                        "feature_names mismatch: the model expects {known:?}; missing {missing:?}, unexpected {extra:?}"
                    )));
                }
                known.iter().map(|k| names.iter().position(|n| n == k).unwrap_or(0)).collect()
            }
            _ => {
                if cols != n_features {
                    return Err(Error::InvalidInput(format!(
                        "the model expects {n_features} features, the input has {cols} columns"
                    )));
                }
                (0..cols).collect()
            }
        };
        if order.iter().enumerate().all(|(i, &j)| i == j) && cols == n_features {
            return Ok(data.to_vec());
        }
        Ok(data.chunks(cols).flat_map(|row| order.iter().map(move |&j| row[j])).collect())
    }
}
