#!/usr/bin/env python3
"""Build the wasmflow xgboost/lightgbm test models with real XGBoost, LightGBM and MLflow.

Run from the repository root (see models/README.md):
    /tmp/wf-venv/bin/pip install -r models/requirements.txt xgboost==3.2.0 lightgbm==4.6.0
    /tmp/wf-venv/bin/python models/make_tree_models.py              # all models
    /tmp/wf-venv/bin/python models/make_tree_models.py xgb-binary   # just some

Writes models/xgboost/<name>/ and models/lightgbm/<name>/ (saved by
mlflow.xgboost.save_model / mlflow.lightgbm.save_model; the lgb-sklearn-* ones are
LightGBM scikit-learn estimators, which MLflow writes as skops or (cloud)pickle) and
models/expected/trees-<name>.json holding the input rows (`columns` + `data`: a
dataframe_split, a missing value is null, a categorical value is its integer
code), `outputs`: what MLflow's own pyfunc
(mlflow.pyfunc.load_model(path).predict(DataFrame)) answers, and `margin`: the
library's raw score for the same rows (Booster.predict(output_margin=True) /
predict(raw_score=True)); for the scikit-learn classifiers also `predict_proba`,
the estimator's own. Data and models are deterministic (fixed seeds, one
thread); MLflow stamps model_uuid and utc_time_created on every run.
"""

import json
import os
import shutil
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ONLY = set(sys.argv[1:])

import lightgbm as lgb  # noqa: E402
import mlflow  # noqa: E402
import xgboost as xgb  # noqa: E402

assert xgb.__version__ == "3.2.0", xgb.__version__
assert lgb.__version__ == "4.6.0", lgb.__version__
assert mlflow.__version__ == "3.17.2", mlflow.__version__


def data(n, n_features=5, seed=0, nan_rate=0.1, cat=False):
    """A small regression/classification table; values rounded so JSON keeps them exact."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, n_features)), 3)
    if cat:
        X[:, -1] = rng.integers(0, 6, n)
    score = X[:, 0] + 0.5 * X[:, 1] - 0.25 * X[:, 2] ** 2 + (X[:, -1] % 3 if cat else 0.3 * X[:, -1])
    mask = rng.random(X.shape) < nan_rate
    if cat:
        mask[:, -1] = False
    X[mask] = np.nan
    columns = [f"x{i}" for i in range(n_features)]
    return pd.DataFrame(X, columns=columns), score


def tolist(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return [None if (isinstance(v, float) and np.isnan(v)) else v for v in a.astype(np.float64).ravel().tolist()], list(a.shape), str(a.dtype)
    return a.ravel().tolist(), list(a.shape), str(a.dtype)


def record(flavor, name, save_fn, X_test, margin, note, extra=None):
    if ONLY and name not in ONLY:
        return
    path = os.path.join(HERE, flavor, name)
    shutil.rmtree(path, ignore_errors=True)
    save_fn(path)
    loaded = mlflow.pyfunc.load_model(path)
    out = np.asarray(loaded.predict(X_test))
    values, shape, dtype = tolist(out)
    m_values, m_shape, _ = tolist(margin)
    rows = [[None if (isinstance(v, float) and np.isnan(v)) else v for v in row] for row in X_test.astype(np.float64).values.tolist()]
    expected = {
        "flavor": flavor,
        "model": name,
        "note": note,
        "columns": list(X_test.columns),
        "data": rows,
        "outputs": {"values": values, "shape": shape, "dtype": dtype},
        "margin": {"values": m_values, "shape": m_shape},
        **(extra or {}),
    }
    with open(os.path.join(HERE, "expected", f"trees-{name}.json"), "w") as f:
        json.dump(expected, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(name, shape, dtype)


# ---------------------------------------------------------------- xgboost


def xgb_booster(name, params, rounds=6, n=120, cat=False, label=None, fmt="ubj", early=False, qid=False, note=""):
    X, score = data(n, seed=len(name), cat=cat)
    y = score if label is None else label(score)
    Xtr, Xte, ytr = X.iloc[: n - 40], X.iloc[n - 40 :], y[: n - 40]
    if cat:
        Xtr = Xtr.astype({"x4": pd.CategoricalDtype(list(range(6)))})
    kw = {"enable_categorical": True} if cat else {}
    dtrain = xgb.DMatrix(Xtr, ytr, **kw)
    if qid:
        dtrain.set_group([20] * ((n - 40) // 20))
    p = {"max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0, **params}
    if early:
        dvalid = xgb.DMatrix(Xte, y[n - 40 :], **kw)
        bst = xgb.train(p, dtrain, 40, evals=[(dvalid, "v")], early_stopping_rounds=3, verbose_eval=False)
    else:
        bst = xgb.train(p, dtrain, rounds)
    dtest = xgb.DMatrix(Xte.astype({"x4": pd.CategoricalDtype(list(range(6)))}) if cat else Xte, **kw)
    margin = bst.predict(dtest, output_margin=True)
    record("xgboost", name, lambda path: mlflow.xgboost.save_model(bst, path, model_format=fmt), Xte, margin, note)


def xgb_sklearn(name, cls, params, n=120, cat=False, label=None, fmt="ubj", early=False, note=""):
    X, score = data(n, seed=len(name), cat=cat)
    y = score if label is None else label(score)
    Xtr, Xte, ytr = X.iloc[: n - 40], X.iloc[n - 40 :], y[: n - 40]
    extra = {"early_stopping_rounds": 3} if early else {}
    model = cls(n_estimators=40 if early else 6, max_depth=3, n_jobs=1, random_state=0, **extra, **params)
    fit = {"eval_set": [(Xte, y[n - 40 :])], "verbose": False} if early else {}
    if cls is xgb.XGBRanker:
        fit["qid"] = np.repeat(np.arange((n - 40) // 20), 20)
    model.fit(Xtr, ytr, **fit)
    margin = model.predict(Xte, output_margin=True)
    record("xgboost", name, lambda path: mlflow.xgboost.save_model(model, path, model_format=fmt), Xte, margin, note)


def binary(s):
    return (s > 0.3).astype(int)


def three(s):
    return np.digitize(s, [-0.5, 0.8])


def positive(s):
    return np.exp(s / 2)


xgb_sklearn("xgb-classifier-binary", xgb.XGBClassifier, {}, label=binary, note="XGBClassifier binary:logistic, NaN rows")
xgb_sklearn("xgb-classifier-multi", xgb.XGBClassifier, {}, label=three, fmt="json", note="XGBClassifier multi:softprob, model.json")
xgb_sklearn("xgb-classifier-early", xgb.XGBClassifier, {}, label=three, early=True, note="XGBClassifier with early stopping (best_iteration)")
xgb_sklearn("xgb-regressor-early", xgb.XGBRegressor, {"learning_rate": 1.0}, early=True, fmt="xgb", note="XGBRegressor with early stopping, model.xgb (UBJSON)")
xgb_sklearn("xgb-regressor-quantiles", xgb.XGBRegressor, {"objective": "reg:quantileerror", "quantile_alpha": np.array([0.1, 0.5, 0.9])}, note="three quantiles")
xgb_sklearn("xgb-ranker", xgb.XGBRanker, {"objective": "rank:ndcg"}, label=three, note="XGBRanker rank:ndcg (margin)")
xgb_booster("xgb-booster-softprob", {"objective": "multi:softprob", "num_class": 3}, label=three, note="Booster multi:softprob")
xgb_booster("xgb-booster-softmax", {"objective": "multi:softmax", "num_class": 3}, label=three, fmt="json", note="Booster multi:softmax")
xgb_booster("xgb-booster-logitraw", {"objective": "binary:logitraw"}, label=binary)
xgb_booster("xgb-booster-hinge", {"objective": "binary:hinge"}, label=binary)
xgb_booster("xgb-booster-logistic", {"objective": "binary:logistic", "base_score": 0.3}, label=binary, note="explicit base_score")
xgb_booster("xgb-booster-squarederror-early", {"objective": "reg:squarederror"}, early=True, note="native Booster ignores best_iteration")
xgb_booster("xgb-booster-squaredlogerror", {"objective": "reg:squaredlogerror"}, label=positive)
xgb_booster("xgb-booster-reglogistic", {"objective": "reg:logistic"}, label=lambda s: 1 / (1 + np.exp(-s)))
xgb_booster("xgb-booster-pseudohuber", {"objective": "reg:pseudohubererror"})
xgb_booster("xgb-booster-absoluteerror", {"objective": "reg:absoluteerror"})
xgb_booster("xgb-booster-quantile", {"objective": "reg:quantileerror", "quantile_alpha": 0.7})
xgb_booster("xgb-booster-poisson", {"objective": "count:poisson"}, label=lambda s: np.floor(positive(s)))
xgb_booster("xgb-booster-gamma", {"objective": "reg:gamma"}, label=positive)
xgb_booster("xgb-booster-tweedie", {"objective": "reg:tweedie", "tweedie_variance_power": 1.3}, label=positive)
xgb_booster("xgb-booster-cox", {"objective": "survival:cox"}, label=lambda s: np.where(s > 0, 1, -1) * (np.abs(s) + 0.5))
xgb_booster("xgb-booster-pairwise", {"objective": "rank:pairwise"}, label=three, qid=True)
xgb_booster("xgb-booster-categorical", {"objective": "binary:logistic", "max_cat_to_onehot": 1, "tree_method": "hist"}, cat=True, label=binary, note="native categorical splits (x4, codes 0..5)")
xgb_booster("xgb-booster-dart", {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3, "seed": 1}, note="dart: tree weights (weight_drop)")
xgb_sklearn("xgb-rf-classifier", xgb.XGBRFClassifier, {}, label=three, note="XGBRFClassifier: 6 parallel trees per class in one round")
xgb_booster("xgb-booster-categorical-onehot", {"objective": "reg:squarederror", "max_cat_to_onehot": 8, "tree_method": "hist"}, cat=True, fmt="json", note="categorical one-hot splits")

# ---------------------------------------------------------------- lightgbm


def lgb_booster(name, params, rounds=6, n=160, cat=False, label=None, early=False, qid=False, zeros=False, note=""):
    X, score = data(n, seed=len(name) + 100, cat=cat)
    if zeros:
        X = X.mask(np.random.default_rng(1).random(X.shape) < 0.15, 0.0)
    y = score if label is None else label(score)
    Xtr, Xte, ytr = X.iloc[: n - 40], X.iloc[n - 40 :], y[: n - 40]
    p = {"num_leaves": 7, "min_data_in_leaf": 5, "learning_rate": 0.3, "num_threads": 1, "seed": 0, "verbose": -1, "deterministic": True, **params}
    kw = {"categorical_feature": ["x4"]} if cat else {}
    dtrain = lgb.Dataset(Xtr, ytr, group=[20] * ((n - 40) // 20) if qid else None, **kw)
    if early:
        dvalid = lgb.Dataset(Xte, y[n - 40 :], reference=dtrain, **kw)
        bst = lgb.train(p, dtrain, 40, valid_sets=[dvalid], callbacks=[lgb.early_stopping(3, verbose=False)])
    else:
        bst = lgb.train(p, dtrain, rounds)
    margin = bst.predict(Xte, raw_score=True)
    record("lightgbm", name, lambda path: mlflow.lightgbm.save_model(bst, path), Xte, margin, note)


lgb_booster("lgb-binary", {"objective": "binary"}, label=binary, note="NaN rows")
lgb_booster("lgb-multiclass", {"objective": "multiclass", "num_class": 3}, label=three)
lgb_booster("lgb-multiclassova", {"objective": "multiclassova", "num_class": 3}, label=three)
lgb_booster("lgb-regression-early", {"objective": "regression"}, early=True, note="early stopping: best iteration saved")
lgb_booster("lgb-l1", {"objective": "regression_l1"})
lgb_booster("lgb-huber", {"objective": "huber"})
lgb_booster("lgb-fair", {"objective": "fair"})
lgb_booster("lgb-quantile", {"objective": "quantile", "alpha": 0.8})
lgb_booster("lgb-mape", {"objective": "mape"}, label=positive)
lgb_booster("lgb-poisson", {"objective": "poisson"}, label=positive)
lgb_booster("lgb-gamma", {"objective": "gamma"}, label=positive)
lgb_booster("lgb-tweedie", {"objective": "tweedie"}, label=positive)
lgb_booster("lgb-cross-entropy", {"objective": "cross_entropy"}, label=lambda s: 1 / (1 + np.exp(-s)))
lgb_booster("lgb-lambdarank", {"objective": "lambdarank"}, label=three, qid=True)
lgb_booster("lgb-xendcg", {"objective": "rank_xendcg"}, label=three, qid=True)
lgb_booster("lgb-categorical", {"objective": "binary", "cat_smooth": 1, "min_data_per_group": 2, "max_cat_to_onehot": 2}, cat=True, label=binary, note="categorical bitsets (x4)")
lgb_booster("lgb-zero-as-missing", {"objective": "regression", "zero_as_missing": True}, zeros=True, note="zeros are missing")
lgb_booster("lgb-no-missing", {"objective": "regression", "use_missing": False}, zeros=True, note="use_missing=false")
lgb_booster("lgb-linear-tree", {"objective": "regression", "linear_tree": True}, note="linear_tree")

# ------------------------------------------- lightgbm scikit-learn API (mlflow.lightgbm)
# mlflow.lightgbm.save_model(LGBMClassifier(...)) writes the estimator with
# mlflow.sklearn's serializer: model.skops by default (MLflow 3.17+ outside
# Databricks), model.pkl for serialization_format="cloudpickle" / "pickle".


def lgb_sklearn(name, cls, params, n=160, label=None, fmt=None, early=False, note=""):
    X, score = data(n, seed=len(name) + 200)
    y = score if label is None else label(score)
    Xtr, Xte, ytr = X.iloc[: n - 40], X.iloc[n - 40 :], y[: n - 40]
    extra = {"n_estimators": 40} if early else {"n_estimators": 6}
    model = cls(num_leaves=7, min_child_samples=5, learning_rate=0.3, n_jobs=1, random_state=0, verbose=-1, deterministic=True, **extra, **params)
    fit = {"eval_set": [(Xte, y[n - 40 :])], "callbacks": [lgb.early_stopping(3, verbose=False)]} if early else {}
    model.fit(Xtr, ytr, **fit)
    margin = model.predict(Xte, raw_score=True)
    kw = {} if fmt is None else {"serialization_format": fmt}
    extra = {"best_iteration": model.best_iteration_ if early else None}
    if cls is lgb.LGBMClassifier:
        proba = model.predict_proba(Xte)
        extra["predict_proba"] = {"values": proba.ravel().tolist(), "shape": list(proba.shape)}
    record("lightgbm", name, lambda path: mlflow.lightgbm.save_model(model, path, **kw), Xte, margin, note, extra)


def letters(s):
    return np.array(["low", "mid", "high"], dtype=object)[three(s)]


lgb_sklearn("lgb-sklearn-classifier", lgb.LGBMClassifier, {}, label=binary, note="LGBMClassifier via mlflow.lightgbm, skops (the default), int labels, NaN rows")
lgb_sklearn("lgb-sklearn-classifier-strings", lgb.LGBMClassifier, {}, label=letters, fmt="cloudpickle", note="LGBMClassifier multiclass with string labels, cloudpickle")
lgb_sklearn("lgb-sklearn-regressor-early", lgb.LGBMRegressor, {}, fmt="pickle", early=True, note="LGBMRegressor with early stopping, pickle")
