//! `ai.onnx.ml` operators for tract, registered in the flavor's ONNX parser
//! in place of tract's own (which lack `Scaler`, `TreeEnsembleRegressor`, … and
//! differ from onnxruntime on others). Each module holds one family of
//! operators with onnxruntime's semantics; [`op`] adapts them to tract.
//! `ZipMap` is not an operator here: see `crate::zipmap`.

mod elementwise;
mod encode;
mod labels;
mod layout;
mod linear;
mod normalizer;
pub mod op;
mod scaler;
mod svm;
mod svm_classifier;
mod transform;
mod tree;
mod tree5;
mod tree_finalize;

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

type Built = TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

/// Registers a builder that reads only the node's attributes.
macro_rules! register {
    ($reg:ident, $($name:literal => $build:path),* $(,)?) => {
        $(
            $reg.insert($name, |_ctx: &ParsingContext, node: &NodeProto| -> Built {
                Ok(($build(node)?, vec![]))
            });
        )*
    };
}

/// Adds (or replaces) the `ai.onnx.ml` operators of this crate.
pub fn register(reg: &mut OnnxOpRegister) {
    register!(reg,
        "Scaler" => scaler::build,
        "Normalizer" => normalizer::build,
        "Binarizer" => elementwise::binarizer,
        "Imputer" => elementwise::imputer,
        "LinearRegressor" => linear::regressor,
        "LinearClassifier" => linear::classifier,
        "ArrayFeatureExtractor" => layout::array_feature_extractor,
        "FeatureVectorizer" => layout::feature_vectorizer,
        "LabelEncoder" => encode::label_encoder,
        "CategoryMapper" => encode::category_mapper,
        "OneHotEncoder" => encode::one_hot_encoder,
        "SVMRegressor" => svm::regressor,
        "SVMClassifier" => svm_classifier::classifier,
    );
    reg.insert("TreeEnsembleRegressor", |ctx, node| Ok((tree::regressor(ctx, node)?, vec![])));
    reg.insert("TreeEnsemble", |ctx, node| Ok((tree5::tree_ensemble(ctx, node)?, vec![])));
    reg.insert("TreeEnsembleClassifier", |ctx, node| Ok((tree::classifier(ctx, node)?, vec![])));
}
