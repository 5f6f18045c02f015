#!/usr/bin/env python3
"""Generate the larger benchmark models under bench/models/ (not committed).

    bench/.venv/bin/python bench/make_models.py [--out bench/models] [--force]

bench/run calls this by itself when a model directory is missing. Both models are
built with onnx.helper from numpy weights drawn with a fixed seed (the figures do not
depend on what the model predicts, only on its shape), and saved with the real
`mlflow.onnx.save_model`, with a tensor signature, so MLflow and wasmflow serve the
same directory:

- mlp-784: MLP 784-512-512-10 (Gemm/Relu, softmax output), input `pixels` float32
  [-1, 784], output `probabilities` float32 [-1, 10]; ~2.7 MB of weights.
- cnn-small: Conv(1->8, 3x3, pad 1)/Relu/MaxPool 2 -> Conv(8->16, 3x3, pad 1)/Relu/
  MaxPool 2 -> Flatten -> Gemm(784->10), input `image` float32 [-1, 1, 28, 28], output
  `logits` float32 [-1, 10].

and the tree-ensemble models of tree_models.py (xgb-trees, lgb-trees, forest-onnx).

Opset 13 / IR 8, which both onnxruntime and tract read. Initializers are written as
`raw_data` (numpy_helper.from_array, as torch.onnx.export writes them); MLflow then
stores every tensor over 1 KB as external data beside model.onnx.
"""

import argparse
import pathlib
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import mlflow.onnx
from mlflow.models import ModelSignature
from mlflow.types.schema import Schema, TensorSpec

import tree_models

SEED = 20261202
OPSET = 13
IR_VERSION = 8


def _tensor(values: np.ndarray, name: str) -> onnx.TensorProto:
    return numpy_helper.from_array(values, name)


def _init(rng: np.random.Generator, name: str, shape, fan_in: int) -> onnx.TensorProto:
    values = rng.standard_normal(shape).astype(np.float32) * np.float32(np.sqrt(2.0 / fan_in))
    return _tensor(values, name)


def _bias(rng: np.random.Generator, name: str, n: int) -> onnx.TensorProto:
    return _tensor((rng.standard_normal(n) * 0.01).astype(np.float32), name)


def _finish(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="wasmflow-bench")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def mlp_784() -> tuple[onnx.ModelProto, ModelSignature]:
    rng = np.random.default_rng(SEED)
    sizes = [784, 512, 512, 10]
    inits, nodes = [], []
    current = "pixels"
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        inits.append(_init(rng, f"W{i}", (fan_in, fan_out), fan_in))
        inits.append(_bias(rng, f"b{i}", fan_out))
        out = f"h{i}"
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [out]))
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [out], [f"r{i}"]))
            out = f"r{i}"
        current = out
    nodes.append(helper.make_node("Softmax", [current], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes,
        "mlp_784_512_512_10",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 784])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])],
        inits,
    )
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 784), "pixels")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 10), "probabilities")]),
    )
    return _finish(graph), signature


def cnn_small() -> tuple[onnx.ModelProto, ModelSignature]:
    rng = np.random.default_rng(SEED + 1)
    inits = [
        _init(rng, "C1", (8, 1, 3, 3), 9),
        _bias(rng, "c1", 8),
        _init(rng, "C2", (16, 8, 3, 3), 72),
        _bias(rng, "c2", 16),
        _init(rng, "W", (16 * 7 * 7, 10), 16 * 7 * 7),
        _bias(rng, "b", 10),
    ]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["image", "C1", "c1"], ["x1"], **conv),
        helper.make_node("Relu", ["x1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], **pool),
        helper.make_node("Conv", ["p1", "C2", "c2"], ["x2"], **conv),
        helper.make_node("Relu", ["x2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], **pool),
        helper.make_node("Flatten", ["p2"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "W", "b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn_small",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits,
    )
    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 1, 28, 28), "image")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, 10), "logits")]),
    )
    return _finish(graph), signature


def _onnx(make):
    """A writer of the ONNX model `make` builds, saved by mlflow.onnx with its signature."""
    def save(path: str) -> None:
        model, signature = make()
        mlflow.onnx.save_model(model, path, signature=signature)
    return save


# name -> writer(path); the tree models (xgboost, lightgbm, an skl2onnx forest) are in tree_models.py.
MODELS = {"mlp-784": _onnx(mlp_784), "cnn-small": _onnx(cnn_small), **tree_models.MODELS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent / "models")
    parser.add_argument("--force", action="store_true", help="rewrite existing model directories")
    parser.add_argument("names", nargs="*", default=list(MODELS), help=f"models to write (default: {' '.join(MODELS)})")
    args = parser.parse_args()
    for name in args.names:
        if name not in MODELS:
            print(f"unknown model {name!r}; known: {', '.join(MODELS)}", file=sys.stderr)
            return 2
        path = args.out / name
        if path.exists():
            if not args.force:
                print(f"{path} exists (use --force to rewrite)")
                continue
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A partial directory must never look complete: write beside it, then rename.
        tmp = path.with_name(f".{name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        MODELS[name](str(tmp))
        tmp.rename(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
