#!/usr/bin/env python3
"""sklearn fixtures written by MLflow 2 (its default `serialization_format: cloudpickle`,
`model.pkl`) with an older scikit-learn, as models in many registries were saved:

    python3 -m venv /tmp/mlf2 && /tmp/mlf2/bin/pip install mlflow==2.22.0 scikit-learn==1.5.2
    /tmp/mlf2/bin/python models/make_sklearn_mlflow2.py

Writes models/sklearn/<name>-mlflow2/ and models/expected/sklearn-<name>-mlflow2.json in
the format of make_sklearn_models.py (outputs from MLflow 2's own pyfunc).
"""

import json
import os
import shutil
import tempfile

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, model, X, predict_fn):
    path = os.path.join(HERE, "sklearn", name)
    if os.path.exists(path):
        shutil.rmtree(path)
    y = getattr(model, predict_fn)(X)
    # No serialization_format: MLflow 2's default, cloudpickle.
    mlflow.sklearn.save_model(model, path, signature=infer_signature(X, y), input_example=X.iloc[:3],
                              pyfunc_predict_fn=predict_fn)
    served = mlflow.pyfunc.load_model(path).predict(X)
    expected = {
        "model": name,
        "predict_fn": predict_fn,
        "columns": list(X.columns),
        "data": [[float(v) for v in r] for r in X.itertuples(index=False)],
        "outputs": np.asarray(served).tolist(),
        "sklearn": {"predict": model.predict(X).tolist()},
        "trusted_types": None,
        "serialization_format": "cloudpickle",
        "note": f"saved by MLflow {mlflow.__version__} (default format) with scikit-learn {sklearn.__version__}; "
        "outputs: mlflow.pyfunc.load_model(path).predict(these rows as a DataFrame)",
    }
    with open(os.path.join(HERE, "expected", f"sklearn-{name}.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    print(name, sorted(os.listdir(path)))


def main():
    mlflow.set_tracking_uri("file://" + tempfile.mkdtemp())  # keep ./mlruns out of the repository
    X, y = load_iris(return_X_y=True, as_frame=True)
    rf = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    write("iris-rf-mlflow2", rf, X, "predict")
    write("iris-rf-proba-mlflow2", rf, X, "predict_proba")
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    write("iris-logreg-pipeline-mlflow2", pipe, X, "predict_proba")


if __name__ == "__main__":
    main()
