//! `KNeighborsClassifier` / `KNeighborsRegressor` for dense data: minkowski with
//! any `p`, euclidean, manhattan, chebyshev and cosine metrics, `uniform` or
//! `distance` weights. Neighbours are found as the fitted model finds them
//! ([`search`]): by brute force, or by walking its stored KD-tree / ball tree, so
//! that samples at equal distances are chosen as sklearn chooses them.

mod metric;
mod search;

use metric::Metric;
use search::{Search, SpaceTree};

use super::{argmax, attr, classes, features, floats, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// A fitted k-nearest-neighbours model.
#[derive(Debug, Clone)]
pub struct Neighbors {
    pub features: Features,
    /// `samples × features`, row-major.
    fit_x: Vec<f64>,
    /// Class index (classifier) or target (regressor) per sample.
    y: Vec<f64>,
    k: usize,
    distance_weights: bool,
    metric: Metric,
    search: Search,
    pub classes: Option<NdArray>,
}

impl Neighbors {
    pub fn build(node: &Node) -> Result<Neighbors, Error> {
        let class = node.class().unwrap_or("?").rsplit('.').next().unwrap_or("?").to_string();
        let bad = |what: String| load(format!("{class}: {what}"));
        let metric = Metric::of(node, &class)?;
        let distance_weights = match node.get("weights").and_then(Node::as_str) {
            Some("uniform") => false,
            Some("distance") => true,
            _ => return Err(bad("only weights='uniform' or 'distance' are supported".into())),
        };
        if node.get("outputs_2d_").and_then(Node::as_bool).unwrap_or(false) {
            return Err(bad("multi-output targets are not supported yet".into()));
        }
        let k = attr(node, "n_neighbors")?
            .as_i64()
            .and_then(|k| usize::try_from(k).ok())
            .filter(|&k| k > 0)
            .ok_or_else(|| bad("n_neighbors is not a positive count".into()))?;
        let (shape, fit_x) = floats(node, "_fit_X")?;
        let [samples, width] = shape.as_slice() else { return Err(bad(format!("_fit_X has shape {shape:?}"))) };
        let mut features = features(node);
        features.count.get_or_insert(*width);
        if features.count != Some(*width) {
            return Err(bad("_fit_X does not match n_features_in_".into()));
        }
        let (_, y) = floats(node, "_y")?;
        if y.len() != *samples || k > *samples {
            return Err(bad(format!("{} targets and n_neighbors={k} for {samples} samples", y.len())));
        }
        let classes = if class.ends_with("Classifier") {
            let classes = classes(node)?;
            if y.iter().any(|&c| c < 0.0 || c.fract() != 0.0 || c as usize >= classes.len()) {
                return Err(bad("_y holds a class index out of range".into()));
            }
            Some(classes)
        } else {
            None
        };
        let search = match node.get("_fit_method").and_then(Node::as_str) {
            Some("brute") => Search::Brute,
            Some("kd_tree" | "ball_tree") if metric != Metric::Cosine => {
                Search::Tree(SpaceTree::build(attr(node, "_tree")?, *samples, *width)?)
            }
            other => return Err(bad(format!("fit method {other:?} is not supported"))),
        };
        Ok(Neighbors { features, fit_x, y, k, distance_weights, metric, search, classes })
    }

    /// The k nearest samples of each row, nearest first, with their weights
    /// (`None` for uniform): `1 / distance`, or, when some distance is zero,
    /// 1 for the zero-distance neighbours and 0 for the others (`_get_weights`).
    fn neighbours(&self, row: &[f64]) -> (Vec<usize>, Option<Vec<f64>>) {
        let dist = self.search.query(self.metric, row, &self.fit_x, self.k);
        let index = dist.iter().map(|d| d.1).collect();
        if !self.distance_weights {
            return (index, None);
        }
        let weights = if dist.iter().any(|d| d.0 == 0.0) {
            dist.iter().map(|d| if d.0 == 0.0 { 1.0 } else { 0.0 }).collect()
        } else {
            dist.iter().map(|d| 1.0 / d.0).collect()
        };
        (index, Some(weights))
    }

    pub fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some(classes) = &self.classes else {
            let mut out = Vec::with_capacity(x.rows);
            for i in 0..x.rows {
                let (index, weights) = self.neighbours(x.row(i));
                out.push(match weights {
                    None => index.iter().map(|&s| self.y[s]).sum::<f64>() / index.len() as f64,
                    Some(w) => {
                        let num: f64 = index.iter().zip(&w).map(|(&s, w)| self.y[s] * w).sum();
                        num / w.iter().sum::<f64>()
                    }
                });
            }
            return Ok(NdArray { shape: vec![x.rows], data: Data::F64(out) });
        };
        let NdArray { data: Data::F64(p), .. } = self.predict_proba(x) else { unreachable!() };
        let picks: Vec<usize> = p.chunks(classes.len()).map(argmax).collect();
        Ok(take(classes, &picks))
    }

    /// Per-class sums of the neighbours' weights, normalised per row.
    pub fn predict_proba(&self, x: &Matrix) -> NdArray {
        let k = self.classes.as_ref().map_or(1, NdArray::len);
        let mut out = vec![0.0; x.rows * k];
        for i in 0..x.rows {
            let (index, weights) = self.neighbours(x.row(i));
            let row = &mut out[i * k..(i + 1) * k];
            for (n, &s) in index.iter().enumerate() {
                row[self.y[s] as usize] += weights.as_ref().map_or(1.0, |w| w[n]);
            }
            let sum: f64 = row.iter().sum();
            let norm = if sum == 0.0 { 1.0 } else { sum };
            row.iter_mut().for_each(|v| *v /= norm);
        }
        NdArray { shape: vec![x.rows, k], data: Data::F64(out) }
    }
}
