//! Decision trees and forests (`DecisionTree*`, `RandomForest*`, `ExtraTrees*`): the
//! node arrays of `sklearn.tree._tree.Tree`, walked as sklearn walks them
//! (features cast to float32, `x <= threshold` goes left, NaN follows
//! `missing_go_to_left`), and averaged over the forest in estimator order.

use super::{argmax, attr, classes, features, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

/// One fitted `Tree`.
#[derive(Debug, Clone)]
pub(super) struct Tree {
    left: Vec<usize>,
    right: Vec<usize>,
    feature: Vec<usize>,
    threshold: Vec<f64>,
    missing_left: Vec<bool>,
    /// `nodes × width` (one output), row-major.
    values: Vec<f64>,
    width: usize,
}

const LEAF: i64 = -1;

impl Tree {
    pub(super) fn build(estimator: &Node, n_features: usize) -> Result<Tree, Error> {
        let tree = attr(estimator, "tree_")?;
        let bad = |what: &str| load(format!("{}: malformed tree_: {what}", short(estimator.class().unwrap_or("?"))));
        let Some(NdArray { data: Data::Records(fields), shape }) = tree.get("nodes").and_then(Node::as_array) else {
            return Err(bad("no node records"));
        };
        let n = shape.iter().product::<usize>();
        let field = |name: &str| fields.iter().find(|(f, _)| f == name).map(|(_, d)| d);
        let (Some(Data::I64(left)), Some(Data::I64(right)), Some(Data::I64(feature)), Some(Data::F64(threshold))) =
            (field("left_child"), field("right_child"), field("feature"), field("threshold"))
        else {
            return Err(bad("node fields"));
        };
        let missing_left = match field("missing_go_to_left") {
            Some(Data::I64(m)) => m.iter().map(|&m| m != 0).collect(),
            Some(Data::Bool(m)) => m.clone(),
            _ => vec![false; n],
        };
        let Some(NdArray { shape: vshape, data: Data::F64(values) }) = tree.get("values").and_then(Node::as_array)
        else {
            return Err(bad("no values"));
        };
        let [vn, outputs, width] = vshape.as_slice() else { return Err(bad("values are not 3-D")) };
        if *vn != n || *outputs != 1 || *width == 0 || n == 0 {
            return Err(load(format!(
                "{}: only single-output trees are supported (values {vshape:?})",
                short(estimator.class().unwrap_or("?"))
            )));
        }
        let (mut l, mut r, mut f) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            if left[i] == LEAF {
                l.push(0);
                r.push(0);
                f.push(0);
                continue;
            }
            // Children come after their parent: checking it bounds every walk.
            let child = |c: i64| usize::try_from(c).ok().filter(|&c| c > i && c < n);
            let (Some(a), Some(b)) = (child(left[i]), child(right[i])) else { return Err(bad("child index")) };
            let feat =
                usize::try_from(feature[i]).ok().filter(|&x| x < n_features).ok_or_else(|| bad("feature index"))?;
            l.push(a);
            r.push(b);
            f.push(feat);
        }
        Ok(Tree {
            left: l,
            right: r,
            feature: f,
            threshold: threshold.clone(),
            missing_left,
            values: values.clone(),
            width: *width,
        })
    }

    /// The leaf a row lands in.
    pub(super) fn leaf(&self, row: &[f32]) -> usize {
        let mut node = 0;
        while self.left[node] != 0 {
            let x = row[self.feature[node]];
            let go_left = if x.is_nan() { self.missing_left[node] } else { f64::from(x) <= self.threshold[node] };
            node = if go_left { self.left[node] } else { self.right[node] };
        }
        node
    }

    /// Number of nodes.
    pub(super) fn nodes(&self) -> usize {
        self.left.len()
    }

    pub(super) fn value(&self, leaf: usize) -> &[f64] {
        &self.values[leaf * self.width..(leaf + 1) * self.width]
    }
}

/// One tree or a forest of them; classifiers know their classes.
#[derive(Debug, Clone)]
pub struct Ensemble {
    pub features: Features,
    trees: Vec<Tree>,
    forest: bool,
    pub classes: Option<NdArray>,
}

impl Ensemble {
    pub fn build(node: &Node) -> Result<Ensemble, Error> {
        let class = node.class().unwrap_or("?");
        let features = features(node);
        let n_features = features.count.ok_or_else(|| load(format!("{class} has no n_features_in_")))?;
        let forest = class.contains("RandomForest") || class.contains("ExtraTrees");
        let trees = if forest {
            let list = attr(node, "estimators_")?
                .as_list()
                .ok_or_else(|| load(format!("{class}.estimators_ is not a list")))?;
            list.iter().map(|t| Tree::build(t, n_features)).collect::<Result<Vec<_>, _>>()?
        } else {
            vec![Tree::build(node, n_features)?]
        };
        if trees.is_empty() {
            return Err(load(format!("{class} has no trees")));
        }
        let classes = if class.ends_with("Classifier") { Some(classes(node)?) } else { None };
        if let Some(c) = &classes
            && trees.iter().any(|t| t.width < c.len())
        {
            return Err(load(format!("{class}: trees have fewer values than classes")));
        }
        Ok(Ensemble { features, trees, forest, classes })
    }

    /// Rows as float32, as `DecisionTree*._validate_X_predict` makes them.
    fn rows32(x: &Matrix) -> Vec<f32> {
        x.data.iter().map(|&v| v as f32).collect()
    }

    pub fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let Some(classes) = &self.classes else {
            let x32 = Self::rows32(x);
            let mut out = vec![0.0; x.rows];
            for tree in &self.trees {
                for (i, o) in out.iter_mut().enumerate() {
                    *o += tree.value(tree.leaf(&x32[i * x.cols..(i + 1) * x.cols]))[0];
                }
            }
            if self.forest {
                let n = self.trees.len() as f64;
                out.iter_mut().for_each(|o| *o /= n);
            }
            return Ok(NdArray { shape: vec![x.rows], data: Data::F64(out) });
        };
        let picks: Vec<usize> = if self.forest {
            let NdArray { data: Data::F64(p), .. } = self.predict_proba(x) else { unreachable!() };
            p.chunks(classes.len()).map(argmax).collect()
        } else {
            // A single tree takes the argmax of the raw leaf values.
            let x32 = Self::rows32(x);
            let tree = &self.trees[0];
            (0..x.rows)
                .map(|i| argmax(&tree.value(tree.leaf(&x32[i * x.cols..(i + 1) * x.cols]))[..classes.len()]))
                .collect()
        };
        Ok(take(classes, &picks))
    }

    /// Leaf fractions normalised per tree, summed in estimator order, divided by
    /// the number of trees (`ForestClassifier.predict_proba`).
    pub fn predict_proba(&self, x: &Matrix) -> NdArray {
        let k = self.classes.as_ref().map_or(1, NdArray::len);
        let x32 = Self::rows32(x);
        let mut out = vec![0.0; x.rows * k];
        for tree in &self.trees {
            for i in 0..x.rows {
                let value = &tree.value(tree.leaf(&x32[i * x.cols..(i + 1) * x.cols]))[..k];
                let sum: f64 = value.iter().sum();
                let norm = if sum == 0.0 { 1.0 } else { sum };
                for (o, v) in out[i * k..(i + 1) * k].iter_mut().zip(value) {
                    *o += v / norm;
                }
            }
        }
        if self.forest {
            let n = self.trees.len() as f64;
            out.iter_mut().for_each(|o| *o /= n);
        }
        NdArray { shape: vec![x.rows, k], data: Data::F64(out) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DecisionTreeRegressor whose root splits on feature 0 into nodes `l`, `r`.
    fn regressor(l: i64, r: i64, feature: i64) -> Node {
        let i = |v: Vec<i64>| Data::I64(v);
        let nodes = NdArray {
            shape: vec![3],
            data: Data::Records(vec![
                ("left_child".into(), i(vec![l, -1, -1])),
                ("right_child".into(), i(vec![r, -1, -1])),
                ("feature".into(), i(vec![feature, -2, -2])),
                ("threshold".into(), Data::F64(vec![0.5, -2.0, -2.0])),
                ("missing_go_to_left".into(), i(vec![1, 0, 0])),
            ]),
        };
        let values = NdArray { shape: vec![3, 1, 1], data: Data::F64(vec![0.0, 10.0, 20.0]) };
        let tree = Node::Object {
            class: "sklearn.tree._tree.Tree".into(),
            attrs: vec![("nodes".into(), Node::Array(nodes)), ("values".into(), Node::Array(values))],
        };
        Node::Object {
            class: "sklearn.tree._classes.DecisionTreeRegressor".into(),
            attrs: vec![("n_features_in_".into(), Node::Json(1.into())), ("tree_".into(), tree)],
        }
    }

    #[test]
    fn walks_splits_and_missing_values() {
        let model = Ensemble::build(&regressor(1, 2, 0)).unwrap();
        let x = Matrix { rows: 3, cols: 1, data: vec![0.5, 0.7, f64::NAN] };
        assert_eq!(model.predict(&x).unwrap().data, Data::F64(vec![10.0, 20.0, 10.0]));
    }

    #[test]
    fn refuses_cycles_and_out_of_range_indices() {
        for (l, r, f) in [(0, 2, 0), (1, 7, 0), (1, -5, 0), (1, 2, 5), (1, 2, -3)] {
            let Err(Error::Load(m)) = Ensemble::build(&regressor(l, r, f)) else { panic!("accepted {l} {r} {f}") };
            assert!(m.contains("malformed tree_"), "{m}");
        }
    }
}
