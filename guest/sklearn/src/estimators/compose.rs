//! Composition: `Pipeline` (steps in order, `passthrough` skipped) and
//! `ColumnTransformer` (columns picked by name or position, outputs side by side).

use super::decomposition::Projection;
use super::distribution::Distribution;
use super::embedding::TreesEmbedding;
use super::impute::SimpleImputer;
use super::mapping::FeatureMap;
use super::preprocess::{MinMaxScaler, OneHotEncoder, OrdinalEncoder, PolynomialFeatures, StandardScaler};
use super::select::Selector;
use super::target_encoder::TargetEncoder;
use super::{attr, short};
use crate::data::{Column, Features, Frame, Input, Matrix};
use crate::error::{Error, load};
use crate::skops::Node;

/// A fitted transformer.
#[derive(Debug, Clone)]
pub enum Transform {
    Standard(StandardScaler),
    MinMax(MinMaxScaler),
    Impute(SimpleImputer),
    OneHot(OneHotEncoder),
    Ordinal(OrdinalEncoder),
    Poly(PolynomialFeatures),
    Columns(ColumnTransformer),
    Pipeline(Vec<Transform>),
    Project(Projection),
    Map(FeatureMap),
    Distribution(Distribution),
    Target(TargetEncoder),
    Embedding(TreesEmbedding),
    Select(Selector),
    /// `FunctionTransformer(func=None)`, which fitted ColumnTransformers hold for
    /// `"passthrough"`: the selected columns as they are.
    Identity(Features),
}

impl Transform {
    pub fn build(node: &Node) -> Result<Transform, Error> {
        let class = node.class().unwrap_or("?");
        Ok(match short(class) {
            "StandardScaler" => Transform::Standard(StandardScaler::build(node)?),
            "RobustScaler" => Transform::Standard(StandardScaler::build_robust(node)?),
            "MaxAbsScaler" => Transform::Standard(StandardScaler::build_max_abs(node)?),
            "OrdinalEncoder" => Transform::Ordinal(OrdinalEncoder::build(node)?),
            "PolynomialFeatures" => Transform::Poly(PolynomialFeatures::build(node)?),
            "MinMaxScaler" => Transform::MinMax(MinMaxScaler::build(node)?),
            "SimpleImputer" => Transform::Impute(SimpleImputer::build(node)?),
            "OneHotEncoder" => Transform::OneHot(OneHotEncoder::build(node)?),
            "FunctionTransformer" => {
                if !node.get("func").is_none_or(Node::is_none) {
                    return Err(load("FunctionTransformer with a function is not supported (it would run code)"));
                }
                Transform::Identity(super::features(node))
            }
            "ColumnTransformer" => Transform::Columns(ColumnTransformer::build(node)?),
            "PCA"
            | "IncrementalPCA"
            | "TruncatedSVD"
            | "FastICA"
            | "RBFSampler"
            | "SkewedChi2Sampler"
            | "KMeans"
            | "MiniBatchKMeans"
            | "BisectingKMeans"
            | "Normalizer"
            | "Binarizer"
            | "NeighborhoodComponentsAnalysis"
            | "SparsePCA"
            | "MiniBatchSparsePCA"
            | "DictionaryLearning"
            | "MiniBatchDictionaryLearning"
            | "PLSSVD" => Transform::Project(Projection::build(node)?),
            "BernoulliRBM"
            | "Nystroem"
            | "AdditiveChi2Sampler"
            | "FeatureAgglomeration"
            | "TfidfTransformer"
            | "KernelPCA"
            | "FactorAnalysis" => Transform::Map(FeatureMap::build(node)?),
            "TargetEncoder" => Transform::Target(TargetEncoder::build(node)?),
            "RandomTreesEmbedding" => Transform::Embedding(TreesEmbedding::build(node)?),
            "PowerTransformer" | "QuantileTransformer" | "KBinsDiscretizer" => {
                Transform::Distribution(Distribution::build(node)?)
            }
            "VarianceThreshold"
            | "SelectKBest"
            | "SelectPercentile"
            | "SelectFpr"
            | "SelectFdr"
            | "SelectFwe"
            | "GenericUnivariateSelect"
            | "SelectFromModel"
            | "RFE"
            | "RFECV"
            | "SequentialFeatureSelector" => Transform::Select(Selector::build(node)?),
            "Pipeline" => Transform::Pipeline(
                pipeline_steps(node)?.into_iter().map(Transform::build).collect::<Result<Vec<_>, _>>()?,
            ),
            _ => return Err(load(format!("{class} is not a transformer wasmflow supports"))),
        })
    }

    /// The step's output: a matrix, or text columns (an imputer on text) for the next step.
    pub fn apply(&self, x: Input) -> Result<Input, Error> {
        match self {
            Transform::Impute(t) => t.transform(x),
            Transform::Pipeline(steps) => steps.iter().try_fold(x, |x, step| step.apply(x)),
            other => other.transform(x).map(Input::Matrix),
        }
    }

    /// The step's output as a matrix.
    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        match self {
            Transform::Standard(t) => t.transform(x),
            Transform::MinMax(t) => t.transform(x),
            Transform::OneHot(t) => t.transform(x),
            Transform::Ordinal(t) => t.transform(x),
            Transform::Poly(t) => t.transform(x),
            Transform::Columns(t) => t.transform(x),
            Transform::Project(t) => t.transform(x),
            Transform::Map(t) => t.transform(x),
            Transform::Distribution(t) => t.transform(x),
            Transform::Target(t) => t.transform(x),
            Transform::Embedding(t) => t.transform(x),
            Transform::Select(t) => t.transform(x),
            Transform::Identity(features) => features.matrix(x),
            Transform::Impute(_) | Transform::Pipeline(_) => match self.apply(x)? {
                Input::Matrix(m) => Ok(m),
                frame => Features::unchecked("Pipeline").matrix(frame),
            },
        }
    }
}

/// The estimators of a Pipeline's `steps`, without `passthrough`/`None` steps.
pub fn pipeline_steps(node: &Node) -> Result<Vec<&Node>, Error> {
    let steps = attr(node, "steps")?.as_list().ok_or_else(|| load("Pipeline.steps is not a list"))?;
    let mut out = Vec::new();
    for step in steps {
        match step.as_list() {
            Some([_, est]) if est.is_none() || est.as_str() == Some("passthrough") => {}
            Some([_, est]) => out.push(est),
            _ => return Err(load("Pipeline.steps holds something other than (name, estimator)")),
        }
    }
    Ok(out)
}

/// Which input columns one transformer takes.
#[derive(Debug, Clone)]
enum Selection {
    Names(Vec<String>),
    Positions(Vec<usize>),
}

/// What a ColumnTransformer does with its selection.
#[derive(Debug, Clone)]
enum Part {
    Fitted(Transform),
    Passthrough,
}

/// A fitted `ColumnTransformer` (`transformers_`; dropped parts are left out).
#[derive(Debug, Clone)]
pub struct ColumnTransformer {
    parts: Vec<(Part, Selection)>,
    names: Option<Vec<String>>,
}

impl ColumnTransformer {
    pub fn build(node: &Node) -> Result<ColumnTransformer, Error> {
        let list = attr(node, "transformers_")?
            .as_list()
            .ok_or_else(|| load("ColumnTransformer.transformers_ is not a list"))?;
        let mut parts = Vec::new();
        for entry in list {
            let Some([_, transformer, columns]) = entry.as_list() else {
                return Err(load(
                    "ColumnTransformer.transformers_ holds something other than (name, transformer, columns)",
                ));
            };
            let selection = selection(columns)?;
            let empty = match &selection {
                Selection::Names(v) => v.is_empty(),
                Selection::Positions(v) => v.is_empty(),
            };
            let part = match transformer.as_str() {
                Some("drop") => continue,
                _ if empty => continue,
                Some("passthrough") => Part::Passthrough,
                Some(other) => return Err(load(format!("ColumnTransformer: transformer '{other}' is not supported"))),
                None => Part::Fitted(Transform::build(transformer)?),
            };
            parts.push((part, selection));
        }
        let names = super::features(node).names;
        Ok(ColumnTransformer { parts, names })
    }

    pub fn transform(&self, x: Input) -> Result<Matrix, Error> {
        let rows = x.rows();
        let frame = match x {
            Input::Frame(frame) => frame,
            Input::Matrix(m) => Frame {
                names: self.names.clone().unwrap_or_else(|| (0..m.cols).map(|j| j.to_string()).collect()),
                columns: (0..m.cols)
                    .map(|j| Column::F64((0..m.rows).map(|i| m.data[i * m.cols + j]).collect()))
                    .collect(),
            },
        };
        let mut outputs = Vec::with_capacity(self.parts.len());
        for (part, selection) in &self.parts {
            let picked = pick(&frame, selection)?;
            outputs.push(match part {
                Part::Fitted(t) => t.transform(Input::Frame(picked))?,
                Part::Passthrough => Features::unchecked("ColumnTransformer").matrix(Input::Frame(picked))?,
            });
        }
        Ok(Matrix::hstack(rows, &outputs))
    }
}

fn selection(columns: &Node) -> Result<Selection, Error> {
    let items: Vec<&Node> = match columns.as_list() {
        Some(items) => items.iter().collect(),
        None => vec![columns],
    };
    if let Some(names) = items.iter().map(|n| n.as_str().map(str::to_string)).collect::<Option<Vec<_>>>() {
        return Ok(Selection::Names(names));
    }
    if let Some(positions) =
        items.iter().map(|n| n.as_i64().and_then(|i| usize::try_from(i).ok())).collect::<Option<Vec<_>>>()
    {
        return Ok(Selection::Positions(positions));
    }
    Err(load("ColumnTransformer: only column names or positions are supported as column selections"))
}

fn pick(frame: &Frame, selection: &Selection) -> Result<Frame, Error> {
    let at: Vec<usize> = match selection {
        Selection::Names(names) => {
            let missing: Vec<&String> = names.iter().filter(|n| !frame.names.contains(n)).collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|n| format!("'{n}'")).collect();
                return Err(Error::Evaluation(format!("columns are missing: {{{}}}", list.join(", "))));
            }
            names.iter().map(|n| frame.names.iter().position(|f| f == n).expect("checked")).collect()
        }
        Selection::Positions(positions) => {
            if let Some(p) = positions.iter().find(|&&p| p >= frame.columns.len()) {
                return Err(Error::Evaluation(format!("column index {p} is out of range")));
            }
            positions.clone()
        }
    };
    Ok(Frame {
        names: at.iter().map(|&i| frame.names[i].clone()).collect(),
        columns: at.iter().map(|&i| frame.columns[i].clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn function_transformer(func: Node) -> Node {
        Node::Object {
            class: "sklearn.preprocessing._function_transformer.FunctionTransformer".into(),
            attrs: vec![("func".into(), func), ("n_features_in_".into(), Node::Json(1.into()))],
        }
    }

    #[test]
    fn function_transformer_only_without_a_function() {
        let identity = Transform::build(&function_transformer(Node::Json(Value::Null))).unwrap();
        let m = Matrix { rows: 2, cols: 1, data: vec![1.5, -2.0] };
        assert_eq!(identity.transform(Input::Matrix(m.clone())).unwrap(), m);
        let Err(Error::Load(message)) = Transform::build(&function_transformer(Node::Opaque("numpy.log".into())))
        else {
            panic!("accepted a function")
        };
        assert!(message.contains("FunctionTransformer"), "{message}");
    }
}
