#!/usr/bin/env python3
"""Coverage sweep of the onnx flavor over skl2onnx's converters (issue 13, item 3).

For every scikit-learn estimator skl2onnx converts: fit it with default parameters
on a small dataset that suits it (iris for classifiers, clusterers, outlier
detectors and transformers; diabetes for regressors), convert it with skl2onnx's
default options (classifiers twice: ZipMap on, and `zipmap: False`), save it with
real MLflow (`mlflow.onnx.save_model`, what `log_model` writes), run onnxruntime on
the test rows, and ask the flavor (natively, `examples/onnx_check.rs`: the same
code the component runs) for its answer. Writes docs/onnx-ml-coverage.md.

    /tmp/wasmflow-ci-venv/bin/python models/sweep_skl2onnx.py            # sweep + table
    /tmp/wasmflow-ci-venv/bin/python models/sweep_skl2onnx.py --fixtures # + models/onnx-ml/

`--fixtures` also (re)writes the committed fixtures models/onnx-ml/<name>/ (MLflow
directory + expected.json with onnxruntime's outputs) that
`cargo test -p wasmflow-flavor-onnx` checks, and the BRANCH_GTE/GT/EQ/NEQ tree
regression fixture built with onnx.helper.

Tolerance (float32): 1e-5 relative or 1e-6 absolute; labels exact.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REL, ABS = 1e-5, 1e-6
N_TEST = 20

# The committed fixtures: sweep cases kept in models/onnx-ml/ (small models only).
FIXTURES = {
    "StandardScaler+LogisticRegression": "scaler-logreg",
    "StandardScaler+LogisticRegression[nozipmap]": "scaler-logreg-nozipmap",
    "RandomForestClassifier": "rf-classifier",
    "DecisionTreeRegressor": "tree-regressor",
    "GradientBoostingRegressor": "gb-regressor",
    "GradientBoostingClassifier[nozipmap]": "gb-classifier-nozipmap",
    "Normalizer": "normalizer",
    "Binarizer": "binarizer",
    "SimpleImputer": "imputer",
    "LinearSVC": "linear-svc",
    "MaxAbsScaler": "maxabs-scaler",
    "ExtraTreeClassifier[binary]": "extra-tree-binary",
    "SVR": "svr",
    "OneClassSVM": "one-class-svm",
    "SVC": "svc",
    "SVC[probability]": "svc-probability",
    "SVC[binary,probability]": "svc-binary-probability",
    "SVC[poly]": "svc-poly",
}


def f32(a):
    """Rows of float32 values as shortest decimals; NaN as null (JSON has no NaN)."""
    return [[None if np.isnan(v) else float(str(np.float32(v))) for v in r] for r in np.asarray(a, dtype=np.float32)]


def jsonable(v):
    """onnxruntime's outputs as MLflow's JSON has them (lists, dicts with str keys)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): float(x) for k, x in v.items()}
    return v


def datasets():
    from sklearn.datasets import load_diabetes, load_iris

    X, y = load_iris(return_X_y=True)
    Xr, yr = load_diabetes(return_X_y=True)
    Xr, yr = Xr[:200], yr[:200]
    yb = (y == 2).astype(int)
    return {
        "classifier": (X.astype(np.float32), y),
        "binary": (X.astype(np.float32), yb),
        "regressor": (Xr.astype(np.float32), yr),
        "transformer": (X.astype(np.float32), y),
    }


def kind_of(cls):
    from sklearn.base import ClassifierMixin, ClusterMixin, OutlierMixin, RegressorMixin, TransformerMixin

    if issubclass(cls, ClassifierMixin):
        return "classifier"
    if issubclass(cls, RegressorMixin):
        return "regressor"
    if issubclass(cls, (ClusterMixin, OutlierMixin, TransformerMixin)):
        return "transformer"
    return None


def cases():
    """(name, estimator factory, data key, options) for every convertible estimator."""
    from skl2onnx import supported_converters
    from sklearn.utils import all_estimators

    converted = {c.replace("Sklearn", "", 1) for c in supported_converters(from_sklearn=True)}
    out = []
    for name, cls in all_estimators():
        kind = kind_of(cls)
        if kind is None or name not in converted:
            continue
        out.append((name, cls, "classifier" if kind == "classifier" else kind, kind == "classifier"))
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import ExtraTreeClassifier

    out.append(("StandardScaler+LogisticRegression",
                lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)), "classifier", True))
    out.append(("ExtraTreeClassifier[binary]", lambda: ExtraTreeClassifier(random_state=0), "binary", True))
    # SVMClassifier's other paths: Platt probabilities (prob_a/prob_b), two classes,
    # and the kernels besides the default RBF.
    from sklearn.svm import SVC

    out.append(("SVC[probability]", lambda: SVC(probability=True, random_state=0), "classifier", True))
    out.append(("SVC[binary]", lambda: SVC(), "binary", True))
    out.append(("SVC[binary,probability]", lambda: SVC(probability=True, random_state=0), "binary", True))
    for kernel in ("linear", "poly", "sigmoid"):
        out.append((f"SVC[{kernel}]", lambda k=kernel: SVC(kernel=k), "classifier", True))
    return out


def fit(factory, X, y):
    import inspect

    est = factory()
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    fit_params = inspect.signature(est.fit).parameters
    return est.fit(X, y) if "y" in fit_params else est.fit(X)


def convert(est, X, zipmap):
    from skl2onnx import to_onnx

    options = None if zipmap else {id(est): {"zipmap": False}}
    if hasattr(est, "steps") and not zipmap:
        options = {id(est.steps[-1][1]): {"zipmap": False}}
    return to_onnx(est, X[:1], options=options)


def gte_tree_model():
    """A TreeEnsembleRegressor/Classifier pair using BRANCH_GTE, GT, EQ, NEQ and LT
    nodes and missing-value tracking (what onnxmltools writes for LightGBM/XGBoost
    uses LEQ/LT; GTE is what tract misread)."""
    from onnx import TensorProto, helper

    # tree 0: GTE on f0 (NaN -> true), GT on f1, leaves; tree 1: EQ on f2, NEQ on f3 (NaN->false), LT on f0
    nodes = dict(
        nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
        nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6],
        nodes_featureids=[0, 1, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0],
        nodes_modes=["BRANCH_GTE", "BRANCH_GT", "LEAF", "LEAF", "LEAF",
                     "BRANCH_EQ", "BRANCH_NEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF", "LEAF"],
        nodes_values=[5.8, 3.0, 0, 0, 0, 1.0, 0.5, 6.0, 0, 0, 0, 0],
        nodes_truenodeids=[1, 2, 0, 0, 0, 1, 3, 5, 0, 0, 0, 0],
        nodes_falsenodeids=[4, 3, 0, 0, 0, 2, 4, 6, 0, 0, 0, 0],
        nodes_missing_value_tracks_true=[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    )
    leaves = [(0, 2, 1.5), (0, 3, -0.25), (0, 4, 0.75), (1, 3, 2.0), (1, 4, -1.0), (1, 5, 0.125), (1, 6, 3.0)]
    reg = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml", n_targets=1,
        target_treeids=[t for t, _, _ in leaves], target_nodeids=[n for _, n, _ in leaves],
        target_ids=[0] * len(leaves), target_weights=[w for _, _, w in leaves],
        base_values=[0.5], aggregate_function="SUM", post_transform="NONE", **nodes)
    graph = helper.make_graph(
        [reg], "gte_trees",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 9
    return model


def tree_ensemble_v5_model():
    """A TreeEnsemble (ai.onnx.ml opset 5): two trees over shared node and leaf
    arrays, BRANCH_GTE (missing values true), BRANCH_LEQ and BRANCH_NEQ, two targets,
    aggregate MAX (a target no reached leaf weighs stays at 0)."""
    from onnx import TensorProto, helper, numpy_helper

    def t(name, values, dtype):
        return numpy_helper.from_array(np.array(values, dtype=dtype), name)

    node = helper.make_node(
        "TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml",
        tree_roots=[0, 2],
        nodes_modes=t("nodes_modes", [2, 0, 5], np.uint8),
        nodes_splits=t("nodes_splits", [5.0, 3.0, 1.0], np.float32),
        nodes_featureids=[0, 1, 2],
        nodes_truenodeids=[1, 1, 3], nodes_trueleafs=[0, 1, 1],
        nodes_falsenodeids=[0, 2, 4], nodes_falseleafs=[1, 1, 1],
        nodes_missing_value_tracks_true=[1, 0, 0],
        leaf_targetids=[0, 1, 0, 1, 0],
        leaf_weights=t("leaf_weights", [1.0, 2.0, -1.5, 0.5, 4.0], np.float32),
        n_targets=2, aggregate_function=3, post_transform=0)
    graph = helper.make_graph(
        [node], "tree_ensemble_v5",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", 5)])
    model.ir_version = 10
    return model


def run(args):
    import mlflow.onnx
    import onnxruntime as ort

    warnings.filterwarnings("ignore")
    work = os.path.join(tempfile.gettempdir(), "skl2onnx-sweep")
    saved = os.path.join(work, "results.json")
    if "--check-only" in args:
        with open(saved) as f:
            results = json.load(f)
        results = [r for r in results if os.path.basename(r.get("dir", "")) not in ("tree-gte", "imputer-nan", "tree-ensemble-v5")]
        check_cases = [dict(dir=r["dir"], inputs=r["inputs"]) for r in results if "dir" in r]
        handmade(work, results, check_cases)
        return finish(args, work, results, check_cases)
    data = datasets()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    results, check_cases = [], []
    for name, factory, key, classifier in cases():
        X, y = data[key]
        test = X[:: max(1, len(X) // N_TEST)][:N_TEST]
        try:
            est = fit(factory, X, y)
        except Exception as e:  # needs parameters or other data
            results.append(dict(name=name, status="not fitted", reason=f"{type(e).__name__}: {str(e)[:90]}"))
            continue
        for zipmap in ([True, False] if classifier else [True]):
            case = name if zipmap else f"{name}[nozipmap]"
            if not zipmap and "[" in name:
                continue
            try:
                onx = convert(est, X, zipmap)
            except Exception as e:
                results.append(dict(name=case, status="not converted", reason=f"{type(e).__name__}: {str(e)[:90]}"))
                continue
            d = os.path.join(work, case.replace("+", "_").replace("[", "_").replace("]", ""))
            mlflow.onnx.save_model(onx, d)
            try:
                sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
                inp = sess.get_inputs()[0]
                if len(sess.get_inputs()) != 1 or inp.type != "tensor(float)":
                    results.append(dict(name=case, status="skipped", reason=f"input {inp.type}"))
                    continue
                outs = sess.run(None, {inp.name: test})
            except Exception as e:
                results.append(dict(name=case, status="onnxruntime fails", reason=str(e)[:90]))
                continue
            expected = {o.name: jsonable(v) for o, v in zip(sess.get_outputs(), outs)}
            ops = sorted({n.op_type for n in onx.graph.node if n.domain == "ai.onnx.ml"})
            results.append(dict(name=case, dir=d, expected=expected, inputs=f32(test), ops=ops))
            check_cases.append(dict(dir=d, inputs=f32(test)))
    with open(saved, "w") as f:
        json.dump(results, f)
    handmade(work, results, check_cases)
    finish(args, work, results, check_cases)


def handmade(work, results, check_cases):
    """Cases the sweep's default fits do not reach: the BRANCH_GTE tree regression
    fixture, and a SimpleImputer pipeline fed rows with missing values."""
    import mlflow.onnx
    import onnxruntime as ort
    from sklearn.datasets import load_iris
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx

    gte = os.path.join(work, "tree-gte")
    shutil.rmtree(gte, ignore_errors=True)
    mlflow.onnx.save_model(gte_tree_model(), gte)
    rows = f32([[5.8, 3.0, 1.0, 0.5], [6.1, 3.5, 2.0, 0.7], [5.0, 2.9, 1.0, 0.1], [np.nan, 3.1, np.nan, np.nan],
                [7.0, np.nan, 1.0, 0.5], [5.7, 3.0, 0.0, np.nan]])
    sess = ort.InferenceSession(gte_tree_model().SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float32)
    exp = {"variable": sess.run(None, {"X": x})[0].tolist()}
    results.append(dict(name="TreeEnsembleRegressor[BRANCH_GTE,GT,EQ,NEQ]", dir=gte, expected=exp, inputs=rows,
                        ops=["TreeEnsembleRegressor"], handmade=True))
    check_cases.append(dict(dir=gte, inputs=rows))

    v5 = os.path.join(work, "tree-ensemble-v5")
    shutil.rmtree(v5, ignore_errors=True)
    mlflow.onnx.save_model(tree_ensemble_v5_model(), v5)
    x5 = np.array([[5.0, 3.0, 1.0], [6.0, 3.5, 2.0], [4.0, 2.0, 1.0], [np.nan, 2.5, np.nan], [5.5, np.nan, 0.0],
                   [3.0, 9.0, 1.0]], dtype=np.float32)
    sess = ort.InferenceSession(tree_ensemble_v5_model().SerializeToString(), providers=["CPUExecutionProvider"])
    exp = {"Y": sess.run(None, {"X": x5})[0].tolist()}
    results.append(dict(name="TreeEnsemble[opset 5, MAX]", dir=v5, expected=exp, inputs=f32(x5), ops=["TreeEnsemble"],
                        handmade=True))
    check_cases.append(dict(dir=v5, inputs=f32(x5)))

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    X[::7, 1] = np.nan
    X[::5, 3] = np.nan
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=300)).fit(X, y)
    onx = to_onnx(pipe, X[:1])
    d = os.path.join(work, "imputer-nan")
    shutil.rmtree(d, ignore_errors=True)
    mlflow.onnx.save_model(onx, d)
    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    outs = sess.run(None, {sess.get_inputs()[0].name: X[:N_TEST]})
    expected = {o.name: jsonable(v) for o, v in zip(sess.get_outputs(), outs)}
    results.append(dict(name="SimpleImputer+StandardScaler+LogisticRegression[NaN rows]", dir=d, expected=expected,
                        inputs=f32(X[:N_TEST]), ops=["Imputer", "LinearClassifier", "Normalizer", "Scaler", "ZipMap"],
                        handmade=True))
    check_cases.append(dict(dir=d, inputs=f32(X[:N_TEST])))


def finish(args, work, results, check_cases):
    cases_file = os.path.join(work, "cases.json")
    with open(cases_file, "w") as f:
        json.dump(check_cases, f, allow_nan=True)
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "wasmflow-flavor-onnx", "--example", "onnx_check", "--", cases_file],
        cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"onnx_check failed:\n{out.stderr[-3000:]}")
    answers = {}
    for line in out.stdout.splitlines():
        a = json.loads(line)
        answers[a["dir"]] = a
    for r in results:
        if "dir" not in r:
            continue
        a = answers.get(r["dir"], {"error": "no answer"})
        if "error" in a:
            r["status"], r["reason"] = "refused", a["error"].splitlines()[0][:160]
        else:
            diff = compare(a["ok"], r["expected"], "")
            r["status"], r["reason"] = ("served", "") if diff is None else ("mismatched", diff[:160])
    write_table(results)
    if "--fixtures" in args:
        write_fixtures(results)


def compare(got, want, path):
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float)):
        if isinstance(want, float) and np.isnan(want):
            return None if isinstance(got, float) and np.isnan(got) else f"{path}: {got} vs NaN"
        ok = abs(got - want) <= ABS or abs(got - want) <= REL * abs(want)
        return None if ok else f"{path}: {got} vs {want}"
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return f"{path}: {len(got)} items vs {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            d = compare(g, w, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(want, dict) and isinstance(got, dict):
        if set(want) != set(got):
            return f"{path}: keys {sorted(got)} vs {sorted(want)}"
        for k in want:
            d = compare(got[k], want[k], f"{path}.{k}")
            if d:
                return d
        return None
    return None if got == want else f"{path}: {got!r} vs {want!r}"


def write_table(results):
    import onnxruntime
    import skl2onnx
    import sklearn

    tried = [r for r in results if r["status"] in ("served", "refused", "mismatched")]
    served = [r for r in tried if r["status"] == "served"]
    lines = [
        "# ONNX-ML coverage: skl2onnx's converters through the onnx flavor",
        "",
        "Made by `models/sweep_skl2onnx.py` (do not edit by hand): every scikit-learn estimator that",
        f"skl2onnx {skl2onnx.__version__} converts, fitted with default parameters (scikit-learn",
        f"{sklearn.__version__}; iris for classifiers, clusterers, outlier detectors and transformers,",
        "diabetes for regressors), converted with default options (classifiers also with",
        "`zipmap: False`), saved with `mlflow.onnx.save_model`, and answered by the flavor on",
        f"{N_TEST} float32 rows, compared with onnxruntime {onnxruntime.__version__} (1e-5 relative",
        "or 1e-6 absolute; labels exact; ZipMap outputs as MLflow's list of dicts).",
        "",
        f"**Served {len(served)} of {len(tried)}** converted models"
        f" ({100 * len(served) // max(1, len(tried))} %).",
        "",
        "| model | status | ai.onnx.ml operators | reason |",
        "|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: r["name"]):
        reason = r.get("reason", "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {r['name']} | {r['status']} | {', '.join(r.get('ops', []))} | {reason} |")
    with open(os.path.join(ROOT, "docs", "onnx-ml-coverage.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"served {len(served)} / {len(tried)}")


def write_fixtures(results):
    base = os.path.join(HERE, "onnx-ml")
    os.makedirs(base, exist_ok=True)
    wanted = dict(FIXTURES)
    wanted["TreeEnsembleRegressor[BRANCH_GTE,GT,EQ,NEQ]"] = "tree-gte"
    wanted["SimpleImputer+StandardScaler+LogisticRegression[NaN rows]"] = "imputer-nan"
    wanted["TreeEnsemble[opset 5, MAX]"] = "tree-ensemble-v5"
    for r in results:
        name = wanted.get(r["name"])
        if not name or "dir" not in r:
            continue
        dst = os.path.join(base, name)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(r["dir"], dst)
        with open(os.path.join(dst, "expected.json"), "w") as f:
            json.dump(dict(model=r["name"], status=r["status"], tolerance=dict(relative=REL, absolute=ABS),
                           inputs=r["inputs"], outputs=r["expected"]), f, indent=None, allow_nan=True)
            f.write("\n")


if __name__ == "__main__":
    run(sys.argv[1:])
