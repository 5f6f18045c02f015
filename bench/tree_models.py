"""The tree-ensemble benchmark models (bench/make_models.py writes them, bench/run and
bench/trees.py use them), trained on one synthetic table with fixed seeds:

- xgb-trees: XGBoost Booster, binary:logistic, 200 rounds of depth 6 (hist), 20
  features with 10 % missing values; saved by mlflow.xgboost (model.ubj).
- lgb-trees: LightGBM Booster, binary, 200 rounds of 31 leaves, same data; saved by
  mlflow.lightgbm (model.lgb).
- forest-onnx: scikit-learn RandomForestClassifier, 100 trees of depth ≤ 10 (no missing
  values), converted by skl2onnx (TreeEnsembleClassifier, no ZipMap) and saved by
  mlflow.onnx with a tensor signature (input `input` float32 [-1, 20]).

`rows(n, seed, missing)` is the feature table both the models and the timings use.
"""

from __future__ import annotations

import numpy as np

N_FEATURES = 20
COLUMNS = [f"f{i}" for i in range(N_FEATURES)]
SEED = 20261204


def rows(n: int, seed: int = SEED, missing: bool = True) -> np.ndarray:
    """`n` rows of `N_FEATURES` float64 values (rounded to 4 decimals so JSON keeps
    them exact); with `missing`, 10 % of them NaN."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, N_FEATURES)), 4)
    if missing:
        x[rng.random(x.shape) < 0.1] = np.nan
    return x


def _labels(x: np.ndarray) -> np.ndarray:
    z = np.nan_to_num(x)
    score = z[:, 0] + 0.5 * z[:, 1] * z[:, 2] - 0.3 * z[:, 3] ** 2 + np.sin(3 * z[:, 4]) + 0.2 * z[:, 5:].sum(axis=1)
    return (score > 0).astype(np.int64)


def xgb_trees(path: str) -> None:
    import mlflow.xgboost
    import pandas as pd
    import xgboost as xgb

    x = rows(20_000, SEED + 1)
    dtrain = xgb.DMatrix(pd.DataFrame(x, columns=COLUMNS), _labels(x))
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "tree_method": "hist", "nthread": 1, "seed": 0}
    booster = xgb.train(params, dtrain, 200)
    mlflow.xgboost.save_model(booster, path)


def lgb_trees(path: str) -> None:
    import lightgbm as lgb
    import mlflow.lightgbm
    import pandas as pd

    x = rows(20_000, SEED + 2)
    params = {"objective": "binary", "num_leaves": 31, "learning_rate": 0.1, "num_threads": 1, "seed": 0,
              "verbose": -1, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(pd.DataFrame(x, columns=COLUMNS), _labels(x)), 200)
    mlflow.lightgbm.save_model(booster, path)


def forest_onnx(path: str) -> None:
    import mlflow.onnx
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier

    x = rows(20_000, SEED + 3, missing=False)
    forest = RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0, n_jobs=1).fit(x, _labels(x))
    onx = convert_sklearn(forest, initial_types=[("input", FloatTensorType([None, N_FEATURES]))],
                          options={id(forest): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, N_FEATURES), "input")]),
        outputs=Schema([TensorSpec(np.dtype(np.int64), (-1,), "label"),
                        TensorSpec(np.dtype(np.float32), (-1, 2), "probabilities")]),
    )
    mlflow.onnx.save_model(onx, path, signature=signature)


MODELS = {"xgb-trees": xgb_trees, "lgb-trees": lgb_trees, "forest-onnx": forest_onnx}
