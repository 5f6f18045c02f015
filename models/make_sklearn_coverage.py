#!/usr/bin/env python3
"""Committed fixtures for the estimators the coverage sweep brought in (issue 13,
item 2): one small model per family, saved by real MLflow 3.17.2 (skops; a few as
cloudpickle), with what MLflow's pyfunc answers, so that
guest/sklearn/tests/parity.rs checks them on every `cargo test` (the sweep itself,
models/sklearn_sweep.py, writes its ~300 models to a temporary directory).

Run from the repository root with the fixtures venv:
    /tmp/wasmflow-ci-venv/bin/python models/make_sklearn_coverage.py                 # all
    /tmp/wasmflow-ci-venv/bin/python models/make_sklearn_coverage.py cov-iris-lda-proba  # some
"""

import sys

import numpy as np

from make_sklearn_models import write as write_model

# Names on the command line: write only those.
ONLY = {a for a in sys.argv[1:] if not a.startswith("--")}


def write(name, *args):
    if not ONLY or name in ONLY:
        write_model(name, *args)


def main():
    from sklearn import (
        cluster, cross_decomposition, decomposition, discriminant_analysis, dummy, ensemble, feature_selection,
        isotonic, kernel_approximation, kernel_ridge, linear_model, naive_bayes, neighbors, neural_network,
        semi_supervised, svm, tree,
    )
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    rows = X[::5]
    Xd, yd = load_diabetes(return_X_y=True)
    Xd, yd = Xd[:200], yd[:200]
    rows_d = Xd[::10]

    def clf(name, model, proba=True, data=X, target=y, fmt="skops", r=None):
        model.fit(data, target)
        write(name + ("-proba" if proba else ""), model, data[::5] if r is None else r, "predict_proba" if proba else "predict", None, fmt)

    def reg(name, model, fmt="skops", data=Xd, target=yd, r=rows_d):
        model.fit(data, target)
        write(name, model, r, "predict", None, fmt)

    def tr(name, transformer, fmt="skops"):
        p = Pipeline([("t", transformer), ("ridge", linear_model.Ridge())]).fit(X, y)
        write(name, p, rows, "predict", None, fmt)

    clf("cov-iris-ridgeclassifier", linear_model.RidgeClassifier(), proba=False)
    clf("cov-iris-perceptron", linear_model.Perceptron(random_state=0), proba=False, fmt="cloudpickle")
    clf("cov-iris-lda", discriminant_analysis.LinearDiscriminantAnalysis())
    clf("cov-iris-qda", discriminant_analysis.QuadraticDiscriminantAnalysis())
    clf("cov-iris-multinomialnb", naive_bayes.MultinomialNB())
    clf("cov-iris-bernoullinb", naive_bayes.BernoulliNB(binarize=3.0))
    clf("cov-iris-categoricalnb", naive_bayes.CategoricalNB(), data=np.floor(X), r=np.floor(X)[::5])
    clf("cov-iris-nearestcentroid", neighbors.NearestCentroid())
    clf("cov-iris-dummy", dummy.DummyClassifier(), fmt="cloudpickle")
    clf("cov-iris-labelspreading", semi_supervised.LabelSpreading())
    clf("cov-iris-nusvc", svm.NuSVC(), proba=False)
    clf("cov-iris-extratree", tree.ExtraTreeClassifier(random_state=0))
    clf("cov-iris-voting-soft", ensemble.VotingClassifier(
        [("lr", linear_model.LogisticRegression(max_iter=500)), ("nb", naive_bayes.GaussianNB())], voting="soft"))
    clf("cov-iris-voting-hard", ensemble.VotingClassifier(
        [("lr", linear_model.LogisticRegression(max_iter=500)), ("tree", tree.DecisionTreeClassifier(max_depth=3))]),
        proba=False, fmt="cloudpickle")
    clf("cov-iris-stacking", ensemble.StackingClassifier(
        [("tree", tree.DecisionTreeClassifier(max_depth=3, random_state=0)), ("nb", naive_bayes.GaussianNB())], cv=3))
    clf("cov-iris-bagging", ensemble.BaggingClassifier(n_estimators=4, max_features=3, random_state=0))
    clf("cov-iris-adaboost", ensemble.AdaBoostClassifier(n_estimators=5, random_state=0))
    from sklearn.calibration import CalibratedClassifierCV

    clf("cov-iris-calibrated", CalibratedClassifierCV(svm.LinearSVC(), cv=3))

    reg("cov-diabetes-huber", linear_model.HuberRegressor())
    reg("cov-diabetes-lassolars", linear_model.LassoLars(alpha=0.01))
    reg("cov-diabetes-bayesianridge", linear_model.BayesianRidge(), fmt="cloudpickle")
    reg("cov-diabetes-ransac", linear_model.RANSACRegressor(random_state=0))
    reg("cov-diabetes-poisson", linear_model.PoissonRegressor())
    reg("cov-diabetes-kernelridge-rbf", kernel_ridge.KernelRidge(kernel="rbf"))
    reg("cov-diabetes-pls", cross_decomposition.PLSRegression())
    reg("cov-diabetes-isotonic", isotonic.IsotonicRegression(), data=Xd[:, 2:3], r=Xd[::10, 2:3])
    reg("cov-diabetes-dummy", dummy.DummyRegressor())
    reg("cov-diabetes-adaboost", ensemble.AdaBoostRegressor(n_estimators=5, random_state=0))
    reg("cov-diabetes-bagging", ensemble.BaggingRegressor(n_estimators=3, random_state=0), fmt="cloudpickle")
    reg("cov-diabetes-multitask-lasso", linear_model.MultiTaskLasso(alpha=0.1), target=np.c_[yd, yd[::-1]])
    reg("cov-diabetes-multioutput", MultiOutputRegressor(linear_model.Ridge()), target=np.c_[yd, yd[::-1]])
    reg("cov-diabetes-ttr-scaled", TransformedTargetRegressor(linear_model.LinearRegression(), transformer=StandardScaler()))
    reg("cov-diabetes-stacking", ensemble.StackingRegressor(
        [("ridge", linear_model.Ridge()), ("tree", tree.DecisionTreeRegressor(max_depth=3, random_state=0))], cv=3))

    tr("cov-iris-pca-whiten", decomposition.PCA(n_components=3, whiten=True))
    tr("cov-iris-truncatedsvd", decomposition.TruncatedSVD(n_components=2), fmt="cloudpickle")
    tr("cov-iris-fastica", decomposition.FastICA(random_state=0))
    tr("cov-iris-kmeans", cluster.KMeans(n_clusters=3, random_state=0, n_init=1))
    tr("cov-iris-rbfsampler", kernel_approximation.RBFSampler(n_components=20, random_state=0))
    tr("cov-iris-nystroem", kernel_approximation.Nystroem(n_components=20, random_state=0))
    tr("cov-iris-chi2", kernel_approximation.AdditiveChi2Sampler())
    tr("cov-iris-selectkbest", feature_selection.SelectKBest(k=2), fmt="cloudpickle")
    tr("cov-iris-selectpercentile", feature_selection.SelectPercentile(percentile=50))
    tr("cov-iris-rfe", feature_selection.RFE(linear_model.LogisticRegression(max_iter=500), n_features_to_select=2))
    tr("cov-iris-kernelpca", decomposition.KernelPCA(n_components=3))
    tr("cov-iris-factoranalysis", decomposition.FactorAnalysis(n_components=2, random_state=0))
    tr("cov-iris-rbm", neural_network.BernoulliRBM(n_components=8, random_state=0))
    tr("cov-iris-agglomeration", cluster.FeatureAgglomeration(n_clusters=2))


if __name__ == "__main__":
    main()
