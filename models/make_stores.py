#!/usr/bin/env python3
"""Build the MLflow tracking stores used by wasmflow's model-URI tests.

Run from the repository root with the venv of models/README.md:
    /tmp/wf-venv/bin/python models/make_stores.py

Logs models/iris-onnx/model.onnx with real MLflow (``mlflow.onnx.log_model``) into
    tests/fixtures/stores/sqlite/   a SQLite store: mlflow.db + mlruns/ (artifacts)
    tests/fixtures/stores/file/     a file store: mlruns/ (metadata and artifacts)
In each store: experiment "iris", two runs each logging one model (MLflow 3 logged
models, ``models:/m-...``), both registered as ``iris_classifier`` (versions 1 and 2),
alias ``production`` -> version 2. ``sklearn-sqlite/`` is the MLflow walkthrough's
registry: the iris RandomForest of models/sklearn/iris-rf logged with
``mlflow.sklearn.log_model`` (MLflow 3's default skops format) as ``iris_rf`` version 1,
alias ``champion``. ``ids.json`` beside each store records the run ids,
model ids and experiment id the tests need.

MLflow writes absolute artifact locations (``file:///<store>/mlruns/...``). The stores
are made under a scratch directory and copied here, so those absolute paths do not exist
on other machines; wasmflow resolves a ``file:`` artifact location that does not exist
relative to the store root (the directory holding mlflow.db, or the parent of mlruns/),
which is what makes these committed stores work from any clone.
"""

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(REPO, "tests", "fixtures", "stores")
MODEL = os.path.join(HERE, "iris-onnx")
NAME = "iris_classifier"


def build_sklearn(root):
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.models import Model

    uri = "sqlite:///" + os.path.join(root, "mlflow.db")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    os.chdir(root)
    import skops.io

    source = os.path.join(HERE, "sklearn", "iris-rf")
    trusted = ["sklearn.tree._tree.Tree"]  # our own forest, saved by make_sklearn_models.py
    model = skops.io.load(os.path.join(source, "model.skops"), trusted=trusted)
    signature = Model.load(os.path.join(source, "MLmodel")).signature
    experiment_id = mlflow.create_experiment("iris")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        info = mlflow.sklearn.log_model(
            model, name="model", signature=signature, registered_model_name="iris_rf", skops_trusted_types=trusted
        )
    MlflowClient(tracking_uri=uri, registry_uri=uri).set_registered_model_alias("iris_rf", "champion", "1")
    return {"tracking_uri_kind": "sqlite", "experiment_id": experiment_id,
            "versions": {"1": {"run_id": run.info.run_id, "model_id": info.model_id}}}


def build(kind, root):
    if kind == "sklearn-sqlite":
        return build_sklearn(root)
    import mlflow
    import mlflow.onnx
    import onnx
    from mlflow.models import Model
    from mlflow import MlflowClient

    if kind == "sqlite":
        uri = "sqlite:///" + os.path.join(root, "mlflow.db")
    else:
        uri = "file://" + os.path.join(root, "mlruns")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    os.chdir(root)  # the SQLite store's default artifact root is ./mlruns
    signature = Model.load(os.path.join(MODEL, "MLmodel")).signature
    onnx_model = onnx.load(os.path.join(MODEL, "model.onnx"))
    experiment_id = mlflow.create_experiment("iris")
    ids = {"tracking_uri_kind": kind, "experiment_id": experiment_id, "versions": {}}
    for version in (1, 2):
        with mlflow.start_run(experiment_id=experiment_id) as run:
            info = mlflow.onnx.log_model(
                onnx_model, name="model", signature=signature, registered_model_name=NAME
            )
        ids["versions"][str(version)] = {"run_id": run.info.run_id, "model_id": info.model_id}
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.set_registered_model_alias(NAME, "production", "2")
    return ids


def main():
    warnings.filterwarnings("ignore")
    # MLflow 3.17 refuses the file store unless asked to keep it (maintenance mode).
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    os.makedirs(OUT, exist_ok=True)
    kinds = sys.argv[1:] or ["sqlite", "file"]
    for kind in kinds:
        scratch = tempfile.mkdtemp(prefix=f"wasmflow-store-{kind}-")
        ids = build(kind, scratch)
        if kind in ("sqlite", "sklearn-sqlite"):
            db = sqlite3.connect(os.path.join(scratch, "mlflow.db"))
            # Same database, smaller pages: most of MLflow's ~65 tables are empty and
            # each takes a page, so 512-byte pages shrink the file ~8x.
            db.execute("PRAGMA page_size = 512")
            db.execute("VACUUM")
            db.close()
        dest = os.path.join(OUT, kind)
        if os.path.exists(dest):
            shutil.rmtree(dest)
        shutil.copytree(scratch, dest)
        with open(os.path.join(dest, "ids.json"), "w") as f:
            json.dump(ids, f, indent=2)
            f.write("\n")
        shutil.rmtree(scratch)
        print(kind, json.dumps(ids))


if __name__ == "__main__":
    main()
