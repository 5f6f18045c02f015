#!/usr/bin/env python3
"""Build the wasmflow sklearn-flavor test models with real scikit-learn and MLflow.

Run from the repository root (see models/README.md):
    /tmp/wf-venv/bin/pip install -r models/requirements.txt skops
    /tmp/wf-venv/bin/python models/make_sklearn_models.py             # all models
    /tmp/wf-venv/bin/python models/make_sklearn_models.py iris-rf     # just some
    /tmp/wf-venv/bin/python models/make_sklearn_models.py --pickles   # the pickled copies

Writes models/sklearn/<name>/ (saved by mlflow.sklearn.save_model in MLflow 3's
default skops format) and models/expected/sklearn-<name>.json holding the input rows
(`columns` + `data`, i.e. a dataframe_split; a missing value is null), the model's `predict_fn` and `outputs`:
what MLflow's own pyfunc (mlflow.pyfunc.load_model(path).predict(DataFrame)) answers,
plus sklearn's predict / predict_proba for reference. Models and data are
deterministic; MLflow stamps model_uuid and utc_time_created on every run.

With --pickles it writes, instead, <name>-cloudpickle/ copies of the CLOUDPICKLED
models (serialization_format="cloudpickle", MLflow 2's default, model.pkl) and
<name>-pickle/ copies of the PICKLED ones (stdlib pickle), leaving the skops ones alone.
"""

import json
import os
import shutil
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
PICKLES = "--pickles" in sys.argv[1:]
ONLY = {a for a in sys.argv[1:] if not a.startswith("--")}
# Also saved as cloudpickle / stdlib pickle by --pickles (same trained objects).
CLOUDPICKLED = {
    "iris-rf",
    "iris-rf-proba",
    "iris-logreg-pipeline",
    "iris-binary-strings",
    "iris-tree-strings",
    "mixed-columntransformer",
    "mixed-ordinal-tree",
    "diabetes-linear",
    "diabetes-linear-ndarray",
    "diabetes-tree",
    "diabetes-extratrees",
    "diabetes-maxabs-poly",
    "diabetes-robust-ridge",
    "iris-gaussiannb",
    "iris-gaussiannb-proba",
    "synthetic-knn-proba",
    "diabetes-knn-distance",
}
PICKLED = {"diabetes-ridge", "iris-extratrees-proba"}
# Issue 5's estimators, cloudpickled too (regenerate with `--pickles <names>`).
CLOUDPICKLED |= {"iris-sgd-log-proba", "iris-ovr-logreg-proba", "iris-gb-proba", "diabetes-gb", "iris-nan-hgb-proba", "iris-svc-rbf-proba", "iris-mlp-relu-proba", "iris-iforest", "synthetic-categorical-hgb-proba"}


def save(name, model, X, predict_fn="predict", n_rows=None, signature=True):
    """signature=False: saved with no signature and no input example (MLflow would infer one from it)."""
    if ONLY and name not in ONLY:
        return
    if not PICKLES:
        write(name, model, X, predict_fn, n_rows, "skops", signature)
        return
    for fmt, names in (("cloudpickle", CLOUDPICKLED), ("pickle", PICKLED)):
        if name in names:
            write(f"{name}-{fmt}", model, X, predict_fn, n_rows, fmt, signature)


def write(name, model, X, predict_fn, n_rows, fmt, signature=True):
    import mlflow.pyfunc
    import mlflow.sklearn
    import skops.io
    from mlflow.models import infer_signature

    frame = isinstance(X, pd.DataFrame)
    path = os.path.join(HERE, "sklearn", name)
    if os.path.exists(path):
        shutil.rmtree(path)
    y_pred = getattr(model, predict_fn)(X)
    # Our own freshly trained objects: trust exactly what skops reports for them.
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model)) if fmt == "skops" else None
    mlflow.sklearn.save_model(
        model,
        path,
        signature=infer_signature(X, y_pred) if signature else None,
        input_example=(X.iloc[:3] if frame else X[:3]) if signature else None,
        serialization_format=fmt,
        skops_trusted_types=trusted or None,
        pyfunc_predict_fn=predict_fn,
    )
    rows = X if n_rows is None else X[:n_rows]
    served = mlflow.pyfunc.load_model(path).predict(rows)
    expected = {
        "model": name,
        "predict_fn": predict_fn,
        "columns": list(rows.columns) if frame else None,
        "data": [[cell(v) for v in r] for r in rows.itertuples(index=False)]
        if frame
        else [[cell(v) for v in r] for r in rows.tolist()],
        "outputs": np.asarray(served).tolist(),
        "sklearn": {"predict": model.predict(rows).tolist()},
        "trusted_types": trusted,
        "serialization_format": fmt,
        "note": "outputs: mlflow.pyfunc.load_model(path).predict(these rows, as a DataFrame "
        "or, when columns is null, as a float64 ndarray)",
    }
    if hasattr(model, "predict_proba"):
        expected["sklearn"]["predict_proba"] = model.predict_proba(rows).tolist()
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    with open(os.path.join(HERE, "expected", f"sklearn-{name}.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(path, p)) for p in os.listdir(path))
    print(f"{name}: {len(rows)} rows, {predict_fn}, {fmt}, trusted={trusted}, {size} bytes")


def cell(v):
    """A JSON cell: NaN (a missing value) as null, numpy scalars as Python ones."""
    v = v.item() if hasattr(v, "item") else v
    return None if isinstance(v, float) and v != v else v


def mixed_data(n=200, seed=0):
    rng = np.random.RandomState(seed)
    df = pd.DataFrame({
        "color": rng.choice(["red", "green", "blue"], n),
        "size": rng.choice(["S", "M", "L", "XL"], n),
        "weight": np.round(rng.normal(70, 12, n), 2),
        "height": np.round(rng.normal(170, 9, n), 1),
    })
    score = (df["color"] == "red") * 1.2 + (df["size"] == "XL") * 0.8 + (df["weight"] - 70) / 12
    y = np.where(score + rng.normal(0, 0.5, n) > 0.6, "yes", "no")
    return df, y


def main():
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.datasets import make_classification
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        OneHotEncoder,
        OrdinalEncoder,
        PolynomialFeatures,
        RobustScaler,
        StandardScaler,
    )
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    X, y = load_iris(return_X_y=True, as_frame=True)
    rf = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    save("iris-rf", rf, X)
    save("iris-rf-proba", rf, X, predict_fn="predict_proba")
    lr = Pipeline([("scale", StandardScaler()), ("logreg", LogisticRegression(max_iter=1000))]).fit(X, y)
    save("iris-logreg-pipeline", lr, X)
    save("iris-logreg-proba", lr, X, predict_fn="predict_proba")
    names = np.array(["setosa", "versicolor", "virginica"])
    binary = np.where(y == 2, "virginica", "other")
    blr = Pipeline([("minmax", MinMaxScaler()), ("logreg", LogisticRegression())]).fit(X, binary)
    save("iris-binary-strings", blr, X)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, names[y])
    save("iris-tree-strings", tree, X, predict_fn="predict_proba")

    Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
    save("diabetes-ridge", Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=0.5))]).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-linear", LinearRegression().fit(Xd, yd), Xd, n_rows=200)
    # Fitted on a bare ndarray: tensor signature, no feature names.
    save("diabetes-linear-ndarray", LinearRegression().fit(Xd.values, yd.values), Xd.values, n_rows=200)
    save("diabetes-tree", DecisionTreeRegressor(max_depth=5, random_state=0).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-rf", RandomForestRegressor(n_estimators=8, max_depth=5, random_state=0).fit(Xd, yd), Xd, n_rows=200)

    Xm, ym = mixed_data()
    Xm_train = Xm.copy()
    Xm_train.loc[::17, "weight"] = np.nan  # the imputer has something to learn
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())]), ["weight", "height"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size"]),
    ])
    mixed = Pipeline([("pre", pre), ("logreg", LogisticRegression())]).fit(Xm_train, ym)
    save("mixed-columntransformer", mixed, Xm)

    # Lasso / ElasticNet: linear like Ridge.
    save("diabetes-lasso", Pipeline([("scale", StandardScaler()), ("lasso", Lasso(alpha=0.5))]).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-elasticnet", ElasticNet(alpha=0.001, l1_ratio=0.3).fit(Xd, yd), Xd, n_rows=200)
    # Extra trees: evaluated like forests.
    et = ExtraTreesClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    save("iris-extratrees", et, X)
    save("iris-extratrees-proba", et, X, predict_fn="predict_proba")
    save("diabetes-extratrees", ExtraTreesRegressor(n_estimators=8, max_depth=5, random_state=0).fit(Xd, yd), Xd, n_rows=200)
    # Scalers and polynomial features.
    save("diabetes-robust-ridge", Pipeline([("robust", RobustScaler()), ("ridge", Ridge(alpha=0.5))]).fit(Xd, yd), Xd, n_rows=200)
    poly = Pipeline([
        ("maxabs", MaxAbsScaler()),
        ("poly", PolynomialFeatures(degree=2)),
        ("ridge", Ridge(alpha=0.1)),
    ]).fit(Xd, yd)
    save("diabetes-maxabs-poly", poly, Xd, n_rows=200)
    poly3 = Pipeline([
        ("poly", PolynomialFeatures(degree=3, interaction_only=True, include_bias=False)),
        ("logreg", LogisticRegression(max_iter=2000)),
    ]).fit(X, y)
    save("iris-poly3-interaction-proba", poly3, X, predict_fn="predict_proba")
    # OrdinalEncoder; the scored rows hold categories never seen in fit.
    ordinal = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["color", "size"]),
        ("num", "passthrough", ["weight", "height"]),
    ])
    ord_model = Pipeline([("pre", ordinal), ("tree", DecisionTreeClassifier(max_depth=4, random_state=0))]).fit(Xm, ym)
    Xm_unseen = Xm.copy()
    Xm_unseen.loc[::7, "color"] = "purple"
    Xm_unseen.loc[3::11, "size"] = "XXL"
    save("mixed-ordinal-tree", ord_model, Xm_unseen)
    # GaussianNB.
    save("iris-gaussiannb-proba", GaussianNB().fit(X, y), X, predict_fn="predict_proba")
    save("iris-gaussiannb", GaussianNB().fit(X, names[y]), X)
    # k nearest neighbours (brute force; continuous features so no distance ties).
    Xk, yk = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=0)
    Xk = pd.DataFrame(np.round(Xk, 6), columns=[f"f{i}" for i in range(5)])
    knn = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(Xk[:200], yk[:200])
    save("synthetic-knn-proba", knn, Xk[200:].reset_index(drop=True), predict_fn="predict_proba")
    knn_d = KNeighborsClassifier(n_neighbors=7, weights="distance", metric="minkowski", p=2, algorithm="brute")
    save("synthetic-knn-distance", knn_d.fit(Xk[:200], yk[:200]), Xk[200:].reset_index(drop=True))
    knr = KNeighborsRegressor(n_neighbors=5, weights="distance", metric="euclidean", algorithm="brute")
    save("diabetes-knn-distance", knr.fit(Xd[200:], yd[200:]), Xd, n_rows=200)
    knr_u = KNeighborsRegressor(n_neighbors=4, algorithm="brute").fit(Xd[200:], yd[200:])
    save("diabetes-knn-uniform", knr_u, Xd, n_rows=200)

    linear_models(X, y, names, Xd, yd)
    boosting_models(X, y, names, Xd, yd)
    hist_models(X, y, Xd, yd)
    svm_models(X, y, names, Xd, yd)
    mlp_models(X, y, names, Xd, yd)
    iforest_models(X, Xd)


def linear_models(X, y, names, Xd, yd):
    """Issue 5: SGD*, LinearSVC/SVR, one-vs-rest LogisticRegression."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier, SGDRegressor
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC, LinearSVR

    def scaled(model):
        return Pipeline([("scale", StandardScaler()), ("model", model)])

    sgd_log = scaled(SGDClassifier(loss="log_loss", random_state=0)).fit(X, y)
    save("iris-sgd-log-proba", sgd_log, X, predict_fn="predict_proba")
    sgd_huber = scaled(SGDClassifier(loss="modified_huber", random_state=0)).fit(X, y)
    save("iris-sgd-huber-proba", sgd_huber, X, predict_fn="predict_proba")
    binary = np.where(y == 2, "virginica", "other")
    sgd_bin = scaled(SGDClassifier(loss="modified_huber", random_state=0)).fit(X, binary)
    save("iris-binary-sgd-huber-proba", sgd_bin, X, predict_fn="predict_proba")
    save("iris-sgd-hinge", scaled(SGDClassifier(random_state=0)).fit(X, names[y]), X)
    save("iris-linearsvc", scaled(LinearSVC(random_state=0)).fit(X, y), X)
    save("iris-binary-linearsvc", scaled(LinearSVC(random_state=0)).fit(X, binary), X)
    ovr = scaled(OneVsRestClassifier(LogisticRegression())).fit(X, y)
    save("iris-ovr-logreg", ovr, X)
    save("iris-ovr-logreg-proba", ovr, X, predict_fn="predict_proba")
    ovr_bin = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(X, binary)
    save("iris-binary-ovr-logreg-proba", ovr_bin, X, predict_fn="predict_proba")
    save("diabetes-sgd", scaled(SGDRegressor(random_state=0)).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-linearsvr", scaled(LinearSVR(random_state=0, max_iter=10000)).fit(Xd, yd), Xd, n_rows=200)


def boosting_models(X, y, names, Xd, yd):
    """Issue 5: GradientBoosting* (multinomial, binomial, exponential, init 'zero')."""
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    gb = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(X, y)
    save("iris-gb", gb, X)
    save("iris-gb-proba", gb, X, predict_fn="predict_proba")
    binary = np.where(y == 2, "virginica", "other")
    gb_bin = GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0).fit(X, binary)
    save("iris-binary-gb-proba", gb_bin, X, predict_fn="predict_proba")
    gb_exp = GradientBoostingClassifier(loss="exponential", n_estimators=15, init="zero", random_state=0)
    save("iris-binary-gb-exponential-proba", gb_exp.fit(X, binary), X, predict_fn="predict_proba")
    gbr = GradientBoostingRegressor(n_estimators=20, max_depth=3, learning_rate=0.1, random_state=0).fit(Xd, yd)
    save("diabetes-gb", gbr, Xd, n_rows=200)
    gbr_h = GradientBoostingRegressor(loss="huber", n_estimators=20, subsample=0.8, random_state=0).fit(Xd, yd)
    save("diabetes-gb-huber", gbr_h, Xd, n_rows=200)


def hist_models(X, y, Xd, yd):
    """Issue 5: HistGradientBoosting* with missing values (NaN in fit and in the scored rows)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    rng = np.random.RandomState(0)
    Xn = X.copy()
    for col in Xn.columns:
        Xn.loc[rng.rand(len(Xn)) < 0.1, col] = np.nan
    hgb = HistGradientBoostingClassifier(max_iter=15, max_depth=3, random_state=0).fit(Xn, y)
    save("iris-nan-hgb", hgb, Xn)
    save("iris-nan-hgb-proba", hgb, Xn, predict_fn="predict_proba")
    binary = np.where(y == 2, "virginica", "other")
    hgb_bin = HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(Xn, binary)
    save("iris-binary-nan-hgb-proba", hgb_bin, Xn, predict_fn="predict_proba")
    Xdn = Xd.copy()
    for col in Xdn.columns:
        Xdn.loc[rng.rand(len(Xdn)) < 0.1, col] = np.nan
    hgbr = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(Xdn, yd)
    save("diabetes-nan-hgb", hgbr, Xdn, n_rows=200)
    hgbp = HistGradientBoostingRegressor(loss="poisson", max_iter=20, random_state=0).fit(Xdn, yd)
    save("diabetes-nan-hgb-poisson", hgbp, Xdn, n_rows=200)
    # Categorical features (integer codes, by name); the scored rows add unseen codes and NaN.
    n = 300
    Xc = pd.DataFrame({
        "x1": np.round(rng.normal(size=n), 4),
        "shop": rng.randint(0, 6, n).astype(float),
        "x2": np.round(rng.normal(size=n), 4),
        "city": rng.randint(0, 12, n).astype(float),
    })
    Xc.loc[::13, "x1"] = np.nan
    score = Xc["x1"].fillna(0) + np.isin(Xc["shop"], [1, 4]) * 1.5 - np.isin(Xc["city"], [2, 3, 9]) + 0.3 * Xc["x2"]
    yc = np.digitize(score + rng.normal(0, 0.3, n), [-0.5, 0.8])
    Xc_scored = Xc.copy()
    Xc_scored.loc[::11, "shop"] = 7.0
    Xc_scored.loc[5::17, "city"] = np.nan
    cat = HistGradientBoostingClassifier(max_iter=15, categorical_features=["shop", "city"], random_state=0)
    save("synthetic-categorical-hgb-proba", cat.fit(Xc, yc), Xc_scored, predict_fn="predict_proba")
    catr = HistGradientBoostingRegressor(max_iter=20, categorical_features=["shop", "city"], random_state=0)
    save("synthetic-categorical-hgb-regressor", catr.fit(Xc, score), Xc_scored)


def svm_models(X, y, names, Xd, yd):
    """Issue 5: SVC / SVR with rbf, linear and poly kernels."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    def scaled(model):
        return Pipeline([("scale", StandardScaler()), ("model", model)])

    svc = scaled(SVC(probability=True, random_state=0)).fit(X, y)
    save("iris-svc-rbf", svc, X)
    save("iris-svc-rbf-proba", svc, X, predict_fn="predict_proba")
    binary = np.where(y == 2, "virginica", "other")
    svc_bin = scaled(SVC(probability=True, gamma=0.3, C=2.0, random_state=0)).fit(X, binary)
    save("iris-binary-svc-rbf-proba", svc_bin, X, predict_fn="predict_proba")
    save("iris-svc-linear", scaled(SVC(kernel="linear", C=0.5)).fit(X, names[y]), X)
    save("iris-svc-poly", scaled(SVC(kernel="poly", degree=3, coef0=1.0)).fit(X, y), X)
    save("diabetes-svr-rbf", scaled(SVR(C=50.0)).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-svr-poly", scaled(SVR(kernel="poly", degree=2, C=20.0, coef0=1.0)).fit(Xd, yd), Xd, n_rows=200)
    save("diabetes-svr-linear", scaled(SVR(kernel="linear", C=5.0)).fit(Xd, yd), Xd, n_rows=200)


def mlp_models(X, y, names, Xd, yd):
    """Issue 5: MLPClassifier / MLPRegressor, every activation."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def scaled(model):
        return Pipeline([("scale", StandardScaler()), ("model", model)])

    relu = scaled(MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0)).fit(X, y)
    save("iris-mlp-relu", relu, X)
    save("iris-mlp-relu-proba", relu, X, predict_fn="predict_proba")
    tanh = scaled(MLPClassifier(hidden_layer_sizes=(10,), activation="tanh", solver="lbfgs", max_iter=200, random_state=0))
    save("iris-mlp-tanh-proba", tanh.fit(X, names[y]), X, predict_fn="predict_proba")
    binary = np.where(y == 2, "virginica", "other")
    logistic = scaled(MLPClassifier(hidden_layer_sizes=(6,), activation="logistic", max_iter=300, random_state=0))
    save("iris-binary-mlp-logistic-proba", logistic.fit(X, binary), X, predict_fn="predict_proba")
    save("iris-binary-mlp-logistic", logistic, X)
    mlpr = scaled(MLPRegressor(hidden_layer_sizes=(20,), max_iter=500, learning_rate_init=0.01, random_state=0))
    save("diabetes-mlp-relu", mlpr.fit(Xd, yd), Xd, n_rows=200)
    mlpr_i = scaled(MLPRegressor(hidden_layer_sizes=(5,), activation="identity", solver="lbfgs", max_iter=200, random_state=0))
    save("diabetes-mlp-identity", mlpr_i.fit(Xd, yd), Xd, n_rows=200)


def iforest_models(X, Xd):
    """Issue 5: IsolationForest (predict: -1 outlier / 1 inlier)."""
    from sklearn.ensemble import IsolationForest

    save("iris-iforest", IsolationForest(n_estimators=10, random_state=0).fit(X), X)
    iso = IsolationForest(n_estimators=20, max_samples=128, max_features=0.5, contamination=0.1, random_state=0)
    save("diabetes-iforest-features", iso.fit(Xd), Xd, n_rows=200)


if __name__ == "__main__":
    main()
