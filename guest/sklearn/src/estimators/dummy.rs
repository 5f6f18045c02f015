//! `DummyClassifier` and `DummyRegressor`: answers that ignore the features
//! (`prior`, `most_frequent` and `constant` classifiers; any fitted regressor's
//! `constant_`). The random strategies (`stratified`, `uniform`) are refused at load:
//! their answers depend on a random state wasmflow cannot reproduce.

use super::{Estimator, Method, argmax, attr, classes, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

/// A fitted dummy estimator.
#[derive(Debug, Clone)]
pub struct Dummy {
    pub features: Features,
    /// Classifier: the labels, the class answered, and the probabilities.
    classes: Option<(NdArray, usize, Vec<f64>)>,
    /// Regressor: one constant per output, and whether the answer is 1-D.
    constant: Vec<f64>,
    one_d: bool,
}

impl Dummy {
    pub fn build(node: &Node) -> Result<Dummy, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        // `predict` never validates X (a dummy takes any width, any value).
        let features = Features { class: class.clone(), count: None, names: None, check: Check::Nothing };
        if class == "DummyRegressor" {
            let (_, constant) = floats(node, "constant_")?;
            let outputs = attr(node, "n_outputs_")?.as_i64().unwrap_or(1);
            if constant.len() as i64 != outputs || constant.is_empty() {
                return Err(load("DummyRegressor.constant_ does not match n_outputs_"));
            }
            return Ok(Dummy { features, classes: None, one_d: outputs == 1, constant });
        }
        if attr(node, "n_outputs_")?.as_i64() != Some(1) {
            return Err(load("DummyClassifier: only single-output models are supported"));
        }
        let labels = classes(node)?;
        let (_, prior) = floats(node, "class_prior_")?;
        if prior.len() != labels.len() {
            return Err(load("DummyClassifier.class_prior_ does not match classes_"));
        }
        let strategy = node.get("_strategy").or_else(|| node.get("strategy")).and_then(Node::as_str).unwrap_or("prior");
        let (pick, proba) = match strategy {
            "prior" => (argmax(&prior), prior.clone()),
            "most_frequent" => {
                let k = argmax(&prior);
                (k, (0..prior.len()).map(|i| f64::from(u8::from(i == k))).collect())
            }
            "constant" => {
                let constant = attr(node, "constant")?;
                let k = (0..labels.len())
                    .find(|&i| match (&labels.data, constant) {
                        (Data::Str(c), c2) => c2.as_str() == Some(c[i].as_str()),
                        (Data::I64(c), c2) => c2.as_i64() == Some(c[i]),
                        (Data::F64(c), c2) => c2.as_f64() == Some(c[i]),
                        _ => false,
                    })
                    .ok_or_else(|| load("DummyClassifier: its constant is not one of classes_"))?;
                (k, (0..prior.len()).map(|i| f64::from(u8::from(i == k))).collect())
            }
            other => {
                return Err(load(format!(
                    "DummyClassifier(strategy='{other}') is not supported: its answers are random"
                )));
            }
        };
        Ok(Dummy { features, classes: Some((labels, pick, proba)), constant: Vec::new(), one_d: true })
    }
}

impl Estimator for Dummy {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        method == Method::Predict || self.classes.is_some()
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(match &self.classes {
            Some((labels, pick, _)) => take(labels, &vec![*pick; x.rows]),
            None => {
                let data = (0..x.rows).flat_map(|_| self.constant.iter().copied()).collect();
                let shape = if self.one_d { vec![x.rows] } else { vec![x.rows, self.constant.len()] };
                NdArray { shape, data: Data::F64(data) }
            }
        })
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some((_, _, proba)) = &self.classes else { return Err(Error::Evaluation("not a classifier".into())) };
        let data = (0..x.rows).flat_map(|_| proba.iter().copied()).collect();
        Ok(NdArray { shape: vec![x.rows, proba.len()], data: Data::F64(data) })
    }
}
