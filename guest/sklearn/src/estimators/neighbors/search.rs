//! Finding the k nearest fitted samples as sklearn finds them, ties included:
//! a fixed-size max-heap (`sklearn.utils._heap.heap_push`) fed in sklearn's
//! order. Brute force feeds samples by index (`ArgKmin`); a fitted `KDTree` or
//! `BallTree` is walked from its stored nodes as `_query_single_depthfirst`
//! walks it (nearer child first, a node skipped when its lower bound exceeds the
//! heap's largest), so equal distances keep the same samples sklearn keeps.

use super::metric::Metric;
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::{Node, TUPLE_STATE_ATTR};

/// How neighbours are searched.
#[derive(Debug, Clone)]
pub enum Search {
    Brute,
    Tree(SpaceTree),
}

/// A fitted KD-tree or ball tree: `idx_array`, `node_data`, `node_bounds`.
#[derive(Debug, Clone)]
pub struct SpaceTree {
    ball: bool,
    idx: Vec<usize>,
    /// Per node: first and end positions in `idx`, leaf flag, radius (ball tree).
    nodes: Vec<(usize, usize, bool, f64)>,
    /// KD-tree: lower then upper bounds, `nodes × features` each; ball tree: centroids.
    bounds: Vec<f64>,
    width: usize,
}

impl SpaceTree {
    /// Reads a `KDTree` / `BallTree` (`_tree`) fitted on `samples × width` points.
    pub fn build(node: &Node, samples: usize, width: usize) -> Result<SpaceTree, Error> {
        let class = node.class().unwrap_or("?");
        let bad = |what: &str| load(format!("{class}: malformed tree state: {what}"));
        let ball = match class {
            "sklearn.neighbors._kd_tree.KDTree" => false,
            "sklearn.neighbors._ball_tree.BallTree" => true,
            other => return Err(load(format!("neighbours tree {other} is not supported"))),
        };
        let Some(state) = node.get(TUPLE_STATE_ATTR).and_then(Node::as_list) else { return Err(bad("no state")) };
        let array = |i: usize| state.get(i).and_then(Node::as_array).ok_or_else(|| bad("missing array"));
        let idx: Vec<usize> = match &array(1)?.data {
            Data::I64(v) => v.iter().map(|&i| usize::try_from(i).ok().filter(|&i| i < samples)).collect::<Option<_>>(),
            _ => None,
        }
        .filter(|v: &Vec<usize>| v.len() == samples)
        .ok_or_else(|| bad("idx_array"))?;
        let NdArray { data: Data::Records(fields), shape } = array(2)? else { return Err(bad("node_data")) };
        let n = shape.iter().product::<usize>();
        let field = |name: &str| fields.iter().find(|(f, _)| f == name).map(|(_, d)| d);
        let (Some(Data::I64(start)), Some(Data::I64(end)), Some(Data::I64(leaf)), Some(Data::F64(radius))) =
            (field("idx_start"), field("idx_end"), field("is_leaf"), field("radius"))
        else {
            return Err(bad("node_data fields"));
        };
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let (s, e) = (usize::try_from(start[i]), usize::try_from(end[i]));
            let (Ok(s), Ok(e)) = (s, e) else { return Err(bad("node range")) };
            let leaf = leaf[i] != 0;
            // An inner node's children must exist; a range must lie inside idx_array.
            if s > e || e > samples || (!leaf && 2 * i + 2 >= n) {
                return Err(bad("node range"));
            }
            nodes.push((s, e, leaf, radius[i]));
        }
        let bounds = array(3)?;
        let Data::F64(values) = &bounds.data else { return Err(bad("node_bounds")) };
        let planes = if ball { 1 } else { 2 };
        if n == 0 || bounds.shape != [planes, n, width] {
            return Err(bad("node_bounds shape"));
        }
        Ok(SpaceTree { ball, idx, nodes, bounds: values.clone(), width })
    }

    /// The lower bound of the reduced distance from `pt` to any point of node `i`.
    fn min_rdist(&self, metric: Metric, i: usize, pt: &[f64]) -> f64 {
        let w = self.width;
        if self.ball {
            let centroid = &self.bounds[i * w..(i + 1) * w];
            return metric.dist_to_rdist(f64::max(0.0, metric.dist(pt, centroid) - self.nodes[i].3));
        }
        let n = self.nodes.len();
        let (lo, hi) = (&self.bounds[i * w..(i + 1) * w], &self.bounds[(n + i) * w..(n + i + 1) * w]);
        let p = metric.p();
        let mut rdist = 0.0;
        for j in 0..w {
            // x + |x| = 2 max(x, 0)
            let (d_lo, d_hi) = (lo[j] - pt[j], pt[j] - hi[j]);
            let d = (d_lo + d_lo.abs()) + (d_hi + d_hi.abs());
            if p == f64::INFINITY {
                rdist = f64::max(rdist, 0.5 * d);
            } else {
                rdist += (0.5 * d).powf(p);
            }
        }
        rdist
    }

    fn visit(&self, metric: Metric, i: usize, pt: &[f64], fit_x: &[f64], heap: &mut Heap, lower: f64) {
        let (start, end, leaf, _) = self.nodes[i];
        if lower > heap.largest() {
            return;
        }
        if leaf {
            for &s in &self.idx[start..end] {
                heap.push(metric.rdist(pt, &fit_x[s * self.width..(s + 1) * self.width]), s);
            }
            return;
        }
        let (a, b) = (2 * i + 1, 2 * i + 2);
        let (la, lb) = (self.min_rdist(metric, a, pt), self.min_rdist(metric, b, pt));
        if la <= lb {
            self.visit(metric, a, pt, fit_x, heap, la);
            self.visit(metric, b, pt, fit_x, heap, lb);
        } else {
            self.visit(metric, b, pt, fit_x, heap, lb);
            self.visit(metric, a, pt, fit_x, heap, la);
        }
    }
}

impl Search {
    /// The `k` nearest of the `fit_x` rows to `pt`: (distance, sample), nearest first.
    pub fn query(&self, metric: Metric, pt: &[f64], fit_x: &[f64], k: usize) -> Vec<(f64, usize)> {
        let mut heap = Heap::new(k);
        match self {
            Search::Brute => {
                for (s, row) in fit_x.chunks(pt.len().max(1)).enumerate() {
                    heap.push(metric.rdist(pt, row), s);
                }
            }
            Search::Tree(tree) => tree.visit(metric, 0, pt, fit_x, &mut heap, tree.min_rdist(metric, 0, pt)),
        }
        let mut found: Vec<(f64, usize)> = heap.values.into_iter().zip(heap.indices).collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        found.into_iter().map(|(r, s)| (metric.rdist_to_dist(r), s)).collect()
    }
}

/// sklearn's fixed-size max-heap of (reduced distance, sample), root the largest.
struct Heap {
    values: Vec<f64>,
    indices: Vec<usize>,
}

impl Heap {
    fn new(k: usize) -> Heap {
        Heap { values: vec![f64::INFINITY; k], indices: vec![0; k] }
    }

    fn largest(&self) -> f64 {
        self.values[0]
    }

    /// `heap_push`: a value not below the largest is dropped (so of equal values,
    /// the one pushed first stays); otherwise it replaces the root and sifts down.
    fn push(&mut self, val: f64, index: usize) {
        let (values, size) = (&mut self.values, self.indices.len());
        // As in Cython: a NaN is not `>=`, so it enters the heap.
        if val >= values[0] {
            return;
        }
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let swap = if l >= size {
                break;
            } else if r >= size || values[l] >= values[r] {
                if val < values[l] { l } else { break }
            } else if val < values[r] {
                r
            } else {
                break;
            };
            values[i] = values[swap];
            self.indices[i] = self.indices[swap];
            i = swap;
        }
        values[i] = val;
        self.indices[i] = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_keeps_the_first_of_equal_values() {
        let mut heap = Heap::new(2);
        for (v, i) in [(5.0, 0), (5.0, 1), (5.0, 2), (3.0, 3)] {
            heap.push(v, i);
        }
        let mut kept: Vec<usize> = heap.indices.clone();
        kept.sort();
        assert_eq!(kept, [0, 3]);
        let found = Search::Brute.query(Metric::Manhattan, &[0.0], &[1.0, -1.0, 1.0, 0.5], 2);
        assert_eq!(found, [(0.5, 3), (1.0, 0)]);
    }
}
