//! Turns the inert object tree (from the skops reader or the restricted
//! unpickler, which give the same tree) into Rust estimators, and runs them.
//!
//! [`ALLOWED`] is the allow-list handed to both readers: only these classes
//! are ever reconstructed. A model whose tree holds anything else fails at load,
//! naming the class.

mod booster;
mod boosting;
mod calibration;
mod centroid;
mod chain;
mod compose;
mod decomposition;
mod discrete_nb;
mod distribution;
mod dummy;
mod embedding;
mod hist;
mod iforest;
mod impute;
mod kernel;
mod linear;
mod mapping;
mod meta;
mod mlp;
mod naive_bayes;
mod neighbors;
mod outlier;
mod preprocess;
mod select;
mod svm;
mod target_encoder;
mod tree;

use crate::data::{Features, Input, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;
use crate::validate::Check;

pub use compose::Transform;

/// Every `module.Class` this flavor reconstructs.
pub const ALLOWED: &[&str] = &[
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._data.RobustScaler",
    "sklearn.preprocessing._data.MaxAbsScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.preprocessing._polynomial.PolynomialFeatures",
    "sklearn.impute._base.SimpleImputer",
    // Only with func=None (checked when built): what "passthrough" becomes once fitted.
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._coordinate_descent.Lasso",
    "sklearn.linear_model._coordinate_descent.ElasticNet",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.linear_model._stochastic_gradient.SGDRegressor",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.svm._classes.LinearSVR",
    "sklearn.multiclass.OneVsRestClassifier",
    // OneVsRestClassifier.label_binarizer_ (its classes_ only).
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.naive_bayes.GaussianNB",
    "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.neighbors._regression.KNeighborsRegressor",
    // A neighbours model's fitted `_tree` and its metric (tuple state, read as data).
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.ensemble._forest.ExtraTreesClassifier",
    "sklearn.ensemble._forest.ExtraTreesRegressor",
    // The trees inside ExtraTrees* (`estimators_` only, not served on their own).
    "sklearn.tree._classes.ExtraTreeClassifier",
    "sklearn.tree._classes.ExtraTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
    // GradientBoosting's init_ (constant: prior / most_frequent, or any DummyRegressor).
    "sklearn.dummy.DummyClassifier",
    "sklearn.dummy.DummyRegressor",
    // A boosting model's `_loss` and its link: inert objects, read by class name only.
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.loss.AbsoluteError",
    "sklearn._loss.loss.HuberLoss",
    "sklearn._loss.loss.PinballLoss",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.ExponentialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.HalfLogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.link.Interval",
    "sklearn._loss.loss.HalfPoissonLoss",
    "sklearn._loss.loss.HalfGammaLoss",
    "sklearn._loss.loss.HalfTweedieLoss",
    "sklearn._loss.link.LogLink",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    // HistGradientBoostingClassifier._label_encoder (unused: classes_ is kept too).
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.svm._classes.SVC",
    "sklearn.svm._classes.SVR",
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
    "sklearn.neural_network._multilayer_perceptron.MLPRegressor",
    // An MLP's optimizer state (sgd / adam solvers): inert, unused.
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.ensemble._iforest.IsolationForest",
    // More linear models (`coef_`, `intercept_`; GLMs with their loss's link).
    "sklearn.linear_model._logistic.LogisticRegressionCV",
    "sklearn.linear_model._ridge.RidgeCV",
    "sklearn.linear_model._ridge.RidgeClassifier",
    "sklearn.linear_model._ridge.RidgeClassifierCV",
    "sklearn.linear_model._perceptron.Perceptron",
    "sklearn.linear_model._passive_aggressive.PassiveAggressiveClassifier",
    "sklearn.linear_model._passive_aggressive.PassiveAggressiveRegressor",
    "sklearn.linear_model._coordinate_descent.LassoCV",
    "sklearn.linear_model._coordinate_descent.ElasticNetCV",
    "sklearn.linear_model._coordinate_descent.MultiTaskLasso",
    "sklearn.linear_model._coordinate_descent.MultiTaskLassoCV",
    "sklearn.linear_model._coordinate_descent.MultiTaskElasticNet",
    "sklearn.linear_model._coordinate_descent.MultiTaskElasticNetCV",
    "sklearn.linear_model._least_angle.Lars",
    "sklearn.linear_model._least_angle.LarsCV",
    "sklearn.linear_model._least_angle.LassoLars",
    "sklearn.linear_model._least_angle.LassoLarsCV",
    "sklearn.linear_model._least_angle.LassoLarsIC",
    "sklearn.linear_model._omp.OrthogonalMatchingPursuit",
    "sklearn.linear_model._omp.OrthogonalMatchingPursuitCV",
    "sklearn.linear_model._bayes.BayesianRidge",
    "sklearn.linear_model._bayes.ARDRegression",
    "sklearn.linear_model._huber.HuberRegressor",
    "sklearn.linear_model._theil_sen.TheilSenRegressor",
    "sklearn.linear_model._quantile.QuantileRegressor",
    "sklearn.linear_model._ransac.RANSACRegressor",
    "sklearn.linear_model._glm.glm.PoissonRegressor",
    "sklearn.linear_model._glm.glm.GammaRegressor",
    "sklearn.linear_model._glm.glm.TweedieRegressor",
    "sklearn._loss.loss.HalfTweedieLossIdentity",
    "sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
    "sklearn.decomposition._pca.PCA",
    "sklearn.decomposition._incremental_pca.IncrementalPCA",
    "sklearn.decomposition._truncated_svd.TruncatedSVD",
    "sklearn.decomposition._fastica.FastICA",
    "sklearn.kernel_approximation.RBFSampler",
    "sklearn.kernel_approximation.SkewedChi2Sampler",
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.cluster._kmeans.MiniBatchKMeans",
    "sklearn.cluster._bisect_k_means.BisectingKMeans",
    // BisectingKMeans' fitted tree of clusters (not used by transform).
    "sklearn.cluster._bisect_k_means._BisectingTree",
    "sklearn.preprocessing._data.Normalizer",
    "sklearn.preprocessing._data.Binarizer",
    "sklearn.feature_selection._variance_threshold.VarianceThreshold",
    "sklearn.feature_selection._univariate_selection.SelectKBest",
    "sklearn.feature_selection._univariate_selection.SelectPercentile",
    "sklearn.feature_selection._univariate_selection.SelectFpr",
    "sklearn.feature_selection._univariate_selection.SelectFdr",
    "sklearn.feature_selection._univariate_selection.SelectFwe",
    "sklearn.feature_selection._univariate_selection.GenericUnivariateSelect",
    "sklearn.feature_selection._rfe.RFE",
    "sklearn.feature_selection._rfe.RFECV",
    "sklearn.feature_selection._sequential.SequentialFeatureSelector",
    "sklearn.svm._classes.NuSVC",
    "sklearn.svm._classes.NuSVR",
    "sklearn.svm._classes.OneClassSVM",
    "sklearn.ensemble._voting.VotingClassifier",
    "sklearn.ensemble._voting.VotingRegressor",
    "sklearn.ensemble._stacking.StackingClassifier",
    "sklearn.ensemble._stacking.StackingRegressor",
    "sklearn.ensemble._bagging.BaggingClassifier",
    "sklearn.ensemble._bagging.BaggingRegressor",
    "sklearn.ensemble._weight_boosting.AdaBoostClassifier",
    "sklearn.ensemble._weight_boosting.AdaBoostRegressor",
    "sklearn.multioutput.MultiOutputRegressor",
    "sklearn.compose._target.TransformedTargetRegressor",
    // An ensemble's `named_estimators_` (a dict).
    "sklearn.utils._bunch.Bunch",
    // Cross-validation splitters kept as a Stacking model's `cv` (never used).
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.kernel_ridge.KernelRidge",
    "sklearn.semi_supervised._label_propagation.LabelPropagation",
    "sklearn.semi_supervised._label_propagation.LabelSpreading",
    "sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
    "sklearn.cross_decomposition._pls.PLSRegression",
    "sklearn.cross_decomposition._pls.PLSCanonical",
    "sklearn.cross_decomposition._pls.CCA",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.neural_network._rbm.BernoulliRBM",
    "sklearn.kernel_approximation.Nystroem",
    "sklearn.kernel_approximation.AdditiveChi2Sampler",
    "sklearn.cluster._agglomerative.FeatureAgglomeration",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.decomposition._kernel_pca.KernelPCA",
    "sklearn.preprocessing._data.KernelCenterer",
    "sklearn.decomposition._factor_analysis.FactorAnalysis",
    "sklearn.neighbors._nca.NeighborhoodComponentsAnalysis",
    "sklearn.covariance._elliptic_envelope.EllipticEnvelope",
    "sklearn.linear_model._stochastic_gradient.SGDOneClassSVM",
    "sklearn.preprocessing._data.PowerTransformer",
    "sklearn.preprocessing._data.QuantileTransformer",
    "sklearn.preprocessing._discretization.KBinsDiscretizer",
    "sklearn.feature_selection._from_model.SelectFromModel",
    "sklearn.decomposition._sparse_pca.SparsePCA",
    "sklearn.decomposition._sparse_pca.MiniBatchSparsePCA",
    "sklearn.preprocessing._target_encoder.TargetEncoder",
    "sklearn.ensemble._forest.RandomTreesEmbedding",
    "sklearn.decomposition._dict_learning.DictionaryLearning",
    "sklearn.decomposition._dict_learning.MiniBatchDictionaryLearning",
    "sklearn.multioutput.MultiOutputClassifier",
    "sklearn.multioutput.ClassifierChain",
    "sklearn.multioutput.RegressorChain",
    "sklearn.model_selection._classification_threshold.FixedThresholdClassifier",
    "sklearn.model_selection._classification_threshold.TunedThresholdClassifierCV",
    "sklearn.cross_decomposition._pls.PLSSVD",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.naive_bayes.MultinomialNB",
    "sklearn.naive_bayes.ComplementNB",
    "sklearn.naive_bayes.BernoulliNB",
    "sklearn.naive_bayes.CategoricalNB",
    "sklearn.neighbors._nearest_centroid.NearestCentroid",
    // XGBoost's and LightGBM's scikit-learn estimators, and their boosters (state only:
    // the saved model as bytes or text, read by wasmflow-tree-formats).
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
    "xgboost.sklearn.XGBRFClassifier",
    "xgboost.sklearn.XGBRFRegressor",
    "xgboost.core.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
    "lightgbm.basic.Booster",
];

/// The pyfunc method MLflow calls (`pyfunc_predict_fn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Predict,
    PredictProba,
    PredictLogProba,
}

impl Method {
    /// The method named in the MLmodel (`predict` when absent). MLflow's sklearn
    /// pyfunc (`_SklearnModelWrapper`) serves only `predict` and the patched-in
    /// `predict_proba`, `predict_log_proba`, `predict_joint_log_proba` and `score`;
    /// any other name (`decision_function`, `transform`, `score_samples`) fails its
    /// load ("Model implementation is missing required ... method"), and here too.
    pub fn parse(name: &str) -> Result<Method, Error> {
        match name {
            "predict" => Ok(Method::Predict),
            "predict_proba" => Ok(Method::PredictProba),
            "predict_log_proba" => Ok(Method::PredictLogProba),
            "decision_function" | "transform" | "score_samples" | "fit_transform" => Err(load(format!(
                "predict_fn '{name}' is not served by MLflow's sklearn pyfunc (it raises \
                 'Model implementation is missing required {name} method'), nor by wasmflow"
            ))),
            other => Err(load(format!(
                "predict_fn '{other}' is not supported (predict, predict_proba, predict_log_proba are)"
            ))),
        }
    }

    /// The name sklearn gives it.
    fn name(self) -> &'static str {
        match self {
            Method::Predict => "predict",
            Method::PredictProba => "predict_proba",
            Method::PredictLogProba => "predict_log_proba",
        }
    }
}

/// What every final estimator answers; the methods it lacks say so at load
/// ([`Estimator::has`]) and are never called.
pub(crate) trait Estimator {
    /// The columns it was fitted on.
    fn features(&self) -> &Features;
    /// The input as the matrix `predict` takes (`validate_data`).
    fn matrix(&self, x: Input) -> Result<Matrix, Error> {
        self.features().matrix(x)
    }
    /// Whether it has `method` (`Predict` always).
    fn has(&self, method: Method) -> bool;
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error>;
    fn predict_proba(&self, _x: &Matrix) -> Result<NdArray, Error> {
        Err(Error::Evaluation("predict_proba is not available".into()))
    }
}

/// A final estimator.
#[derive(Debug, Clone)]
pub enum Predictor {
    Linear(linear::Linear),
    Trees(tree::Ensemble),
    NaiveBayes(naive_bayes::GaussianNb),
    Neighbors(neighbors::Neighbors),
    Boosting(boosting::Boosting),
    Hist(hist::HistBoosting),
    Svm(svm::Svm),
    Mlp(mlp::Mlp),
    IsolationForest(iforest::IsolationForest),
    Booster(Box<booster::Booster>),
    DiscreteNb(discrete_nb::DiscreteNb),
    Dummy(dummy::Dummy),
    Centroid(centroid::NearestCentroid),
    Ensemble(meta::Ensemble),
    Kernel(kernel::KernelModel),
    Outlier(outlier::Outlier),
    Wrapper(chain::Wrapper),
    Calibration(calibration::Calibration),
}

impl Predictor {
    fn build(node: &Node) -> Result<Predictor, Error> {
        let class = node.class().unwrap_or("?");
        match short(class) {
            name if linear::builds(name) => linear::Linear::build(node).map(Predictor::Linear),
            "DecisionTreeClassifier"
            | "DecisionTreeRegressor"
            | "ExtraTreeClassifier"
            | "ExtraTreeRegressor"
            | "RandomForestClassifier"
            | "RandomForestRegressor"
            | "ExtraTreesClassifier"
            | "ExtraTreesRegressor" => tree::Ensemble::build(node).map(Predictor::Trees),
            "GradientBoostingClassifier" | "GradientBoostingRegressor" => {
                boosting::Boosting::build(node).map(Predictor::Boosting)
            }
            "HistGradientBoostingClassifier" | "HistGradientBoostingRegressor" => {
                hist::HistBoosting::build(node).map(Predictor::Hist)
            }
            "SVC" | "SVR" | "NuSVC" | "NuSVR" | "OneClassSVM" => svm::Svm::build(node).map(Predictor::Svm),
            "MLPClassifier" | "MLPRegressor" => mlp::Mlp::build(node).map(Predictor::Mlp),
            "IsolationForest" => iforest::IsolationForest::build(node).map(Predictor::IsolationForest),
            "MultinomialNB" | "ComplementNB" | "BernoulliNB" | "CategoricalNB" => {
                discrete_nb::DiscreteNb::build(node).map(Predictor::DiscreteNb)
            }
            "DummyClassifier" | "DummyRegressor" => dummy::Dummy::build(node).map(Predictor::Dummy),
            "VotingClassifier"
            | "VotingRegressor"
            | "StackingClassifier"
            | "StackingRegressor"
            | "BaggingClassifier"
            | "BaggingRegressor"
            | "AdaBoostClassifier"
            | "AdaBoostRegressor"
            | "MultiOutputRegressor"
            | "TransformedTargetRegressor" => meta::Ensemble::build(node).map(Predictor::Ensemble),
            "KernelRidge"
            | "LabelPropagation"
            | "LabelSpreading"
            | "QuadraticDiscriminantAnalysis"
            | "PLSRegression"
            | "PLSCanonical"
            | "CCA"
            | "IsotonicRegression" => kernel::KernelModel::build(node).map(Predictor::Kernel),
            "EllipticEnvelope" | "SGDOneClassSVM" => outlier::Outlier::build(node).map(Predictor::Outlier),
            "MultiOutputClassifier"
            | "ClassifierChain"
            | "RegressorChain"
            | "FixedThresholdClassifier"
            | "TunedThresholdClassifierCV" => chain::Wrapper::build(node).map(Predictor::Wrapper),
            "CalibratedClassifierCV" => calibration::Calibration::build(node).map(Predictor::Calibration),
            "NearestCentroid" => centroid::NearestCentroid::build(node).map(Predictor::Centroid),
            "XGBClassifier" | "XGBRegressor" | "XGBRFClassifier" | "XGBRFRegressor" | "LGBMClassifier"
            | "LGBMRegressor" => booster::Booster::build(node).map(|b| Predictor::Booster(Box::new(b))),
            "GaussianNB" => naive_bayes::GaussianNb::build(node).map(Predictor::NaiveBayes),
            "KNeighborsClassifier" | "KNeighborsRegressor" => {
                neighbors::Neighbors::build(node).map(Predictor::Neighbors)
            }
            _ => Err(load(format!("{class} has no predict method wasmflow supports"))),
        }
    }

    fn estimator(&self) -> &dyn Estimator {
        match self {
            Predictor::Linear(e) => e,
            Predictor::Trees(e) => e,
            Predictor::NaiveBayes(e) => e,
            Predictor::Neighbors(e) => e,
            Predictor::Boosting(e) => e,
            Predictor::Hist(e) => e,
            Predictor::Svm(e) => e,
            Predictor::Mlp(e) => e,
            Predictor::IsolationForest(e) => e,
            Predictor::Booster(e) => e.as_ref(),
            Predictor::DiscreteNb(e) => e,
            Predictor::Dummy(e) => e,
            Predictor::Centroid(e) => e,
            Predictor::Ensemble(e) => e,
            Predictor::Kernel(e) => e,
            Predictor::Outlier(e) => e,
            Predictor::Wrapper(e) => e,
            Predictor::Calibration(e) => e,
        }
    }

    fn run(&self, x: Input, method: Method) -> Result<NdArray, Error> {
        let e = self.estimator();
        let x = e.matrix(x)?;
        match method {
            Method::Predict => e.predict(&x),
            Method::PredictProba => e.predict_proba(&x),
            Method::PredictLogProba => {
                let NdArray { shape, data: Data::F64(mut p) } = e.predict_proba(&x)? else {
                    unreachable!("probabilities are floats")
                };
                p.iter_mut().for_each(|v| *v = v.ln());
                Ok(NdArray { shape, data: Data::F64(p) })
            }
        }
    }
}

/// A loaded model: transforms, then the final estimator, answering one method.
#[derive(Debug, Clone)]
pub struct Model {
    steps: Vec<Transform>,
    predictor: Predictor,
    method: Method,
}

impl Model {
    /// Builds the model from the skops tree; `method` must be one it has.
    pub fn build(root: &Node, method: Method) -> Result<Model, Error> {
        let (steps, last) = match root.class() {
            Some("sklearn.pipeline.Pipeline") => {
                let mut steps = compose::pipeline_steps(root)?;
                let last = steps.pop().ok_or_else(|| load("the Pipeline has no steps"))?;
                (steps.iter().map(|s| Transform::build(s)).collect::<Result<Vec<_>, _>>()?, last)
            }
            _ => (Vec::new(), root),
        };
        let predictor = Predictor::build(last)?;
        if !predictor.estimator().has(method) {
            return Err(load(format!("{} has no {} wasmflow supports", last.class().unwrap_or("?"), method.name())));
        }
        Ok(Model { steps, predictor, method })
    }

    /// Runs the model's method on a batch.
    pub fn predict(&self, input: Input) -> Result<NdArray, Error> {
        let mut x = input;
        for step in &self.steps {
            x = step.apply(x)?;
        }
        self.predictor.run(x, self.method)
    }
}

/// `Class` of `module.Class`.
fn short(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// A required attribute.
fn attr<'a>(node: &'a Node, name: &str) -> Result<&'a Node, Error> {
    node.get(name)
        .ok_or_else(|| load(format!("{} has no attribute {name} (is it fitted?)", node.class().unwrap_or("?"))))
}

/// A required float array attribute, with its shape.
fn floats(node: &Node, name: &str) -> Result<(Vec<usize>, Vec<f64>), Error> {
    let bad = || load(format!("{}.{name} is not a numeric array", node.class().unwrap_or("?")));
    match attr(node, name)? {
        Node::Array(NdArray { shape, data: Data::F64(v) }) => Ok((shape.clone(), v.clone())),
        Node::Array(NdArray { shape, data: Data::I64(v) }) => {
            Ok((shape.clone(), v.iter().map(|&x| x as f64).collect()))
        }
        other => other.as_f64().map(|v| (Vec::new(), vec![v])).ok_or_else(bad),
    }
}

/// `n_features_in_` and `feature_names_in_` of a fitted estimator.
fn features(node: &Node) -> Features {
    let names = node.get("feature_names_in_").and_then(Node::as_array).and_then(|a| match &a.data {
        Data::Str(names) => Some(names.clone()),
        _ => None,
    });
    let count = node.get("n_features_in_").and_then(Node::as_i64).and_then(|n| usize::try_from(n).ok());
    let mut class = short(node.class().unwrap_or("?"));
    if class == "OneVsRestClassifier" {
        // Its estimators validate the input, and sklearn's messages name them.
        let first = node.get("estimators_").and_then(Node::as_list).and_then(<[Node]>::first);
        class = first.and_then(Node::class).map_or(class, short);
    }
    Features { class: class.to_string(), count, names, check: Check::of(class) }
}

/// `classes_` of a classifier: the labels its outputs are typed as.
fn classes(node: &Node) -> Result<NdArray, Error> {
    match attr(node, "classes_")? {
        Node::Array(a)
            if a.shape.len() == 1 && !a.is_empty() && !matches!(a.data, Data::Records(_) | Data::StrOrMissing(_)) =>
        {
            Ok(a.clone())
        }
        _ => Err(load(format!("{}.classes_ is not a 1-D array of labels", node.class().unwrap_or("?")))),
    }
}

/// `classes[indices]` (`classes_.take(...)`), keeping the labels' type.
fn take(classes: &NdArray, indices: &[usize]) -> NdArray {
    let data = match &classes.data {
        Data::F64(c) => Data::F64(indices.iter().map(|&i| c[i]).collect()),
        Data::I64(c) => Data::I64(indices.iter().map(|&i| c[i]).collect()),
        Data::Bool(c) => Data::Bool(indices.iter().map(|&i| c[i]).collect()),
        Data::Str(c) => Data::Str(indices.iter().map(|&i| c[i].clone()).collect()),
        Data::Records(_) | Data::StrOrMissing(_) => unreachable!("checked by classes()"),
    };
    NdArray { shape: vec![indices.len()], data }
}

/// Index of the first maximum (`np.argmax`: the first NaN wins).
fn argmax(row: &[f64]) -> usize {
    if let Some(nan) = row.iter().position(|v| v.is_nan()) {
        return nan;
    }
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// `predict`, and `predict_proba` / `predict_log_proba` for a classifier.
fn probabilistic(classifier: bool, method: Method) -> bool {
    match method {
        Method::Predict => true,
        Method::PredictProba | Method::PredictLogProba => classifier,
    }
}

impl Estimator for tree::Ensemble {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        probabilistic(self.classes.is_some(), method)
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        tree::Ensemble::predict(self, x)
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(tree::Ensemble::predict_proba(self, x))
    }
}

impl Estimator for naive_bayes::GaussianNb {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        probabilistic(true, method)
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(naive_bayes::GaussianNb::predict(self, x))
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(naive_bayes::GaussianNb::predict_proba(self, x))
    }
}

impl Estimator for neighbors::Neighbors {
    fn features(&self) -> &Features {
        &self.features
    }
    fn has(&self, method: Method) -> bool {
        probabilistic(self.classes.is_some(), method)
    }
    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        neighbors::Neighbors::predict(self, x)
    }
    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        Ok(neighbors::Neighbors::predict_proba(self, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_mlflow_does_not_serve_fail_at_load() {
        assert_eq!(Method::parse("predict_proba").unwrap(), Method::PredictProba);
        for name in ["decision_function", "transform", "score_samples", "nope"] {
            let Err(Error::Load(m)) = Method::parse(name) else { panic!("{name} accepted") };
            assert!(m.contains(name), "{m}");
        }
    }
}
