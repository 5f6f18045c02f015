//! `KNeighborsClassifier` / `KNeighborsRegressor` with the euclidean metric
//! (`minkowski` with `p=2`), `uniform` or `distance` weights, searched by brute
//! force over `_fit_X` (which is exact whatever `algorithm` built at fit time).

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
    samples: usize,
    /// Class index (classifier) or target (regressor) per sample.
    y: Vec<f64>,
    k: usize,
    distance_weights: bool,
    pub classes: Option<NdArray>,
}

impl Neighbors {
    pub fn build(node: &Node) -> Result<Neighbors, Error> {
        let class = node.class().unwrap_or("?").rsplit('.').next().unwrap_or("?").to_string();
        let bad = |what: String| load(format!("{class}: {what}"));
        let metric = node.get("effective_metric_").and_then(Node::as_str).unwrap_or("?");
        if metric != "euclidean" {
            return Err(bad(format!("metric '{metric}' is not supported (euclidean / minkowski p=2 are)")));
        }
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
        Ok(Neighbors { features, fit_x, samples: *samples, y, k, distance_weights, classes })
    }

    /// The k nearest samples of each row, nearest first, with their weights
    /// (`None` for uniform): `1 / distance`, or, when some distance is zero,
    /// 1 for the zero-distance neighbours and 0 for the others (`_get_weights`).
    fn neighbours(&self, row: &[f64]) -> (Vec<usize>, Option<Vec<f64>>) {
        let cols = row.len();
        let mut dist: Vec<(f64, usize)> = (0..self.samples)
            .map(|s| {
                let fit = &self.fit_x[s * cols..(s + 1) * cols];
                let d2: f64 = row.iter().zip(fit).map(|(a, b)| (a - b) * (a - b)).sum();
                (d2.sqrt(), s)
            })
            .collect();
        // Stable by (distance, index): ties keep the lower sample index.
        dist.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        dist.truncate(self.k);
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
