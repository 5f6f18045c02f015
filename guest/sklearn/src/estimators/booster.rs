//! XGBoost and LightGBM scikit-learn models (`XGBClassifier`, `XGBRegressor`,
//! `XGBRF*`, `LGBMClassifier`, `LGBMRegressor`) inside an sklearn model, alone
//! or as the last step of a Pipeline, evaluated on the tree engine the
//! `xgboost` / `lightgbm` flavors use (`wasmflow-tree-formats`).
//!
//! Their pickled (or skops) state carries the booster as data: XGBoost's
//! `Booster.__getstate__` keeps `handle`, the booster serialized as UBJSON or JSON;
//! LightGBM's keeps `_handle`, its text model (cut at `best_iteration` when it was
//! saved, so every tree in it is used). Labels are decoded as the wrappers do:
//! XGBoost's classes are `0..n_classes_`; LightGBM's are `_classes`, picked by the
//! argmax of `predict_proba`.

use wasmflow_tree_formats::error::Error as TreeError;
use wasmflow_tree_formats::lightgbm::{self, LgbModel};
use wasmflow_tree_formats::output::{Data as TreeData, Output};
use wasmflow_tree_formats::xgboost::{self, Api, XgbModel};

use super::{Estimator, Method, argmax, attr, classes, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

/// The booster and how the wrapper answers.
#[derive(Debug, Clone)]
enum Inner {
    /// `predict` as the class answers it, and (classifiers) the plain values
    /// `predict_proba` starts from.
    Xgb { predict: Box<XgbModel>, values: Option<Box<XgbModel>> },
    /// The booster, and `_classes` for a classifier.
    Lgb { model: Box<LgbModel>, classes: Option<NdArray> },
}

/// A fitted XGBoost or LightGBM scikit-learn estimator.
#[derive(Debug, Clone)]
pub struct Booster {
    pub features: Features,
    inner: Inner,
}

impl Booster {
    pub fn build(node: &Node) -> Result<Booster, Error> {
        let class = node.class().unwrap_or("?");
        let name = short(class);
        let booster = attr(node, "_Booster")?;
        let named = |e: TreeError| load(format!("{class}: {e}"));
        let (inner, n_features, names) = if class.starts_with("xgboost.") {
            let api = Api::of_class(class).map_err(named)?;
            let Some(Node::Bytes(handle)) = booster.get("handle") else {
                return Err(load(format!("{class}._Booster has no saved model (handle)")));
            };
            let predict = xgboost::load_serialized(handle, &format!("{class}._Booster"), api).map_err(named)?;
            let values =
                (api == Api::Classifier).then(|| Box::new(XgbModel { api: Api::Regressor, ..predict.clone() }));
            let (n, names) = (predict.forest.n_features(), predict.feature_names.clone());
            (Inner::Xgb { predict: Box::new(predict), values }, n, (!names.is_empty()).then_some(names))
        } else {
            let Some(text) = booster.get("_handle").and_then(Node::as_str) else {
                return Err(load(format!("{class}._Booster has no model text (_handle)")));
            };
            let model = lightgbm::load_model(text.as_bytes(), &format!("{class}._Booster"), &Default::default())
                .map_err(named)?;
            let classes = if name == "LGBMClassifier" {
                let classes = classes(&rename(node, "_classes"))?;
                let k = model.forest.n_outputs();
                if classes.len() != if k == 1 { 2 } else { k } {
                    return Err(load(format!("{class}: {} classes for {k} outputs per row", classes.len())));
                }
                Some(classes)
            } else {
                None
            };
            let n = model.forest.n_features();
            (Inner::Lgb { model: Box::new(model), classes }, n, None)
        };
        let features = Features { class: name.to_string(), count: Some(n_features), names, check: Check::Rows };
        Ok(Booster { features, inner })
    }

    fn classifier(&self) -> bool {
        match &self.inner {
            Inner::Xgb { values, .. } => values.is_some(),
            Inner::Lgb { classes, .. } => classes.is_some(),
        }
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        match &self.inner {
            Inner::Xgb { predict, .. } => predict.predict(&x.data).map(array).map_err(evaluation),
            Inner::Lgb { classes: Some(classes), .. } => {
                let proba = self.predict_proba(x)?;
                let Data::F64(p) = &proba.data else { unreachable!("probabilities are floats") };
                let picks: Vec<usize> = p.chunks(proba.shape[1]).map(argmax).collect();
                Ok(take(classes, &picks))
            }
            Inner::Lgb { model, classes: None } => model.predict(&x.data).map(array).map_err(evaluation),
        }
    }

    /// The wrappers' `predict_proba`: the booster's probabilities, a binary
    /// model's one column widened to `[1 - p, p]` (in float32 for XGBoost).
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let out = match &self.inner {
            Inner::Xgb { values: Some(values), .. } => {
                if values.objective == "multi:softmax" {
                    return Err(Error::Evaluation(
                        "multi:softmax doesn't support `predict_proba`.  Switch to `multi:softproba` instead".into(),
                    ));
                }
                let out = values.predict(&x.data).map_err(evaluation)?;
                match (out.shape.as_slice(), out.data) {
                    ([n], TreeData::F32(p)) => {
                        let data = p.iter().flat_map(|&p| [(1.0f32 - p) as f64, p as f64]).collect();
                        return Ok(NdArray { shape: vec![*n, 2], data: Data::F64(data) });
                    }
                    (shape, data) => Output { shape: shape.to_vec(), data },
                }
            }
            Inner::Lgb { model, classes: Some(_) } => {
                let out = model.predict(&x.data).map_err(evaluation)?;
                match (out.shape.as_slice(), out.data) {
                    ([n], TreeData::F64(p)) => {
                        let data = p.iter().flat_map(|&p| [1.0 - p, p]).collect();
                        return Ok(NdArray { shape: vec![*n, 2], data: Data::F64(data) });
                    }
                    (shape, data) => Output { shape: shape.to_vec(), data },
                }
            }
            _ => return Err(Error::Evaluation("predict_proba is not available".into())),
        };
        Ok(array(out))
    }
}

/// A copy of `node` whose attribute `from` is named `classes_` (LightGBM keeps
/// its labels in `_classes`).
fn rename(node: &Node, from: &str) -> Node {
    let value = node.get(from).cloned().unwrap_or(Node::Json(serde_json::Value::Null));
    Node::Object { class: node.class().unwrap_or("?").to_string(), attrs: vec![("classes_".into(), value)] }
}

/// The engine's output as the flavor's array: float32 widened (exactly) to
/// float64, labels as int64.
fn array(out: Output) -> NdArray {
    let data = match out.data {
        TreeData::F32(v) => Data::F64(v.into_iter().map(f64::from).collect()),
        TreeData::F64(v) => Data::F64(v),
        TreeData::I64(v) => Data::I64(v),
        TreeData::I32(v) => Data::I64(v.into_iter().map(i64::from).collect()),
    };
    NdArray { shape: out.shape, data }
}

fn evaluation(e: TreeError) -> Error {
    Error::Evaluation(e.to_string())
}

impl Estimator for Booster {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        match method {
            Method::Predict => true,
            Method::PredictProba | Method::PredictLogProba => self.classifier(),
        }
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        Booster::predict(self, x)
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Booster::predict_proba(self, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(class: &str, booster: &str, key: &str, value: Node) -> Node {
        let inner = Node::Object { class: booster.into(), attrs: vec![(key.into(), value)] };
        Node::Object { class: class.into(), attrs: vec![("_Booster".into(), inner)] }
    }

    #[test]
    fn broken_boosters_fail_at_load_naming_the_class() {
        let cases = [
            model(
                "xgboost.sklearn.XGBClassifier",
                "xgboost.core.Booster",
                "handle",
                Node::Bytes(b"{L\x00\x00".to_vec()),
            ),
            model("xgboost.sklearn.XGBRegressor", "xgboost.core.Booster", "handle", Node::Bytes(b"binary".to_vec())),
            model("xgboost.sklearn.XGBRegressor", "xgboost.core.Booster", "handle", Node::Json("text".into())),
            model(
                "lightgbm.sklearn.LGBMRegressor",
                "lightgbm.basic.Booster",
                "_handle",
                Node::Json("tree\nversion=v4\n".into()),
            ),
            model("lightgbm.sklearn.LGBMClassifier", "lightgbm.basic.Booster", "_handle", Node::Json(1.into())),
        ];
        for node in cases {
            let class = node.class().unwrap().to_string();
            let Err(Error::Load(m)) = Booster::build(&node) else { panic!("{class} accepted") };
            assert!(m.contains(&class) && !m.contains('\n'), "{m}");
        }
    }
}
