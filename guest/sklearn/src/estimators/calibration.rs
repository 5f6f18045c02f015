//! `CalibratedClassifierCV` with `method='sigmoid'`: each calibrated classifier
//! maps its linear member's decision values through `expit(-(a·d + b))` per
//! class, normalises (binary: `1 - p`; else divided by the row sum, uniform when
//! it is 0), and the ensemble averages them; `predict` is the argmax.

use super::linear::{Linear, expit};
use super::meta::same;
use super::{Estimator, Method, argmax, attr, classes, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// One `_CalibratedClassifier`: its member, the outer class index of each of the
/// member's columns, and the sigmoid `(a, b)` of each.
#[derive(Debug, Clone)]
struct Calibrated {
    member: Linear,
    columns: Vec<(usize, f64, f64)>,
}

/// A fitted `CalibratedClassifierCV`.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub features: Features,
    classes: NdArray,
    members: Vec<Calibrated>,
}

impl Calibration {
    pub fn build(node: &Node) -> Result<Calibration, Error> {
        let classes = classes(node)?;
        let k = classes.len();
        let list = attr(node, "calibrated_classifiers_")?
            .as_list()
            .ok_or_else(|| load("CalibratedClassifierCV.calibrated_classifiers_ is not a list"))?;
        let mut members = Vec::new();
        for item in list {
            if item.get("method").and_then(Node::as_str) != Some("sigmoid") {
                return Err(load("CalibratedClassifierCV: only method='sigmoid' is supported"));
            }
            let estimator = attr(item, "estimator")?;
            let name = short(estimator.class().unwrap_or("?"));
            if !super::linear::builds(name) {
                return Err(load(format!("CalibratedClassifierCV over {name}: only linear models are supported")));
            }
            let member = Linear::build(estimator)?;
            let own = classes_of(&member)?;
            let calibrators = attr(item, "calibrators")?
                .as_list()
                .ok_or_else(|| load("CalibratedClassifierCV: calibrators is not a list"))?;
            let width = if own.len() == 2 { 1 } else { own.len() };
            if calibrators.len() != width {
                return Err(load("CalibratedClassifierCV: one calibrator per decision column is expected"));
            }
            let mut columns = Vec::new();
            for (j, calibrator) in calibrators.iter().enumerate() {
                let number = |n: &str| attr(calibrator, n)?.as_f64().ok_or_else(|| load(format!("calibrator {n}")));
                let label = if width == 1 { 1 } else { j };
                let outer = (0..k)
                    .find(|&c| same(&classes, c, own, label))
                    .ok_or_else(|| load("CalibratedClassifierCV: a member's class is not in classes_"))?;
                let outer = if k == 2 && width == 1 { 1 } else { outer };
                columns.push((outer, number("a_")?, number("b_")?));
            }
            members.push(Calibrated { member, columns });
        }
        let first = members.first().ok_or_else(|| load("CalibratedClassifierCV has no calibrated classifiers"))?;
        let mut features = first.member.features.clone();
        let own = super::features(node);
        features.count = own.count.or(features.count);
        features.names = own.names.or(features.names);
        Ok(Calibration { features, classes, members })
    }

    fn proba(&self, x: &Matrix) -> Vec<f64> {
        let k = self.classes.len();
        let mut mean = vec![0.0; x.rows * k];
        for c in &self.members {
            let decisions = c.member.decision(x);
            let width = c.columns.len();
            for i in 0..x.rows {
                let mut p = vec![0.0; k];
                for (j, &(outer, a, b)) in c.columns.iter().enumerate() {
                    p[outer] = expit(-(a * decisions[i * width + j] + b));
                }
                if k == 2 {
                    p[0] = 1.0 - p[1];
                } else {
                    let sum = p.iter().fold(0.0, |s, v| s + v);
                    p = if sum != 0.0 { p.iter().map(|v| v / sum).collect() } else { vec![1.0 / k as f64; k] };
                }
                for (m, v) in mean[i * k..(i + 1) * k].iter_mut().zip(p) {
                    *m += if 1.0 < v && v <= 1.0 + 1e-5 { 1.0 } else { v };
                }
            }
        }
        let n = self.members.len() as f64;
        mean.iter_mut().for_each(|m| *m /= n);
        mean
    }
}

fn classes_of(member: &Linear) -> Result<&NdArray, Error> {
    member.classes.as_ref().ok_or_else(|| load("CalibratedClassifierCV: its member is not a classifier"))
}

impl Estimator for Calibration {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, _method: Method) -> bool {
        true
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let picks: Vec<usize> = self.proba(x).chunks(self.classes.len()).map(argmax).collect();
        Ok(take(&self.classes, &picks))
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(NdArray { shape: vec![x.rows, self.classes.len()], data: Data::F64(self.proba(x)) })
    }
}
