#!/usr/bin/env python3
"""The scikit-learn coverage sweep (issue 13, item 2): every estimator scikit-learn
ships, fitted with default parameters, saved by real MLflow, served by wasmflow.

Run from the repository root with the fixtures venv (models/requirements.txt):
    nice /tmp/wasmflow-ci-venv/bin/python models/sklearn_sweep.py            # all, table
    /tmp/wasmflow-ci-venv/bin/python models/sklearn_sweep.py --only Ridge,PCA --no-table

For every class in `sklearn.utils.all_estimators()` that is a classifier, regressor,
outlier detector or a transformer usable in a Pipeline:
1. fit it with default parameters (a meta-estimator gets the instance scikit-learn's
   own common tests construct) on a small dataset that suits it: iris for
   classifiers, outlier detectors and transformers (a transformer is served as
   `Pipeline([transformer, Ridge()])`, the only way MLflow's pyfunc serves one),
   200 rows of diabetes for regressors (two targets for multi-output-only ones);
2. save it with `mlflow.sklearn.save_model` twice, as skops and as cloudpickle, into
   a temporary directory, and record what MLflow's pyfunc predicts (`predict`; for
   a classifier with `predict_proba`, that too) on 30 rows;
3. run the native harness (`cargo run --release -p wasmflow-flavor-sklearn --example
   sweep`, the flavor's own load + predict, no server) on every saved model: served
   (loads, same answer: labels exact, floats within 1e-9 relative), refused (the
   one-line start-up error), or mismatched;
4. write docs/sklearn-coverage.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import traceback
import warnings

import logging

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Transformers a numeric Pipeline cannot hold (text, dicts, targets, images) or
# that have no `transform` once fitted: listed in the table, not counted.
NOT_APPLICABLE = {
    "CountVectorizer": "takes text documents",
    "HashingVectorizer": "takes text documents",
    "TfidfVectorizer": "takes text documents",
    "DictVectorizer": "takes dicts",
    "FeatureHasher": "takes dicts or token lists",
    "LabelBinarizer": "transforms targets, not features",
    "LabelEncoder": "transforms targets, not features",
    "MultiLabelBinarizer": "transforms targets, not features",
    "PatchExtractor": "takes images",
    "GridSearchCV": "model selection (its best estimator is what is served)",
    "RandomizedSearchCV": "model selection (its best estimator is what is served)",
    "HalvingGridSearchCV": "model selection (its best estimator is what is served)",
    "HalvingRandomSearchCV": "model selection (its best estimator is what is served)",
    "ColumnTransformer": "needs column specifications (covered by the fixtures)",
    "FeatureUnion": "needs a transformer list",
    "SparseCoder": "needs a dictionary",
}


# Estimators whose defaults need a particular target: binary, multilabel, or two
# continuous targets (cross decomposition with n_components=2).
BINARY = {"FixedThresholdClassifier", "TunedThresholdClassifierCV"}
MULTILABEL = {"MultiOutputClassifier", "ClassifierChain"}
TWO_TARGETS = {"CCA", "PLSCanonical", "PLSSVD"}


def kind_of(cls):
    from sklearn.base import ClassifierMixin, OutlierMixin, RegressorMixin

    if issubclass(cls, ClassifierMixin):
        return "classifier"
    if issubclass(cls, RegressorMixin):
        return "regressor"
    if issubclass(cls, OutlierMixin):
        return "outlier"
    if hasattr(cls, "transform"):
        return "transformer"
    return None


def instance(cls):
    try:
        return cls()
    except TypeError:
        from sklearn.utils._test_common.instance_generator import _construct_instances

        return next(iter(_construct_instances(cls)))


def data(name, est, kind):
    """(X, y, rows to predict) suiting the estimator's tags."""
    from sklearn.datasets import load_diabetes, load_iris

    tags = est.__sklearn_tags__()
    if kind == "regressor":
        X, y = load_diabetes(return_X_y=True)
        X, y = X[:200], y[:200]
        if (tags.target_tags.multi_output and not tags.target_tags.single_output) or name in TWO_TARGETS:
            y = np.c_[y, y[::-1] * 0.5]
    else:
        X, y = load_iris(return_X_y=True)
        if name in BINARY:
            y = (y == 2).astype(int)
        elif name in MULTILABEL:
            y = np.c_[y == 0, y == 2].astype(int)
        elif name in TWO_TARGETS:
            y = np.c_[y, y[::-1] * 0.5]
    if not tags.input_tags.two_d_array:
        X = X[:, :1]
    if tags.input_tags.categorical or name == "CategoricalNB":
        X = np.floor(X)
    if tags.input_tags.positive_only:
        X = np.abs(X)
    rows = X[::len(X) // 30][:30]
    return X, y, rows


def fit(name, cls):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline

    kind = kind_of(cls)
    est = instance(cls)
    X, y, rows = data(name, est, kind)
    if kind == "transformer":
        model = Pipeline([("t", est), ("ridge", Ridge())])
    else:
        model = est
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return kind, model, rows


def save(model, path, fmt):
    import mlflow.sklearn

    kwargs = {}
    if fmt == "skops":
        import skops.io

        kwargs["skops_trusted_types"] = skops.io.get_untrusted_types(data=skops.io.dumps(model)) or None
    # Fixed requirements: inferring them runs a subprocess per model (20 s each).
    mlflow.sklearn.save_model(model, path, serialization_format=fmt, pip_requirements=["scikit-learn"], **kwargs)


def generate(out, only):
    import mlflow.pyfunc
    from sklearn.utils import all_estimators

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    cases, rows_out = [], []
    for name, cls in all_estimators():
        if only and name not in only:
            continue
        kind = kind_of(cls)
        if kind is None:
            continue
        entry = {"name": name, "module": cls.__module__, "kind": kind}
        rows_out.append(entry)
        if name in NOT_APPLICABLE:
            entry["not_applicable"] = NOT_APPLICABLE[name]
            continue
        try:
            kind, model, rows = fit(name, cls)
        except Exception as e:  # noqa: BLE001 - recorded in the table
            entry["not_applicable"] = f"cannot be fitted with default parameters: {type(e).__name__}"
            continue
        for fmt in ("skops", "cloudpickle"):
            path = os.path.join(out, f"{name}-{fmt}")
            try:
                save(model, path, fmt)
            except Exception as e:  # noqa: BLE001
                entry[fmt] = {"status": "unsaved", "reason": f"MLflow cannot save it: {str(e).splitlines()[0][:160]}"}
                continue
            methods = ["predict"]
            if kind == "classifier" and hasattr(model, "predict_proba"):
                methods.append("predict_proba")
            for method in methods:
                try:
                    if method == "predict":
                        outputs = np.asarray(mlflow.pyfunc.load_model(path).predict(rows))
                    else:
                        outputs = np.asarray(model.predict_proba(rows))
                except Exception as e:  # noqa: BLE001
                    entry.setdefault("no_answer", {})[method] = f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"
                    continue
                cases.append({
                    "name": name,
                    "format": fmt,
                    "dir": path,
                    "method": method,
                    "data": rows.tolist(),
                    "labels": outputs.dtype.kind not in "fc",
                    "outputs": outputs.ravel().tolist() if outputs.dtype.kind in "fc" else [str(v) for v in outputs.ravel()],
                    "shape": list(outputs.shape),
                })
        print(f"{name}: {kind}", file=sys.stderr)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f)
    with open(os.path.join(out, "estimators.json"), "w") as f:
        json.dump(rows_out, f)


def run_harness(out):
    cmd = ["cargo", "run", "--release", "-q", "-p", "wasmflow-flavor-sklearn", "--example", "sweep", "--",
           os.path.join(out, "cases.json")]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    results = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f)
    return results


def status_of(results, name, fmt):
    """served / refused / mismatched for one saved model (all its methods)."""
    mine = [r for r in results if r["name"] == name and r["format"] == fmt]
    if not mine:
        return None
    for r in mine:
        if r["status"] == "refused":
            return r
    for r in mine:
        if r["status"] != "served":
            return r
    return {"status": "served", "max_rel": max(r.get("max_rel", 0.0) for r in mine),
            "methods": [r["method"] for r in mine]}


def table(out):
    with open(os.path.join(out, "estimators.json")) as f:
        estimators = json.load(f)
    with open(os.path.join(out, "results.json")) as f:
        results = json.load(f)
    kinds = ["classifier", "regressor", "outlier", "transformer"]
    counts = {k: [0, 0] for k in kinds}
    lines = []
    for e in estimators:
        if "not_applicable" in e:
            lines.append((e["kind"], e["name"], "n/a", e["not_applicable"]))
            continue
        cells, ok = [], True
        for fmt in ("skops", "cloudpickle"):
            r = e.get(fmt) or status_of(results, e["name"], fmt)
            if r is None:
                r = {"status": "no answer", "reason": "; ".join(f"{m}: {t}" for m, t in e.get("no_answer", {}).items())}
            if r["status"] == "served":
                cells.append(f"served ({', '.join(r['methods'])}; max rel {r['max_rel']:.1e})")
            elif r["status"] == "unsaved":
                # MLflow cannot write that format: nothing for wasmflow to serve.
                cells.append(r["reason"].replace("|", "\\|"))
            else:
                ok = False
                cells.append(f"{r['status']}: {r.get('reason', '')}".replace("|", "\\|").replace("\n", " "))
        if all(c.startswith("MLflow cannot") for c in cells):
            ok = False
        counts[e["kind"]][1] += 1
        counts[e["kind"]][0] += ok
        failing = [c for c in cells if not c.startswith(("served", "MLflow cannot"))]
        status = "served" if ok else (failing[0].split(":")[0] if failing else "unsaved")
        detail = cells[0] if cells[0] == cells[1].replace("cloudpickle", "skops") else " / ".join(
            f"{fmt}: {c}" for fmt, c in zip(("skops", "cloudpickle"), cells))
        lines.append((e["kind"], e["name"], status, detail))
    share = {k: f"{c[0]}/{c[1]} ({100 * c[0] / max(c[1], 1):.0f} %)" for k, c in counts.items()}
    cr = [counts["classifier"][i] + counts["regressor"][i] for i in (0, 1)]
    doc = [
        "# scikit-learn coverage",
        "",
        "Every estimator `sklearn.utils.all_estimators()` lists (scikit-learn 1.9.1) that is a",
        "classifier, regressor, outlier detector or a transformer usable in a Pipeline, fitted",
        "with default parameters, saved by MLflow 3.17.2 as skops and as cloudpickle, and",
        "loaded and run by the sklearn flavor natively (its own load and predict, the code the",
        "component runs). *served*: both formats (those MLflow can write) load and every method answers as MLflow's",
        "pyfunc does (labels exact, floats within 1e-9 relative; `predict`, and",
        "`predict_proba` for classifiers that have it); *refused*: the start-up error, one line",
        "naming the class; *mismatched*: loads, answers differently; *no answer*: MLflow's own",
        "pyfunc cannot answer (counted as not served). A transformer is served",
        "as `Pipeline([transformer, Ridge()])`. Made by `models/sklearn_sweep.py`",
        "(README of models/ says how to run it).",
        "",
        "History: the first run of this sweep, before the estimators it asked for were",
        "added (and with fewer targets fitted to suit threshold, multilabel and",
        "cross-decomposition estimators), served 13/39 classifiers, 14/53 regressors,",
        "1/5 outlier detectors and 9/59 transformers.",
        "",
        "| kind | served |",
        "|---|---|",
        *[f"| {k} | {share[k]} |" for k in kinds],
        f"| classifiers and regressors | {cr[0]}/{cr[1]} ({100 * cr[0] / max(cr[1], 1):.0f} %) |",
        "",
        "| kind | estimator | status | detail |",
        "|---|---|---|---|",
        *[f"| {k} | `{n}` | {s} | {d} |" for k, n, s, d in sorted(lines, key=lambda l: (kinds.index(l[0]), l[1]))],
        "",
    ]
    with open(os.path.join(ROOT, "docs", "sklearn-coverage.md"), "w") as f:
        f.write("\n".join(doc))
    print(json.dumps(share))
    print(f"classifiers and regressors: {cr[0]}/{cr[1]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "wasmflow-sklearn-sweep"))
    parser.add_argument("--only", default="")
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--no-table", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = {n for n in args.only.split(",") if n}
    if not args.no_generate:
        generate(args.out, only)
    run_harness(args.out)
    if not args.no_table:
        table(args.out)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        print(e.stderr, file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
