#!/usr/bin/env python3
"""Build the wasmflow test models with real scikit-learn, skl2onnx and MLflow.

Run (see models/README.md):
    python3 -m venv /tmp/wf-venv
    /tmp/wf-venv/bin/pip install -r models/requirements.txt
    /tmp/wf-venv/bin/python models/make_models.py

Writes, next to this file:
    iris-onnx/         RandomForestClassifier -> ONNX (TreeEnsembleClassifier), unnamed
                       tensor input float32 [-1, 4], outputs label / probabilities
    iris-onnx-nosig/   the same ONNX model saved without signature or input example
    mlp-onnx/          MLPRegressor -> ONNX (MatMul/Add/Relu), named tensor input
                       "features" float32 [-1, 8], output variable float32 [-1, 1]
    mlp-onnx-nosig/    the same MLP ONNX model saved without signature or input example
    expected/<name>.json  inputs + onnxruntime outputs (+ sklearn reference predictions)

The training data, the models and the ONNX files are deterministic (fixed seeds).
MLflow itself stamps each MLmodel with utc_time_created and model_uuid, so those two
lines change on every run; everything else in the model directories is MLflow's own
output, left untouched.
"""

import json
import os
import shutil
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 42


def f32_list(a):
    """Nested lists of Python floats whose shortest repr round-trips the float32 value."""
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 0:
        return float(str(a))  # str() of a float32 scalar is its shortest float32 repr
    return [f32_list(x) for x in a]


def check_roundtrip(rows, a32):
    """The JSON numbers must give back exactly the float32 values, read either way."""
    via64 = np.array(rows, dtype=np.float64).astype(np.float32)
    direct = np.array([[np.float32(repr(v)) for v in r] for r in rows], dtype=np.float32)
    assert np.array_equal(via64, a32) and np.array_equal(direct, a32), "float32 round trip"


def save_mlflow(onnx_model, name, signature=None, input_example=None):
    import mlflow.onnx

    path = os.path.join(HERE, name)
    if os.path.exists(path):
        shutil.rmtree(path)
    mlflow.onnx.save_model(
        onnx_model, path=path, signature=signature, input_example=input_example
    )
    return path


def ort_run(onnx_model, feeds):
    import onnxruntime as ort

    sess = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in sess.get_outputs()]
    return names, dict(zip(names, sess.run(names, feeds)))


def describe(onnx_model):
    import onnx

    def vi(v):
        t = v.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else
                d.dim_value if d.HasField("dim_value") else "?" for d in t.shape.dim]
        return f"{v.name}: {onnx.TensorProto.DataType.Name(t.elem_type)} {dims}"

    ops = sorted({(n.domain or "ai.onnx") + ":" + n.op_type for n in onnx_model.graph.node})
    opsets = {o.domain or "ai.onnx": o.version for o in onnx_model.opset_import}
    return {
        "inputs": [vi(v) for v in onnx_model.graph.input],
        "outputs": [vi(v) for v in onnx_model.graph.output],
        "ops": ops,
        "opsets": opsets,
    }


def write_expected(name, payload):
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    p = os.path.join(HERE, "expected", name + ".json")
    with open(p, "w") as f:
        json.dump(payload, f, indent=None, separators=(",", ":"))
        f.write("\n")
    return p


def make_iris():
    from mlflow.models import infer_signature
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    X32 = X.astype(np.float32)
    clf = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED)
    clf.fit(X32, y)

    onx = convert_sklearn(
        clf,
        name="iris_rf",  # fixed graph name (default is a random uuid)
        initial_types=[("float_input", FloatTensorType([None, 4]))],
        target_opset={"": 15, "ai.onnx.ml": 3},
        options={id(clf): {"zipmap": False}},
    )
    names, out = ort_run(onx, {"float_input": X32})
    assert names == ["label", "probabilities"], names
    label = out["label"].astype(np.int64)
    proba = out["probabilities"].astype(np.float32)

    sig = infer_signature(X32, {"label": label, "probabilities": proba})
    example = X32[[0, 50, 100]]
    save_mlflow(onx, "iris-onnx", signature=sig, input_example=example)
    save_mlflow(onx, "iris-onnx-nosig")

    rows = f32_list(X32)
    check_roundtrip(rows, X32)
    expected = {
        "tolerance": 1e-5,
        "model": "iris-onnx",
        "input_name": "float_input",
        "input_dtype": "float32",
        "inputs": rows,
        "outputs": {"label": label.tolist(), "probabilities": f32_list(proba)},
        "sklearn": {
            "predict": clf.predict(X32).astype(int).tolist(),
            "predict_proba": clf.predict_proba(X32).tolist(),
        },
        "note": "inputs are the 150 iris rows as float32; outputs from onnxruntime "
        "CPUExecutionProvider; sklearn values are float64 references only",
    }
    write_expected("iris-onnx", expected)
    write_expected("iris-onnx-nosig", dict(expected, model="iris-onnx-nosig"))
    agree = int((label == clf.predict(X32)).sum())
    maxdiff = float(np.abs(proba - clf.predict_proba(X32)).max())
    return onx, f"labels agree with sklearn {agree}/150, max |proba diff| {maxdiff:.2e}"


def make_mlp():
    from mlflow.models import infer_signature
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import make_regression
    from sklearn.neural_network import MLPRegressor

    X, y = make_regression(
        n_samples=200, n_features=8, n_informative=6, noise=0.1, random_state=SEED
    )
    # Short decimal inputs (exact in JSON), target scaled to order 1.
    X32 = np.round(X, 3).astype(np.float32)
    y = (y - y.mean()) / y.std()
    reg = MLPRegressor(
        hidden_layer_sizes=(16, 8), activation="relu", max_iter=800, random_state=SEED
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X32, y)

    onx = convert_sklearn(
        reg,
        name="mlp_regressor",  # fixed graph name (default is a random uuid)
        initial_types=[("features", FloatTensorType([None, 8]))],
        target_opset={"": 15, "ai.onnx.ml": 3},
    )
    names, out = ort_run(onx, {"features": X32})
    assert names == ["variable"], names
    var = out["variable"].astype(np.float32)

    sig = infer_signature({"features": X32}, {"variable": var})
    example = {"features": X32[:3]}
    save_mlflow(onx, "mlp-onnx", signature=sig, input_example=example)
    save_mlflow(onx, "mlp-onnx-nosig")

    n = 60
    rows = f32_list(X32[:n])
    check_roundtrip(rows, X32[:n])
    expected = {
        "tolerance": 1e-5,
        "model": "mlp-onnx",
        "input_name": "features",
        "input_dtype": "float32",
        "inputs": rows,
        "outputs": {"variable": f32_list(var[:n])},
        "sklearn": {"predict": reg.predict(X32[:n]).tolist()},
        "note": "first 60 training rows as float32; outputs from onnxruntime "
        "CPUExecutionProvider; sklearn values are float64 references only",
    }
    write_expected("mlp-onnx", expected)
    write_expected("mlp-onnx-nosig", dict(expected, model="mlp-onnx-nosig"))
    maxdiff = float(np.abs(var[:, 0] - reg.predict(X32)).max())
    return onx, f"max |onnx - sklearn| {maxdiff:.2e}, train R^2 {reg.score(X32, y):.4f}"


def make_mlp_external():
    """A wider MLP written with numpy_helper (raw_data tensors, as torch.onnx.export
    writes them): MLflow stores every tensor over 1 KB as external data
    (`<uuid>.data` beside model.onnx), which is how most real ONNX models arrive."""
    import onnx
    from mlflow.models import infer_signature
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(SEED)
    w1 = rng.normal(0, 0.3, (8, 64)).astype(np.float32)
    b1 = rng.normal(0, 0.1, 64).astype(np.float32)
    w2 = rng.normal(0, 0.3, (64, 3)).astype(np.float32)
    b2 = rng.normal(0, 0.1, 3).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h"]),
            helper.make_node("Add", ["h", "b1"], ["hb"]),
            helper.make_node("Relu", ["hb"], ["a"]),
            helper.make_node("MatMul", ["a", "w2"], ["o"]),
            helper.make_node("Add", ["o", "b2"], ["scores"]),
        ],
        "mlp_external",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 8])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, 3])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
    )
    onx = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(onx)
    X32 = np.round(rng.normal(0, 1, (40, 8)), 3).astype(np.float32)
    _, out = ort_run(onx, {"x": X32})
    scores = out["scores"].astype(np.float32)
    save_mlflow(onx, "mlp-onnx-external", signature=infer_signature(X32, {"scores": scores}))
    rows = f32_list(X32)
    check_roundtrip(rows, X32)
    write_expected("mlp-onnx-external", {
        "tolerance": 1e-5,
        "model": "mlp-onnx-external",
        "input_name": "x",
        "input_dtype": "float32",
        "inputs": rows,
        "outputs": {"scores": f32_list(scores)},
        "note": "random weights (seed 42) stored as raw_data; MLflow writes w1 and w2 as external data; "
        "outputs from onnxruntime CPUExecutionProvider",
    })
    return onx, "external data: " + ", ".join(sorted(os.listdir(os.path.join(HERE, "mlp-onnx-external"))))


def main():
    np.random.seed(SEED)
    if sys.argv[1:] == ["mlp-onnx-external"]:
        print(make_mlp_external()[1])
        return 0
    for fn in (make_iris, make_mlp, make_mlp_external):
        onx, info = fn()
        print(fn.__name__, info)
        print(json.dumps(describe(onx), indent=1))
    for name in ("iris-onnx", "iris-onnx-nosig", "mlp-onnx", "mlp-onnx-nosig"):
        d = os.path.join(HERE, name)
        sizes = {f: os.path.getsize(os.path.join(d, f)) for f in sorted(os.listdir(d))}
        print(name, sizes)
        assert sizes["model.onnx"] < 200_000
    return 0


if __name__ == "__main__":
    sys.exit(main())
