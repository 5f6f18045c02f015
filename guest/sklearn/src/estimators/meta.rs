//! Ensembles of fitted estimators, each member a [`Predictor`] built like a
//! final estimator: `VotingClassifier` / `VotingRegressor`, `StackingClassifier` /
//! `StackingRegressor`, `BaggingClassifier` / `BaggingRegressor` (members on their
//! feature subsets), `AdaBoostClassifier` (SAMME) / `AdaBoostRegressor` (weighted
//! median), `MultiOutputRegressor` and `TransformedTargetRegressor`. Sums run in
//! the order sklearn adds (estimator by estimator), then divide as it divides.

use super::linear::softmax;
use super::{Estimator, Method, Predictor, argmax, attr, classes, floats, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    /// `voting='hard'` (labels voted by weight) or `'soft'` (mean probabilities).
    Voting {
        soft: bool,
        weights: Option<Vec<f64>>,
    },
    /// Members' outputs side by side (`predict_proba` minus the first column for
    /// two classes, else `predict`), then the final estimator.
    Stacking {
        proba: Vec<bool>,
        last: Box<Predictor>,
    },
    /// Members on `X[:, features]`, averaged.
    Bagging {
        subsets: Vec<Vec<usize>>,
    },
    AdaBoost {
        weights: Vec<f64>,
    },
    MultiOutput,
    /// The regressor, then the inverse of a `StandardScaler` target transform (if any).
    Target {
        mean: f64,
        scale: f64,
        one_d: bool,
    },
}

/// A fitted ensemble.
#[derive(Debug, Clone)]
pub struct Ensemble {
    pub features: Features,
    members: Vec<Predictor>,
    classes: Option<NdArray>,
    kind: Kind,
}

fn list<'a>(node: &'a Node, name: &str) -> Result<&'a [Node], Error> {
    let class = short(node.class().unwrap_or("?"));
    attr(node, name)?.as_list().ok_or_else(|| load(format!("{class}.{name} is not a list")))
}

fn build_all(nodes: &[Node]) -> Result<Vec<Predictor>, Error> {
    nodes.iter().filter(|n| n.as_str() != Some("drop")).map(Predictor::build).collect()
}

impl Ensemble {
    pub fn build(node: &Node) -> Result<Ensemble, Error> {
        let class = short(node.class().unwrap_or("?"));
        let classifier = class.ends_with("Classifier");
        let classes = if classifier { Some(classes(node)?) } else { None };
        let (members, kind) = match class {
            "VotingClassifier" | "VotingRegressor" => {
                let soft = node.get("voting").and_then(Node::as_str) == Some("soft");
                let weights = match node.get("weights") {
                    Some(w) if !w.is_none() => Some(floats(node, "weights")?.1),
                    _ => None,
                };
                (build_all(list(node, "estimators_")?)?, Kind::Voting { soft, weights })
            }
            "StackingClassifier" | "StackingRegressor" => {
                if node.get("passthrough").and_then(Node::as_bool) == Some(true) {
                    return Err(load(format!("{class}(passthrough=True) is not supported")));
                }
                let members = build_all(list(node, "estimators_")?)?;
                let methods: Vec<&str> = match node.get("stack_method_").and_then(Node::as_list) {
                    Some(m) => m.iter().filter_map(Node::as_str).filter(|m| *m != "drop").collect(),
                    None => vec!["predict"; members.len()],
                };
                if methods.len() != members.len() || methods.iter().any(|m| !matches!(*m, "predict" | "predict_proba"))
                {
                    return Err(load(format!("{class}: only predict and predict_proba stack methods are supported")));
                }
                let last = Box::new(Predictor::build(attr(node, "final_estimator_")?)?);
                let proba = methods.iter().map(|m| *m == "predict_proba").collect();
                (members, Kind::Stacking { proba, last })
            }
            "BaggingClassifier" | "BaggingRegressor" => {
                let members = build_all(list(node, "estimators_")?)?;
                let subsets = list(node, "estimators_features_")?
                    .iter()
                    .map(|f| match f {
                        Node::Array(NdArray { data: Data::I64(v), .. }) => {
                            v.iter().map(|&i| usize::try_from(i).map_err(|_| load("bad feature index"))).collect()
                        }
                        _ => Err(load(format!("{class}.estimators_features_ holds something other than indices"))),
                    })
                    .collect::<Result<Vec<Vec<usize>>, _>>()?;
                if subsets.len() != members.len() {
                    return Err(load(format!("{class}: estimators_ and estimators_features_ do not match")));
                }
                (members, Kind::Bagging { subsets })
            }
            "AdaBoostClassifier" | "AdaBoostRegressor" => {
                let members = build_all(list(node, "estimators_")?)?;
                let (_, weights) = floats(node, "estimator_weights_")?;
                if weights.len() < members.len() {
                    return Err(load(format!("{class}: fewer estimator_weights_ than estimators_")));
                }
                (members, Kind::AdaBoost { weights })
            }
            "MultiOutputRegressor" => (build_all(list(node, "estimators_")?)?, Kind::MultiOutput),
            "TransformedTargetRegressor" => {
                let regressor = Predictor::build(attr(node, "regressor_")?)?;
                let transformer = attr(node, "transformer_")?;
                let (mean, scale) = match transformer.class().map(short) {
                    Some("FunctionTransformer")
                        if transformer.get("inverse_func").is_none_or(Node::is_none)
                            && transformer.get("func").is_none_or(Node::is_none) =>
                    {
                        (0.0, 1.0)
                    }
                    Some("StandardScaler") => {
                        let get = |n: &str, d: f64| -> Result<f64, Error> {
                            match transformer.get(n) {
                                Some(v) if !v.is_none() => Ok(floats(transformer, n)?.1.first().copied().unwrap_or(d)),
                                _ => Ok(d),
                            }
                        };
                        (get("mean_", 0.0)?, get("scale_", 1.0)?)
                    }
                    other => {
                        return Err(load(format!(
                            "TransformedTargetRegressor: transformer {other:?} is not supported"
                        )));
                    }
                };
                let one_d = node.get("_training_dim").and_then(Node::as_i64).unwrap_or(1) == 1;
                (vec![regressor], Kind::Target { mean, scale, one_d })
            }
            other => return Err(load(format!("{other} is not an ensemble wasmflow supports"))),
        };
        let first = members.first().ok_or_else(|| load(format!("{class} has no estimators")))?;
        let mut features = first.estimator().features().clone();
        if !matches!(kind, Kind::Bagging { .. }) {
            let own = super::features(node);
            features.count = own.count.or(features.count);
            features.names = own.names.or(features.names);
        } else {
            features = super::features(node);
            features.check = crate::validate::Check::Rows;
        }
        Ok(Ensemble { features, members, classes, kind })
    }

    /// The class indices a member's labels stand for (members fitted on encoded labels
    /// answer 0..k; AdaBoost's answer the labels themselves).
    fn indices(&self, labels: &NdArray, encoded: bool) -> Result<Vec<usize>, Error> {
        let classes = self.classes.as_ref().expect("a classifier");
        let bad = || Error::Evaluation("a member answered a label outside classes_".into());
        match (&labels.data, encoded) {
            (Data::I64(v), true) => v.iter().map(|&i| usize::try_from(i).map_err(|_| bad())).collect(),
            (Data::F64(v), true) => Ok(v.iter().map(|&i| i as usize).collect()),
            _ => (0..labels.len())
                .map(|i| (0..classes.len()).find(|&c| same(classes, c, labels, i)).ok_or_else(bad))
                .collect(),
        }
    }

    fn proba_of(&self, member: usize, x: &Matrix) -> Result<Vec<f64>, Error> {
        match self.members[member].estimator().predict_proba(x)? {
            NdArray { data: Data::F64(p), .. } => Ok(p),
            _ => Err(Error::Internal("probabilities are not floats".into())),
        }
    }

    fn values_of(&self, member: usize, x: &Matrix) -> Result<Vec<f64>, Error> {
        match self.members[member].estimator().predict(x)? {
            NdArray { data: Data::F64(v), .. } => Ok(v),
            _ => Err(Error::Evaluation("a member answered labels where values were expected".into())),
        }
    }

    /// Class scores (probabilities or weighted votes), `rows × classes`.
    fn scores(&self, x: &Matrix) -> Result<Vec<f64>, Error> {
        let k = self.classes.as_ref().map_or(1, NdArray::len);
        let n = self.members.len();
        let mut out = vec![0.0; x.rows * k];
        match &self.kind {
            Kind::Voting { soft: true, .. } => {
                for m in 0..n {
                    out.iter_mut().zip(self.proba_of(m, x)?).for_each(|(o, p)| *o += p);
                }
                out.iter_mut().for_each(|o| *o /= n as f64);
            }
            Kind::Voting { soft: false, weights } => {
                for m in 0..n {
                    let picks = self.indices(&self.members[m].estimator().predict(x)?, true)?;
                    let w = weights.as_ref().map_or(1.0, |w| w[m]);
                    picks.iter().enumerate().for_each(|(i, &c)| out[i * k + c] += w);
                }
            }
            Kind::Bagging { subsets } => {
                for (m, subset) in subsets.iter().enumerate() {
                    let sub = columns(x, subset)?;
                    let e = self.members[m].estimator();
                    if e.has(Method::PredictProba) {
                        let p = self.proba_of(m, &sub)?;
                        let width = p.len() / x.rows.max(1);
                        if width != k {
                            return Err(Error::Evaluation("a member saw fewer classes than the ensemble".into()));
                        }
                        out.iter_mut().zip(p).for_each(|(o, p)| *o += p);
                    } else {
                        let picks = self.indices(&e.predict(&sub)?, true)?;
                        picks.iter().enumerate().for_each(|(i, &c)| out[i * k + c] += 1.0);
                    }
                }
                out.iter_mut().for_each(|o| *o /= n as f64);
            }
            Kind::AdaBoost { weights } => {
                // `np.where(prediction == class, w, -1 / (k - 1) * w)`, summed over members.
                for (member, &w) in self.members.iter().zip(weights) {
                    let picks = self.indices(&member.estimator().predict(x)?, false)?;
                    let other = -1.0 / (k - 1) as f64 * w;
                    for (i, &pick) in picks.iter().enumerate() {
                        for c in 0..k {
                            out[i * k + c] += if c == pick { w } else { other };
                        }
                    }
                }
                let total: f64 = weights.iter().sum();
                out.iter_mut().for_each(|o| *o /= total);
            }
            Kind::Stacking { last, .. } => {
                let meta = self.stacked(x)?;
                return match last.estimator().predict_proba(&meta)? {
                    NdArray { data: Data::F64(p), .. } => Ok(p),
                    _ => Err(Error::Internal("probabilities are not floats".into())),
                };
            }
            Kind::MultiOutput | Kind::Target { .. } => unreachable!("regressors"),
        }
        Ok(out)
    }

    /// The final estimator's input: the members' outputs side by side.
    fn stacked(&self, x: &Matrix) -> Result<Matrix, Error> {
        let Kind::Stacking { proba, .. } = &self.kind else { unreachable!("stacking") };
        let two = self.classes.as_ref().is_some_and(|c| c.len() == 2);
        let mut parts = Vec::new();
        for (m, &p) in proba.iter().enumerate() {
            let e = self.members[m].estimator();
            let out = if p { e.predict_proba(x)? } else { e.predict(x)? };
            let Data::F64(v) = out.data else {
                let v = self.indices(&out, true)?.into_iter().map(|i| i as f64).collect();
                parts.push(Matrix { rows: x.rows, cols: 1, data: v });
                continue;
            };
            let cols = v.len() / x.rows.max(1);
            let part = Matrix { rows: x.rows, cols, data: v };
            parts.push(if p && two { columns(&part, &[1])? } else { part });
        }
        Ok(Matrix::hstack(x.rows, &parts))
    }

    fn regress(&self, x: &Matrix) -> Result<NdArray, Error> {
        let n = self.members.len();
        let rows = x.rows;
        let (shape, data) = match &self.kind {
            Kind::Voting { weights, .. } => {
                let preds = (0..n).map(|m| self.values_of(m, x)).collect::<Result<Vec<_>, _>>()?;
                let out = (0..rows)
                    .map(|i| match weights {
                        None => preds.iter().fold(0.0, |s, p| s + p[i]) / n as f64,
                        Some(w) => preds.iter().zip(w).fold(0.0, |s, (p, w)| s + p[i] * w) / w.iter().sum::<f64>(),
                    })
                    .collect();
                (vec![rows], out)
            }
            Kind::Bagging { subsets } => {
                let mut out = vec![0.0; rows];
                for (m, subset) in subsets.iter().enumerate() {
                    out.iter_mut().zip(self.values_of(m, &columns(x, subset)?)?).for_each(|(o, p)| *o += p);
                }
                (vec![rows], out.into_iter().map(|o| o / n as f64).collect())
            }
            Kind::AdaBoost { weights } => {
                let preds = (0..n).map(|m| self.values_of(m, x)).collect::<Result<Vec<_>, _>>()?;
                (vec![rows], (0..rows).map(|i| weighted_median(&preds, weights, i)).collect())
            }
            Kind::Stacking { last, .. } => return last.estimator().predict(&self.stacked(x)?),
            Kind::MultiOutput => {
                let preds = (0..n).map(|m| self.values_of(m, x)).collect::<Result<Vec<_>, _>>()?;
                (vec![rows, n], (0..rows).flat_map(|i| preds.iter().map(move |p| p[i])).collect())
            }
            Kind::Target { mean, scale, one_d } => {
                let out = self.members[0].estimator().predict(x)?;
                let Data::F64(v) = out.data else { return Err(Error::Evaluation("labels from a regressor".into())) };
                let v = v.into_iter().map(|p| p * scale + mean).collect();
                (if *one_d { vec![rows] } else { out.shape }, v)
            }
        };
        Ok(NdArray { shape, data: Data::F64(data) })
    }
}

/// Whether `a[i] == b[j]` (labels of the same kind).
pub(super) fn same(a: &NdArray, i: usize, b: &NdArray, j: usize) -> bool {
    match (&a.data, &b.data) {
        (Data::I64(x), Data::I64(y)) => x[i] == y[j],
        (Data::F64(x), Data::F64(y)) => x[i] == y[j],
        (Data::I64(x), Data::F64(y)) => x[i] as f64 == y[j],
        (Data::F64(x), Data::I64(y)) => x[i] == y[j] as f64,
        (Data::Str(x), Data::Str(y)) => x[i] == y[j],
        (Data::Bool(x), Data::Bool(y)) => x[i] == y[j],
        _ => false,
    }
}

/// `X[:, subset]`.
fn columns(x: &Matrix, subset: &[usize]) -> Result<Matrix, Error> {
    if subset.iter().any(|&j| j >= x.cols) {
        return Err(Error::Evaluation("a member's feature index is out of range".into()));
    }
    let data = (0..x.rows).flat_map(|i| subset.iter().map(move |&j| x.data[i * x.cols + j])).collect();
    Ok(Matrix { rows: x.rows, cols: subset.len(), data })
}

/// `AdaBoostRegressor._get_median_predict` for row `i`.
fn weighted_median(preds: &[Vec<f64>], weights: &[f64], i: usize) -> f64 {
    let mut order: Vec<usize> = (0..preds.len()).collect();
    order.sort_by(|&a, &b| preds[a][i].total_cmp(&preds[b][i]));
    let mut cdf = Vec::with_capacity(order.len());
    let mut sum = 0.0;
    for &m in &order {
        sum += weights[m];
        cdf.push(sum);
    }
    let half = 0.5 * sum;
    let at = cdf.iter().position(|&c| c >= half).unwrap_or(0);
    preds[order[at]][i]
}

impl Estimator for Ensemble {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        match (&self.kind, method) {
            (_, Method::Predict) => true,
            (Kind::Voting { soft, .. }, _) => self.classes.is_some() && *soft,
            (Kind::Stacking { last, .. }, m) => self.classes.is_some() && last.estimator().has(m),
            (Kind::Bagging { .. } | Kind::AdaBoost { .. }, _) => self.classes.is_some(),
            _ => false,
        }
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some(classes) = &self.classes else { return self.regress(x) };
        let k = classes.len();
        if let Kind::Stacking { last, .. } = &self.kind {
            let encoded = last.estimator().predict(&self.stacked(x)?)?;
            return Ok(take(classes, &self.indices(&encoded, true)?));
        }
        let scores = self.scores(x)?;
        let picks: Vec<usize> = match &self.kind {
            Kind::AdaBoost { .. } if k == 2 => scores.chunks(2).map(|r| usize::from(-r[0] + r[1] > 0.0)).collect(),
            _ => scores.chunks(k).map(argmax).collect(),
        };
        Ok(take(classes, &picks))
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let k = self.classes.as_ref().map_or(1, NdArray::len);
        let mut p = self.scores(x)?;
        if let Kind::AdaBoost { .. } = self.kind {
            p = p
                .chunks(k)
                .flat_map(|r| {
                    if k == 2 {
                        let d = -r[0] + r[1];
                        softmax(&[-d / 2.0, d / 2.0])
                    } else {
                        softmax(&r.iter().map(|v| v / (k - 1) as f64).collect::<Vec<_>>())
                    }
                })
                .collect();
        }
        Ok(NdArray { shape: vec![x.rows, k], data: Data::F64(p) })
    }
}
