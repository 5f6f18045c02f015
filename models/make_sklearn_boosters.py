#!/usr/bin/env python3
"""XGBoost and LightGBM scikit-learn estimators saved with mlflow.sklearn (issue 14,
item 3): alone or as the last step of a Pipeline, as skops and as cloudpickle.

Run from the repository root with the fixtures venv (xgboost 3.2.0, lightgbm 4.6.0):
    /tmp/wasmflow-ci-venv/bin/python models/make_sklearn_boosters.py

Writes models/sklearn/<name>/ and models/expected/sklearn-<name>.json with
make_sklearn_models.write (what MLflow's pyfunc answers), which
guest/sklearn/tests/parity.rs checks (labels exact; the boosters' float32 / float64
outputs within 1e-9 relative, i.e. bit for bit up to printing).
"""

import numpy as np
import pandas as pd

from make_sklearn_models import write


def main():
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    iris = load_iris(as_frame=True)
    X, y = iris.data, iris.target
    rows = X.iloc[::5]

    m = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0).fit(X, y)
    write("iris-xgb-proba", m, rows, "predict_proba", None, "skops")
    write("iris-xgb-cloudpickle", m, rows, "predict", None, "cloudpickle")

    yb = (y == 2).astype(int)
    p = Pipeline([("scale", StandardScaler()), ("xgb", xgb.XGBClassifier(n_estimators=6, max_depth=2))]).fit(X, yb)
    write("iris-binary-xgb-pipeline-proba", p, rows, "predict_proba", None, "skops")
    write("iris-binary-xgb-pipeline-cloudpickle", p, rows, "predict", None, "cloudpickle")

    d = load_diabetes(as_frame=True)
    Xd, yd = d.data.copy(), d.target
    rng = np.random.RandomState(0)
    Xd = Xd.mask(rng.rand(*Xd.shape) < 0.05)  # missing values: each node's default direction
    r = xgb.XGBRegressor(n_estimators=40, max_depth=3, early_stopping_rounds=3, random_state=0)
    r.fit(Xd[:300], yd[:300], eval_set=[(Xd[300:], yd[300:])], verbose=False)
    assert r.best_iteration < 39, r.best_iteration
    write("diabetes-nan-xgb-early-stopping-cloudpickle", r, Xd.iloc[::15], "predict", None, "cloudpickle")
    write("diabetes-nan-xgb-early-stopping", r, Xd.iloc[::15], "predict", None, "skops")

    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    c = lgb.LGBMClassifier(n_estimators=8, num_leaves=7, verbose=-1).fit(X, labels)
    write("iris-lgbm-strings", c, rows, "predict", None, "skops")
    write("iris-lgbm-strings-proba-cloudpickle", c, rows, "predict_proba", None, "cloudpickle")

    b = lgb.LGBMClassifier(n_estimators=6, num_leaves=5, verbose=-1).fit(X, yb)
    write("iris-binary-lgbm-proba", b, rows, "predict_proba", None, "skops")

    pr = Pipeline([("scale", StandardScaler()), ("lgbm", lgb.LGBMRegressor(n_estimators=20, num_leaves=7, verbose=-1))])
    pr.fit(Xd, yd)
    write("diabetes-nan-lgbm-pipeline", pr, Xd.iloc[::15], "predict", None, "skops")
    write("diabetes-nan-lgbm-pipeline-cloudpickle", pr, Xd.iloc[::15], "predict", None, "cloudpickle")


if __name__ == "__main__":
    main()
