//! Wrappers that answer through fitted members per output or per threshold:
//! `MultiOutputClassifier` (members side by side; `predict_proba` is the list of
//! their probabilities, as MLflow returns it), `ClassifierChain` / `RegressorChain`
//! (each member sees the input and the previous members' predictions, in
//! `order_`), and `FixedThresholdClassifier` / `TunedThresholdClassifierCV`
//! (`classes_[proba[:, 1] >= threshold]`).

use super::{Estimator, Method, Predictor, attr, classes, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    MultiOutput,
    /// `order_`, and whether the chain classifies (its answers are floats either way).
    Chain {
        order: Vec<usize>,
        classifier: bool,
    },
    /// The decision threshold on the positive class's probability.
    Threshold {
        threshold: f64,
        classes: NdArray,
    },
}

/// A fitted wrapper.
#[derive(Debug, Clone)]
pub struct Wrapper {
    pub features: Features,
    members: Vec<Predictor>,
    kind: Kind,
}

impl Wrapper {
    pub fn build(node: &Node) -> Result<Wrapper, Error> {
        let class = short(node.class().unwrap_or("?"));
        let members_of = |name: &str| -> Result<Vec<Predictor>, Error> {
            attr(node, name)?
                .as_list()
                .ok_or_else(|| load(format!("{class}.{name} is not a list")))?
                .iter()
                .map(Predictor::build)
                .collect()
        };
        let (members, kind) = match class {
            "MultiOutputClassifier" => (members_of("estimators_")?, Kind::MultiOutput),
            "ClassifierChain" | "RegressorChain" => {
                let members = members_of("estimators_")?;
                let order: Vec<usize> = match attr(node, "order_")? {
                    Node::Array(NdArray { data: Data::I64(v), .. }) => v.iter().map(|&i| i.max(0) as usize).collect(),
                    _ => return Err(load(format!("{class}.order_ is not an integer array"))),
                };
                let mut sorted = order.clone();
                sorted.sort_unstable();
                if sorted != (0..members.len()).collect::<Vec<_>>() {
                    return Err(load(format!("{class}.order_ is not an order of its estimators")));
                }
                if node.get("chain_method").and_then(Node::as_str).is_some_and(|m| m != "predict") {
                    return Err(load(format!("{class}: only chain_method='predict' is supported")));
                }
                (members, Kind::Chain { order, classifier: class == "ClassifierChain" })
            }
            "FixedThresholdClassifier" | "TunedThresholdClassifierCV" => {
                let estimator = attr(node, "estimator_")?;
                let threshold = if class == "TunedThresholdClassifierCV" {
                    attr(node, "best_threshold_")?.as_f64()
                } else {
                    match node.get("threshold") {
                        Some(t) if t.as_str() == Some("auto") => Some(0.5),
                        Some(t) => t.as_f64(),
                        None => Some(0.5),
                    }
                }
                .ok_or_else(|| load(format!("{class}: the threshold is not a number")))?;
                if node.get("pos_label").is_some_and(|p| !p.is_none()) {
                    return Err(load(format!("{class}: only pos_label=None is supported")));
                }
                let member = Predictor::build(estimator)?;
                if !member.estimator().has(Method::PredictProba) {
                    return Err(load(format!("{class}: only estimators with predict_proba are supported")));
                }
                let classes = classes(estimator)?;
                if classes.len() != 2 {
                    return Err(load(format!("{class}: the target is not binary")));
                }
                (vec![member], Kind::Threshold { threshold, classes })
            }
            other => return Err(load(format!("{other} is not a wrapper wasmflow supports"))),
        };
        let first = members.first().ok_or_else(|| load(format!("{class} has no estimators")))?;
        let mut features = first.estimator().features().clone();
        let own = super::features(node);
        features.count = own.count.or(features.count);
        features.names = own.names.or(features.names);
        Ok(Wrapper { features, members, kind })
    }

    /// The chain's outputs in chain order, and the matrix the last member saw.
    fn chain(&self, x: &Matrix, proba: bool) -> Result<Vec<Vec<f64>>, Error> {
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut probas = Vec::new();
        for member in &self.members {
            let previous: Vec<Matrix> =
                columns.iter().map(|c| Matrix { rows: x.rows, cols: 1, data: c.clone() }).collect();
            let parts: Vec<Matrix> = std::iter::once(x.clone()).chain(previous).collect();
            let augmented = Matrix::hstack(x.rows, &parts);
            let e = member.estimator();
            columns.push(floats_of(e.predict(&augmented)?)?);
            if proba {
                let p = floats_of(e.predict_proba(&augmented)?)?;
                probas.push(p.chunks(2).map(|r| r[1]).collect());
            }
        }
        Ok(if proba { probas } else { columns })
    }

    /// `Y_chain[:, inv_order]`, row-major.
    fn reorder(&self, chain: Vec<Vec<f64>>, rows: usize) -> Vec<f64> {
        let Kind::Chain { order, .. } = &self.kind else { unreachable!("chains") };
        let mut by_output = vec![Vec::new(); order.len()];
        for (position, &output) in order.iter().enumerate() {
            by_output[output] = chain[position].clone();
        }
        (0..rows).flat_map(|i| by_output.iter().map(move |c| c[i])).collect()
    }
}

/// Labels or values as floats (a chain's answers are float arrays).
fn floats_of(a: NdArray) -> Result<Vec<f64>, Error> {
    match a.data {
        Data::F64(v) => Ok(v),
        Data::I64(v) => Ok(v.into_iter().map(|x| x as f64).collect()),
        Data::Bool(v) => Ok(v.into_iter().map(|b| f64::from(u8::from(b))).collect()),
        _ => Err(Error::Evaluation("a chain member answered text labels".into())),
    }
}

impl Estimator for Wrapper {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        match &self.kind {
            _ if method == Method::Predict => true,
            Kind::Chain { classifier, .. } => *classifier && self.members.iter().all(|m| m.estimator().has(method)),
            _ => self.members.iter().all(|m| m.estimator().has(method)),
        }
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        match &self.kind {
            Kind::MultiOutput => {
                let outs = self.members.iter().map(|m| m.estimator().predict(x)).collect::<Result<Vec<_>, _>>()?;
                let n = outs.len();
                let data = match outs.first().map(|o| &o.data) {
                    Some(Data::I64(_)) => {
                        let cols: Vec<Vec<i64>> = outs
                            .into_iter()
                            .map(|o| match o.data {
                                Data::I64(v) => Ok(v),
                                _ => Err(Error::Evaluation("members answered labels of different types".into())),
                            })
                            .collect::<Result<_, _>>()?;
                        Data::I64((0..x.rows).flat_map(|i| cols.iter().map(move |c| c[i])).collect())
                    }
                    _ => {
                        let cols = outs.into_iter().map(floats_of).collect::<Result<Vec<_>, _>>()?;
                        Data::F64((0..x.rows).flat_map(|i| cols.iter().map(move |c| c[i])).collect())
                    }
                };
                Ok(NdArray { shape: vec![x.rows, n], data })
            }
            Kind::Chain { .. } => {
                let chain = self.chain(x, false)?;
                let n = chain.len();
                Ok(NdArray { shape: vec![x.rows, n], data: Data::F64(self.reorder(chain, x.rows)) })
            }
            Kind::Threshold { threshold, classes } => {
                let p = floats_of(self.members[0].estimator().predict_proba(x)?)?;
                let picks: Vec<usize> = p.chunks(2).map(|r| usize::from(r[1] >= *threshold)).collect();
                Ok(take(classes, &picks))
            }
        }
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        match &self.kind {
            Kind::MultiOutput => {
                // A list of (rows, classes) arrays, one per output (equal widths here).
                let outs =
                    self.members.iter().map(|m| m.estimator().predict_proba(x)).collect::<Result<Vec<_>, _>>()?;
                let k = outs[0].shape.get(1).copied().unwrap_or(1);
                if outs.iter().any(|o| o.shape.get(1).copied().unwrap_or(1) != k) {
                    return Err(Error::Evaluation("outputs with different numbers of classes".into()));
                }
                let n = outs.len();
                let data = outs.into_iter().map(floats_of).collect::<Result<Vec<_>, _>>()?.concat();
                Ok(NdArray { shape: vec![n, x.rows, k], data: Data::F64(data) })
            }
            Kind::Chain { .. } => {
                let chain = self.chain(x, true)?;
                let n = chain.len();
                Ok(NdArray { shape: vec![x.rows, n], data: Data::F64(self.reorder(chain, x.rows)) })
            }
            Kind::Threshold { .. } => self.members[0].estimator().predict_proba(x),
        }
    }
}
