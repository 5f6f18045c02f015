#!/usr/bin/env python3
"""Write models/ensemble/ with REAL MLflow: the `EnsembleModel` custom pyfunc of
MLflow's documentation (deployment guide, "Multi-Model Ensembles"), unchanged: two
scikit-learn models and a preprocessor saved with `joblib.dump` as artifacts,
weights from `model_config`, the weighted average of the two predictions.

The directory is what MLflow wrote, unchanged. wasmflow serves it with
guest/ensemble (a Rust component built on the sklearn flavor's loaders and
evaluators), given with `--flavor-component python_function=ensemble.wasm` or
copied into the directory and named by a `wasmflow` flavor (README, "Custom
models"); tests/e2e/ensemble.rs does both.

    /tmp/wasmflow-ci-venv/bin/python models/make_ensemble_model.py
"""

import os
import shutil
import tempfile

import joblib
import mlflow
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ensemble")


# MLflow's documented class, as published.
class EnsembleModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        """Load multiple models for ensemble prediction"""
        self.model_a = joblib.load(context.artifacts["model_a"])
        self.model_b = joblib.load(context.artifacts["model_b"])
        self.preprocessor = joblib.load(context.artifacts["preprocessor"])
        # Load ensemble weights from config
        self.weights = context.model_config.get("weights", [0.5, 0.5])

    def predict(self, model_input: pd.DataFrame) -> np.ndarray:
        """Combine predictions from multiple models"""
        # Preprocess input
        processed = self.preprocessor.transform(model_input)

        # Get predictions from both models
        pred_a = self.model_a.predict(processed)
        pred_b = self.model_b.predict(processed)

        # Weighted average ensemble
        ensemble_pred = self.weights[0] * pred_a + self.weights[1] * pred_b

        return ensemble_pred


def main():
    data = load_diabetes(as_frame=True)
    # Four named features keep the fixture small.
    X = data.data[["age", "bmi", "bp", "s5"]]
    y = data.target
    preprocessor = StandardScaler().fit(X)
    processed = preprocessor.transform(X)
    model_a = Ridge(alpha=1.0).fit(processed, y)
    model_b = RandomForestRegressor(n_estimators=8, max_depth=4, random_state=0).fit(processed, y)

    with tempfile.TemporaryDirectory() as tmp:
        artifacts = {}
        for name, obj in [("model_a", model_a), ("model_b", model_b), ("preprocessor", preprocessor)]:
            path = os.path.join(tmp, f"{name}.pkl")
            joblib.dump(obj, path)
            artifacts[name] = path
        shutil.rmtree(OUT, ignore_errors=True)
        mlflow.pyfunc.save_model(
            path=OUT,
            python_model=EnsembleModel(),
            artifacts=artifacts,
            model_config={"weights": [0.6, 0.4]},
            input_example=X.iloc[:3],
            pip_requirements=["scikit-learn", "pandas", "joblib"],
        )

    print("wrote", OUT)


if __name__ == "__main__":
    main()
