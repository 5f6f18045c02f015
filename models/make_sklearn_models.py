#!/usr/bin/env python3
"""Build the wasmflow sklearn-flavor test models with real scikit-learn and MLflow.

Run from the repository root (see models/README.md):
    /tmp/wf-venv/bin/pip install -r models/requirements.txt skops
    /tmp/wf-venv/bin/python models/make_sklearn_models.py             # all models
    /tmp/wf-venv/bin/python models/make_sklearn_models.py iris-rf     # just some

Writes models/sklearn/<name>/ (saved by mlflow.sklearn.save_model in MLflow 3's
default skops format) and models/expected/sklearn-<name>.json holding the input rows
(`columns` + `data`, i.e. a dataframe_split), the model's `predict_fn` and `outputs`:
what MLflow's own pyfunc (mlflow.pyfunc.load_model(path).predict(DataFrame)) answers,
plus sklearn's predict / predict_proba for reference. Models and data are
deterministic; MLflow stamps model_uuid and utc_time_created on every run.
"""

import json
import os
import shutil
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ONLY = set(sys.argv[1:])


def save(name, model, X, predict_fn="predict", n_rows=None):
    import mlflow.pyfunc
    import mlflow.sklearn
    import skops.io
    from mlflow.models import infer_signature

    if ONLY and name not in ONLY:
        return
    frame = isinstance(X, pd.DataFrame)
    path = os.path.join(HERE, "sklearn", name)
    if os.path.exists(path):
        shutil.rmtree(path)
    y_pred = getattr(model, predict_fn)(X)
    # Our own freshly trained objects: trust exactly what skops reports for them.
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    mlflow.sklearn.save_model(
        model,
        path,
        signature=infer_signature(X, y_pred),
        input_example=X.iloc[:3] if frame else X[:3],
        serialization_format="skops",
        skops_trusted_types=trusted or None,
        pyfunc_predict_fn=predict_fn,
    )
    rows = X if n_rows is None else X[:n_rows]
    served = mlflow.pyfunc.load_model(path).predict(rows)
    expected = {
        "model": name,
        "predict_fn": predict_fn,
        "columns": list(rows.columns) if frame else None,
        "data": [[v.item() if hasattr(v, "item") else v for v in r] for r in rows.itertuples(index=False)]
        if frame
        else rows.tolist(),
        "outputs": np.asarray(served).tolist(),
        "sklearn": {"predict": model.predict(rows).tolist()},
        "trusted_types": trusted,
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
    print(f"{name}: {len(rows)} rows, {predict_fn}, trusted={trusted}, {size} bytes")


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
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
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


if __name__ == "__main__":
    main()
