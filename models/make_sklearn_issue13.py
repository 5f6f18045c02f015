#!/usr/bin/env python3
"""Issue 13 fixtures: sklearn models as users make them, saved by real MLflow.

Run from the repository root with the venv of models/README.md (same pins):
    /tmp/wf-venv/bin/python models/make_sklearn_issue13.py            # skops
    /tmp/wf-venv/bin/python models/make_sklearn_issue13.py --pickles  # cloudpickle copies
    /tmp/wf-venv/bin/python models/make_sklearn_issue13.py NAME ...   # just some

Uses `save` of make_sklearn_models.py (same files, same expected/*.json layout):
- k nearest neighbours with the default algorithm="auto" (a KDTree or BallTree at
  fit) and every dense metric (minkowski p, manhattan, chebyshev, cosine), on data
  with exact distance ties (iris: one-decimal values, duplicate rows);
- a titanic-style pipeline: SimpleImputer(most_frequent / constant) on string
  columns before OneHotEncoder, numeric columns imputed and scaled;
- HistGradientBoosting* with categorical_features="from_dtype" on pandas
  `category` columns of strings (scored as MLflow's server builds the frame: object
  columns of str);
- diabetes-linear-nosig: LinearRegression on a DataFrame saved without a signature,
  for the recorded error answers (NaN, infinity, no rows, reordered/unknown columns).
"""

import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_sklearn_models as base  # noqa: E402

# Saved again by --pickles (same trained objects).
base.CLOUDPICKLED |= {"iris-knn-auto-proba", "diabetes-knn-balltree-manhattan", "titanic-imputer-logreg",
                      "synthetic-hgb-category-proba"}


def titanic(n=240, seed=3):
    """A titanic-like table: strings with missing values (NaN in object columns)."""
    rng = np.random.RandomState(seed)
    df = pd.DataFrame({
        "pclass": rng.choice([1, 2, 3], n, p=[0.25, 0.25, 0.5]),
        "sex": rng.choice(["male", "female"], n),
        "age": np.round(rng.uniform(1, 70, n), 1),
        "fare": np.round(rng.lognormal(3, 0.8, n), 2),
        "embarked": rng.choice(["S", "C", "Q"], n, p=[0.7, 0.2, 0.1]).astype(object),
        "deck": rng.choice(["A", "B", "C", "D", "E"], n).astype(object),
    })
    score = (df["sex"] == "female") * 2.0 - (df["pclass"] - 2) - df["age"] / 40 + (df["embarked"] == "C") * 0.5
    y = (score + rng.normal(0, 0.7, n) > 0.3).astype(int)
    df.loc[rng.rand(n) < 0.15, "age"] = np.nan
    df.loc[rng.rand(n) < 0.1, "embarked"] = np.nan
    df.loc[rng.rand(n) < 0.4, "deck"] = np.nan
    return df, y


def neighbours():
    from sklearn.datasets import load_diabetes, load_iris, make_classification
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    X, y = load_iris(return_X_y=True, as_frame=True)
    Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
    Xk, yk = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=0)
    Xk = pd.DataFrame(np.round(Xk, 6), columns=[f"f{i}" for i in range(5)])
    # iris: 4 features -> auto picks a KDTree; many exact ties (and duplicate rows).
    auto = KNeighborsClassifier().fit(X, y)
    assert auto._fit_method == "kd_tree", auto._fit_method
    base.save("iris-knn-auto-proba", auto, X, predict_fn="predict_proba")
    base.save("iris-knn-auto", auto, X)
    ball = KNeighborsClassifier(n_neighbors=6, algorithm="ball_tree", weights="distance").fit(X, y)
    base.save("iris-knn-balltree-distance-proba", ball, X, predict_fn="predict_proba")
    cheb = KNeighborsClassifier(n_neighbors=4, metric="chebyshev").fit(X, y)
    assert cheb._fit_method == "kd_tree", cheb._fit_method
    base.save("iris-knn-kdtree-chebyshev-proba", cheb, X, predict_fn="predict_proba")
    # Rounded to one decimal so that diabetes rows tie too.
    Xr = Xd.round(2)
    man = KNeighborsRegressor(n_neighbors=5, algorithm="ball_tree", metric="manhattan", weights="distance")
    base.save("diabetes-knn-balltree-manhattan", man.fit(Xr[100:], yd[100:]), Xr, n_rows=100)
    mink = KNeighborsRegressor(n_neighbors=3, p=3).fit(Xr[100:], yd[100:])
    assert mink._fit_method == "kd_tree", mink._fit_method
    base.save("diabetes-knn-kdtree-minkowski3", mink, Xr, n_rows=100)
    mink15 = KNeighborsClassifier(n_neighbors=5, p=1.5, weights="distance", algorithm="ball_tree")
    base.save("synthetic-knn-balltree-minkowski15-proba", mink15.fit(Xk[:200], yk[:200]),
              Xk[200:].reset_index(drop=True), predict_fn="predict_proba")
    cos = KNeighborsClassifier(n_neighbors=5, metric="cosine", weights="distance").fit(Xk[:200], yk[:200])
    assert cos._fit_method == "brute", cos._fit_method
    base.save("synthetic-knn-cosine-proba", cos, Xk[200:].reset_index(drop=True), predict_fn="predict_proba")
    cosr = KNeighborsRegressor(n_neighbors=4, metric="cosine").fit(Xd[200:], yd[200:])
    base.save("diabetes-knn-cosine", cosr, Xd, n_rows=100)
    brute_man = KNeighborsClassifier(n_neighbors=5, metric="manhattan", algorithm="brute").fit(X, y)
    base.save("iris-knn-brute-manhattan-proba", brute_man, X, predict_fn="predict_proba")


def imputers():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = titanic()

    def pre(strategy, **kw):
        return ColumnTransformer([
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
             ["age", "fare", "pclass"]),
            ("cat", Pipeline([("impute", SimpleImputer(strategy=strategy, **kw)),
                              ("onehot", OneHotEncoder(handle_unknown="ignore"))]), ["sex", "embarked", "deck"]),
        ])

    # Scored rows: the training table without its missing strings (a JSON null in a
    # string column does not reach a model as NaN), numeric NaN kept.
    scored = X.copy()
    scored["embarked"] = scored["embarked"].fillna("S")
    scored["deck"] = scored["deck"].fillna("Z")  # unseen: ignored by the encoder
    logreg = Pipeline([("pre", pre("most_frequent")), ("model", LogisticRegression(max_iter=1000))]).fit(X, y)
    base.save("titanic-imputer-logreg", logreg, scored)
    base.save("titanic-imputer-logreg-proba", logreg, scored, predict_fn="predict_proba")
    rf = Pipeline([("pre", pre("constant", fill_value="missing")),
                   ("model", RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0))]).fit(X, y)
    base.save("titanic-imputer-constant-rf-proba", rf, scored, predict_fn="predict_proba")


def hist_category():
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, _ = titanic(n=300, seed=5)
    rng = np.random.RandomState(1)
    X = X[["age", "fare", "sex", "embarked", "deck"]].copy()
    for c in ("sex", "embarked", "deck"):
        X[c] = X[c].astype("category")
    score = (X["sex"] == "female") * 1.5 + (X["deck"].isin(["A", "B"])) - X["age"].fillna(30) / 30
    y = np.digitize(score + rng.normal(0, 0.3, len(X)), [-0.5, 0.5])
    # Served frames hold str (object) columns; an unseen "X" and a missing deck are
    # scored too (HistGradientBoosting treats both as missing).
    scored = X.astype({"sex": object, "embarked": object, "deck": object})
    scored["embarked"] = scored["embarked"].fillna("S")
    scored["deck"] = scored["deck"].fillna("X")
    clf = HistGradientBoostingClassifier(max_iter=15, categorical_features="from_dtype", random_state=0)
    base.save("synthetic-hgb-category-proba", clf.fit(X, y), scored, predict_fn="predict_proba")
    reg = HistGradientBoostingRegressor(max_iter=20, random_state=0).fit(X, score)
    base.save("synthetic-hgb-category-regressor", reg, scored)


def behaviour():
    """Models whose error answers are recorded from `mlflow models serve` (record_cases.py)."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
    # No signature: only sklearn's own feature-name check guards the columns.
    base.save("diabetes-linear-nosig", LinearRegression().fit(Xd, yd), Xd, n_rows=20, signature=False)


def main():
    behaviour()
    neighbours()
    imputers()
    hist_category()


if __name__ == "__main__":
    main()
