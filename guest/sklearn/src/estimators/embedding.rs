//! `RandomTreesEmbedding`: the leaf each row reaches in each tree (`apply`, on the
//! float32 copy of the row), one-hot encoded over the leaves each tree has
//! (`one_hot_encoder_.categories_`), trees side by side.

use super::tree::Tree;
use super::{attr, features};
use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

/// A fitted `RandomTreesEmbedding`.
#[derive(Debug, Clone)]
pub struct TreesEmbedding {
    pub features: Features,
    /// Each tree and its leaf ids in output order.
    trees: Vec<(Tree, Vec<usize>)>,
}

impl TreesEmbedding {
    pub fn build(node: &Node) -> Result<TreesEmbedding, Error> {
        let mut features = features(node);
        let n = features.count.ok_or_else(|| load("RandomTreesEmbedding is not fitted"))?;
        let estimators = attr(node, "estimators_")?
            .as_list()
            .ok_or_else(|| load("RandomTreesEmbedding.estimators_ is not a list"))?;
        let categories = attr(attr(node, "one_hot_encoder_")?, "categories_")?
            .as_list()
            .ok_or_else(|| load("RandomTreesEmbedding: the encoder's categories_ is not a list"))?;
        if categories.len() != estimators.len() {
            return Err(load("RandomTreesEmbedding: one category list per tree is expected"));
        }
        let mut trees = Vec::with_capacity(estimators.len());
        for (estimator, leaves) in estimators.iter().zip(categories) {
            let tree = Tree::build(estimator, n)?;
            let leaves: Vec<usize> = match leaves {
                Node::Array(NdArray { data: Data::I64(v), .. }) => v.iter().map(|&l| l.max(0) as usize).collect(),
                Node::Array(NdArray { data: Data::F64(v), .. }) => v.iter().map(|&l| l.max(0.0) as usize).collect(),
                _ => return Err(load("RandomTreesEmbedding: leaf categories are not numbers")),
            };
            if leaves.iter().any(|&l| l >= tree.nodes()) {
                return Err(load("RandomTreesEmbedding: a leaf category is not a node of its tree"));
            }
            trees.push((tree, leaves));
        }
        // Trees check the float32 copy: NaN is allowed (missing values), infinity is not.
        features.check = Check::Finite { allow_nan: true, dtype: "float32" };
        Ok(TreesEmbedding { features, trees })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let m = self.features.matrix(x)?;
        let cols: usize = self.trees.iter().map(|(_, l)| l.len()).sum();
        let mut data = vec![0.0; m.rows * cols];
        for i in 0..m.rows {
            let row: Vec<f32> = m.row(i).iter().map(|&v| v as f32).collect();
            let mut offset = 0;
            for (tree, leaves) in &self.trees {
                let leaf = tree.leaf(&row);
                let at = leaves.iter().position(|&l| l == leaf).ok_or_else(|| {
                    Error::Evaluation(format!("Found unknown categories [{leaf}] in column during transform"))
                })?;
                data[i * cols + offset + at] = 1.0;
                offset += leaves.len();
            }
        }
        Ok(Matrix { rows: m.rows, cols, data })
    }
}
