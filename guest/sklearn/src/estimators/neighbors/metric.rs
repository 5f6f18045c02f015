//! The distance metrics of sklearn's neighbours for dense data, computed as
//! `sklearn.metrics._dist_metrics` computes them: a reduced distance (`rdist`,
//! which ranks like the distance: the squared distance for euclidean, `Σ|d|^p`
//! for minkowski) used to pick neighbours, converted to the distance afterwards.

use crate::error::{Error, load};
use crate::skops::Node;

/// A fitted model's `effective_metric_` (with `effective_metric_params_`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    Euclidean,
    Manhattan,
    Chebyshev,
    /// `minkowski` with a `p` other than 1, 2 and infinity.
    Minkowski(f64),
    /// `1 - cos(x, y)` (brute force only in sklearn).
    Cosine,
}

impl Metric {
    /// Reads `effective_metric_` and its `p`; `class` names the estimator in errors.
    pub fn of(node: &Node, class: &str) -> Result<Metric, Error> {
        let name = node.get("effective_metric_").and_then(Node::as_str).unwrap_or("?");
        let params = match node.get("effective_metric_params_") {
            Some(Node::Dict(entries)) => entries.as_slice(),
            _ => &[],
        };
        if let Some((key, _)) = params.iter().find(|(k, v)| k != "p" && !(k == "w" && v.is_none())) {
            return Err(load(format!("{class}: metric_params '{key}' is not supported (only p is)")));
        }
        let p = params.iter().find(|(k, _)| k == "p").and_then(|(_, v)| v.as_f64());
        let metric = match (name, p) {
            ("euclidean" | "l2", _) => Metric::Euclidean,
            ("manhattan" | "cityblock" | "l1", _) => Metric::Manhattan,
            ("chebyshev" | "infinity", _) => Metric::Chebyshev,
            ("cosine", _) => Metric::Cosine,
            ("minkowski", Some(1.0)) => Metric::Manhattan,
            ("minkowski", Some(2.0)) => Metric::Euclidean,
            ("minkowski", Some(p)) if p == f64::INFINITY => Metric::Chebyshev,
            ("minkowski", Some(p)) if p > 0.0 => Metric::Minkowski(p),
            _ => {
                return Err(load(format!(
                    "{class}: metric '{name}' is not supported (minkowski with any p, euclidean, manhattan, \
                     chebyshev and cosine are)"
                )));
            }
        };
        Ok(metric)
    }

    /// The `p` a KD-tree bounds nodes with (`dist_metric.p`).
    pub fn p(self) -> f64 {
        match self {
            Metric::Euclidean => 2.0,
            Metric::Manhattan => 1.0,
            Metric::Chebyshev => f64::INFINITY,
            Metric::Minkowski(p) => p,
            Metric::Cosine => f64::NAN,
        }
    }

    /// The reduced distance between two points.
    pub fn rdist(self, a: &[f64], b: &[f64]) -> f64 {
        let pairs = a.iter().zip(b);
        match self {
            Metric::Euclidean => pairs.map(|(x, y)| (x - y) * (x - y)).sum(),
            Metric::Manhattan => pairs.map(|(x, y)| (x - y).abs()).sum(),
            Metric::Chebyshev => pairs.fold(0.0, |m, (x, y)| f64::max(m, (x - y).abs())),
            Metric::Minkowski(p) => pairs.map(|(x, y)| (x - y).abs().powf(p)).sum(),
            Metric::Cosine => cosine(a, b),
        }
    }

    /// A reduced distance as the distance.
    pub fn rdist_to_dist(self, r: f64) -> f64 {
        match self {
            Metric::Euclidean => r.sqrt(),
            Metric::Minkowski(p) => r.powf(1.0 / p),
            Metric::Manhattan | Metric::Chebyshev | Metric::Cosine => r,
        }
    }

    /// A distance as the reduced distance.
    pub fn dist_to_rdist(self, d: f64) -> f64 {
        match self {
            Metric::Euclidean => d * d,
            Metric::Minkowski(p) => d.powf(p),
            Metric::Manhattan | Metric::Chebyshev | Metric::Cosine => d,
        }
    }

    /// The distance between two points.
    pub fn dist(self, a: &[f64], b: &[f64]) -> f64 {
        self.rdist_to_dist(self.rdist(a, b))
    }
}

/// `cosine_distances`: both rows normalised to unit length (`normalize`, a zero
/// row left as it is), `1 - x·y`, clipped to [0, 2].
fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let norm = |v: &[f64]| {
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if n == 0.0 { 1.0 } else { n }
    };
    let (na, nb) = (norm(a), norm(b));
    let dot: f64 = a.iter().zip(b).map(|(x, y)| (x / na) * (y / nb)).sum();
    (1.0 - dot).clamp(0.0, 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduced_distances_rank_like_distances() {
        let (a, b) = ([0.0, 0.0], [3.0, 4.0]);
        assert_eq!(Metric::Euclidean.dist(&a, &b), 5.0);
        assert_eq!(Metric::Manhattan.dist(&a, &b), 7.0);
        assert_eq!(Metric::Chebyshev.dist(&a, &b), 4.0);
        assert!((Metric::Minkowski(3.0).dist(&a, &b) - 91f64.powf(1.0 / 3.0)).abs() < 1e-15);
        assert_eq!(Metric::Cosine.dist(&[1.0, 0.0], &[0.0, 2.0]), 1.0);
        assert_eq!(Metric::Euclidean.dist_to_rdist(5.0), 25.0);
    }
}
