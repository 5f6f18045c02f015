//! Outlier detectors answering `1` (inlier) or `-1`: `EllipticEnvelope`
//! (`-mahalanobis² - offset_ >= 0`, the distance as scipy's `cdist` computes it,
//! then squared) and `SGDOneClassSVM` (`X @ coef_ - offset_ >= 0`).

use super::{Estimator, Method, features, floats, short};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone)]
enum Kind {
    Envelope { location: Vec<f64>, precision: Vec<f64> },
    OneClass { coef: Vec<f64> },
}

/// A fitted outlier detector.
#[derive(Debug, Clone)]
pub struct Outlier {
    pub features: Features,
    kind: Kind,
    offset: f64,
}

impl Outlier {
    pub fn build(node: &Node) -> Result<Outlier, Error> {
        let class = short(node.class().unwrap_or("?"));
        let mut features = features(node);
        let (_, offset) = floats(node, "offset_")?;
        let offset = *offset.first().ok_or_else(|| load(format!("{class}.offset_ is empty")))?;
        let kind = match class {
            "EllipticEnvelope" => {
                let (_, location) = floats(node, "location_")?;
                let (shape, precision) = floats(node, "precision_")
                    .map_err(|_| load("EllipticEnvelope(store_precision=False) is not supported"))?;
                let n = location.len();
                if shape != [n, n] {
                    return Err(load("EllipticEnvelope: precision_ does not match location_"));
                }
                features.count.get_or_insert(n);
                Kind::Envelope { location, precision }
            }
            "SGDOneClassSVM" => {
                let (_, coef) = floats(node, "coef_")?;
                features.count.get_or_insert(coef.len());
                Kind::OneClass { coef }
            }
            other => return Err(load(format!("{other} is not an outlier detector wasmflow supports"))),
        };
        Ok(Outlier { features, kind, offset })
    }

    fn decision(&self, row: &[f64]) -> f64 {
        match &self.kind {
            Kind::Envelope { location, precision } => {
                let n = location.len();
                let d: Vec<f64> = row.iter().zip(location).map(|(a, b)| a - b).collect();
                let s: f64 = (0..n).map(|i| d[i] * (0..n).map(|j| precision[i * n + j] * d[j]).sum::<f64>()).sum();
                let dist = s.sqrt();
                -(dist * dist) - self.offset
            }
            Kind::OneClass { coef } => row.iter().zip(coef).map(|(a, b)| a * b).sum::<f64>() - self.offset,
        }
    }
}

impl Estimator for Outlier {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        method == Method::Predict
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let labels = (0..x.rows).map(|i| if self.decision(x.row(i)) >= 0.0 { 1 } else { -1 }).collect();
        Ok(NdArray { shape: vec![x.rows], data: Data::I64(labels) })
    }
}
